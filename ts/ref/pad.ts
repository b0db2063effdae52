import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../core/errors.js';

export type PadMode = 'constant' | 'reflect' | 'replicate';

/** Geometry of a pad call: per-dimension [before, after] amounts, last dimension first as F.pad lists them. */
export interface PadGeometry { before: number[]; after: number[]; outShape: number[] }

/**
 * Validates `pad` arguments (shared by `ref` and `wasm`).
 * @throws ParameterError if `pad` has odd length, more than 2·rank entries, non-integer or negative entries,
 *         or an unknown mode; if reflect/replicate pads more than the last two dimensions.
 * @throws ShapeError if reflect pads ≥ the padded dimension (PyTorch: "Padding size should be less
 *         than the corresponding input dimension"), or replicate pads an empty dimension.
 */
export function checkPad(op: string, input: Tensor, pad: readonly number[], mode: PadMode): PadGeometry {
  const rank = input.rank;
  const ctx = () => fmtContext({ input, pad: [...pad], mode });
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate') {
    throw new ParameterError(`${op}: mode must be 'constant', 'reflect' or 'replicate', got ${JSON.stringify(mode)}`);
  }
  if (pad.length % 2 !== 0 || pad.length > 2 * rank) {
    throw new ParameterError(`${op}: pad must have an even length ≤ 2·rank = ${2 * rank}, got length ${pad.length} (${ctx()})`);
  }
  for (const p of pad) {
    if (!Number.isInteger(p) || p < 0) throw new ParameterError(`${op}: pad entries must be non-negative integers, got ${JSON.stringify(pad)} (${ctx()})`);
  }
  if (mode !== 'constant' && pad.length > 4) {
    throw new ParameterError(`${op}: ${mode} padding pads at most the last 2 dimensions (pad of length ≤ 4), got length ${pad.length} (${ctx()})`);
  }
  const before = new Array<number>(rank).fill(0), after = new Array<number>(rank).fill(0);
  for (let i = 0; i < pad.length / 2; i++) {
    const dim = rank - 1 - i;
    before[dim] = pad[2 * i];
    after[dim] = pad[2 * i + 1];
    const size = input.shape[dim];
    if (mode === 'reflect' && (before[dim] >= size || after[dim] >= size)) {
      throw new ShapeError(`${op}: reflect padding must be smaller than the padded dimension ${dim} of size ${size}, got [${before[dim]},${after[dim]}] (${ctx()})`);
    }
    if (mode === 'replicate' && size === 0 && before[dim] + after[dim] > 0) {
      throw new ShapeError(`${op}: replicate padding needs a non-empty dimension ${dim} (${ctx()})`);
    }
  }
  const outShape = input.shape.map((s, d) => s + before[d] + after[d]);
  return { before, after, outShape };
}

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
 * @throws ParameterError / ShapeError as `checkPad` lists them.
 * @see spec/pad.test.ts
 */
export function pad(input: Tensor, pad: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  const g = checkPad('pad', input, pad, mode);
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
