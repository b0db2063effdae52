import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtContext } from '../core/errors.js';
import { conv2dGeometry, type Conv2dOptions, type Conv2dGeometry } from '../core/geometry.js';
import { checkConv2d, checkConv2dStageI, checkConv2dStageII } from '../core/check/conv2d.js';

/**
 * Stage I of convolution as two stages: k_h·k_w one-by-one projections of the input, one per tap.
 *
 * Paper:   Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022,
 *          arXiv:2111.14556, §3.1, Eq. (6): g̃⁽ᵖ'ᵠ⁾_ij = K_{p,q} f_ij.
 * Equation: proj[n, p·k_w + q, o, i, j] = Σ_c weight[o, c, p, q] · x[n, group(o)·C_in/groups + c, i, j]
 * Shapes:  input [N, C_in, H, W]   weight [C_out, C_in/groups, k_h, k_w]  → [N, k_h·k_w, C_out, H, W]
 * Numerics: float64 accumulation over c, one rounding.
 * Cost:    2 · N · k_h·k_w · C_out · H · W · C_in/groups FLOPs (the paper's O(k² C²) per pixel).
 * @throws ShapeError / ParameterError as conv2d (weight rank, channels, groups).
 */
export function conv2dStageI(input: Tensor, weight: Tensor, options: { groups?: number } = {}): Tensor {
  const groups = checkConv2dStageI('conv2d_stage_i', input, weight, options);
  const [N, C_in, H, W] = input.shape, [C_out, cinPerGroup, k_h, k_w] = weight.shape;
  const coutPerGroup = C_out / groups, T = k_h * k_w, plane = H * W;
  const out = new Float32Array(N * T * C_out * plane);
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) for (let o = 0; o < C_out; o++) {
    const group = Math.floor(o / coutPerGroup), p = Math.floor(t / k_w), q = t % k_w;
    for (let ij = 0; ij < plane; ij++) {
      let acc = 0;
      for (let c = 0; c < cinPerGroup; c++) {
        acc += weight.data[((o * cinPerGroup + c) * k_h + p) * k_w + q] * input.data[(n * C_in + group * cinPerGroup + c) * plane + ij];
      }
      out[((n * T + t) * C_out + o) * plane + ij] = acc;
    }
  }
  return new Tensor(out, [N, T, C_out, H, W]);
}

/**
 * Stage II: shift each tap's projection by its offset and sum over taps (with stride and dilation).
 *
 * Paper:   ACmix §3.1, Eq. (7): g⁽ᵖ'ᵠ⁾ = Shift(g̃⁽ᵖ'ᵠ⁾, p − ⌊k/2⌋, q − ⌊k/2⌋), g = Σ_{p,q} g⁽ᵖ'ᵠ⁾;
 *          generalised to padding P, dilation d and stride s: offset (p·d − P, q·d − P), sampled every s pixels.
 * Equation: y[n, o, i, j] = b[o] + Σ_{p,q} proj[n, p·k_w + q, o, i·s_h + p·d_h − P_top, j·s_w + q·d_w − P_left]  (0 outside)
 * Shapes:  proj [N, k_h·k_w, C_out, H, W], bias [C_out] | null → [N, C_out, H_out, W_out] (conv2d's formula)
 * Numerics: float64 sum over taps in (p, q) order, bias last, one rounding.
 * Cost:    N · k_h·k_w · C_out · H_out · W_out FLOPs (the paper's light O(k² C) stage).
 * @throws ShapeError if proj is not rank 5 or its tap count ≠ k_h·k_w; as conv2d for geometry.
 */
export function conv2dStageII(proj: Tensor, kernel_size: readonly [number, number], bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dStageII('conv2d_stage_ii', proj, kernel_size, bias, options);
  const [N, T, C_out, H, W] = proj.shape, [k_h, k_w] = kernel_size;
  const out = new Float32Array(N * C_out * g.H_out * g.W_out);
  for (let n = 0; n < N; n++) for (let o = 0; o < C_out; o++) for (let i = 0; i < g.H_out; i++) for (let j = 0; j < g.W_out; j++) {
    let acc = 0;
    for (let p = 0; p < k_h; p++) for (let q = 0; q < k_w; q++) {
      const y = i * g.stride_h + p * g.dilation_h - g.pad_top, x = j * g.stride_w + q * g.dilation_w - g.pad_left;
      if (y < 0 || y >= H || x < 0 || x >= W) continue;                     // Shift reads zero outside
      acc += proj.data[(((n * T + p * k_w + q) * C_out + o) * H + y) * W + x];
    }
    if (bias) acc += bias.data[o];
    out[((n * C_out + o) * g.H_out + i) * g.W_out + j] = acc;
  }
  return new Tensor(out, [N, C_out, g.H_out, g.W_out]);
}

/**
 * 2-D convolution computed as the paper's two stages: Stage I (k² 1x1 projections) then Stage II
 * (shift and sum). Equal to conv2d up to float32 rounding (both stages round once).
 *
 * Paper:   ACmix §3.1, Eq. (2)-(7).   Matches: torch.nn.functional.conv2d semantics.
 * Shapes:  as conv2d.   Cost: as conv2d plus the stage-II sums.
 * @throws ShapeError / ParameterError exactly as conv2d.
 * @see conv2dStageI · conv2dStageII · spec/conv2d_shift_sum.test.ts
 */
export function conv2dShiftSum(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  checkConv2d('conv2d_shift_sum', input, weight, bias, options);
  const proj = conv2dStageI(input, weight, { groups: options.groups ?? 1 });
  return conv2dStageII(proj, [weight.shape[2], weight.shape[3]], bias, options);
}
