// Argument checks, option types and geometry of Swin's window ops (window_partition, window_reverse, roll,
// window_attention), shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, ParameterError, fmtContext } from '../errors.js';
import { positiveInt } from '../geometry.js';
import { tensorArg, optionalTensor, optionsArg, arrayArg, checkElements } from '../validate.js';

/** Options of window attention. */
export interface WindowAttentionOptions {
  /** number of heads (official `num_heads`); C = 3·num_heads·head_dim is split as the official reshape (3, heads, head_dim) */
  num_heads: number;
  /** the logit scale; default head_dim^−0.5 (official `qk_scale or head_dim ** -0.5`), applied as float32 to q */
  scale?: number;
}

export interface WindowAttentionGeometry {
  /** windows in the batch (B·nW), tokens per window (Wh·Ww), channels C, heads, head_dim, table rows, mask windows (0: no mask) */
  B_: number; N: number; C: number; heads: number; head_dim: number; table: number; nW: number; scale: number;
}

/**
 * window_partition(x, window_size): x [B, H, W, C] with window_size | H and | W (the official view requires it).
 * @throws ShapeError on rank ≠ 4 or a window size that does not divide H or W; ParameterError on window_size < 1.
 */
export function checkWindowPartition(op: string, x: Tensor, window_size: number): { B: number; H: number; W: number; C: number; ws: number } {
  tensorArg(op, 'x', x);
  const ws = positiveInt(op, 'window_size', window_size);
  if (x.rank !== 4) throw new ShapeError(`${op}: x must be [B, H, W, C] (rank 4), got [${x.shape.join(',')}] (window_size=${ws})`);
  const [B, H, W, C] = x.shape;
  if (H % ws !== 0 || W % ws !== 0) {
    throw new ShapeError(`${op}: window_size must divide H and W (the official view needs it), got window_size = ${ws}, H = ${H}, W = ${W} (x=[${x.shape.join(',')}])`);
  }
  return { B, H, W, C, ws };
}

/**
 * window_reverse(windows, window_size, H, W): windows [B·(H/ws)·(W/ws), ws, ws, C].
 * @throws ShapeError on rank ≠ 4, windows.shape[1..2] ≠ ws, ws ∤ H or W, or a window count that is not a multiple of
 *         (H/ws)·(W/ws); ParameterError on non-positive sizes.
 */
export function checkWindowReverse(op: string, windows: Tensor, window_size: number, H: number, W: number): { B: number; H: number; W: number; C: number; ws: number } {
  tensorArg(op, 'windows', windows);
  const ws = positiveInt(op, 'window_size', window_size);
  positiveInt(op, 'H', H);
  positiveInt(op, 'W', W);
  const ctx = () => `windows=[${windows.shape.join(',')}], window_size=${ws}, H=${H}, W=${W}`;
  if (windows.rank !== 4 || windows.shape[1] !== ws || windows.shape[2] !== ws) {
    throw new ShapeError(`${op}: windows must be [B·nW, window_size, window_size, C] = [*, ${ws}, ${ws}, C], got [${windows.shape.join(',')}] (${ctx()})`);
  }
  if (H % ws !== 0 || W % ws !== 0) throw new ShapeError(`${op}: window_size must divide H and W, got window_size = ${ws}, H = ${H}, W = ${W} (${ctx()})`);
  const nW = (H / ws) * (W / ws);
  if (windows.shape[0] % nW !== 0) throw new ShapeError(`${op}: windows.shape[0] must be a multiple of the windows per image (H/ws)·(W/ws) = ${nW}, got ${windows.shape[0]} (${ctx()})`);
  return { B: windows.shape[0] / nW, H, W, C: windows.shape[3], ws };
}

/**
 * torch.roll(input, shifts, dims): shifts and dims integers or equal-length arrays, dims in [−rank, rank).
 * (torch.roll without dims flattens; this op requires dims.)
 * @returns the per-dimension shifts, normalised to [0, size) (size 0 dims: 0), dims normalised to ≥ 0.
 * @throws ParameterError on mismatched lengths, non-integers or dims out of range; ArgumentError on wrong types.
 */
export function checkRoll(op: string, input: Tensor, shifts: number | readonly number[], dims: number | readonly number[]): number[] {
  tensorArg(op, 'input', input);
  const s = typeof shifts === 'number' ? [shifts] : arrayArg(op, 'shifts', shifts, 'an integer or an array of integers');
  const d = typeof dims === 'number' ? [dims] : arrayArg(op, 'dims', dims, 'an integer or an array of integers');
  const ctx = () => fmtContext({ input, shifts, dims });
  if (s.length !== d.length || s.length === 0) throw new ParameterError(`${op}: shifts and dims must have the same non-zero length, got ${s.length} and ${d.length} (${ctx()})`);
  const per = new Array<number>(input.rank).fill(0);
  for (let i = 0; i < s.length; i++) {
    const sh = s[i], dim = d[i];
    if (typeof sh !== 'number' || !Number.isSafeInteger(sh)) throw new ParameterError(`${op}: shifts[${i}] must be an integer, got ${String(sh)} (${ctx()})`);
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -input.rank || dim >= input.rank) {
      throw new ParameterError(`${op}: dims[${i}] must be an integer in [${-input.rank}, ${input.rank}), got ${String(dim)} (${ctx()})`);
    }
    const k = dim < 0 ? dim + input.rank : dim, size = input.shape[k];
    if (size > 0) per[k] = (((per[k] + sh) % size) + size) % size;
  }
  return per;
}

/**
 * Window attention over a fused qkv (the output of Swin's qkv Linear):
 *   qkv [B_, N, 3·C], relative_position_bias_table [T, num_heads], relative_position_index [N, N] (integers in
 *   [0, T)), mask [nW, N, N] with nW | B_ (or null).
 * @throws ShapeError with every shape in the message; ParameterError on num_heads ∤ C, a non-integer or out of range
 *         index entry, or a non-finite scale; ArgumentError on wrong types.
 */
export function checkWindowAttention(op: string, qkv: Tensor, relative_position_bias_table: Tensor, relative_position_index: Tensor,
    mask: Tensor | null, options: WindowAttentionOptions): WindowAttentionGeometry {
  tensorArg(op, 'qkv', qkv);
  tensorArg(op, 'relative_position_bias_table', relative_position_bias_table);
  tensorArg(op, 'relative_position_index', relative_position_index);
  optionalTensor(op, 'mask', mask);
  options = optionsArg<WindowAttentionOptions>(op, options, ['num_heads', 'scale']);
  const heads = positiveInt(op, 'num_heads', options.num_heads);
  const ctx = () => fmtContext({ qkv, relative_position_bias_table, relative_position_index, ...(mask ? { mask } : {}), ...options });
  if (qkv.rank !== 3) throw new ShapeError(`${op}: qkv must be [B_, N, 3·C] (rank 3), got [${qkv.shape.join(',')}] (${ctx()})`);
  const [B_, N, C3] = qkv.shape;
  if (C3 % (3 * heads) !== 0) throw new ShapeError(`${op}: qkv.shape[2] = 3·C must be divisible by 3·num_heads = ${3 * heads}, got ${C3} (${ctx()})`);
  const C = C3 / 3, head_dim = C / heads;
  const tb = relative_position_bias_table;
  if (tb.rank !== 2 || tb.shape[1] !== heads || tb.shape[0] < 1) {
    throw new ShapeError(`${op}: relative_position_bias_table must be [T, num_heads = ${heads}] with T ≥ 1, got [${tb.shape.join(',')}] (${ctx()})`);
  }
  const idx = relative_position_index;
  if (idx.rank !== 2 || idx.shape[0] !== N || idx.shape[1] !== N) {
    throw new ShapeError(`${op}: relative_position_index must be [N, N] = [${N},${N}], got [${idx.shape.join(',')}] (${ctx()})`);
  }
  const T = tb.shape[0];
  for (let i = 0; i < idx.size; i++) {
    const v = idx.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= T) {
      throw new ParameterError(`${op}: relative_position_index entries must be integers in [0, T = ${T}), got ${v} at ${i} (${ctx()})`);
    }
  }
  let nW = 0;
  if (mask) {
    if (mask.rank !== 3 || mask.shape[1] !== N || mask.shape[2] !== N || mask.shape[0] < 1 || B_ % mask.shape[0] !== 0) {
      throw new ShapeError(`${op}: mask must be [nW, N, N] = [nW, ${N}, ${N}] with nW dividing B_ = ${B_}, got [${mask.shape.join(',')}] (${ctx()})`);
    }
    nW = mask.shape[0];
  }
  const scale = options.scale === undefined ? head_dim ** -0.5 : options.scale;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ParameterError(`${op}: scale must be a finite number, got ${String(scale)} (${ctx()})`);
  checkElements(op, 'the attention weights [B_, num_heads, N, N]', [B_, heads, N, N]);
  return { B_, N, C, heads, head_dim, table: T, nW, scale };
}
