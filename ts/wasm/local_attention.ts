import { Tensor } from '../core/tensor.js';
import { checkLocalAttention, type LocalAttentionOptions, type LocalAttentionGeometry } from '../core/check/local_attention.js';
import { withArena, type Arena } from './arena.js';
import { kernels, f32, type Ptr } from './kernels.js';

export type { LocalAttentionOptions };

/**
 * Runs the fused kernel over N images already in WASM memory (the composition step shared by
 * `localAttention` and the fused ACmix forward).
 * Memory: q, k, v: byte offsets of image 0's [C, H, W], images `imageStride` floats apart (so q, k, v
 * may be row blocks of one stacked projection); pe: [head_dim, H, W] or 0; out: [N, C, H_out, W_out].
 * The kernel's scratch is sized by the module itself (local_attention_scratch_floats: the layout is
 * defined once, in as/local_attention_slab.ts).
 */
export function localAttentionInArena(
  a: Arena, g: LocalAttentionGeometry, q: Ptr, k: Ptr, v: Ptr, pe: Ptr, out: Ptr,
  imageStride: number, variant: 'f32x4' | 'scalar' = 'f32x4',
): void {
  const kern = kernels();
  const { N, C, H, W, head, kernel_att, stride, padding_att, H_out, W_out } = g;
  const scratch = a.alloc(kern.local_attention_scratch_floats(C, H, W, head, kernel_att, stride, padding_att));
  const scaling = Math.fround(g.head_dim ** -0.5);
  const run = variant === 'f32x4' ? kern.local_attention__f32x4 : kern.local_attention__scalar;
  for (let n = 0; n < N; n++) {
    run(f32(q, n * imageStride), f32(k, n * imageStride), f32(v, n * imageStride), pe, f32(out, n * C * H_out * W_out), scratch, C, H, W, head, kernel_att, stride, padding_att, scaling);
  }
}

/**
 * ACmix's multi-head local self-attention on WASM SIMD: same signature and semantics as
 * `localAttention` in ts/ref/local_attention.ts (the spec).
 *
 * Paper:   Pan et al., CVPR 2022, arXiv:2111.14556, §3.2 Eq. (8)-(9), with the official relative
 *          position term (q·s)ᵀ(k_ab + pe_ij − pe_ab) and reflection-padded windows.
 * Composition: one fused kernel per image (as/local_attention.ts: logits, max-subtracted softmax with
 *          the library's float32 exp (< 1 ulp), weighted sum of v, streaming over the window; never the
 *          k_att²-fold unfold of the official code).
 * Shapes:  q, k, v [N, C, H, W], pe [1, head_dim, H, W] | null → [N, C, H/stride, W/stride].
 * Numerics: float32 throughout (order: as/local_attention.ts header). Against the float64 reference,
 *          per output element (derivation in spec/support/attention_bound.ts):
 *            |Δ| ≤ 2·u·(2(hd + 4)·Λ + 2T + 5)·Σ_t w_t|v_t|,  Λ = max_t Σ_d |q_d·s|(|k_td| + |pe_td| + |pe_cd|),
 *          u = 2^-24, T = k_att²: logits are float32 dot products of length hd, exp is ≤ 1 ulp, the
 *          softmax sum and the weighted sum are reductions of length T. NaN and ±∞ propagate as in the
 *          reference (the query's own position term is kept, not dropped as a window constant). Logits beyond
 *          FLT_MAX (huge q·k) overflow to ±Inf in float32 here, as in PyTorch, and the softmax gives NaN, where the
 *          float64 reference stays finite; logits so large that float32 rounding ties distinct values may select
 *          another window position (within the bound above, which grows with |logit|·u): a documented
 *          difference, pinned by spec/errors.test.ts (edge/local_attention).
 * Cost:    4·N·C·k_att²·H_out·W_out FLOPs; scratch ≈ 2·(C/head)·(H + 2P)·(W + 2P) floats.
 * @throws ShapeError / UnsupportedShapeError / ParameterError exactly as the reference.
 * @throws BackendError if `await wasm.init()` has not completed.
 * @see ts/ref/local_attention.ts · as/local_attention.ts · spec/local_attention.test.ts
 */
export function localAttention(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): Tensor {
  const g = checkLocalAttention('local_attention', q, k, v, pe, options);
  const size = g.N * g.C * g.H_out * g.W_out;
  const out = withArena((a) => {
    const pq = a.upload(q.data), pk = a.upload(k.data), pv = a.upload(v.data);
    const ppe = pe ? a.upload(pe.data) : 0;
    const po = a.alloc(size);
    localAttentionInArena(a, g, pq, pk, pv, ppe, po, g.C * g.H * g.W);
    return a.download(po, size);
  });
  return new Tensor(out, [g.N, g.C, g.H_out, g.W_out]);
}
