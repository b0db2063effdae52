// as/interpolate.ts: bilinear__scalar ≡ bilinear__f32x4 ≡ TS twin bit for bit (Object.is per element) for
// H, W 1..9 and H_out, W_out 1..13 (every W_out mod 4), tables as ts/wasm/interpolate.ts builds them
// (PyTorch's coordinates, align_corners both ways), with special values.
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { bilinearAxis } from '../../ts/core/check/interpolate.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

const Kernels = suite('interpolate/kernels');

Kernels('bilinear: planes 1..2, H, W 1..9, H_out, W_out 1..13, align_corners both (with specials): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let H = 1; H <= 9; H += 2) for (let W = 1; W <= 9; W++) for (const H_out of [1, 4, 9]) for (let W_out = 1; W_out <= 13; W_out++) {
    const align = seed % 2 === 0, planes = 1 + (seed % 2);
    const ay = bilinearAxis(H, H_out, align), ax = bilinearAxis(W, W_out, align);
    const rows = new ArrayBuffer(16 * H_out), rI = new Int32Array(rows), rF = new Float32Array(rows);
    for (let i = 0; i < H_out; i++) { rI[4 * i] = ay.i0[i]; rI[4 * i + 1] = ay.i1[i]; rF[4 * i + 2] = 1 - ay.l1[i]; rF[4 * i + 3] = ay.l1[i]; }
    const cols = new ArrayBuffer(16 * W_out), cI = new Int32Array(cols), cF = new Float32Array(cols);
    for (let j = 0; j < W_out; j++) { cI[j] = ax.i0[j]; cI[W_out + j] = ax.i1[j]; cF[2 * W_out + j] = 1 - ax.l1[j]; cF[3 * W_out + j] = ax.l1[j]; }
    const x = randomArray(planes * H * W, seed++, -2, 2, seed % 5 === 0);
    const want = new Float32Array(planes * H_out * W_out);
    for (let p = 0; p < planes; p++) for (let i = 0; i < H_out; i++) {
      const h0 = rF[4 * i + 2], h1 = rF[4 * i + 3];
      const row = (r: number, j: number) => f(f(cF[2 * W_out + j] * x[(p * H + r) * W + cI[j]]) + f(cF[3 * W_out + j] * x[(p * H + r) * W + cI[W_out + j]]));
      for (let j = 0; j < W_out; j++) want[(p * H_out + i) * W_out + j] = f(f(h0 * row(rI[4 * i], j)) + f(h1 * row(rI[4 * i + 1], j)));
    }
    for (const v of ['bilinear__scalar', 'bilinear__f32x4'] as const) {
      const [got] = runKernel([x, rF, cF], [new Float32Array(want.length)], ([px, pr, pc], [py], a) =>
        k[v](px, py, planes, H, W, H_out, W_out, pr, pc, a.alloc(H * W_out)));
      assertBitExact(got, want, `${v} ${planes}x${H}x${W} → ${H_out}x${W_out} align=${align}`, [planes, H_out, W_out]);
    }
  }
});

Kernels.run();
