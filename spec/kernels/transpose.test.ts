// as/transpose.ts: transpose__scalar ≡ transpose__f32x4 ≡ TS twin bit for bit (32-bit moves), rows and cols
// 0..11 (every side mod 4 around the 4x4 blocks), with special values.
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { randomArray, runKernel } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

const Kernels = suite('transpose/kernels');

Kernels('rows, cols 0..11 (with specials): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let rows = 0; rows <= 11; rows++) for (let cols = 0; cols <= 11; cols++) {
    const a = randomArray(rows * cols, seed++, -2, 2, true);
    const want = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c * rows + r] = a[r * cols + c];
    for (const v of ['transpose__scalar', 'transpose__f32x4'] as const) {
      const [got] = runKernel([a], [new Float32Array(rows * cols)], ([pa], [pt]) => k[v](pa, pt, rows, cols));
      assertBitExact(got, want, `${v} ${rows}x${cols}`, [cols, rows]);
    }
  }
});

Kernels.run();
