import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../core/errors.js';
import { PadMode, PadGeometry, checkPadCall } from '../core/check/pad.js';

/** Source index of padded index `t` for a dimension of `size` with `before` leading pad, or -1 for constant fill. */
function sourceIndex(t: number, before: number, size: number, mode: PadMode): number {
  const s = t - before;
  if (s >= 0 && s < size) return s;
  if (mode === 'constant') return -1;
  if (mode === 'replicate') return s < 0 ? 0 : size - 1;
  return s < 0 ? -s : 2 * (size - 1) - s; // reflect: mirror without repeating the edge
}

/**
 * Pads a tensor: constant fill, reflection (edge not repeated) or replication (edge repeated).
 *
 * Paper:   ACmix (Pan et al., CVPR 2022, arXiv:2111.14556) pads attention windows by reflection
 *          (official code: nn.ReflectionPad2d); Eq. (8) needs k_att × k_att windows at borders.
 * Matches: torch.nn.functional.pad(input, pad, mode, value); `pad` lists [before, after] pairs
 *          starting from the LAST dimension: [left, right, top, bottom] for NCHW.
 *
 * Equation: y[..., t] = x[..., src(t)], src(t) = t − before  inside;  reflect: −s or 2(n−1) − s;
 *           replicate: clamp(s, 0, n−1); constant: `value` outside.
 * Shapes:  input [d_0, ..., d_{r−1}] → output with d_k + before_k + after_k.
 * Numerics: pure data movement, bit-exact.
 * Cost:    0 FLOPs.
 * @throws ArgumentError / ParameterError / ShapeError / ResourceError as `checkPadCall` lists them.
 * @see spec/pad.test.ts
 */
export function pad(input: Tensor, pad: readonly number[], options: { mode?: PadMode; value?: number } = {}): Tensor {
  const g = checkPadCall('pad', input, pad, options);
  const { mode, value } = g;
  const rank = input.rank, inShape = input.shape, outShape = g.outShape;
  const out = new Float32Array(outShape.reduce((a, b) => a * b, 1));
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    // idx = unravel(flat, outShape)
    let r = flat, src = 0, inside = true;
    for (let d = rank - 1; d >= 0; d--) { idx[d] = r % outShape[d]; r = Math.floor(r / outShape[d]); }
    for (let d = 0; d < rank; d++) {
      const s = sourceIndex(idx[d], g.before[d], inShape[d], mode);
      if (s < 0) { inside = false; break; }
      src = src * inShape[d] + s;
    }
    out[flat] = inside ? input.data[src] : value;
  }
  return new Tensor(out, outShape);
}
