// Argument checks, option types and geometry of `pad`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../errors.js';

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
