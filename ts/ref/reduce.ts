import { Tensor } from '../core/tensor.js';
import { checkReduceDim, type ReduceDimOptions } from '../core/check/reduce.js';

/**
 * Mean over one dimension: the channel pool of CBAM's spatial gate (dim 1), coordinate attention's directional
 * pools (dim 3: X Avg Pool, dim 2: Y Avg Pool).
 *
 * Paper:   Woo et al. 2018 (CBAM, arXiv:1807.06521) §3 Eq. (3): AvgPool along the channel axis;
 *          Hou et al. 2021 (Coordinate Attention, arXiv:2103.02907) §3.2 Eq. (2)-(3).
 * Matches: torch.mean(input, dim, keepdim) for one integer dim (the reduction over every dimension, or several,
 *          is a NotImplementedError: dim is required).
 * Equation: y[o, i] = (1/n) Σ_{s<n} x[o, s, i], with the input seen as [outer, n, inner] around `dim`.
 * Shapes:  input [..., n, ...] → the same without dim (keepdim: with size 1 there).
 * Numerics: float64 sum, one division, one rounding to float32. An empty dim gives NaN (0/0), as PyTorch.
 * Cost:    one FLOP per input element (+ one division per output).
 * @throws ArgumentError, ParameterError, NotImplementedError, ShapeError: see checkReduceDim.
 * @see ts/wasm/reduce.ts · spec/gates.test.ts
 */
export function mean(input: Tensor, options: ReduceDimOptions): Tensor {
  const { outer, size, inner, outShape } = checkReduceDim('mean', input, options);
  const x = input.data, out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let sum = 0;
    for (let s = 0; s < size; s++) sum += x[(o * size + s) * inner + i];
    out[o * inner + i] = sum / size;
  }
  return new Tensor(out, outShape);
}

/**
 * Maximum over one dimension: the max channel pool of CBAM's spatial gate (ChannelPool, dim 1).
 *
 * Paper:   Woo et al. 2018 (CBAM, arXiv:1807.06521) §3 Eq. (3): MaxPool along the channel axis.
 * Matches: torch.amax(input, dim, keepdim) for one integer dim (dim is required).
 * Equation: y[o, i] = max_{s<n} x[o, s, i].
 * Shapes:  as `mean`.
 * Numerics: exact. NaN if any element is NaN (as PyTorch); of +0 and −0 the maximum is +0 (IEEE maximum, as
 *          Math.max and WebAssembly's f32.max: order independent; PyTorch may return either zero).
 * Cost:    one comparison per input element.
 * @throws ShapeError also if the reduced dimension is empty (as PyTorch).  See checkReduceDim.
 * @see ts/wasm/reduce.ts · spec/gates.test.ts
 */
export function amax(input: Tensor, options: ReduceDimOptions): Tensor {
  const { outer, size, inner, outShape } = checkReduceDim('amax', input, options);
  const x = input.data, out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let m = -Infinity;
    for (let s = 0; s < size; s++) m = Math.max(m, x[(o * size + s) * inner + i]);
    out[o * inner + i] = m;
  }
  return new Tensor(out, outShape);
}
