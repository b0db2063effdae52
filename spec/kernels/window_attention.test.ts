// as/window_attention.ts: window_attention__scalar ≡ __f32x4 ≡ TS twin bit for bit (Object.is per element),
// sweeping N (tokens per window) and head_dim 1..9 (every N mod 4 and hd mod 4 / mod 16), with and without the
// mask, several windows and heads; special values (a NaN logit → NaN row, an all −∞ row → NaN) as PyTorch; the
// flush of numerators below e^−87 to +0 (the −100 of Swin's mask).
// as/window_partition.ts: window_partition__scalar ≡ __f32x4 (both directions) and roll_dim__scalar ≡ __f32x4 ≡
// the index definitions, bit for bit with special values (NaN payloads kept), run lengths 1..9 and beyond.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';
import { expfTwin } from '../support/float32_math.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();
const pm = (a: number, b: number) => (a < b ? b : a);
/** The numerator of as/window_attention.ts: x < −87 ? +0 : expf(x) (the flush of subnormal-range numerators). */
const numerator = (x: number) => (x < -87 ? 0 : expfTwin(x));

/** The kernel's float32 operation order (file header of as/window_attention.ts). */
function twin(qkv: Float32Array, bias: Float32Array, mask: Float32Array | null, B_: number, N: number, heads: number, hd: number, nW: number, scale: number): Float32Array {
  const C = heads * hd, C3 = 3 * C, N4 = N & ~3, out = new Float32Array(B_ * N * C), l = new Float32Array(N);
  for (let b = 0; b < B_; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < N; i++) {
    const qs = Array.from({ length: hd }, (_, d) => f(qkv[(b * N + i) * C3 + h * hd + d] * scale));
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let d = 0; d < hd; d++) acc = f(acc + f(qs[d] * qkv[(b * N + j) * C3 + C + h * hd + d]));
      acc = f(acc + bias[(h * N + i) * N + j]);
      if (mask) acc = f(acc + mask[((b % nW) * N + i) * N + j]);
      l[j] = acc;
    }
    const m4 = [-Infinity, -Infinity, -Infinity, -Infinity];
    for (let j = 0; j < N4; j++) m4[j & 3] = pm(m4[j & 3], l[j]);
    let m = pm(pm(m4[0], m4[1]), pm(m4[2], m4[3]));
    for (let j = N4; j < N; j++) m = pm(m, l[j]);
    const s4 = [0, 0, 0, 0];
    for (let j = 0; j < N4; j++) { l[j] = numerator(f(l[j] - m)); s4[j & 3] = f(s4[j & 3] + l[j]); }
    let s = f(f(s4[0] + s4[1]) + f(s4[2] + s4[3]));
    for (let j = N4; j < N; j++) { l[j] = numerator(f(l[j] - m)); s = f(s + l[j]); }
    for (let d = 0; d < hd; d++) {
      let acc = 0;
      for (let j = 0; j < N; j++) acc = f(acc + f(l[j] * qkv[(b * N + j) * C3 + 2 * C + h * hd + d]));
      out[(b * N + i) * C + h * hd + d] = f(acc / s);
    }
  }
  return out;
}

function run(variant: 'scalar' | 'f32x4', qkv: Float32Array, bias: Float32Array, mask: Float32Array | null, B_: number, N: number, heads: number, hd: number, nW: number, scale: number): Float32Array {
  const outLen = B_ * N * heads * hd;
  const inputs = [qkv, bias, mask ?? new Float32Array(1)];
  return runKernel(inputs, [new Float32Array(outLen), new Float32Array(k.window_attention_scratch_floats(N, hd))], ([pq, pb, pm2], [py, ps]) => {
    k[`window_attention__${variant}`](pq, pb, mask ? pm2 : 0, py, ps, B_, N, heads, hd, mask ? nW : 0, scale);
  })[0];
}

const K = suite('kernels/window_attention');

K('window_attention: TS twin ≡ scalar ≡ f32x4 bit for bit (N 1..9, 16, 25, 49; head_dim 1..9 and 16..19; mask on and off)', () => {
  let seed = 1;
  for (const N of [1, 2, 3, 4, 5, 7, 8, 9, 16, 25, 49]) for (const hd of [1, 2, 3, 4, 5, 8, 9, 16, 17, 19]) for (const masked of [false, true]) {
    const heads = 1 + (seed % 2), nW = 2, B_ = 2 * nW, C = heads * hd, scale = f(hd ** -0.5);
    const qkv = randomArray(B_ * N * 3 * C, seed++, -3, 3);
    const bias = randomArray(heads * N * N, seed++, -1, 1);
    const mask = masked ? Float32Array.from(randomArray(nW * N * N, seed++, 0, 1), (v) => (v < 0.3 ? -100 : 0)) : null;
    const want = twin(qkv, bias, mask, B_, N, heads, hd, nW, scale);
    const a = run('scalar', qkv, bias, mask, B_, N, heads, hd, nW, scale);
    const b = run('f32x4', qkv, bias, mask, B_, N, heads, hd, nW, scale);
    assertBitExact(a, want, `scalar vs TS twin N=${N} hd=${hd} mask=${masked}`);
    assertBitExact(b, want, `f32x4 vs TS twin N=${N} hd=${hd} mask=${masked}`);
  }
});

K('window_attention: NaN in a key makes its rows NaN; an all −∞ bias row gives NaN (PyTorch); twins agree', () => {
  const N = 5, hd = 6, heads = 1, B_ = 1, C = hd;
  const qkv = randomArray(B_ * N * 3 * C, 99, -1, 1);
  qkv[1 * 3 * C + C + 2] = NaN;                              // key of token 1
  const bias = new Float32Array(N * N);
  const a = run('scalar', qkv, bias, null, B_, N, heads, hd, 0, 0.5), b = run('f32x4', qkv, bias, null, B_, N, heads, hd, 0, 0.5);
  assertBitExact(a, b, 'NaN key');
  assert.ok(a.every(Number.isNaN), 'every row attends to the NaN key');
  const bias2 = new Float32Array(N * N);
  for (let j = 0; j < N; j++) bias2[2 * N + j] = -Infinity;  // row 2 fully masked
  const c = run('f32x4', randomArray(B_ * N * 3 * C, 7, -1, 1), bias2, null, B_, N, heads, hd, 0, 0.5);
  for (let d = 0; d < hd; d++) assert.ok(Number.isNaN(c[2 * C + d]), 'all −∞ row → NaN');
  assert.ok(Number.isFinite(c[0]), 'other rows finite');
});

K('window_attention: numerators below e^−87 are +0 (no subnormal enters the sums); at −87 and above they are expf', () => {
  // one window, one head, hd = 1, N = 6: q = 1, k = 0 (logits = bias), v = 0 for the unmasked keys 0 and 1 and
  // v = 1 for keys 2..5, whose bias puts x_j = ℓ_j − m at −100 (flushed), −87.5 (flushed), −87 and −86 (kept).
  // Unflushed, y would be (e^−100 + e^−87.5 + e^−87 + e^−86)/s; flushed it is (e^−87 + e^−86)/s exactly.
  const N = 6, hd = 1, heads = 1, B_ = 1;
  const qkv = new Float32Array(N * 3);
  for (let j = 0; j < N; j++) { qkv[j * 3] = 1; qkv[j * 3 + 2] = j < 2 ? 0 : 1; }
  const bias = new Float32Array(N * N);
  for (let i = 0; i < N; i++) [0, 0, -100, -87.5, -87, -86].forEach((b, j) => { bias[i * N + j] = b; });
  const a = run('scalar', qkv, bias, null, B_, N, heads, hd, 0, 1), b = run('f32x4', qkv, bias, null, B_, N, heads, hd, 0, 1);
  assertBitExact(a, b, 'flush: scalar vs f32x4');
  // s = ((1 + 1) + (0 + 0)) + e^−87 + e^−86 = 2 (the tiny terms round away); Σ_j e_j·v_j = e^−87 + e^−86
  const want = f(f(expfTwin(-87) + expfTwin(-86)) / 2);
  for (let i = 0; i < N; i++) assert.is(a[i], want, `row ${i}: only the numerators at −87 and −86 are kept`);
  assert.ok(a[0] > 0 && a[0] < 1e-37, 'the kept numerators are tiny but nonzero');
});

K('window_attention_scratch_floats is the documented layout (Kᵀ [hd, Np], query block 4·hd, logits 4·Np, numerators 4·N; scalar (hd + 1)·N + hd)', () => {
  for (const N of [1, 4, 7, 8, 9, 49, 196]) for (const hd of [1, 3, 8, 32]) {
    const Np = Math.ceil(N / 8) * 8;
    assert.is(k.window_attention_scratch_floats(N, hd), Math.max(hd * Np + 4 * hd + 4 * Np + 4 * N, (hd + 1) * N + hd), `N=${N} hd=${hd}`);
  }
});

K('window_partition (both directions) and roll_dim: scalar ≡ f32x4 ≡ the index definition, bit for bit', () => {
  let seed = 500;
  for (const ws of [1, 2, 3, 5]) for (const C of [1, 2, 3, 4, 5, 7, 9]) for (const [nh, nw, B] of [[1, 1, 1], [2, 3, 2]]) {
    const H = nh * ws, W = nw * ws, n = B * H * W * C, x = randomArray(n, seed++, -2, 2, true);
    const want = new Float32Array(n);
    let o = 0;
    for (let b = 0; b < B; b++) for (let p = 0; p < nh; p++) for (let q = 0; q < nw; q++) for (let i = 0; i < ws; i++) for (let j = 0; j < ws; j++) for (let c = 0; c < C; c++) {
      want[o++] = x[((b * H + p * ws + i) * W + q * ws + j) * C + c];
    }
    for (const v of ['scalar', 'f32x4'] as const) {
      const fwd = runKernel([x], [new Float32Array(n)], ([s], [d]) => k[`window_partition__${v}`](s, d, B, H, W, C, ws, 0))[0];
      assertBitExact(fwd, want, `partition ${v} ws=${ws} C=${C}`);
      const back = runKernel([fwd], [new Float32Array(n)], ([s], [d]) => k[`window_partition__${v}`](s, d, B, H, W, C, ws, 1))[0];
      assertBitExact(back, x, `reverse ${v} ws=${ws} C=${C}`);
    }
  }
  for (const [outer, len, inner] of [[1, 1, 1], [2, 5, 3], [3, 7, 1], [1, 9, 9], [2, 56, 5]]) for (let shift = 0; shift < len; shift += Math.max(1, len >> 2)) {
    const n = outer * len * inner, x = randomArray(n, seed++, -2, 2, true), want = new Float32Array(n);
    for (let o = 0; o < outer; o++) for (let i = 0; i < len; i++) for (let t = 0; t < inner; t++) want[(o * len + (i + shift) % len) * inner + t] = x[(o * len + i) * inner + t];
    for (const v of ['scalar', 'f32x4'] as const) {
      const y = runKernel([x], [new Float32Array(n)], ([s], [d]) => k[`roll_dim__${v}`](s, d, outer, len, inner, shift))[0];
      assertBitExact(y, want, `roll_dim ${v} [${outer}, ${len}, ${inner}] shift ${shift}`);
    }
  }
});

K.run();
