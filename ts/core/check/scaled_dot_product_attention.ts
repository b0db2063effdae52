// Argument checks, option types and geometry of `scaled_dot_product_attention`, shared by ts/ref and ts/wasm
// (they run before any work), and the boolean mask representation (also used by nn.MultiheadAttention).
import { Tensor, describe } from '../tensor.js';
import { ArgumentError, NotImplementedError, ParameterError, ShapeError, fmtContext, fmtShape } from '../errors.js';
import { tensorArg, optionsArg, booleanArg, finiteArg, checkElements, checkExtent } from '../validate.js';
import { broadcastShapes } from './broadcast.js';

/**
 * A boolean tensor: `bool[i] ≠ 0` is True, row-major over `shape` (PyTorch's `torch.bool` mask, which a
 * Float32Array-backed Tensor cannot stand for). Build it as a literal: `{ bool: Uint8Array.from([1, 0, …]), shape: [L, S] }`.
 *
 * Why a separate type rather than a 0/1 float Tensor: PyTorch decides what a mask means by its dtype (bool: a
 * selection; float: added to the logits), and a float 0/1 mask is a valid additive mask with another meaning.
 * Keeping the two apart by type keeps that distinction visible at the call site, as `mask.dtype` does in PyTorch.
 */
export interface BoolMask {
  readonly bool: Uint8Array;
  readonly shape: readonly number[];
}

/** An attention mask: a float Tensor (added to the scaled logits) or a BoolMask (PyTorch's bool dtype). */
export type AttnMask = Tensor | BoolMask;

/** Options of scaledDotProductAttention, under torch.nn.functional.scaled_dot_product_attention's keyword names. */
export interface ScaledDotProductAttentionOptions {
  /** bool (True = takes part in attention) or float (added after scaling), broadcastable to [..., L, S]; default none */
  attn_mask?: AttnMask | null;
  /** must be 0 (inference only: anything else is a NotImplementedError) */
  dropout_p?: number;
  /** the top-left-aligned lower-triangular keep mask tril(ones(L, S)); exclusive with attn_mask */
  is_causal?: boolean;
  /** logit scale; default 1/√E */
  scale?: number | null;
}

/** The geometry of one call: broadcast batch shape and the per-operand batch strides (in slices, 0 = broadcast). */
export interface SdpaGeometry {
  /** the broadcast batch dimensions (everything before the last two) */
  batch: number[];
  /** product of batch */
  B: number;
  L: number; S: number; E: number; Ev: number;
  scale: number;
  is_causal: boolean;
  /** per batch index b (flattened over `batch`): the slice index of q, k, v, and the mask's flat offset of element [b, 0, 0] */
  qSlice: Int32Array; kSlice: Int32Array; vSlice: Int32Array; maskOffset: Int32Array;
  /** the additive mask (bool masks converted to 0 / −∞, as PyTorch converts them) or null */
  mask: Float32Array | null;
  /** strides of the mask's last two dimensions (0 where it broadcasts) */
  maskRowStride: number; maskColStride: number;
  /** output shape [...batch, L, Ev] */
  outShape: number[];
}

const OPTION_KEYS = ['attn_mask', 'dropout_p', 'is_causal', 'scale'] as const;

/** True if `value` is a BoolMask-shaped object (a plain object with `bool` and `shape`). */
export function isBoolMask(value: unknown): value is BoolMask {
  return value !== null && typeof value === 'object' && !(value instanceof Tensor) && 'bool' in value && 'shape' in value;
}

/**
 * Validates a mask argument (Tensor or BoolMask) and returns it.
 * @throws ArgumentError if it is neither, if a BoolMask's `bool` is not a Uint8Array or its length is not the
 *         product of its shape.
 */
export function maskArg(op: string, name: string, value: unknown): AttnMask {
  if (value instanceof Tensor) return tensorArg(op, name, value);
  if (isBoolMask(value)) {
    const keys = Object.keys(value).filter((k) => k !== 'bool' && k !== 'shape');
    if (keys.length) throw new ArgumentError(`${op}: ${name} as a bool mask may only hold { bool, shape }, got unexpected ${keys.map((k) => `'${k}'`).join(', ')}`);
    const { bool, shape } = value;
    if (!(bool instanceof Uint8Array)) throw new ArgumentError(`${op}: ${name}.bool must be a Uint8Array (nonzero = True), got ${describe(bool)}`);
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
      throw new ArgumentError(`${op}: ${name}.shape must be an array of non-negative safe integers, got ${describe(shape)}`);
    }
    checkExtent(op, name, shape);
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    if (bool.length !== size) throw new ArgumentError(`${op}: ${name}.bool.length must equal the product of its shape ${fmtShape(shape)} = ${size}, got ${bool.length}`);
    return value;
  }
  throw new ArgumentError(`${op}: ${name} must be a float Tensor (additive) or a bool mask { bool: Uint8Array, shape }, got ${describe(value)}`);
}

// broadcastShapes lives in ./broadcast.ts (shared with mul / add); re-exported for existing importers.
export { broadcastShapes };

/** For each flat index of `target`, the flat index into `shape` broadcast to it (shape right-aligned, size-1 dims repeat). */
function broadcastIndex(shape: readonly number[], target: readonly number[]): Int32Array {
  const n = target.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(n);
  const r = target.length, off = r - shape.length;
  const strides = new Array<number>(r).fill(0);
  let st = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i + off] = shape[i] === 1 ? 0 : st; st *= shape[i]; }
  const pos = new Array<number>(r).fill(0);
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let i = 0; i < r; i++) s += pos[i] * strides[i];
    idx[f] = s;
    for (let i = r - 1; i >= 0; i--) { if (++pos[i] < target[i]) break; pos[i] = 0; }
  }
  return idx;
}

/**
 * Validates F.scaled_dot_product_attention's arguments (PyTorch 2.x semantics) and computes the geometry.
 *
 * Shapes: query [..., L, E], key [..., S, E], value [..., S, Ev] (rank ≥ 2 each); their batch dimensions (all
 * but the last two) broadcast against each other (e.g. one key/value for every head); attn_mask broadcastable
 * to [...batch, L, S] (it may not enlarge the batch shape). Output [...batch, L, Ev].
 * @throws ShapeError on ranks, E = 0, E or S that disagree, batch dimensions that do not broadcast, a mask that does not
 *         broadcast to [...batch, L, S].
 * @throws ParameterError on dropout_p outside [0, 1], a non-finite or non-positive-free scale (scale must be finite),
 *         or attn_mask given together with is_causal (PyTorch: "Explicit attn_mask should not be set when is_causal=True").
 * @throws NotImplementedError if dropout_p > 0 (attnconv is inference only).
 * @throws ArgumentError on non-Tensor operands, a mask that is neither a Tensor nor a BoolMask, unknown option keys.
 * @throws ResourceError if the output or the attention weights [...batch, L, S] exceed the element limit.
 */
export function checkScaledDotProductAttention(op: string, query: Tensor, key: Tensor, value: Tensor,
  options: ScaledDotProductAttentionOptions | undefined): SdpaGeometry {
  tensorArg(op, 'query', query);
  tensorArg(op, 'key', key);
  tensorArg(op, 'value', value);
  const o = optionsArg<ScaledDotProductAttentionOptions>(op, options, OPTION_KEYS);
  const mask = o.attn_mask === undefined || o.attn_mask === null ? null : maskArg(op, 'attn_mask', o.attn_mask);
  const dropout_p = finiteArg(op, 'dropout_p', o.dropout_p, 0, 0);
  const is_causal = booleanArg(op, 'is_causal', o.is_causal, false);
  const ctx = () => fmtContext({ query, key, value, ...(mask ? { attn_mask: mask.shape } : {}), dropout_p, is_causal, ...(o.scale != null ? { scale: o.scale } : {}) });
  if (dropout_p > 1) throw new ParameterError(`${op}: dropout_p must be in [0, 1], got ${dropout_p} (${ctx()})`);
  if (dropout_p > 0) throw new NotImplementedError(`${op}: dropout_p must be 0: attnconv runs inference only (no dropout), got ${dropout_p} (${ctx()})`);
  for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
    if (t.rank < 2) throw new ShapeError(`${op}: ${name} must have rank ≥ 2 ([..., tokens, features]), got ${fmtShape(t.shape)} (${ctx()})`);
  }
  const L = query.shape.at(-2)!, E = query.shape.at(-1)!, S = key.shape.at(-2)!, Ev = value.shape.at(-1)!;
  if (E < 1) throw new ShapeError(`${op}: query.shape[-1] = E must be ≥ 1 (the logits scale by 1/√E), got ${fmtShape(query.shape)} (${ctx()})`);
  if (key.shape.at(-1) !== E) throw new ShapeError(`${op}: key.shape[-1] must equal query.shape[-1] = E = ${E}, got ${key.shape.at(-1)} (${ctx()})`);
  if (value.shape.at(-2) !== S) throw new ShapeError(`${op}: value.shape[-2] must equal key.shape[-2] = S = ${S}, got ${value.shape.at(-2)} (${ctx()})`);
  const qb = query.shape.slice(0, -2), kb = key.shape.slice(0, -2), vb = value.shape.slice(0, -2);
  const batch = broadcastShapes(qb, kb, vb);
  if (!batch) throw new ShapeError(`${op}: the batch dimensions of query ${fmtShape(qb)}, key ${fmtShape(kb)} and value ${fmtShape(vb)} must broadcast (${ctx()})`);
  if (mask && is_causal) throw new ParameterError(`${op}: attn_mask must not be set when is_causal is true (PyTorch: explicit attn_mask should not be set when is_causal=True) (${ctx()})`);
  let scale: number;
  if (o.scale === undefined || o.scale === null) scale = 1 / Math.sqrt(E);
  else scale = finiteArg(op, 'scale', o.scale);
  const outShape = [...batch, L, Ev];
  checkElements(op, 'the output [...batch, L, Ev]', outShape);
  checkElements(op, 'the attention weights [...batch, L, S]', [...batch, L, S]);
  const B = batch.reduce((a, b) => a * b, 1);

  let maskData: Float32Array | null = null, maskRowStride = 0, maskColStride = 0;
  let maskOffset = new Int32Array(B);
  if (mask) {
    const ms = mask.shape;
    const full = [...batch, L, S];
    const bc = broadcastShapes(ms, full);
    if (ms.length > full.length || !bc || bc.some((d, i) => d !== full[i])) {
      throw new ShapeError(`${op}: attn_mask must be broadcastable to [...batch, L, S] = ${fmtShape(full)}, got ${fmtShape(ms)} (${ctx()})`);
    }
    if (mask instanceof Tensor) maskData = mask.data;
    else maskData = Float32Array.from(mask.bool, (b) => (b ? 0 : -Infinity));   // PyTorch: masked_fill(~mask, -inf)
    const r = ms.length;
    maskColStride = r >= 1 && ms[r - 1] !== 1 ? 1 : 0;
    maskRowStride = r >= 2 && ms[r - 2] !== 1 ? (ms[r - 1]) : 0;
    const mb = ms.slice(0, Math.max(0, r - 2)), inner = r >= 2 ? ms[r - 2] * ms[r - 1] : r === 1 ? ms[0] : 1;
    const idx = broadcastIndex(mb, batch);
    maskOffset = Int32Array.from(idx, (i) => i * inner);
  }
  return {
    batch, B, L, S, E, Ev, scale, is_causal,
    qSlice: broadcastIndex(qb, batch), kSlice: broadcastIndex(kb, batch), vSlice: broadcastIndex(vb, batch),
    maskOffset, mask: maskData, maskRowStride, maskColStride, outShape,
  };
}
