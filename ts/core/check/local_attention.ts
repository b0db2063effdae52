// Argument checks, option types and geometry of `local_attention`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, UnsupportedShapeError, fmtContext } from '../errors.js';
import { expectRank, positiveInt } from '../geometry.js';
import { tensorArg, optionalTensor, optionsArg, checkElements } from '../validate.js';

/** Hyper-parameters of ACmix's local attention, under the official ACmix argument names. */
export interface LocalAttentionOptions {
  /** number of heads (official `head`) */
  head: number;
  /** window side k_att (official `kernel_att`) */
  kernel_att: number;
  stride?: number;
  dilation?: number;
}

export interface LocalAttentionGeometry {
  N: number; C: number; H: number; W: number; head: number; head_dim: number;
  kernel_att: number; stride: number; dilation: number; padding_att: number; H_out: number; W_out: number;
}

/**
 * Validates ACmix's local attention and computes its geometry exactly as the official module does:
 * reflection padding_att = ⌊(dilation·(k_att − 1) + 1)/2⌋, an unfold of k_att × k_att windows (no dilation)
 * with `stride`, and queries taken every `stride` pixels; the official reshape requires
 * ⌊(H + 2·padding_att − k_att)/stride⌋ + 1 = H/stride with stride | H (same for W).
 * @throws ShapeError on ranks/channels (C ∤ head, pe not [1, head_dim, H, W], q/k/v shapes differ) and when
 *         padding_att ≥ H or W (reflection padding must be smaller than the map).
 * @throws UnsupportedShapeError where the official module cannot produce an output (even kernel_att,
 *         dilation > 1, stride not dividing H or W): it names the mismatch.
 * @throws ParameterError on non-positive or non-integer head, kernel_att, stride, dilation.
 * @throws ArgumentError if q, k, v are not Tensors, pe is neither a Tensor nor null, or options is not a plain
 *         object; ResourceError if the attention weights [N, head, k_att², H_out, W_out] exceed the element limit.
 */
export function checkLocalAttention(op: string, q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): LocalAttentionGeometry {
  tensorArg(op, 'q', q);
  tensorArg(op, 'k', k);
  tensorArg(op, 'v', v);
  optionalTensor(op, 'pe', pe);
  options = optionsArg<LocalAttentionOptions>(op, options);
  const head = positiveInt(op, 'head', options.head);
  const ctx = () => fmtContext({ q, k, v, ...(pe ? { pe } : {}), ...options });
  expectRank(op, 'q', q.shape, 4, { q, k, v });
  for (const [name, t] of [['k', k], ['v', v]] as const) {
    if (t.rank !== 4 || t.shape.some((s, i) => s !== q.shape[i])) throw new ShapeError(`${op}: ${name} must have the shape of q [${q.shape.join(',')}], got [${t.shape.join(',')}] (${ctx()})`);
  }
  const [N, C, H, W] = q.shape;
  if (C % head !== 0) throw new ShapeError(`${op}: channels C = ${C} must be divisible by head = ${head} (${ctx()})`);
  const head_dim = C / head;
  if (pe && (pe.rank !== 4 || pe.shape[0] !== 1 || pe.shape[1] !== head_dim || pe.shape[2] !== H || pe.shape[3] !== W)) {
    throw new ShapeError(`${op}: pe must have shape [1, head_dim = ${head_dim}, ${H}, ${W}], got [${pe.shape.join(',')}] (${ctx()})`);
  }
  return localAttentionGeometry(op, q.shape, options, ctx);
}

/**
 * The spatial rules of the official ACmix attention path, on shapes only (shared by checkLocalAttention and
 * checkACmix). @throws ShapeError, UnsupportedShapeError, ParameterError as checkLocalAttention.
 */
export function localAttentionGeometry(op: string, shape: readonly number[], options: LocalAttentionOptions, ctx: () => string): LocalAttentionGeometry {
  const head = positiveInt(op, 'head', options.head);
  const kernel_att = positiveInt(op, 'kernel_att', options.kernel_att);
  const stride = positiveInt(op, 'stride', options.stride ?? 1);
  const dilation = positiveInt(op, 'dilation', options.dilation ?? 1);
  const [N, C, H, W] = shape;
  const head_dim = C / head;
  const padding_att = Math.floor((dilation * (kernel_att - 1) + 1) / 2);
  if (padding_att >= H || padding_att >= W) {
    throw new ShapeError(`${op}: reflection padding ${padding_att} (from kernel_att = ${kernel_att}, dilation = ${dilation}) must be smaller than H and W, got H = ${H}, W = ${W} (${ctx()})`);
  }
  for (const [axis, size] of [['H', H], ['W', W]] as const) {
    const windows = Math.floor((size + 2 * padding_att - kernel_att) / stride) + 1;
    if (size % stride !== 0 || windows !== size / stride) {
      throw new UnsupportedShapeError(
        `${op}: the official ACmix cannot produce an output here: it needs ${axis} divisible by stride and ⌊(${axis} + 2·padding_att − kernel_att)/stride⌋ + 1 = ${axis}/stride, ` +
        `got ${axis} = ${size}, stride = ${stride}, padding_att = ${padding_att}, kernel_att = ${kernel_att}: ${windows} windows for ${Math.ceil(size / stride)} queries (${ctx()})`);
    }
  }
  checkElements(op, 'the attention weights [N, head, k_att², H_out, W_out]', [N, head, kernel_att * kernel_att, H / stride, W / stride]);
  return { N, C, H, W, head, head_dim, kernel_att, stride, dilation, padding_att, H_out: H / stride, W_out: W / stride };
}
