// as/reduce.ts: mean_dim and amax_dim over [outer, n, inner], each __scalar ≡ __f32x4 ≡ TS twin bit for bit
// (Object.is per element; amax with NaN, ±0 and ±∞ among the inputs), outer 1..2, n 0..9 (amax 1..9), inner 1..9
// (inner = 1: amax's f32x4 variant reduces along n in lanes).
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

const Kernels = suite('reduce/kernels');

Kernels('mean_dim: float32 sum from +0 in order s = 0 … n − 1, one division (n = 0: NaN): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let outer = 1; outer <= 2; outer++) for (let n = 0; n <= 9; n++) for (let inner = 1; inner <= 9; inner++) {
    const x = randomArray(outer * n * inner, seed++, -2, 2, true);
    const want = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let s = 0; s < n; s++) acc = f(acc + x[(o * n + s) * inner + i]);
      want[o * inner + i] = f(acc / n);
    }
    for (const v of ['mean_dim__scalar', 'mean_dim__f32x4'] as const) {
      const [got] = runKernel([x], [new Float32Array(outer * inner)], ([px], [py]) => k[v](px, py, outer, n, inner));
      assertBitExact(got, want, `${v} outer=${outer} n=${n} inner=${inner}`);
    }
  }
});

Kernels('amax_dim: IEEE maximum (NaN wins, +0 above −0): scalar ≡ f32x4 ≡ Math.max twin', () => {
  let seed = 10000;
  for (let outer = 1; outer <= 2; outer++) for (let n = 1; n <= 9; n++) for (let inner = 1; inner <= 9; inner++) {
    const x = randomArray(outer * n * inner, seed++, -2, 2, true);
    if (seed % 3 === 0) x.fill(0).forEach((_, i) => { x[i] = i % 2 ? -0 : 0; });   // ties of ±0
    const want = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      let m = -Infinity;
      for (let s = 0; s < n; s++) m = Math.max(m, x[(o * n + s) * inner + i]);
      want[o * inner + i] = m;
    }
    for (const v of ['amax_dim__scalar', 'amax_dim__f32x4'] as const) {
      const [got] = runKernel([x], [new Float32Array(outer * inner)], ([px], [py]) => k[v](px, py, outer, n, inner));
      assertBitExact(got, want, `${v} outer=${outer} n=${n} inner=${inner}`);
    }
  }
});

Kernels.run();
