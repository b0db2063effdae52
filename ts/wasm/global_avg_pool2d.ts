import { Tensor } from '../core/tensor.js';
import { expectRank } from '../core/geometry.js';
import { ShapeError, fmtShape } from '../core/errors.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Global average pooling on WASM (as/global_avg_pool.ts: four interleaved float32 partial sums per plane, one
 * division). Matches / Shapes: as ts/ref/global_avg_pool2d.ts (F.adaptive_avg_pool2d(x, 1)): [N, C, H, W] → [N, C, 1, 1].
 * Numerics: within 2·(H·W + 1)·u·mean|x| of the reference.
 * @throws ShapeError as the reference (before any work); BackendError before `init()`.
 * @see ts/ref/global_avg_pool2d.ts · as/global_avg_pool.ts
 */
export function globalAvgPool2d(input: Tensor): Tensor {
  expectRank('global_avg_pool2d', 'input', input.shape, 4, { input });
  const [N, C, H, W] = input.shape, plane = H * W;
  if (plane === 0) throw new ShapeError(`global_avg_pool2d: H·W must be ≥ 1, got ${H}·${W} (input=${fmtShape(input.shape)})`);
  const k = kernels();
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(N * C);
    k.global_avg_pool__f32x4(x, y, N * C, plane);
    return a.download(y, N * C);
  });
  return new Tensor(out, [N, C, 1, 1]);
}
