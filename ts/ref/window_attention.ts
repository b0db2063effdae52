import { Tensor } from '../core/tensor.js';
import {
  checkWindowPartition, checkWindowReverse, checkRoll, checkWindowAttention, type WindowAttentionOptions,
} from '../core/check/window_attention.js';

/**
 * Swin's window_partition: cut x [B, H, W, C] into non-overlapping ws × ws windows, windows of one image in
 * row-major window order, tokens of one window row-major.
 *
 * Paper:   Liu et al. 2021, "Swin Transformer", arXiv:2103.14030, §3.2 (W-MSA: non-overlapping windows).
 * Matches: window_partition of microsoft/Swin-Transformer models/swin_transformer.py
 *          (x.view(B, H/ws, ws, W/ws, ws, C).permute(0, 1, 3, 2, 4, 5).view(−1, ws, ws, C)).
 * Equation: windows[(b·H/ws + p)·W/ws + q, i, j, c] = x[b, p·ws + i, q·ws + j, c].
 * Shapes:  x [B, H, W, C] → [B·(H/ws)·(W/ws), ws, ws, C].   Numerics: data movement, bit-exact.
 * Cost:    0 FLOPs.
 * @throws ShapeError if ws ∤ H or W or x is not rank 4 (checkWindowPartition).
 * @see ts/wasm/window_attention.ts · spec/window_attention.test.ts
 */
export function windowPartition(x: Tensor, window_size: number): Tensor {
  const { B, H, W, C, ws } = checkWindowPartition('window_partition', x, window_size);
  const out = new Float32Array(x.size), nH = H / ws, nWw = W / ws;
  for (let b = 0; b < B; b++) for (let p = 0; p < nH; p++) for (let q = 0; q < nWw; q++) {
    const win = (b * nH + p) * nWw + q;
    for (let i = 0; i < ws; i++) for (let j = 0; j < ws; j++) for (let c = 0; c < C; c++) {
      out[((win * ws + i) * ws + j) * C + c] = x.data[((b * H + p * ws + i) * W + q * ws + j) * C + c];
    }
  }
  return new Tensor(out, [B * nH * nWw, ws, ws, C]);
}

/**
 * Swin's window_reverse: the inverse of windowPartition.
 *
 * Paper / Matches: as windowPartition (window_reverse of microsoft/Swin-Transformer).
 * Equation: x[b, p·ws + i, q·ws + j, c] = windows[(b·H/ws + p)·W/ws + q, i, j, c].
 * Shapes:  windows [B·(H/ws)·(W/ws), ws, ws, C] → [B, H, W, C].   Numerics: bit-exact.   Cost: 0 FLOPs.
 * @throws ShapeError (checkWindowReverse).
 */
export function windowReverse(windows: Tensor, window_size: number, H: number, W: number): Tensor {
  const { B, C, ws } = checkWindowReverse('window_reverse', windows, window_size, H, W);
  const out = new Float32Array(windows.size), nH = H / ws, nWw = W / ws;
  for (let b = 0; b < B; b++) for (let p = 0; p < nH; p++) for (let q = 0; q < nWw; q++) {
    const win = (b * nH + p) * nWw + q;
    for (let i = 0; i < ws; i++) for (let j = 0; j < ws; j++) for (let c = 0; c < C; c++) {
      out[((b * H + p * ws + i) * W + q * ws + j) * C + c] = windows.data[((win * ws + i) * ws + j) * C + c];
    }
  }
  return new Tensor(out, [B, H, W, C]);
}

/**
 * torch.roll: y[..., (i + s) mod n, ...] = x[..., i, ...] along each listed dim (Swin's cyclic shift, §3.2).
 * Matches: torch.roll(input, shifts, dims) (dims required).   Shapes: any → same.   Numerics: bit-exact.
 * @throws ParameterError (checkRoll).
 */
export function roll(input: Tensor, shifts: number | readonly number[], dims: number | readonly number[]): Tensor {
  const per = checkRoll('roll', input, shifts, dims);
  const shape = input.shape, rank = shape.length, out = new Float32Array(input.size);
  const idx = new Array<number>(rank).fill(0);
  for (let e = 0; e < input.size; e++) {
    // e ↔ idx (row-major); destination index (idx + shift) mod size per dim
    let dst = 0;
    for (let d = 0; d < rank; d++) dst = dst * shape[d] + ((idx[d] + per[d]) % shape[d]);
    out[dst] = input.data[e];
    for (let d = rank - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return new Tensor(out, shape);
}

/**
 * Window multi-head self-attention with relative position bias and the shifted-window mask, over the fused qkv.
 *
 * Paper:   Liu et al. 2021, "Swin Transformer", arXiv:2103.14030, §3.2 Eq. (4) (Attention(Q, K, V) =
 *          SoftMax(QKᵀ/√d + B)V, B gathered from the table B̂ ∈ ℝ^{(2M−1)×(2M−1)}), §3.2 "efficient batch
 *          computation for shifted configuration" (the mask).
 * Matches: WindowAttention.forward of microsoft/Swin-Transformer between the qkv Linear and proj:
 *          q, k, v = qkv.reshape(B_, N, 3, heads, C/heads).permute(2, 0, 3, 1, 4); attn = (q·scale) @ kᵀ;
 *          attn = attn + table[index.view(−1)].view(N, N, heads).permute(2, 0, 1); attn = attn + mask (viewed
 *          [B_/nW, nW, heads, N, N]: window w of every image gets mask[w]); softmax; (attn @ v).transpose(1, 2).reshape(B_, N, C).
 * Equation: with qs = fl32(q · fl32(scale)) (PyTorch multiplies the float32 q by the scale as float32),
 *   ℓ[b,h,i,j] = Σ_d qs[b,i,h,d]·k[b,j,h,d] + table[index[i,j], h] + mask[b mod nW, i, j]
 *   y[b, i, h·hd + d] = Σ_j softmax_j(ℓ[b,h,i,·]) · v[b,j,h,d]
 * Shapes:  qkv [B_, N, 3C] (channels ordered (3, heads, head_dim)), table [T, heads], index [N, N] (integers
 *          stored as float32), mask [nW, N, N] or null → y [B_, N, C].
 * Numerics: float64 logits, softmax and weighted sum; one rounding to float32 per output.
 * Cost:    4·B_·heads·N²·head_dim FLOPs (QKᵀ and AV) + ≈ 25·B_·heads·N² for bias, mask, softmax.
 * @throws ShapeError / ParameterError (checkWindowAttention) before any work.
 * @see ts/wasm/window_attention.ts · as/window_attention.ts · spec/window_attention.test.ts
 */
export function windowAttention(qkv: Tensor, relative_position_bias_table: Tensor, relative_position_index: Tensor,
    mask: Tensor | null, options: WindowAttentionOptions): Tensor {
  const g = checkWindowAttention('window_attention', qkv, relative_position_bias_table, relative_position_index, mask, options);
  const { B_, N, C, heads, head_dim: hd, nW } = g;
  const scale = Math.fround(g.scale), x = qkv.data, C3 = 3 * C;
  const table = relative_position_bias_table.data, index = relative_position_index.data;
  const out = new Float32Array(B_ * N * C), logits = new Float64Array(N), acc = new Float64Array(hd);
  for (let b = 0; b < B_; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < N; i++) {
    const qOff = (b * N + i) * C3 + h * hd;
    let max = -Infinity;
    for (let j = 0; j < N; j++) {
      const kOff = (b * N + j) * C3 + C + h * hd;
      let dot = 0;
      for (let d = 0; d < hd; d++) dot += Math.fround(x[qOff + d] * scale) * x[kOff + d];
      let l = dot + table[index[i * N + j] * heads + h];
      if (mask) l += mask.data[((b % nW) * N + i) * N + j];
      logits[j] = l;
      if (l > max) max = l;
    }
    let sum = 0;
    acc.fill(0);
    for (let j = 0; j < N; j++) {
      const e = Math.exp(logits[j] - max);
      sum += e;
      const vOff = (b * N + j) * C3 + 2 * C + h * hd;
      for (let d = 0; d < hd; d++) acc[d] += e * x[vOff + d];
    }
    for (let d = 0; d < hd; d++) out[(b * N + i) * C + h * hd + d] = acc[d] / sum;
  }
  return new Tensor(out, [B_, N, C]);
}
