import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';
import { checkLeakyRelu } from '../core/check/shape_ops.js';

function map(op: string, input: Tensor, f: (v: number) => number): Tensor {
  checkUnary(op, input);
  const x = input.data, out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return new Tensor(out, input.shape);
}

/**
 * SiLU (swish-1), element-wise: y = x · σ(x) = x / (1 + e^−x).
 *
 * Paper:   Elfwing et al. 2018, arXiv:1702.03118, §2 Eq. (4) (SiL); Ramachandran et al. 2017 (swish, β = 1).
 * Matches: torch.nn.functional.silu.
 * Shapes:  any → same.
 * Numerics: float64, one rounding. PyTorch computes x / (1 + expf(−x)) in float32: for x < −88.7 expf overflows and
 *          PyTorch returns −0 where the exact value is a float32 subnormal or −0 (a difference below 2⁻¹²⁶).
 *          −∞ → NaN (−∞/∞), +∞ → +∞, NaN → NaN, as PyTorch.
 * Cost:    ~4 FLOPs + one exp per element.
 * @see ts/wasm/silu.ts · spec/activations_extra.test.ts
 */
export function silu(input: Tensor): Tensor {
  return map('silu', input, (v) => v / (1 + Math.exp(-v)));
}

/**
 * Hard sigmoid, element-wise: y = ReLU6(x + 3) / 6.
 *
 * Paper:   Howard et al. 2019, "Searching for MobileNetV3", arXiv:1905.02244, §5.2 (h-sigmoid, Eq. 2's gate).
 * Matches: torch.nn.functional.hardsigmoid.
 * Shapes:  any → same.
 * Numerics: float64, one rounding (PyTorch rounds x + 3 and the division: wasm does exactly that, bit for bit).
 *          NaN → NaN.
 * Cost:    3 FLOPs per element.
 * @see ts/wasm/hardsigmoid.ts · spec/activations_extra.test.ts
 */
export function hardsigmoid(input: Tensor): Tensor {
  return map('hardsigmoid', input, (v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v + 3, 0), 6) / 6));
}

/**
 * Hyperbolic tangent, element-wise.
 *
 * Matches: torch.tanh (torch.nn.Tanh).   Shapes: any → same.
 * Numerics: float64 Math.tanh (< 1 ulp in double), one rounding. ±∞ → ±1, NaN → NaN, −0 → −0.
 * Cost:    one tanh per element (~20 FLOPs).
 * @see ts/wasm/tanh.ts · spec/activations_extra.test.ts
 */
export function tanh(input: Tensor): Tensor {
  return map('tanh', input, Math.tanh);
}

/**
 * Leaky ReLU, element-wise: y = x if x > 0 else negative_slope · x.
 *
 * Paper:   Maas et al. 2013, "Rectifier Nonlinearities Improve Neural Network Acoustic Models", §3 Eq. (3).
 * Matches: torch.nn.functional.leaky_relu(input, negative_slope=0.01) (the slope as a float32, as PyTorch's CPU
 *          kernel converts it).
 * Shapes:  any → same.
 * Numerics: one correctly rounded product: bit-exact on every backend (and with PyTorch). −0 → −0, NaN → NaN.
 * Cost:    1 FLOP per element.
 * @throws ArgumentError / ParameterError as checkLeakyRelu (a non-finite slope).
 * @see ts/wasm/leaky_relu.ts · spec/activations_extra.test.ts
 */
export function leakyRelu(input: Tensor, options?: { negative_slope?: number }): Tensor {
  const slope = checkLeakyRelu('leaky_relu', input, options);
  return map('leaky_relu', input, (v) => (v > 0 ? v : v * slope));
}
