// Argument checks, option types and geometry of the one-dimension reductions (mean, amax), shared by ts/ref and
// ts/wasm (they run before any work).
import { NotImplementedError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { tensorArg, optionsArg, booleanArg, checkElements } from '../validate.js';
import { normDim } from './activations.js';

/** Options of mean and amax, under torch.mean / torch.amax's keyword names. */
export interface ReduceDimOptions {
  /** the dimension to reduce (negative counts from the end). Required: the reduction over all dimensions (torch.mean(x)) and over several are not implemented. */
  dim: number;
  /** keep the reduced dimension with size 1 (default false: it is removed) */
  keepdim?: boolean;
}

/**
 * A reduction over one dimension seen as [outer, size, inner] (row-major): y[o, i] = reduce_s x[o, s, i].
 */
export interface ReduceGeometry {
  dim: number;
  outer: number;
  size: number;
  inner: number;
  /** the output shape (the dim removed, or kept as 1 with keepdim) */
  outShape: number[];
}

/**
 * Validates mean / amax (input, { dim, keepdim }) and returns the geometry.
 * @throws ArgumentError if input is not a Tensor, options is not a plain object { dim, keepdim }, keepdim is not a boolean.
 * @throws NotImplementedError if dim is missing (the reduction over every dimension) or an array (several dims).
 * @throws ParameterError if dim is not an integer in [−rank, rank − 1].
 * @throws ShapeError if input has rank 0, or (amax) the reduced dimension is empty (PyTorch: "Expected reduction
 *         dim to have non-zero size"; the mean of an empty dimension is NaN, as in PyTorch).
 */
export function checkReduceDim(op: 'mean' | 'amax', input: unknown, options: unknown): ReduceGeometry {
  const x = tensorArg(op, 'input', input);
  const o = optionsArg<{ dim?: unknown; keepdim?: unknown }>(op, options, ['dim', 'keepdim']);
  if (o.dim === undefined || o.dim === null) {
    throw new NotImplementedError(`${op}: options.dim is required: the reduction over every dimension is not implemented, got ${fmtValue(o.dim)} (input=${fmtShape(x.shape)})`);
  }
  if (Array.isArray(o.dim)) {
    throw new NotImplementedError(`${op}: dim must be one integer: the reduction over several dimensions is not implemented, got ${fmtValue(o.dim)} (input=${fmtShape(x.shape)})`);
  }
  const keepdim = booleanArg(op, 'keepdim', o.keepdim, false);
  if (x.rank === 0) throw new ShapeError(`${op}: input must have rank ≥ 1, got rank 0 (input=${fmtShape(x.shape)}, dim=${fmtValue(o.dim)})`);
  const dim = normDim(op, o.dim as number, x.rank);
  const size = x.shape[dim];
  if (op === 'amax' && size === 0) {
    throw new ShapeError(`${op}: the reduced dimension must be non-empty (the maximum of nothing is undefined), got input.shape[${dim}] = 0 (input=${fmtShape(x.shape)}, dim=${fmtValue(o.dim)})`);
  }
  const outer = x.shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const outShape = keepdim ? x.shape.map((d, i) => (i === dim ? 1 : d)) : x.shape.filter((_, i) => i !== dim);
  checkElements(op, 'the output', outShape);
  return { dim, outer, size, inner, outShape };
}
