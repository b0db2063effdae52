import { Tensor } from '../core/tensor.js';
import { ShapeError, UnsupportedShapeError, fmtContext } from '../core/errors.js';
import { expectRank, positiveInt } from '../core/geometry.js';

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
 */
export function checkLocalAttention(op: string, q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): LocalAttentionGeometry {
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
  return { N, C, H, W, head, head_dim, kernel_att, stride, dilation, padding_att, H_out: H / stride, W_out: W / stride };
}

/** Reflection of index s into [0, n): −s below 0, 2(n−1) − s above (edge not repeated), as ReflectionPad2d. */
function reflect(s: number, n: number): number {
  return s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s;
}

/**
 * Attention weights of ACmix's local self-attention (the softmax of Eq. 9 over each k_att × k_att window).
 *
 * Paper:   Pan et al., CVPR 2022, arXiv:2111.14556, §3.2, Eq. (9), with the official code's relative
 *          position term: logit(ij, ab) = (q_ij · s)ᵀ (k_ab + pe_ij − pe_ab), s = head_dim^−½, windows read
 *          by reflection at the borders (k, v and pe all reflection-padded).
 * Shapes:  q, k, v [N, C, H, W], pe [1, head_dim, H, W] | null → weights [N, head, k_att², H_out, W_out],
 *          tap t = a·k_att + b for window row a, column b; H_out = H / stride.
 * Numerics: q·s rounded to float32 as PyTorch does; float64 logits, float64 softmax, one rounding.
 * Cost:    2 · N · C · k_att² · H_out · W_out FLOPs for the logits.
 * @throws as checkLocalAttention.
 */
export function localAttentionWeights(q: Tensor, k: Tensor, pe: Tensor | null, options: LocalAttentionOptions): Tensor {
  const g = checkLocalAttention('local_attention', q, k, k, pe, options);
  return new Tensor(attentionWeights(q, k, pe, g), [g.N, g.head, g.kernel_att ** 2, g.H_out, g.W_out]);
}

function attentionWeights(q: Tensor, k: Tensor, pe: Tensor | null, g: LocalAttentionGeometry): Float64Array {
  const { N, H, W, head, head_dim, kernel_att, stride, padding_att, H_out, W_out } = g;
  const T = kernel_att * kernel_att, plane = H * W;
  const scaling = Math.fround(head_dim ** -0.5);
  const weights = new Float64Array(N * head * T * H_out * W_out);
  const logits = new Float64Array(T);
  for (let n = 0; n < N; n++) for (let h = 0; h < head; h++) for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
    const ci = i * stride, cj = j * stride;                      // the query pixel (centre of the window)
    let max = -Infinity;
    for (let a = 0; a < kernel_att; a++) for (let b = 0; b < kernel_att; b++) {
      const y = reflect(ci + a - padding_att, H), x = reflect(cj + b - padding_att, W);   // N_k(i, j), Eq. (8)
      let dot = 0;
      for (let d = 0; d < head_dim; d++) {
        const c = h * head_dim + d;                              // heads are contiguous channel blocks
        const qs = Math.fround(q.data[(n * g.C + c) * plane + ci * W + cj] * scaling);
        const rel = pe ? pe.data[d * plane + ci * W + cj] - pe.data[d * plane + y * W + x] : 0;
        dot += qs * (k.data[(n * g.C + c) * plane + y * W + x] + rel);
      }
      logits[a * kernel_att + b] = dot;
      if (dot > max) max = dot;
    }
    let sum = 0;                                                 // softmax over the window, Eq. (9)
    for (let t = 0; t < T; t++) { logits[t] = Math.exp(logits[t] - max); sum += logits[t]; }
    for (let t = 0; t < T; t++) weights[(((n * head + h) * T + t) * H_out + i) * W_out + j] = logits[t] / sum;
  }
  return weights;
}

/**
 * ACmix's multi-head local self-attention (the attention path of stage II).
 *
 * Paper:   Pan et al., CVPR 2022, arXiv:2111.14556, §3.2, Eq. (8)-(9) and §4.1 ("attention path");
 *          the relative position term and reflection padding follow the official ResNet code.
 * Equation: g_ij = concat_l Σ_{(a,b) ∈ N_k(i,j)} A_l(ij, ab) · v^(l)_ab,
 *           A_l = softmax_ab( (s·q^(l)_ij)ᵀ (k^(l)_ab + pe_ij − pe_ab) ),  s = head_dim^−½.
 *           q, k, v → the outputs of ACmix's three 1x1 projections (stage I); pe → conv_p(position grid).
 * Shapes:  q, k, v [N, C, H, W] (C = head·head_dim, head l = channels [l·head_dim, (l+1)·head_dim)),
 *          pe [1, head_dim, H, W] | null → output [N, C, H/stride, W/stride].
 * Units:   kernel_att, stride in pixels; pe dimensionless (a learned map of coordinates in [−1, 1]).
 * Numerics: float64 logits, softmax and weighted sum; one rounding per output element.
 * Cost:    4 · N · C · k_att² · H_out · W_out FLOPs (logits + aggregation; the paper's 2·k_a²·C per pixel
 *          counts multiply-adds).
 * @throws ShapeError / UnsupportedShapeError / ParameterError as checkLocalAttention.
 * @see ts/ref/acmix.ts · spec/local_attention.test.ts
 */
export function localAttention(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): Tensor {
  const g = checkLocalAttention('local_attention', q, k, v, pe, options);
  const { N, C, H, W, head, head_dim, kernel_att, stride, padding_att, H_out, W_out } = g;
  const T = kernel_att * kernel_att, plane = H * W;
  const weights = attentionWeights(q, k, pe, g);
  const out = new Float32Array(N * C * H_out * W_out);
  for (let n = 0; n < N; n++) for (let h = 0; h < head; h++) for (let d = 0; d < head_dim; d++) {
    const c = h * head_dim + d;
    for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
      let acc = 0;
      for (let a = 0; a < kernel_att; a++) for (let b = 0; b < kernel_att; b++) {
        const y = reflect(i * stride + a - padding_att, H), x = reflect(j * stride + b - padding_att, W);
        acc += weights[(((n * head + h) * T + a * kernel_att + b) * H_out + i) * W_out + j] * v.data[(n * C + c) * plane + y * W + x];
      }
      out[((n * C + c) * H_out + i) * W_out + j] = acc;
    }
  }
  return new Tensor(out, [N, C, H_out, W_out]);
}
