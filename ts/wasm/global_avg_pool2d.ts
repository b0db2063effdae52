import { Tensor } from '../core/tensor.js';
import { checkGlobalAvgPool2d } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Global average pooling on WASM (as/global_avg_pool.ts: four interleaved float32 partial sums per plane, one
 * division). Matches / Shapes: as ts/ref/global_avg_pool2d.ts (F.adaptive_avg_pool2d(x, 1)): [N, C, H, W] → [N, C, 1, 1].
 * Numerics: within 2·(H·W + 1)·u·mean|x| of the reference. The sum is float32, as PyTorch's float32 kernel: a plane
 *          whose float32 sum overflows (e.g. all FLT_MAX) gives ±Inf here (NaN when +Inf and −Inf partial sums
 *          meet), where the float64 reference stays finite (3.4e38): a documented difference, pinned by
 *          spec/errors.test.ts (edge/global_avg_pool2d).
 * @throws ArgumentError / ShapeError / ResourceError as checkGlobalAvgPool2d (before any WASM work); BackendError
 *         before `init()`.
 * @see ts/ref/global_avg_pool2d.ts · as/global_avg_pool.ts
 */
export function globalAvgPool2d(input: Tensor): Tensor {
  const [N, C, H, W] = checkGlobalAvgPool2d('global_avg_pool2d', input), plane = H * W;
  const k = kernels();
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(N * C);
    k.global_avg_pool__f32x4(x, y, N * C, plane);
    return a.download(y, N * C);
  });
  return new Tensor(out, [N, C, 1, 1]);
}
