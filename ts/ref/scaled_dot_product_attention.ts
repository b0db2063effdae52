import { Tensor } from '../core/tensor.js';
import { checkScaledDotProductAttention, type ScaledDotProductAttentionOptions } from '../core/check/scaled_dot_product_attention.js';

export type { ScaledDotProductAttentionOptions };

/**
 * Scaled dot-product attention: softmax(Q·Kᵀ·scale + mask)·V over the last two dimensions.
 *
 * Paper:   Vaswani et al. 2017, "Attention Is All You Need", arXiv:1706.03762, §3.2.1, Eq. (1); ACmix §4.3
 *          (global attention, the ViT mode: the receptive field is the whole map).
 * Matches: torch.nn.functional.scaled_dot_product_attention (PyTorch 2.0-2.4, math backend, eval: dropout_p = 0):
 *          a bool mask keeps the True positions (False → −∞ added), a float mask is added after scaling,
 *          is_causal keeps tril(ones(L, S)) (top-left aligned: query i sees keys j ≤ i), scale defaults to 1/√E;
 *          a row with every position masked gives NaN (PyTorch ≥ 2.5's math backend gives 0 there instead).
 * Equation: A[b, i, j] = scale·Σ_e Q[b, i, e]·K[b, j, e] + M[b, i, j];  P[b, i, :] = softmax_j(A[b, i, :]);
 *           Y[b, i, c] = Σ_j P[b, i, j]·V[b, j, c].
 * Shapes:  query [..., L, E], key [..., S, E], value [..., S, Ev] (batch dimensions broadcast), attn_mask a Tensor
 *          (float) or BoolMask broadcastable to [..., L, S] → [..., L, Ev].
 * Numerics: float64 throughout (max-subtracted softmax), one rounding to float32 per output. S = 0 gives zeros
 *          (an empty sum), as torch.matmul over an empty dimension does.
 * Cost:    2·B·L·S·(E + Ev) FLOPs + B·L·S exps.
 * @throws ShapeError, ParameterError, NotImplementedError (dropout_p > 0), ArgumentError, ResourceError from
 *         checkScaledDotProductAttention.
 * @see ts/wasm/scaled_dot_product_attention.ts · spec/scaled_dot_product_attention.test.ts
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options?: ScaledDotProductAttentionOptions): Tensor {
  const g = checkScaledDotProductAttention('scaled_dot_product_attention', query, key, value, options);
  const { B, L, S, E, Ev, scale, mask } = g;
  const out = new Float32Array(B * L * Ev);
  const logits = new Float64Array(S), acc = new Float64Array(Ev);
  for (let b = 0; b < B; b++) {
    const q0 = g.qSlice[b] * L * E, k0 = g.kSlice[b] * S * E, v0 = g.vSlice[b] * S * Ev, m0 = g.maskOffset[b];
    for (let i = 0; i < L; i++) {
      let max = -Infinity;
      for (let j = 0; j < S; j++) {
        let dot = 0;
        for (let e = 0; e < E; e++) dot += query.data[q0 + i * E + e] * key.data[k0 + j * E + e];
        let l = dot * scale;
        if (mask) l += mask[m0 + i * g.maskRowStride + j * g.maskColStride];
        if (g.is_causal && j > i) l += -Infinity;                 // PyTorch adds the −∞ of the converted bool mask
        logits[j] = l;
        if (l > max) max = l;
      }
      // softmax: a NaN logit makes its row NaN; a row of −∞ gives −∞ − (−∞) = NaN (PyTorch)
      if (S > 0 && max === -Infinity) max = logits[0];
      let sum = 0;
      for (let j = 0; j < S; j++) { logits[j] = Math.exp(logits[j] - max); sum += logits[j]; }
      acc.fill(0);
      for (let j = 0; j < S; j++) {
        const p = logits[j] / sum;
        for (let c = 0; c < Ev; c++) acc[c] += p * value.data[v0 + j * Ev + c];
      }
      for (let c = 0; c < Ev; c++) out[(b * L + i) * Ev + c] = acc[c];
    }
  }
  return new Tensor(out, g.outShape);
}
