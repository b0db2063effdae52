// Argument checks, option types and geometry of `linear`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, fmtContext } from '../errors.js';
import { tensorArg, optionalTensor, checkElements } from '../validate.js';

/**
 * Validates `linear`. @throws ArgumentError (a non-Tensor input / weight, a bias neither Tensor nor null),
 * ShapeError (rank, in_features mismatch, bias length), ResourceError (output beyond the element limit).
 */
export function checkLinear(op: string, input: Tensor, weight: Tensor, bias: Tensor | null | undefined): { rows: number; in_features: number; out_features: number } {
  tensorArg(op, 'input', input);
  tensorArg(op, 'weight', weight);
  optionalTensor(op, 'bias', bias);
  const ctx = () => fmtContext({ input, weight, ...(bias ? { bias } : {}) });
  if (input.rank < 1) throw new ShapeError(`${op}: input must have rank ≥ 1, got rank 0 (${ctx()})`);
  if (weight.rank !== 2) throw new ShapeError(`${op}: weight must have rank 2 [out_features, in_features], got rank ${weight.rank} (${ctx()})`);
  const in_features = input.shape[input.rank - 1];
  const [out_features, wIn] = weight.shape;
  if (wIn !== in_features) throw new ShapeError(`${op}: weight.shape[1] must equal in_features = input.shape[-1] = ${in_features}, got ${wIn} (${ctx()})`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== out_features)) throw new ShapeError(`${op}: bias must have shape [${out_features}], got [${bias.shape.join(',')}] (${ctx()})`);
  checkElements(op, 'the output', [...input.shape.slice(0, -1), out_features]);
  return { rows: input.shape.slice(0, -1).reduce((a, b) => a * b, 1), in_features, out_features };
}
