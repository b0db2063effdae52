import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtContext, fmtShape } from '../core/errors.js';
import { expectRank, pair, type IntPair } from '../core/geometry.js';
import { Involution2dOptions, checkInvolution2d } from '../core/check/involution2d.js';

/**
 * Involution / inhomogeneous dynamic depthwise convolution: every output position has its own k_h×k_w kernel
 * (generated from the input), shared by the C/G channels of a group.
 *
 * Paper:   Han et al., "On the Connection between Local Attention and Dynamic Depth-wise Convolution", ICLR 2022,
 *          arXiv:2106.04263, §3-4 (I-D-DW conv); Li et al., "Involution", CVPR 2021, arXiv:2103.06255, Eq. (4)
 *          (equation numbers as we read them; re-verify against the PDFs).
 * Matches: Atten4Vis/DemystifyLocalViT `IDynamicDWConv`'s CuPy kernel (stride 1, padding (k − 1)/2, zero padding,
 *          no bias) and involution's unfold form: y = Σ_t unfold(x)[n, g, c, t, ·] · kernel[n, g, t, ·].
 *
 * Equation:
 *   y[n,c,i,j] = Σ_{p,q} kernel[n, ⌊c / (C/G)⌋, p·k_w + q, i, j] · x[n, c, i·s_h + p·d_h − P_h, j·s_w + q·d_w − P_w]
 *   (x reads 0 outside the map)
 *
 * Shapes:  input [N, C, H, W]   kernel [N, G, k_h·k_w, H_out, W_out]   output [N, C, H_out, W_out]
 *          H_out = ⌊(H + 2·P_h − d_h·(k_h − 1) − 1) / s_h⌋ + 1
 * Units:   kernel values dimensionless (unnormalised, as the official generator: no softmax).
 * Numerics: float64 accumulation in (p, q) order, one rounding (the order of ref conv2d for one channel, so a
 *          spatially constant kernel gives the grouped depthwise conv bit for bit).
 * Cost:    2 · N · C · H_out · W_out · k_h · k_w FLOPs.
 * @throws ShapeError / ParameterError as `checkInvolution2d`.
 * @see ts/nn/dynamic_dw.ts · spec/dynamic_dw.test.ts
 */
export function involution2d(input: Tensor, kernel: Tensor, options: Involution2dOptions): Tensor {
  const g = checkInvolution2d('involution2d', input, kernel, options);
  const { N, C, H, W, G, T, k_h, k_w, H_out, W_out } = g;
  const x = input.data, kd = kernel.data, P = H_out * W_out, perGroup = C / G;
  const out = new Float32Array(N * C * P);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const grp = Math.floor(c / perGroup), kBase = (n * G + grp) * T * P, xBase = (n * C + c) * H * W;
    for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
      let acc = 0;
      for (let p = 0; p < k_h; p++) {
        const y = i * g.stride_h + p * g.dilation_h - g.pad_h;
        if (y < 0 || y >= H) continue;
        for (let q = 0; q < k_w; q++) {
          const xx = j * g.stride_w + q * g.dilation_w - g.pad_w;
          if (xx < 0 || xx >= W) continue;
          acc += kd[kBase + (p * k_w + q) * P + i * W_out + j] * x[xBase + y * W + xx];
        }
      }
      out[(n * C + c) * P + i * W_out + j] = acc;
    }
  }
  return new Tensor(out, [N, C, H_out, W_out]);
}
