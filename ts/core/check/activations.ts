// Argument checks, option types and geometry of `activations`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor, describe } from '../tensor.js';
import { ArgumentError, ParameterError, ShapeError, fmtContext, fmtShape, fmtValue } from '../errors.js';
import { tensorArg, optionsArg, enumArg } from '../validate.js';

export type GeluApproximate = 'none' | 'tanh';

/** Validates gelu's `approximate` (shared by `ref` and `wasm`). @throws ParameterError if not 'none' or 'tanh'. */
export function checkGelu(op: string, approximate: GeluApproximate): void {
  enumArg(op, 'approximate', approximate, ['none', 'tanh'], 'none');
}

/**
 * Validates a whole gelu call (the input and the raw options object) and returns `approximate` (default 'none').
 * @throws ArgumentError if input is not a Tensor or options is not a plain object; ParameterError if approximate is
 *         not 'none' or 'tanh'; ResourceError if the input exceeds the element limit.
 */
export function checkGeluCall(op: string, input: unknown, options: unknown): GeluApproximate {
  tensorArg(op, 'input', input);
  return enumArg(op, 'approximate', optionsArg<{ approximate?: unknown }>(op, options).approximate, ['none', 'tanh'], 'none');
}

/**
 * Validates an element-wise op of one tensor (relu, sigmoid): the input is a Tensor within the element limit.
 * @throws ArgumentError, ResourceError.
 */
export function checkUnary(op: string, input: unknown): Tensor {
  return tensorArg(op, 'input', input);
}

/** Normalises a dim argument (negative counts from the end). @throws ParameterError */
export function normDim(op: string, dim: number, rank: number): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -rank || dim >= rank) {
    throw new ParameterError(`${op}: dim must be an integer in [${-rank}, ${rank - 1}], got ${fmtValue(dim)}`);
  }
  return dim < 0 ? dim + rank : dim;
}

/**
 * Validates softmax (shared by `ref` and `wasm`) and returns the normalised dim.
 * @throws ArgumentError if input is not a Tensor.  @throws ShapeError if input has rank 0.
 * @throws ParameterError if dim is not an integer in range.
 */
export function checkSoftmax(op: string, input: Tensor, dim: number): number {
  tensorArg(op, 'input', input);
  if (input.rank === 0) throw new ShapeError(`${op}: input must have rank ≥ 1, got rank 0 (${fmtContext({ input })})`);
  return normDim(op, dim, input.rank);
}

/**
 * Validates the two tensors of an equal-shape element-wise binary op (axpby: x / y; other ops: input / other) and
 * that their shapes are equal (add and mul broadcast instead: ./broadcast.ts). @throws ArgumentError if either is
 * not a Tensor; ShapeError if the shapes differ.
 */
export function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  const [na, nb] = op === 'axpby' ? ['x', 'y'] : ['input', 'other'];
  tensorArg(op, na, a);
  tensorArg(op, nb, b);
  if (a.rank !== b.rank || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeError(`${op}: shapes must be equal, got ${fmtContext({ a, b })}`);
  }
}

/**
 * Validates axpby: alpha and beta are numbers (NaN and ±∞ propagate, as `rate1 * x` with a NaN rate does in
 * PyTorch; a string or any other type is an ArgumentError), x and y Tensors of equal shape.
 * @throws ArgumentError, ShapeError.
 */
export function checkAxpby(op: string, alpha: unknown, x: unknown, beta: unknown, y: unknown): void {
  if (typeof alpha !== 'number') throw new ArgumentError(`${op}: alpha must be a number, got ${describe(alpha)}`);
  if (typeof beta !== 'number') throw new ArgumentError(`${op}: beta must be a number, got ${describe(beta)}`);
  checkSameShape(op, x as Tensor, y as Tensor);
}

/**
 * Validates global_avg_pool2d: a rank-4 Tensor with a non-empty plane (the mean of an empty plane is undefined;
 * PyTorch's adaptive_avg_pool2d raises too). @throws ArgumentError, ShapeError.
 */
export function checkGlobalAvgPool2d(op: string, input: unknown): [number, number, number, number] {
  const t = tensorArg(op, 'input', input);
  if (t.rank !== 4) throw new ShapeError(`${op}: input must have rank 4, got rank ${t.rank} (input=${fmtShape(t.shape)})`);
  const [N, C, H, W] = t.shape;
  if (H * W === 0) throw new ShapeError(`${op}: H·W must be ≥ 1, got ${H}·${W} (input=${fmtShape(t.shape)})`);
  return [N, C, H, W];
}
