import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtContext } from '../core/errors.js';
import { expectRank, pair, type IntPair } from '../core/geometry.js';
import { UnfoldOptions, UnfoldGeometry, checkUnfold } from '../core/check/unfold.js';

/**
 * Extracts sliding k_h × k_w blocks (im2col).
 *
 * Paper:   the window gather of local self-attention, ACmix §3.2 Eq. (8) (the official code builds
 *          its attention windows with nn.Unfold); also the column matrix of convolution-as-GEMM.
 * Matches: torch.nn.functional.unfold(input, kernel_size, dilation=1, padding=0, stride=1), zero padding.
 *
 * Equation: y[n, (c·k_h + p)·k_w + q, i·W_out + j] = x[n, c, i·s_h + p·d_h − P_h, j·s_w + q·d_w − P_w]  (0 outside)
 * Shapes:  input [N, C, H, W] → output [N, C·k_h·k_w, L], L = H_out·W_out,
 *          H_out = floor((H + 2·P_h − d_h·(k_h − 1) − 1) / s_h) + 1.
 * Numerics: data movement, bit-exact.   Cost: 0 FLOPs.
 * @throws ShapeError if input is not rank 4 or the dilated window exceeds the padded input.
 * @throws ParameterError for non-positive kernel_size, stride, dilation or negative padding.
 * @see spec/unfold.test.ts
 */
export function unfold(input: Tensor, kernel_size: IntPair, options: UnfoldOptions = {}): Tensor {
  const g = checkUnfold('unfold', input, kernel_size, options);
  const { N, C, H, W, k_h, k_w, H_out, W_out } = g;
  const L = H_out * W_out;
  const out = new Float32Array(N * C * k_h * k_w * L);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < k_h; p++) for (let q = 0; q < k_w; q++) {
    const row = ((n * C + c) * k_h + p) * k_w + q;
    for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
      const y = i * g.stride_h + p * g.dilation_h - g.pad_h, x = j * g.stride_w + q * g.dilation_w - g.pad_w;
      out[row * L + i * W_out + j] = y >= 0 && y < H && x >= 0 && x < W ? input.data[((n * C + c) * H + y) * W + x] : 0;
    }
  }
  return new Tensor(out, [N, C * k_h * k_w, L]);
}
