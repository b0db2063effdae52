// Argument checks, option types and geometry of `pad`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ParameterError, ShapeError, fmtContext, fmtValue } from '../errors.js';
import { INT32_MAX, tensorArg, optionsArg, enumArg, numberArg, arrayArg, checkElements, checkIndexRange } from '../validate.js';

export type PadMode = 'constant' | 'reflect' | 'replicate';

/** Geometry of a pad call: per-dimension [before, after] amounts, last dimension first as F.pad lists them. */
export interface PadGeometry { before: number[]; after: number[]; outShape: number[] }

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate'];

/**
 * The options object of `pad`, validated: mode (default 'constant') and the constant fill value (default 0; any
 * number, NaN and ±∞ included, as F.pad(value=...) takes them).
 * @throws ArgumentError if options is neither undefined nor a plain object, or value is not a number;
 *         ParameterError on an unknown mode.
 */
export function padOptions(op: string, options: unknown): { mode: PadMode; value: number } {
  const o = optionsArg<{ mode?: unknown; value?: unknown }>(op, options);
  return { mode: enumArg(op, 'mode', o.mode, MODES, 'constant'), value: numberArg(op, 'value', o.value, 0) };
}

/**
 * Validates `pad` arguments (shared by `ref` and `wasm`).
 * @throws ArgumentError if input is not a Tensor or `pad` is not an array.
 * @throws ParameterError if `pad` has odd length, more than 2·rank entries, non-integer, negative or > 2^31 − 1
 *         entries, or an unknown mode; if reflect/replicate pads more than the last two dimensions.
 * @throws ShapeError if reflect pads ≥ the padded dimension (PyTorch: "Padding size should be less
 *         than the corresponding input dimension"), or replicate pads an empty dimension.
 * @throws ResourceError if the output exceeds the element limit (setLimits).
 */
export function checkPad(op: string, input: Tensor, pad: readonly number[], mode: PadMode): PadGeometry {
  tensorArg(op, 'input', input);
  arrayArg(op, 'pad', pad, 'an array of [before, after] amounts, last dimension first');
  const rank = input.rank;
  const ctx = () => fmtContext({ input, pad: [...pad], mode });
  enumArg(op, 'mode', mode, MODES, 'constant');
  if (pad.length % 2 !== 0 || pad.length > 2 * rank) {
    throw new ParameterError(`${op}: pad must have an even length ≤ 2·rank = ${2 * rank}, got length ${pad.length} (${ctx()})`);
  }
  for (const p of pad) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0) throw new ParameterError(`${op}: pad entries must be non-negative integers, got ${fmtValue(pad)} (${ctx()})`);
    if (p > INT32_MAX) throw new ParameterError(`${op}: pad entries must be integers in [0, ${INT32_MAX}], got ${fmtValue(pad)} (${ctx()})`);
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
  checkElements(op, 'the output', outShape);
  for (let d = rank - pad.length / 2; d < rank; d++) checkIndexRange(op, `the padded dimension ${d}`, outShape[d]);
  return { before, after, outShape };
}

/**
 * Validates a whole `pad` call (tensor, pad list and the raw options object) and returns its geometry with the
 * mode and fill value: what a backend calls first. @throws as padOptions and checkPad.
 */
export function checkPadCall(op: string, input: Tensor, pad: readonly number[], options: unknown): PadGeometry & { mode: PadMode; value: number } {
  tensorArg(op, 'input', input);
  arrayArg(op, 'pad', pad, 'an array of [before, after] amounts, last dimension first');
  const { mode, value } = padOptions(op, options);
  return { ...checkPad(op, input, pad, mode), mode, value };
}
