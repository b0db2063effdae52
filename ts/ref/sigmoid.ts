import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';

/**
 * Logistic sigmoid, y = 1 / (1 + exp(−x)), element-wise.
 *
 * Paper:   the gates of CondConv routing (Yang et al. 2019, arXiv:1904.04971, Eq. (2)) and of the DCNv2 mask
 *          (Zhu et al. 2019, arXiv:1811.11168, §3.1: "passed through a sigmoid layer").
 * Matches: torch.sigmoid.
 * Shapes:  any → same.
 * Numerics: float64 (exp of the non-positive argument only, so no overflow), one rounding to float32;
 *          σ(NaN) = NaN, σ(+∞) = 1, σ(−∞) = 0.
 * Cost:    ~4 FLOPs per element (one exp).
 * @see spec/dynamic_conv.test.ts
 */
export function sigmoid(input: Tensor): Tensor {
  checkUnary('sigmoid', input);
  const x = input.data, out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
    else { const e = Math.exp(v); out[i] = e / (1 + e); }
  }
  return new Tensor(out, input.shape);
}
