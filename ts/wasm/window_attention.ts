import { Tensor } from '../core/tensor.js';
import {
  checkWindowPartition, checkWindowReverse, checkRoll, checkWindowAttention, type WindowAttentionOptions,
} from '../core/check/window_attention.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Swin's window_partition on the WASM backend: x [B, H, W, C] → [B·(H/ws)·(W/ws), ws, ws, C].
 * Composition: window_partition__f32x4 (as/window_partition.ts): one contiguous run of ws·C words per window row.
 * Numerics: bit-exact (word copies).   Matches / Shapes: ts/ref/window_attention.ts windowPartition.
 * @throws ShapeError from checkWindowPartition; BackendError before init().
 */
export function windowPartition(x: Tensor, window_size: number): Tensor {
  const { B, H, W, C, ws } = checkWindowPartition('window_partition', x, window_size);
  const k = kernels(), n = x.size;
  const out = withArena((a) => {
    const src = a.upload(x.data), dst = a.alloc(n);
    k.window_partition__f32x4(src, dst, B, H, W, C, ws, 0);
    return a.download(dst, n);
  });
  return new Tensor(out, [B * (H / ws) * (W / ws), ws, ws, C]);
}

/**
 * Swin's window_reverse on the WASM backend (inverse of windowPartition): window_partition__f32x4 with reverse = 1.
 * Numerics: bit-exact.   @throws ShapeError from checkWindowReverse; BackendError before init().
 */
export function windowReverse(windows: Tensor, window_size: number, H: number, W: number): Tensor {
  const { B, C, ws } = checkWindowReverse('window_reverse', windows, window_size, H, W);
  const k = kernels(), n = windows.size;
  const out = withArena((a) => {
    const src = a.upload(windows.data), dst = a.alloc(n);
    k.window_partition__f32x4(src, dst, B, H, W, C, ws, 1);
    return a.download(dst, n);
  });
  return new Tensor(out, [B, H, W, C]);
}

/**
 * torch.roll on the WASM backend: one roll_dim__f32x4 pass (as/window_partition.ts) per dimension with a non-zero
 * shift, x viewed as [outer, n, inner] around that dimension (two contiguous runs per outer index), ping-ponging
 * between two arena buffers. Numerics: bit-exact.   @throws ParameterError from checkRoll; BackendError before init().
 */
export function roll(input: Tensor, shifts: number | readonly number[], dims: number | readonly number[]): Tensor {
  const per = checkRoll('roll', input, shifts, dims);
  const shape = input.shape, n = input.size;
  if (n === 0) return new Tensor(new Float32Array(0), shape);
  const k = kernels();
  const out = withArena((a) => {
    let src = a.upload(input.data), dst = a.alloc(n);
    for (let d = 0; d < shape.length; d++) {
      if (per[d] === 0) continue;
      const outer = shape.slice(0, d).reduce((p, v) => p * v, 1), inner = shape.slice(d + 1).reduce((p, v) => p * v, 1);
      k.roll_dim__f32x4(src, dst, outer, shape[d], inner, per[d]);
      [src, dst] = [dst, src];
    }
    return a.download(src, n);
  });
  return new Tensor(out, shape);
}

/**
 * Window attention with relative position bias and shifted-window mask on WASM SIMD: one fused kernel
 * (as/window_attention.ts, window_attention__f32x4) over every window and head, both products on the 4x8 GEMM tile
 * (4 query rows × 8 keys for the logits, 4 rows × 8 channels for the weighted sum); the N×N weights never leave a
 * 4-row block of scratch in WASM memory. The host gathers the bias table by the index once per call into [heads, N, N]
 * (data movement, exact), as the official `table[index.view(-1)].view(N, N, heads).permute(2, 0, 1)`.
 *
 * Matches / Shapes: ts/ref/window_attention.ts (WindowAttention.forward of microsoft/Swin-Transformer between
 *          the qkv Linear and proj): qkv [B_, N, 3C] → [B_, N, C].
 * Numerics (u = 2⁻²⁴, first order; the kernel's order is in as/window_attention.ts): per logit ℓ_j the float32
 *          dot product (hd terms), + bias, + mask is within δ_j = (hd + 2)·u·Λ_j of the float64 logit,
 *          Λ_j = Σ_d |qs_d·k_jd| + |bias_ij| + |mask_ij|; x̂_j = fl(ℓ̂_j − m) adds u·|ℓ_j − m|, expf ≤ 1 ulp ≤ 2u.
 *          A logit perturbed by ε_j moves the output y_d = Σ_j w_j v_jd by ≤ Σ_j w_j ε_j (|v_jd| + |y_d|); the
 *          sums S = Σ e_j (N − 1 roundings), Σ_j e_j v_jd (N roundings), the division and the reference's own
 *          rounding add (2N + 3)·u·A_d with A_d = Σ_j w_j |v_jd|. With slack 2:
 *            |wasm − ref| ≤ 2·[Σ_j w_j·((hd + 2)·u·Λ_j + u·|ℓ_j − m| + 2u)·(|v_jd| + |y_d|) + (2N + 3)·u·A_d] + 2⁻¹²⁵·N·max|v|
 *          (spec/support and ts/verify/golden_swin.ts windowAttentionBound compute it from the float64 weights;
 *          the masked logits, −100 in Swin, carry weights ≈ e⁻¹⁰⁰ and so add nothing). The last term covers the
 *          kernel's flush of numerators below e⁻⁸⁷ < 2⁻¹²⁵ to +0 (s ≥ 1, so each moves y_d by < 2⁻¹²⁵·|v_jd|; it
 *          also covers subnormal rounding, the 2⁻¹⁴⁸·N·max|v| this term had before the flush).
 * Cost:    4·B_·heads·N²·hd FLOPs + ≈ 25·B_·heads·N² (bias, mask, exp, sums).
 * @throws ShapeError / ParameterError from checkWindowAttention before any WASM work; BackendError before init().
 * @see ts/ref/window_attention.ts · as/window_attention.ts · spec/window_attention.test.ts
 */
export function windowAttention(qkv: Tensor, relative_position_bias_table: Tensor, relative_position_index: Tensor,
    mask: Tensor | null, options: WindowAttentionOptions): Tensor {
  const g = checkWindowAttention('window_attention', qkv, relative_position_bias_table, relative_position_index, mask, options);
  const { B_, N, C, heads, head_dim: hd, nW } = g;
  const k = kernels();
  const bias = new Float32Array(heads * N * N), table = relative_position_bias_table.data, index = relative_position_index.data;
  for (let h = 0; h < heads; h++) for (let ij = 0; ij < N * N; ij++) bias[h * N * N + ij] = table[index[ij] * heads + h];
  const out = withArena((a) => {
    const pq = a.upload(qkv.data), pb = a.upload(bias), pm = mask ? a.upload(mask.data) : 0;
    const py = a.alloc(B_ * N * C), scratch = a.alloc(k.window_attention_scratch_floats(N, hd));
    k.window_attention__f32x4(pq, pb, pm, py, scratch, B_, N, heads, hd, nW, Math.fround(g.scale));
    return a.download(py, B_ * N * C);
  });
  return new Tensor(out, [B_, N, C]);
}
