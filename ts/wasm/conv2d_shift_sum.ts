import { Tensor } from '../core/tensor.js';
import { type Conv2dOptions } from '../core/geometry.js';
import { checkConv2d, checkConv2dStageI, checkConv2dStageII } from '../core/check/conv2d.js';
import { withArena } from './arena.js';
import { kernels, f32 } from './kernels.js';
import { gemmColumnBlock, gemmPackedAFloats } from './conv2d.js';

/**
 * 2-D convolution as the paper's two stages on the WASM kernels: same signature and semantics as
 * ts/ref/conv2d_shift_sum.ts `conv2dShiftSum`.
 *
 * Paper:   Pan et al., CVPR 2022, arXiv:2111.14556, §3.1, Eq. (2)-(7).
 * Matches: torch.nn.functional.conv2d semantics (zero padding, stride, dilation, groups).
 * Composition, per image n and group g (T = k_h·k_w taps, t = p·k_w + q):
 *   Stage I (Eq. 6), one GEMM for all k² tap projections:
 *     proj_g [T·C_out/groups, H·W] = A_g [T·C_out/groups, C_in/groups] · x[n, g] [C_in/groups, H·W]   (gemm)
 *     A_g[t·C_out/groups + o, c] = weight[g·C_out/groups + o, c, p, q]  (the weight re-laid out in TS)
 *   Stage II (Eq. 7), y[n] = 0, then for each tap in (p, q) order:
 *     y[n, g·C_out/groups + o, i, j] += proj_g[t, o, i·s_h + p·d_h − P_top, j·s_w + q·d_w − P_left]
 *     (shift_accumulate__f32x4; pixels read outside the map add nothing), then + bias (add_column_vector).
 * Numerics: the reference's rounding class — Stage I rounded to float32 once per projection (materialised
 *   in proj), Stage II a float32 sum of those rounded terms, bias last. With S_t = Σ_c |w·x| of tap t,
 *   absScale = Σ_t S_t + |b| and u = 2⁻²⁴, to first order in u:
 *     Stage I:  |proj_wasm,t − proj_ref,t| ≤ (C_in/groups)·u·S_t + u·S_t   (float32 dot of C_in/groups terms
 *               vs the reference's single rounding);
 *     Stage II: a float32 sum of ≤ T + 1 terms: (T + 1)·u·absScale; the reference's rounding u·|y|;
 *     |wasm − ref| ≤ (C_in/groups + k_h·k_w + 3)·u·absScale.
 *   (spec/registry.test.ts asserts it with slack 1.01 for the second-order terms.)
 * Shapes:  input [N, C_in, H, W]   weight [C_out, C_in/groups, k_h, k_w]   bias [C_out] | null
 *          → [N, C_out, H_out, W_out] (conv2d's formula).
 * Cost:    2·N·C_out·H·W·(C_in/groups)·k_h·k_w FLOPs (Stage I at every input pixel) + N·T·C_out·H_out·W_out.
 * @throws ShapeError / ParameterError exactly as the reference (checkConv2d first); BackendError before init.
 * @see ts/ref/conv2d_shift_sum.ts · as/gemm.ts · as/shift_accumulate.ts
 */
export function conv2dShiftSum(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2d('conv2d_shift_sum', input, weight, bias, options);
  const k = kernels();
  const { N, C_in, H, W, C_out, k_h, k_w, H_out, W_out, groups, cinPerGroup, coutPerGroup } = g;
  const T = k_h * k_w, HW = H * W, M = T * coutPerGroup, outPlane = H_out * W_out;
  // A_g laid out [groups][T][C_out/groups][C_in/groups]: rows (t, o) of group g, contiguous.
  const A = new Float32Array(groups * M * cinPerGroup);
  for (let grp = 0; grp < groups; grp++) for (let t = 0; t < T; t++) for (let o = 0; o < coutPerGroup; o++) {
    for (let c = 0; c < cinPerGroup; c++) {
      A[((grp * T + t) * coutPerGroup + o) * cinPerGroup + c] = weight.data[((grp * coutPerGroup + o) * cinPerGroup + c) * T + t];
    }
  }
  const out = withArena((a) => {
    const x = a.upload(input.data), w = a.upload(A), b = bias ? a.upload(bias.data) : 0;
    const y = a.alloc(N * C_out * outPlane);
    const proj = a.alloc(groups * M * HW);                   // one image: [groups][T][C_out/groups][H·W]
    const nc = gemmColumnBlock(cinPerGroup, HW);
    const packedA = a.alloc(gemmPackedAFloats(M, cinPerGroup)), packedB = a.alloc(cinPerGroup * nc);
    for (let n = 0; n < N; n++) {
      for (let grp = 0; grp < groups; grp++) {                 // Stage I
        k.gemm__f32x4_4x8(M, HW, cinPerGroup, f32(w, grp * M * cinPerGroup), cinPerGroup,
          f32(x, (n * C_in + grp * cinPerGroup) * HW), HW, f32(proj, grp * M * HW), HW, 0, 0, packedA, packedB, nc);
      }
      const yn = f32(y, n * C_out * outPlane);
      k.fill__f32x4(yn, C_out * outPlane, 0);
      for (let grp = 0; grp < groups; grp++) {                 // Stage II
        for (let p = 0; p < k_h; p++) for (let q = 0; q < k_w; q++) {
          const t = p * k_w + q;
          k.shift_accumulate__f32x4(f32(proj, (grp * M + t * coutPerGroup) * HW), f32(yn, grp * coutPerGroup * outPlane),
            coutPerGroup, H, W, H_out, W_out, p * g.dilation_h - g.pad_top, q * g.dilation_w - g.pad_left, g.stride_h, g.stride_w);
        }
      }
      if (b) k.add_column_vector__f32x4(yn, C_out, outPlane, b);
    }
    return a.download(y, N * C_out * outPlane);
  });
  return new Tensor(out, [N, C_out, H_out, W_out]);
}

/**
 * Stage I alone on WASM: the k_h·k_w one-by-one projections of every input pixel (ACmix §3.1, Eq. 6),
 * same signature and semantics as ts/ref/conv2d_shift_sum.ts `conv2dStageI`.
 * Composition: per image and group, one GEMM [T·C_out/groups, C_in/groups] · [C_in/groups, H·W] (the stage I
 *   of `conv2dShiftSum` above), then each (tap, group) block copied to its place in [T, C_out, H, W].
 * Shapes:  input [N, C_in, H, W], weight [C_out, C_in/groups, k_h, k_w] → [N, k_h·k_w, C_out, H, W].
 * Numerics: float32 dot products of C_in/groups terms: within (C_in/groups)·u·Σ|terms| + u·|y| of the reference.
 * Cost:    2·N·k_h·k_w·C_out·H·W·C_in/groups FLOPs.
 * @throws as the reference (checkConv2dStageI); BackendError before `init()`.
 */
export function conv2dStageI(input: Tensor, weight: Tensor, options: { groups?: number } = {}): Tensor {
  const groups = checkConv2dStageI('conv2d_stage_i', input, weight, options);
  const k = kernels();
  const [N, C_in, H, W] = input.shape, [C_out, cinPerGroup, k_h, k_w] = weight.shape;
  const T = k_h * k_w, HW = H * W, coutPerGroup = C_out / groups, M = T * coutPerGroup;
  const A = new Float32Array(groups * M * cinPerGroup);                  // [groups][T][C_out/groups][C_in/groups]
  for (let grp = 0; grp < groups; grp++) for (let t = 0; t < T; t++) for (let o = 0; o < coutPerGroup; o++) {
    for (let c = 0; c < cinPerGroup; c++) {
      A[((grp * T + t) * coutPerGroup + o) * cinPerGroup + c] = weight.data[((grp * coutPerGroup + o) * cinPerGroup + c) * T + t];
    }
  }
  const out = new Float32Array(N * T * C_out * HW);
  if (out.length === 0) return new Tensor(out, [N, T, C_out, H, W]);
  withArena((a) => {
    const x = a.upload(input.data), w = a.upload(A);
    const proj = a.alloc(M * HW);
    const nc = gemmColumnBlock(cinPerGroup, HW);
    const packedA = a.alloc(gemmPackedAFloats(M, cinPerGroup)), packedB = a.alloc(cinPerGroup * nc);
    for (let n = 0; n < N; n++) for (let grp = 0; grp < groups; grp++) {
      k.gemm__f32x4_4x8(M, HW, cinPerGroup, f32(w, grp * M * cinPerGroup), cinPerGroup,
        f32(x, (n * C_in + grp * cinPerGroup) * HW), HW, proj, HW, 0, 0, packedA, packedB, nc);
      const view = a.view(proj, M * HW);
      for (let t = 0; t < T; t++) {
        out.set(view.subarray(t * coutPerGroup * HW, (t + 1) * coutPerGroup * HW), ((n * T + t) * C_out + grp * coutPerGroup) * HW);
      }
    }
  });
  return new Tensor(out, [N, T, C_out, H, W]);
}

/**
 * Stage II alone on WASM: shift each tap's projection and sum over taps (ACmix §3.1, Eq. 7), same signature
 * and semantics as ts/ref/conv2d_shift_sum.ts `conv2dStageII`.
 * Composition: per image, y = 0, then shift_accumulate__f32x4 per tap in (p, q) order, then + bias.
 * Shapes:  proj [N, k_h·k_w, C_out, H, W], bias [C_out] | null → [N, C_out, H_out, W_out].
 * Numerics: a float32 sum of ≤ T + 1 terms in the reference's order: within (T + 1)·u·Σ|terms| of it.
 * Cost:    N·k_h·k_w·C_out·H_out·W_out FLOPs.
 * @throws as the reference (checkConv2dStageII); BackendError before `init()`.
 */
export function conv2dStageII(proj: Tensor, kernel_size: readonly [number, number], bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dStageII('conv2d_stage_ii', proj, kernel_size, bias, options);
  const k = kernels();
  const [N, T, C_out, H, W] = proj.shape, [k_h, k_w] = kernel_size;
  const HW = H * W, outPlane = g.H_out * g.W_out;
  const out = withArena((a) => {
    const x = a.upload(proj.data), b = bias ? a.upload(bias.data) : 0;
    const y = a.alloc(N * C_out * outPlane);
    for (let n = 0; n < N; n++) {
      const yn = f32(y, n * C_out * outPlane);
      k.fill__f32x4(yn, C_out * outPlane, 0);
      for (let p = 0; p < k_h; p++) for (let q = 0; q < k_w; q++) {
        k.shift_accumulate__f32x4(f32(x, (n * T + p * k_w + q) * C_out * HW), yn, C_out, H, W, g.H_out, g.W_out,
          p * g.dilation_h - g.pad_top, q * g.dilation_w - g.pad_left, g.stride_h, g.stride_w);
      }
      if (b) k.add_column_vector__f32x4(yn, C_out, outPlane, b);
    }
    return a.download(y, N * C_out * outPlane);
  });
  return new Tensor(out, [N, C_out, g.H_out, g.W_out]);
}
