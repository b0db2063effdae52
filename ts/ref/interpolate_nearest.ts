import { Tensor } from '../core/tensor.js';
import { nearestAxis } from '../core/check/interpolate_nearest.js';

/**
 * Nearest-neighbour resampling (interpolate's mode 'nearest'; called by ts/ref/interpolate.ts after its checks).
 *
 * Matches: torch.nn.functional.interpolate(input, size, mode='nearest') (PyTorch's legacy nearest, not
 *          'nearest-exact'): y[i, j] = x[src(i), src(j)], src(d) = min(⌊d · fround(in/out)⌋, in − 1) in float32.
 * Shapes:  [N, C, H, W] → [N, C, H_out, W_out].   Numerics: a copy (bit-exact).   Cost: none (a gather).
 * @see ts/core/check/interpolate_nearest.ts · ts/wasm/interpolate_nearest.ts
 */
export function interpolateNearest(input: Tensor, size: readonly [number, number]): Tensor {
  const [N, C, H, W] = input.shape, [Ho, Wo] = size;
  const ri = nearestAxis(H, Ho), ci = nearestAxis(W, Wo), out = new Float32Array(N * C * Ho * Wo);
  for (let nc = 0; nc < N * C; nc++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    out[(nc * Ho + i) * Wo + j] = input.data[(nc * H + ri[i]) * W + ci[j]];
  }
  return new Tensor(out, [N, C, Ho, Wo]);
}
