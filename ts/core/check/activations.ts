// Argument checks, option types and geometry of `activations`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../errors.js';

export type GeluApproximate = 'none' | 'tanh';

/** Validates gelu's `approximate` (shared by `ref` and `wasm`). @throws ParameterError if not 'none' or 'tanh'. */
export function checkGelu(op: string, approximate: GeluApproximate): void {
  if (approximate !== 'none' && approximate !== 'tanh') throw new ParameterError(`${op}: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
}

/** Normalises a dim argument (negative counts from the end). @throws ParameterError */
export function normDim(op: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim) || dim < -rank || dim >= rank) {
    throw new ParameterError(`${op}: dim must be an integer in [${-rank}, ${rank - 1}], got ${JSON.stringify(dim)}`);
  }
  return dim < 0 ? dim + rank : dim;
}

/**
 * Validates softmax (shared by `ref` and `wasm`) and returns the normalised dim.
 * @throws ShapeError if input has rank 0.  @throws ParameterError if dim is out of range.
 */
export function checkSoftmax(op: string, input: Tensor, dim: number): number {
  if (input.rank === 0) throw new ShapeError(`${op}: input must have rank ≥ 1, got rank 0 (${fmtContext({ input })})`);
  return normDim(op, dim, input.rank);
}

export function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rank !== b.rank || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeError(`${op}: shapes must be equal, got ${fmtContext({ a, b })}`);
  }
}
