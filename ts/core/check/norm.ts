// Argument checks, option types and geometry of `norm`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ParameterError, ShapeError, fmtContext, fmtShape, fmtValue } from '../errors.js';
import { tensorArg, optionalTensor, optionsArg, arrayArg } from '../validate.js';

function checkVector(op: string, name: string, t: Tensor | null | undefined, length: number, ctx: () => string): void {
  if (t && (t.rank !== 1 || t.shape[0] !== length)) throw new ShapeError(`${op}: ${name} must have shape [${length}], got [${t.shape.join(',')}] (${ctx()})`);
}

function checkEps(op: string, eps: number): void {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ParameterError(`${op}: eps must be a finite number ≥ 0, got ${fmtValue(eps)}`);
}

/**
 * The options object of batchNorm2d / layerNorm, validated, with eps defaulted (PyTorch's 1e-5).
 * @throws ArgumentError if options is neither undefined nor a plain object; ParameterError if eps is not a finite
 *         number ≥ 0.
 */
export function normOptions(op: string, options: unknown): { eps: number } {
  const eps = optionsArg<{ eps?: number }>(op, options).eps ?? 1e-5;
  checkEps(op, eps);
  return { eps };
}

/**
 * Validates batchNorm2d. @throws ArgumentError (non-Tensor arguments; weight / bias neither Tensor nor null),
 * ShapeError, ParameterError, ResourceError.
 */
export function checkBatchNorm2d(op: string, input: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): void {
  tensorArg(op, 'input', input);
  tensorArg(op, 'running_mean', running_mean);
  tensorArg(op, 'running_var', running_var);
  optionalTensor(op, 'weight', weight);
  optionalTensor(op, 'bias', bias);
  const ctx = () => fmtContext({ input, running_mean, running_var, ...(weight ? { weight } : {}), ...(bias ? { bias } : {}) });
  if (input.rank !== 4) throw new ShapeError(`${op}: input must have rank 4 [N, C, H, W], got rank ${input.rank} (${ctx()})`);
  const C = input.shape[1];
  checkVector(op, 'running_mean', running_mean, C, ctx);
  checkVector(op, 'running_var', running_var, C, ctx);
  checkVector(op, 'weight', weight, C, ctx);
  checkVector(op, 'bias', bias, C, ctx);
  checkEps(op, eps);
}

/**
 * Validates layerNorm. @throws ArgumentError (non-Tensor arguments, normalized_shape not an array),
 * ShapeError, ParameterError, ResourceError.
 */
export function checkLayerNorm(op: string, input: Tensor, normalized_shape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number): number {
  tensorArg(op, 'input', input);
  arrayArg(op, 'normalized_shape', normalized_shape, 'an array of the trailing dimensions');
  for (const s of normalized_shape) {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
      throw new ParameterError(`${op}: normalized_shape must hold non-negative integers, got ${fmtValue(normalized_shape)} (input=${fmtShape(input.shape)})`);
    }
  }
  optionalTensor(op, 'weight', weight);
  optionalTensor(op, 'bias', bias);
  const ctx = () => fmtContext({ input, normalized_shape: [...normalized_shape], ...(weight ? { weight } : {}), ...(bias ? { bias } : {}) });
  const k = normalized_shape.length;
  if (k === 0 || k > input.rank || normalized_shape.some((s, i) => s !== input.shape[input.rank - k + i])) {
    throw new ShapeError(`${op}: normalized_shape must equal the last ${k} dimensions of input, got ${ctx()}`);
  }
  const size = normalized_shape.reduce((a, b) => a * b, 1);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.rank !== k || t.shape.some((s, i) => s !== normalized_shape[i]))) {
      throw new ShapeError(`${op}: ${name} must have shape [${normalized_shape.join(',')}], got [${t.shape.join(',')}] (${ctx()})`);
    }
  }
  checkEps(op, eps);
  return size;
}
