import { Tensor } from '../core/tensor.js';
import { checkDeformConv2d, type DeformConv2dOptions } from '../core/check/deform_conv2d.js';
import { withArena } from './arena.js';
import { gemmColumnBlock, gemmPackedAFloats } from './conv2d.js';
import { kernels, f32 } from './kernels.js';

/** Which variant of the sampling kernels runs (the spec sweeps both; the GEMM is always gemm__f32x4_4x8). */
export type DeformVariant = 'f32x4' | 'scalar';

/**
 * Deformable 2-D convolution (v1 / v2 with mask) on the WASM SIMD kernels: same signature and semantics as the
 * reference `deformConv2d` in ts/ref/deform_conv2d.ts (torchvision.ops.deform_conv2d).
 *
 * Composition (per image n; XNNPACK-operator style, as torchvision's CPU kernel: deformable im2col + GEMM):
 *   xp    = pad_border1(x[n])                     C_in planes with a one-pixel zero border (every corner addressable)
 *   table = deform_sample_table(offset[n, og])    per offset group: corner index + 4 bilinear weights + mask, float32
 *   for each weight group g:
 *     col   = bilinear_gather(xp[channels of g], table of each channel's offset group)   [C_in/groups·k_h·k_w, P]
 *     y[n, g] = weight[g] [C_out/groups × C_in/groups·k_h·k_w] · col + bias[g]          (gemm__f32x4_4x8)
 * Shapes:  as the reference (output [N, C_out, H_out, W_out], torchvision's truncating output size).
 * Numerics: float32. Coordinates, bilinear weights and the sampled value follow torchvision's CPU kernel operation
 *          by operation (so the columns equal torchvision's); the GEMM sums the (c, p, q) products in order into one
 *          accumulator, then adds the bias. Within 2·(K + 8)·u·Σ|terms| + 4·u·Σ|w·m|·(|py|+|px|+1)·max|corner| of
 *          the float64 reference (spec/deform_conv2d.test.ts), K = C_in/groups·k_h·k_w + 1. A NaN offset makes a
 *          NaN sample coordinate, which this backend treats as outside the map and reads as 0 (a finite output),
 *          where the reference (and torchvision's CPU kernel) gives NaN: the one known difference between the
 *          backends on valid input, pinned by spec/errors.test.ts (edge/deform_conv2d).
 * Memory:  the input, offsets, mask, weight, output, the padded image (C_in·(H+2)·(W+2)), the tables
 *          (offset_groups·6·k_h·k_w·P words) and one column buffer (C_in/groups·k_h·k_w·P) in the per-call arena.
 * Cost:    2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w FLOPs (GEMM) + ~8 per sampled column element.
 * @throws ShapeError / ParameterError exactly as the reference (checkDeformConv2d runs before any WASM work).
 * @throws BackendError if `await wasm.init()` has not completed.
 * @see ts/ref/deform_conv2d.ts · as/bilinear_gather.ts · spec/deform_conv2d.test.ts
 */
export function deformConv2d(input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null = null, options: DeformConv2dOptions = {}): Tensor {
  return deformConv2dVariant('f32x4', input, offset, weight, bias, options);
}

/** `deformConv2d` on the chosen kernel twin ('f32x4' is the op; 'scalar' runs the scalar twins, for their specs). */
export function deformConv2dVariant(
  variant: DeformVariant, input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null = null, options: DeformConv2dOptions = {},
): Tensor {
  const g = checkDeformConv2d('deform_conv2d', input, offset, weight, bias, options);
  const k = kernels();
  const pad = variant === 'f32x4' ? k.pad_border1__f32x4 : k.pad_border1__scalar;
  const table = variant === 'f32x4' ? k.deform_sample_table__f32x4 : k.deform_sample_table__scalar;
  const gather = variant === 'f32x4' ? k.bilinear_gather__f32x4 : k.bilinear_gather__scalar;
  const { N, C_in, H, W, C_out, k_h, k_w, T, H_out, W_out, groups, offset_groups, cinPerGroup, coutPerGroup, cinPerOffsetGroup } = g;
  const P = H_out * W_out, Hp = H + 2, Wp = W + 2, plane = Hp * Wp, Kred = cinPerGroup * T, tableWords = 6 * T * P;
  const mask = options.mask ?? null;
  const out = withArena((a) => {
    const x = a.upload(input.data), off = a.upload(offset.data), m = mask ? a.upload(mask.data) : 0;
    const w = a.upload(weight.data), b = bias ? a.upload(bias.data) : 0;
    const y = a.alloc(N * C_out * P);
    const xp = a.alloc(C_in * plane), tables = a.alloc(offset_groups * tableWords), col = a.alloc(Kred * P);
    const nc = gemmColumnBlock(Kred, P);
    const packedA = a.alloc(gemmPackedAFloats(coutPerGroup, Kred)), packedB = a.alloc(Kred * nc);
    for (let n = 0; n < N; n++) {
      pad(f32(x, n * C_in * H * W), xp, C_in, H, W);
      for (let og = 0; og < offset_groups; og++) {
        table(f32(off, (n * offset_groups + og) * 2 * T * P), m ? f32(m, (n * offset_groups + og) * T * P) : 0,
          f32(tables, og * tableWords), k_h, k_w, H, W, H_out, W_out, g.stride_h, g.stride_w, g.pad_h, g.pad_w, g.dilation_h, g.dilation_w);
      }
      for (let grp = 0; grp < groups; grp++) {
        // the group's channels, in runs that share one offset group (and so one table)
        for (let c = grp * cinPerGroup, end = (grp + 1) * cinPerGroup; c < end;) {
          const og = Math.floor(c / cinPerOffsetGroup), runEnd = Math.min(end, (og + 1) * cinPerOffsetGroup);
          gather(f32(xp, c * plane), f32(tables, og * tableWords), f32(col, (c - grp * cinPerGroup) * T * P), runEnd - c, T, P, Wp, plane);
          c = runEnd;
        }
        k.gemm__f32x4_4x8(coutPerGroup, P, Kred, f32(w, grp * coutPerGroup * Kred), Kred, col, P,
          f32(y, (n * C_out + grp * coutPerGroup) * P), P, b ? f32(b, grp * coutPerGroup) : 0, 0, packedA, packedB, nc);
      }
    }
    return a.download(y, N * C_out * P);
  });
  return new Tensor(out, [N, C_out, H_out, W_out]);
}
