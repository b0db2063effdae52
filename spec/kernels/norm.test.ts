// as/norm.ts: batch_norm (float64 lanes) and layer_norm_rows (float32, lane-partial sums), each
// __scalar ≡ __f32x4 ≡ TS twin bit for bit (Object.is per element), plane / row sizes 0..9 and beyond,
// with special values. batch_norm's twin is the reference's float64 expression, rounded once.
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

function layerNormTwin(x: Float32Array, rows: number, n: number, g: Float32Array, b: Float32Array, eps: number): Float32Array {
  const y = new Float32Array(rows * n), n4 = n & ~3, nf = f(n), e = f(eps);
  for (let r = 0; r < rows; r++) {
    const o = r * n, s = [0, 0, 0, 0];
    for (let j = 0; j < n4; j++) s[j & 3] = f(s[j & 3] + x[o + j]);
    let sum = f(f(s[0] + s[1]) + f(s[2] + s[3]));
    for (let j = n4; j < n; j++) sum = f(sum + x[o + j]);
    const mean = f(sum / nf);
    const v = [0, 0, 0, 0];
    for (let j = 0; j < n4; j++) { const d = f(x[o + j] - mean); v[j & 3] = f(v[j & 3] + f(d * d)); }
    let vs = f(f(v[0] + v[1]) + f(v[2] + v[3]));
    for (let j = n4; j < n; j++) { const d = f(x[o + j] - mean); vs = f(vs + f(d * d)); }
    const inv = f(1 / f(Math.sqrt(f(f(vs / nf) + e))));
    for (let j = 0; j < n; j++) y[o + j] = f(f(f(f(x[o + j] - mean) * inv) * g[j]) + b[j]);
  }
  return y;
}

const Kernels = suite('norm/kernels');

Kernels('batch_norm: N 1..2, C 1..3, HW 0..19 (with specials): scalar ≡ f32x4 ≡ the float64 twin', () => {
  let seed = 1;
  for (let N = 1; N <= 2; N++) for (let C = 1; C <= 3; C++) for (let HW = 0; HW <= 19; HW++) {
    const x = randomArray(N * C * HW, seed++, -2, 2, true), mean = randomArray(C, seed++), g = randomArray(C, seed++), b = randomArray(C, seed++);
    const inv = Float64Array.from(randomArray(C, seed++, 0.1, 3), (v) => 1 / Math.sqrt(v + 1e-5));
    const want = new Float32Array(x.length);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < HW; i++) {
      const at = (n * C + c) * HW + i;
      want[at] = (x[at] - mean[c]) * inv[c] * g[c] + b[c];
    }
    for (const v of ['batch_norm__scalar', 'batch_norm__f32x4'] as const) {
      const [got] = runKernel([x, mean, new Float32Array(inv.buffer), g, b], [new Float32Array(x.length)],
        ([px, pm, pi, pg, pb], [py]) => k[v](px, py, N, C, HW, pm, pi, pg, pb));
      assertBitExact(got, want, `${v} N=${N} C=${C} HW=${HW}`);
    }
  }
});

Kernels('layer_norm_rows: rows 1..3, n 1..9 and 13..67, offsets 0 and 50, eps 1e-5 and 0.3 (with specials): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 100;
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 31, 67]) for (let rows = 1; rows <= 3; rows++) for (const offset of [0, 50]) for (const eps of [1e-5, 0.3]) {
    const x = randomArray(rows * n, seed++, offset - 2, offset + 2, seed % 4 === 0), g = randomArray(n, seed++), b = randomArray(n, seed++);
    const want = layerNormTwin(x, rows, n, g, b, eps);
    for (const v of ['layer_norm_rows__scalar', 'layer_norm_rows__f32x4'] as const) {
      const [got] = runKernel([x, g, b], [new Float32Array(x.length)], ([px, pg, pb], [py]) => k[v](px, py, rows, n, pg, pb, eps));
      assertBitExact(got, want, `${v} rows=${rows} n=${n} offset=${offset} eps=${eps}`, [rows, n]);
    }
  }
});

Kernels.run();
