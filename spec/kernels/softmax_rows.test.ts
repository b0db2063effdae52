// as/softmax_rows.ts: softmax_rows / softmax_columns / exp, each __scalar ≡ __f32x4 ≡ TS twin bit for bit
// (Object.is per element), sweeping n (rows) and inner (columns) 1..9 and beyond; the float32 expf's error
// measured over a dense sweep of float32 arguments against float64 Math.exp; special values as PyTorch
// (NaN row → NaN, all −∞ row → NaN, −∞ entries → 0).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel, ulpError, ulpOf } from '../support/kernel_io.js';
import { expfTwin } from '../support/float32_math.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

const pm = (a: number, b: number) => (a < b ? b : a);

/** softmax_rows twin: lane-partial pmax (skips NaN: a NaN entry makes its e, the sum and so the whole row NaN),
 *  lane-partial sums ((s0 + s1) + (s2 + s3)) then the tail, division. */
function rowsTwin(x: Float32Array, rows: number, n: number): Float32Array {
  const y = new Float32Array(rows * n), n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const o = r * n, m = [-Infinity, -Infinity, -Infinity, -Infinity];
    for (let j = 0; j < n4; j++) m[j & 3] = pm(m[j & 3], x[o + j]);
    let mx = pm(pm(m[0], m[1]), pm(m[2], m[3]));
    for (let j = n4; j < n; j++) mx = pm(mx, x[o + j]);
    const s = [0, 0, 0, 0];
    for (let j = 0; j < n4; j++) { y[o + j] = expfTwin(f(x[o + j] - mx)); s[j & 3] = f(s[j & 3] + y[o + j]); }
    let sum = f(f(s[0] + s[1]) + f(s[2] + s[3]));
    for (let j = n4; j < n; j++) { y[o + j] = expfTwin(f(x[o + j] - mx)); sum = f(sum + y[o + j]); }
    for (let j = 0; j < n; j++) y[o + j] = f(y[o + j] / sum);
  }
  return y;
}

/** softmax_columns twin: each column of [outer, size, inner] in order. */
function columnsTwin(x: Float32Array, outer: number, size: number, inner: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const at = (s: number) => (o * size + s) * inner + i;
    let m = -Infinity;
    for (let s = 0; s < size; s++) m = pm(m, x[at(s)]);
    let sum = 0;
    for (let s = 0; s < size; s++) { y[at(s)] = expfTwin(f(x[at(s)] - m)); sum = f(sum + y[at(s)]); }
    for (let s = 0; s < size; s++) y[at(s)] = f(y[at(s)] / sum);
  }
  return y;
}

const Kernels = suite('softmax_rows/kernels');

Kernels('softmax_rows: rows 1..3, n 0..9 and 13..67, ranges ±2 and ±60, with and without specials: scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  const ns = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 31, 49, 67];
  for (const n of ns) for (let rows = 1; rows <= 3; rows++) for (const range of [2, 60]) for (const specials of [false, true]) {
    const x = randomArray(rows * n, seed++, -range, range, specials);
    const want = rowsTwin(x, rows, n);
    for (const v of ['softmax_rows__scalar', 'softmax_rows__f32x4'] as const) {
      const [got] = runKernel([x], [new Float32Array(rows * n)], ([px], [py]) => k[v](px, py, rows, n));
      assertBitExact(got, want, `${v} rows=${rows} n=${n} range=${range} specials=${specials}`, [rows, n]);
    }
  }
});

Kernels('softmax_columns: outer 1..2, size 1..9, inner 1..9, 16, 17, 21, 36 (the 16-column blocks, their 4-column and scalar tails; with specials): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 100;
  for (let outer = 1; outer <= 2; outer++) for (let size = 1; size <= 9; size++) for (const inner of [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 21, 36]) {
    const x = randomArray(outer * size * inner, seed++, -20, 20, seed % 3 === 0);
    const want = columnsTwin(x, outer, size, inner);
    for (const v of ['softmax_columns__scalar', 'softmax_columns__f32x4'] as const) {
      const [got] = runKernel([x], [new Float32Array(x.length)], ([px], [py]) => k[v](px, py, outer, size, inner));
      assertBitExact(got, want, `${v} outer=${outer} size=${size} inner=${inner}`, [outer, size, inner]);
    }
  }
});

Kernels('PyTorch special rows: a NaN makes its row NaN, an all −∞ row is NaN, −∞ entries give +0, the rest sums to 1', () => {
  const I = Infinity;
  const rows = [[1, NaN, 2, 3, 4], [-I, -I, -I, -I, -I], [-I, 0, -I, 1, -I], [5, 5, 5, 5, 5]];
  const x = Float32Array.from(rows.flat());
  for (const v of ['softmax_rows__scalar', 'softmax_rows__f32x4'] as const) {
    const [y] = runKernel([x], [new Float32Array(x.length)], ([px], [py]) => k[v](px, py, 4, 5));
    assert.ok(y.slice(0, 5).every(Number.isNaN), `${v}: NaN row`);
    assert.ok(y.slice(5, 10).every(Number.isNaN), `${v}: all −∞ row`);
    assert.equal([y[10], y[12], y[14]], [0, 0, 0], `${v}: −∞ entries`);
    assert.ok(Math.abs(y[11] + y[13] - 1) < 1e-7 && y[13] > y[11], `${v}: finite entries`);
    assert.ok(y.slice(15).every((e) => e === f(0.2)), `${v}: equal entries`);
  }
});

Kernels('exp: n 0..37 (with specials): scalar ≡ f32x4 ≡ twin; exp(NaN) = NaN, exp(−∞) = +0, exp(+∞) = exp(88.8) = +∞, exp(±0) = 1', () => {
  for (let n = 0; n <= 37; n++) {
    const x = randomArray(n, n + 7, -100, 90, true);
    const want = Float32Array.from(x, expfTwin);
    for (const v of ['exp__scalar', 'exp__f32x4'] as const) {
      const [got] = runKernel([x], [new Float32Array(n)], ([px], [py]) => k[v](px, py, n));
      assertBitExact(got, want, `${v} n=${n}`);
    }
  }
  const sp = Float32Array.from([NaN, -Infinity, Infinity, 88.8, 0, -0, -104, -200]);
  const [y] = runKernel([sp], [new Float32Array(sp.length)], ([px], [py]) => k.exp__f32x4(px, py, sp.length));
  assert.ok(Number.isNaN(y[0]));
  assert.equal([...y.slice(1)], [0, Infinity, Infinity, 1, 1, 0, 0]);
});

Kernels('expf accuracy over a dense sweep (every 1021st float32 of [−87.33, 88.72], both signs): < 1 ulp; subnormal results within 1 ulp (2⁻¹⁴⁹)', () => {
  const toF = new Float32Array(1), toU = new Uint32Array(toF.buffer);
  const xs: number[] = [];
  toF[0] = 88.72; const top = toU[0];
  for (let b = 0; b <= top; b += 1021) { toU[0] = b; xs.push(toF[0]); if (toF[0] <= 87.33) xs.push(-toF[0]); }
  for (let x = -103.97; x < -87.34; x += 0.0007) xs.push(f(x));          // subnormal results
  const x = Float32Array.from(xs);
  const [y] = runKernel([x], [new Float32Array(x.length)], ([px], [py]) => k.exp__f32x4(px, py, x.length));
  let maxNormal = 0, maxSub = 0, at = 0;
  for (let i = 0; i < x.length; i++) {
    const exact = Math.exp(x[i]);
    const e = ulpError(y[i], exact);
    if (exact >= 2 ** -126) { if (e > maxNormal) { maxNormal = e; at = x[i]; } } else maxSub = Math.max(maxSub, e);
  }
  assert.ok(x.length > 2_000_000, `sweep of ${x.length} points`);
  assert.ok(maxNormal < 1, `expf max error ${maxNormal.toFixed(4)} ulp at x = ${at} (bound 1 ulp)`);
  assert.ok(maxSub <= 1, `expf max error in the subnormal range ${maxSub.toFixed(4)} × 2⁻¹⁴⁹ (bound 1)`);
});

Kernels('expf: within 1 ulp of the correctly rounded e^x over a dense sweep of [−104, 88.7] (every 509th float32, ~4.2M values, subnormal results included); scalar ≡ f32x4 ≡ twin', () => {
  // bit patterns 0 .. bits(88.7) and −0 .. bits(−104), step 509 (odd: every mantissa residue)
  const toF = new Float32Array(1), toU = new Uint32Array(toF.buffer);
  const bitsOf = (v: number) => { toF[0] = v; return toU[0]; };
  const xs: number[] = [];
  for (let b = 0; b <= bitsOf(88.7); b += 509) { toU[0] = b; xs.push(toF[0]); }
  for (let b = 0; b <= (bitsOf(-104) & 0x7fffffff); b += 509) { toU[0] = (b | 0x80000000) >>> 0; xs.push(toF[0]); }
  const x = Float32Array.from(xs);
  const [s] = runKernel([x], [new Float32Array(x.length)], ([px], [py]) => k.exp__scalar(px, py, x.length));
  const [v] = runKernel([x], [new Float32Array(x.length)], ([px], [py]) => k.exp__f32x4(px, py, x.length));
  let worst = 0, at = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(s[i], v[i])) assert.unreachable(`exp__scalar ${s[i]} ≠ exp__f32x4 ${v[i]} at x = ${x[i]}`);
    const cr = f(Math.exp(x[i])), e = Math.abs(s[i] - cr) / ulpOf(cr);
    if (e > worst) { worst = e; at = x[i]; }
  }
  assert.ok(worst <= 1, `expf: ${worst} ulp from the correctly rounded e^x at x = ${at}`);
  for (let i = 0; i < x.length; i += 97) assert.ok(Object.is(expfTwin(x[i]), s[i]), `twin at ${x[i]}`);
});

Kernels('expf special values: exp(±0) = 1, exp(−∞) = +0, exp(+∞) = +∞, NaN → NaN, underflow → +0 (subnormal just above), overflow → +∞', () => {
  const xs = [0, -0, -Infinity, Infinity, NaN, -104, -200, -103.28, -87.34, 88.72, 88.73, 100, 1, -1, -1e-30, 1e-30].map(f);
  const want = [1, 1, 0, Infinity, NaN, 0, 0, null, null, null, Infinity, Infinity, null, null, 1, 1];
  for (const name of ['exp__scalar', 'exp__f32x4'] as const) {
    const [got] = runKernel([Float32Array.from(xs)], [new Float32Array(xs.length)], ([px], [py]) => k[name](px, py, xs.length));
    xs.forEach((x, i) => {
      const w = want[i] ?? f(Math.exp(x));
      assert.ok(Object.is(got[i], w) || Math.abs(got[i] - w) <= ulpOf(w), `${name}(${x}) = ${got[i]}, want ${w}`);
    });
    assert.ok(got[7] > 0 && got[7] < 2 ** -126, `${name}: exp(−103.28) is subnormal, got ${got[7]}`);
  }
});

Kernels.run();
