import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';

/**
 * Hard swish, element-wise: y = x · ReLU6(x + 3) / 6, a piecewise-quadratic stand-in for swish (x · σ(x)).
 *
 * Paper:   Howard et al. 2019, "Searching for MobileNetV3", arXiv:1905.02244, §5.2, Eq. (2) (h-swish);
 *          used by coordinate attention (Hou et al. 2021, arXiv:2103.02907, the official `h_swish`).
 * Matches: torch.nn.functional.hardswish (and torch.nn.Hardswish).
 * Equation: y = x · min(max(x + 3, 0), 6) / 6, i.e. ±0 for x ≤ −3, x for x ≥ 3, x·(x + 3)/6 between.
 * Shapes:  any → same.
 * Numerics: float64, one rounding to float32. Special values follow the formula, as PyTorch does: x ≤ −3 gives
 *          x·0 = −0, −∞ gives −∞·0 = NaN, +∞ gives +∞, NaN gives NaN; and PyTorch forms x·ReLU6(x + 3) in
 *          float32 before dividing, so x > FLT_MAX/6 ≈ 5.7e37 gives +∞ there: the reference reproduces that overflow.
 * Cost:    4 FLOPs per element (add, clamp, multiply, divide).
 * @throws ArgumentError if input is not a Tensor; ResourceError beyond the element limit (checkUnary).
 * @see ts/wasm/hardswish.ts · as/hardswish.ts · spec/hardswish.test.ts
 */
export function hardswish(input: Tensor): Tensor {
  checkUnary('hardswish', input);
  const x = input.data, out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const product = v * Math.min(Math.max(v + 3, 0), 6);
    // PyTorch forms x·relu6(x + 3) in float32 before dividing: for |x| > FLT_MAX/6 that product overflows to ±∞.
    out[i] = Math.abs(Math.fround(product)) === Infinity ? Math.fround(product) : product / 6;
  }
  return new Tensor(out, input.shape);
}
