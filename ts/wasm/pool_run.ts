// Shared driver of the pooling ops on WASM: uploads the window tables of ts/core/check/pooling.ts and runs
// as/pool2d.ts (pool2d_max / pool2d_avg) over the N·C planes in one arena scope.
import { Tensor } from '../core/tensor.js';
import type { PoolAxis } from '../core/check/pooling.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

function table(a: PoolAxis): Float32Array {
  const t = new Int32Array(2 * a.out);
  t.set(a.start, 0);
  t.set(a.count, a.out);
  return new Float32Array(t.buffer);
}

/**
 * Runs pool2d_max__f32x4 (div null) or pool2d_avg__f32x4 (div = row factors, then column factors; twoDivisions:
 * acc / row / col as adaptive_avg_pool2d, else acc / (row·col) as avg_pool2d).
 */
export function runPool2d(input: Tensor, rows: PoolAxis, cols: PoolAxis, div: Float32Array | null, twoDivisions = false): Tensor {
  const k = kernels();
  const [N, C, H, W] = input.shape, Ho = rows.out, Wo = cols.out, n = N * C * Ho * Wo;
  if (n === 0) return new Tensor(new Float32Array(0), [N, C, Ho, Wo]);
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    const r = a.upload(table(rows)), c = a.upload(table(cols));
    if (div === null) k.pool2d_max__f32x4(x, y, a.alloc(H * Wo), N * C, H, W, Ho, Wo, r, c, rows.step, cols.step);
    else k.pool2d_avg__f32x4(x, y, N * C, H, W, Ho, Wo, r, c, a.upload(div), twoDivisions ? 1 : 0);
    return a.download(y, n);
  });
  return new Tensor(out, [N, C, Ho, Wo]);
}
