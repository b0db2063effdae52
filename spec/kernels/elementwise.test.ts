// as/elementwise.ts: relu, add, axpby, add_row_vector, add_column_vector, each __scalar ≡ __f32x4 ≡ TS twin bit
// for bit (Object.is per element), n 0..37 (every n mod 4) and matrix sides 1..9, with special values.
// axpby's twin is the reference's Math.fround(α·x) + Math.fround(β·y) for float64 α, β.
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

const Kernels = suite('elementwise/kernels');

Kernels('relu: n 0..37 (with specials: relu(−0) = +0, NaN kept): scalar ≡ f32x4 ≡ twin', () => {
  for (let n = 0; n <= 37; n++) {
    const x = randomArray(n, n + 1, -2, 2, true);
    const want = Float32Array.from(x, (v) => (Number.isNaN(v) ? v : v > 0 ? v : 0));
    for (const v of ['relu__scalar', 'relu__f32x4'] as const) {
      const [got] = runKernel([x], [new Float32Array(n)], ([px], [py]) => k[v](px, py, n));
      assertBitExact(got, want, `${v} n=${n}`);
    }
  }
});

Kernels('add: n 0..37 (with specials): scalar ≡ f32x4 ≡ twin', () => {
  for (let n = 0; n <= 37; n++) {
    const a = randomArray(n, n + 100, -2, 2, true), b = randomArray(n, n + 200, -2, 2, true);
    const want = Float32Array.from(a, (v, i) => f(v + b[i]));
    for (const v of ['add__scalar', 'add__f32x4'] as const) {
      const [got] = runKernel([a, b], [new Float32Array(n)], ([pa, pb], [py]) => k[v](pa, pb, py, n));
      assertBitExact(got, want, `${v} n=${n}`);
    }
  }
});

Kernels('axpby: n 0..37, α, β float64 (not float32 numbers) and float32, 0 and ±∞ (with specials): scalar ≡ f32x4 ≡ Math.fround(α·x) + Math.fround(β·y)', () => {
  const coeffs: Array<[number, number]> = [[0.3, 1.7], [Math.fround(0.3), Math.fround(-2.5)], [0, 1], [1e-300, -1e300], [Infinity, 0.5], [-0, 3]];
  for (let n = 0; n <= 37; n++) for (const [alpha, beta] of coeffs) {
    const x = randomArray(n, n + 300, -2, 2, true), y = randomArray(n, n + 400, -2, 2, true);
    const want = Float32Array.from(x, (v, i) => Math.fround(alpha * v) + Math.fround(beta * y[i]));
    for (const v of ['axpby__scalar', 'axpby__f32x4'] as const) {
      const [got] = runKernel([x, y], [new Float32Array(n)], ([px, py], [po]) => k[v](alpha, px, beta, py, po, n));
      assertBitExact(got, want, `${v} n=${n} α=${alpha} β=${beta}`);
    }
  }
});

Kernels('add_row_vector / add_column_vector: rows, cols 0..9 (with specials): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let rows = 0; rows <= 9; rows++) for (let cols = 0; cols <= 9; cols++) {
    const y = randomArray(rows * cols, seed++, -2, 2, true), vr = randomArray(cols, seed++, -2, 2, true), vc = randomArray(rows, seed++, -2, 2, true);
    const wantRow = Float32Array.from(y, (e, i) => f(e + vr[i % cols]));
    const wantCol = Float32Array.from(y, (e, i) => f(e + vc[Math.floor(i / cols)]));
    for (const v of ['add_row_vector__scalar', 'add_row_vector__f32x4'] as const) {
      const [got] = runKernel([vr], [y], ([pv], [py]) => k[v](py, rows, cols, pv));
      assertBitExact(got, wantRow, `${v} ${rows}x${cols}`, [rows, cols]);
    }
    for (const v of ['add_column_vector__scalar', 'add_column_vector__f32x4'] as const) {
      const [got] = runKernel([vc], [y], ([pv], [py]) => k[v](py, rows, cols, pv));
      assertBitExact(got, wantCol, `${v} ${rows}x${cols}`, [rows, cols]);
    }
  }
});

Kernels.run();
