import { Tensor } from '../core/tensor.js';
import { ShapeError, UnsupportedShapeError, fmtContext } from '../core/errors.js';
import { expectRank, positiveInt } from '../core/geometry.js';
import { LocalAttentionOptions, LocalAttentionGeometry, checkLocalAttention, localAttentionGeometry } from '../core/check/local_attention.js';

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
 * Numerics: float64 logits, softmax and weighted sum; one rounding per output element. A logit beyond FLT_MAX
 *          (huge q·k) stays finite here; the wasm backend forms logits in float32, as PyTorch does, so they
 *          overflow to ±Inf and its softmax gives NaN. Logits so large that float32 rounding ties distinct
 *          values (|logit| ≳ 2^24 × their gap) may select another window position on wasm; both are within the
 *          stated bound, which grows with |logit|·u. Pinned by spec/errors.test.ts (edge/local_attention).
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
