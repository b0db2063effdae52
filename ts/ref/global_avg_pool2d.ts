import { Tensor } from '../core/tensor.js';
import { checkGlobalAvgPool2d } from '../core/check/activations.js';

/**
 * Global average pooling: the mean of every (n, c) plane, the "squeeze" that feeds the routing of CondConv
 * and the attention of DynamicConv / ODConv / SE.
 *
 * Paper:   Yang et al. 2019 (CondConv), arXiv:1904.04971, §3 Eq. (2) (GlobalAveragePool in r(x));
 *          Chen et al. 2020 (DynamicConv), arXiv:1912.03458, §3.2 (squeeze).
 * Matches: torch.nn.functional.adaptive_avg_pool2d(input, 1) (= input.mean((2, 3), keepdim=True)).
 * Equation: y[n, c, 0, 0] = (1 / (H·W)) · Σ_{i,j} x[n, c, i, j]
 * Shapes:  input [N, C, H, W] → output [N, C, 1, 1].
 * Numerics: float64 sum in row-major order, one division, one rounding. A plane whose float32 sum would overflow
 *          (e.g. all FLT_MAX) stays finite here; the wasm backend sums in float32, as PyTorch's float32 kernel
 *          does, and gives ±Inf there (NaN when +Inf and −Inf partial sums meet): a documented difference,
 *          pinned by spec/errors.test.ts (edge/global_avg_pool2d).
 * Cost:    N·C·H·W FLOPs.
 * @throws ShapeError if input is not rank 4 or H·W = 0.
 * @see spec/dynamic_conv.test.ts
 */
export function globalAvgPool2d(input: Tensor): Tensor {
  const [N, C, H, W] = checkGlobalAvgPool2d('global_avg_pool2d', input), plane = H * W;
  const x = input.data, out = new Float32Array(N * C);
  for (let nc = 0; nc < N * C; nc++) {
    let acc = 0;
    for (let k = 0; k < plane; k++) acc += x[nc * plane + k];
    out[nc] = acc / plane;
  }
  return new Tensor(out, [N, C, 1, 1]);
}
