import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtContext } from '../core/errors.js';
import { checkLinear } from '../core/check/linear.js';

/**
 * Affine map over the last dimension, y = x Wᵀ + b.
 *
 * Paper:   the projections W_q, W_k, W_v of self-attention, ACmix §3.2 Eq. (10) (as 1x1 convs there).
 * Matches: torch.nn.functional.linear(input, weight, bias).
 * Shapes:  input [..., in_features]   weight [out_features, in_features]   bias [out_features] | null
 *          output [..., out_features]
 * Numerics: float64 accumulation, bias added last, one rounding.
 * Cost:    2 · rows · in_features · out_features FLOPs.
 * @throws ShapeError if weight.shape[1] ≠ input.shape[-1] or bias is not [out_features].
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const { rows, in_features, out_features } = checkLinear('linear', input, weight, bias);
  const x = input.data, w = weight.data, out = new Float32Array(rows * out_features);
  for (let r = 0; r < rows; r++) for (let o = 0; o < out_features; o++) {
    let acc = 0;
    for (let i = 0; i < in_features; i++) acc += x[r * in_features + i] * w[o * in_features + i];
    if (bias) acc += bias.data[o];
    out[r * out_features + o] = acc;
  }
  return new Tensor(out, [...input.shape.slice(0, -1), out_features]);
}
