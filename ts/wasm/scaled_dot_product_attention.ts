import { Tensor } from '../core/tensor.js';
import { checkScaledDotProductAttention, type ScaledDotProductAttentionOptions } from '../core/check/scaled_dot_product_attention.js';
import { withArena } from './arena.js';
import { kernels, f32 } from './kernels.js';

export type { ScaledDotProductAttentionOptions };

/**
 * Scaled dot-product attention on WASM SIMD: same signature and semantics as ts/ref/scaled_dot_product_attention.ts
 * (torch.nn.functional.scaled_dot_product_attention, eval: bool mask = keep, float mask added after scaling,
 * is_causal top-left aligned, scale 1/√E by default, fully masked rows NaN).
 *
 * Composition: q, k, v and the mask are uploaded once; then ONE fused kernel per (batch, head) slice
 *          (as/sdpa.ts sdpa__f32x4): Kᵀ into scratch, then per block of 4 query rows the logits row block
 *          [4 × S] by the 4x8 GEMM tile, mask, causal −∞, max-subtracted softmax with the library's float32 exp
 *          (as/lib/math.ts, < 1 ulp), the probabilities normalised (one reciprocal per row) and packed, and P·V
 *          by the same tile. The L × S matrix never exists, in WASM or JS: scratch is E·S + 4·E + 8·S floats.
 *          Broadcast batch
 *          dimensions are pointer offsets (a key shared by every head is uploaded once). A bool mask becomes the
 *          additive 0 / −∞ mask PyTorch converts it to (at the mask's own size, never expanded).
 * Numerics: float32 throughout. Per output element (b, i, c), with u = 2⁻²⁴, qs = fl(q·fl(scale)),
 *            Λ_i = max over the keys j with a finite mask of Σ_e |qs_e·k_je| + |mask_ij|,
 *            A_ic = Σ_j P_ij·|v_jc| (the reference run on |v|):
 *            |wasm − ref| ≤ 2·u·(2·(E + 4)·Λ_i + 2·S + 5)·A_ic + S·2⁻¹⁴⁹·max|v|
 *          (logits: E products and sums + the scale and mask roundings, ≤ (E + 3)·u·Λ_i, entering the weights
 *          twice through numerator and sum; fl(l − m) 2u·Λ_i; exp ≤ 2u; the softmax sum S − 1 roundings; the
 *          reciprocal and multiplication 2u; P·V S roundings; the reference's own rounding u/2; slack 2 — the
 *          derivation of spec/support/attention_bound.ts with T → S, hd → E). NaN and ±∞ propagate as in the reference
 *          (checked in spec/scaled_dot_product_attention.test.ts and spec/support/cases.ts).
 * Cost:    2·B·L·S·(E + Ev) FLOPs + B·L·S exps.
 * @throws as the reference (checkScaledDotProductAttention), before any WASM work; BackendError before `init()`.
 * @see ts/ref/scaled_dot_product_attention.ts · as/sdpa.ts · spec/scaled_dot_product_attention.test.ts
 */
/**
 * Floats of scratch sdpa__scalar / sdpa__f32x4 take (the layout of as/sdpa.ts: Kᵀ [E, S], the packed scaled query
 * block 4·E, the logits row block 4·S, the packed probabilities 4·S; each region a multiple of 4 floats).
 */
export function sdpaScratchFloats(S: number, E: number): number {
  const r4 = (n: number) => Math.ceil(n / 4) * 4;
  return r4(E * S) + 4 * E + 8 * r4(S);
}

export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options?: ScaledDotProductAttentionOptions): Tensor {
  const g = checkScaledDotProductAttention('scaled_dot_product_attention', query, key, value, options);
  const k = kernels();
  const { B, L, S, E, Ev } = g;
  const size = B * L * Ev;
  const out = withArena((a) => {
    const pq = a.upload(query.data), pk = a.upload(key.data), pv = a.upload(value.data);
    const pm = g.mask ? a.upload(g.mask) : 0;
    const po = a.alloc(size);
    const scratch = a.alloc(sdpaScratchFloats(S, E));
    const scale = Math.fround(g.scale), causal = g.is_causal ? 1 : 0;
    for (let b = 0; b < B; b++) {
      k.sdpa__f32x4(f32(pq, g.qSlice[b] * L * E), f32(pk, g.kSlice[b] * S * E), f32(pv, g.vSlice[b] * S * Ev),
        pm ? f32(pm, g.maskOffset[b]) : 0, f32(po, b * L * Ev), scratch, L, S, E, Ev, scale, g.maskRowStride, g.maskColStride, causal);
    }
    return a.download(po, size);
  });
  return new Tensor(out, g.outShape);
}
