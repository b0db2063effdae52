import { Tensor } from '../core/tensor.js';
import type { IntPair } from '../core/geometry.js';
import { checkMaxPool2d, checkAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from '../core/check/pooling.js';

/**
 * 2-D max pooling over NCHW maps.
 *
 * Paper:   the subsampling layers of LeNet (LeCun et al. 1998) with max instead of average (Ranzato et al. 2007);
 *          the 3x3 stride-2 stem pool of ResNet (He et al. 2016, arXiv:1512.03385, Table 1).
 * Matches: torch.nn.functional.max_pool2d(input, kernel_size, stride=None (= kernel_size), padding=0, dilation=1,
 *          ceil_mode=False) (return_indices not supported).
 * Equation: y[n, c, i, j] = max over the taps (i·s_h − p_h + a·d_h, j·s_w − p_w + b·d_w), a < k_h, b < k_w, that lie
 *          inside the input (the padding is −∞); taps in row-major order, a tap replaces the running max when it is
 *          greater or NaN (PyTorch's `val > maxval || isnan(val)`): the first of equal maxima wins (+0 vs −0),
 *          NaN propagates. Output size: ⌊(H + 2p − d(k − 1) − 1 [+ s − 1 if ceil_mode]) / s⌋ + 1, minus one with
 *          ceil_mode when the last window would start in the right padding.
 * Shapes:  input [N, C, H, W] → output [N, C, H_out, W_out].
 * Numerics: exact (comparisons only).
 * Cost:    k_h·k_w comparisons per output (counted as FLOPs).
 * @throws ShapeError, ParameterError, ArgumentError, ResourceError as checkMaxPool2d (e.g. padding > kernel_size / 2,
 *         a dilated kernel larger than the padded input), before any work.
 * @see ts/wasm/max_pool2d.ts · spec/pooling.test.ts
 */
export function maxPool2d(input: Tensor, kernel_size: IntPair, options?: MaxPool2dOptions): Tensor {
  const g = checkMaxPool2d('max_pool2d', input, kernel_size, options);
  const [N, C, H, W] = input.shape, Ho = g.rows.out, Wo = g.cols.out;
  const [kh, kw] = g.kernel, [sh, sw] = g.stride, [ph, pw] = g.padding, [dh, dw] = g.dilation;
  const x = input.data, out = new Float32Array(N * C * Ho * Wo);
  for (let nc = 0; nc < N * C; nc++) {
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
      let m = -Infinity;
      for (let a = 0; a < kh; a++) {
        const r = i * sh - ph + a * dh;
        if (r < 0 || r >= H) continue;
        for (let b = 0; b < kw; b++) {
          const c = j * sw - pw + b * dw;
          if (c < 0 || c >= W) continue;
          const v = x[(nc * H + r) * W + c];
          if (v > m || Number.isNaN(v)) m = v;
        }
      }
      out[(nc * Ho + i) * Wo + j] = m;
    }
  }
  return new Tensor(out, [N, C, Ho, Wo]);
}

/**
 * 2-D average pooling over NCHW maps.
 *
 * Paper:   the subsampling (average) layers of LeNet-5 (LeCun et al. 1998, §II.B); the transition layers of
 *          DenseNet (Huang et al. 2017, arXiv:1608.06993, §3: 2x2 average pooling).
 * Matches: torch.nn.functional.avg_pool2d(input, kernel_size, stride=None (= kernel_size), padding=0,
 *          ceil_mode=False, count_include_pad=True, divisor_override=None).
 * Equation: y[n, c, i, j] = Σ_{taps inside the input} x / D, taps (i·s_h − p_h + a, j·s_w − p_w + b), a < k_h,
 *          b < k_w; D = divisor_override if given, else with count_include_pad the window size clipped at the padded
 *          border ((min(h0 + k_h, H + p_h) − h0)·(same along W), h0 = i·s_h − p_h), else the number of taps inside
 *          the input. Output size as max_pool2d with dilation 1.
 * Shapes:  input [N, C, H, W] → output [N, C, H_out, W_out].
 * Numerics: float64 sum, one division, one rounding. (PyTorch 1.13's CPU kernel, and the wasm backend, sum the taps in
 *          float32 in row-major order, then divide: within (k_h·k_w + 1)·u·Σ|taps|/D of this.)
 * Cost:    k_h·k_w + 1 FLOPs per output.
 * @throws as checkAvgPool2d (also ParameterError for divisor_override ∉ [1, 2^24]), before any work.
 * @see ts/wasm/avg_pool2d.ts · spec/pooling.test.ts
 */
export function avgPool2d(input: Tensor, kernel_size: IntPair, options?: AvgPool2dOptions): Tensor {
  const g = checkAvgPool2d('avg_pool2d', input, kernel_size, options);
  const [N, C, H, W] = input.shape, Ho = g.rows.out, Wo = g.cols.out;
  const [kh, kw] = g.kernel, [sh, sw] = g.stride, [ph, pw] = g.padding;
  const includePad = options?.count_include_pad ?? true, override = options?.divisor_override ?? null;
  const x = input.data, out = new Float32Array(N * C * Ho * Wo);
  for (let nc = 0; nc < N * C; nc++) {
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
      const h0 = i * sh - ph, w0 = j * sw - pw;
      const h1 = Math.min(h0 + kh, H + ph), w1 = Math.min(w0 + kw, W + pw);
      const padded = (h1 - h0) * (w1 - w0);
      const r0 = Math.max(h0, 0), r1 = Math.min(h1, H), c0 = Math.max(w0, 0), c1 = Math.min(w1, W);
      if (r0 >= r1 || c0 >= c1) { out[(nc * Ho + i) * Wo + j] = 0; continue; }
      let acc = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) acc += x[(nc * H + r) * W + c];
      const D = override ?? (includePad ? padded : (r1 - r0) * (c1 - c0));
      out[(nc * Ho + i) * Wo + j] = acc / D;
    }
  }
  return new Tensor(out, [N, C, Ho, Wo]);
}
