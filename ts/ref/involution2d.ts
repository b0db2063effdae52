import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtContext, fmtShape } from '../core/errors.js';
import { expectRank, pair, type IntPair } from '../core/geometry.js';

/** Options of `involution2d` (the generated kernel fixes k_h·k_w; give kernel_size to say how it factors). */
export interface Involution2dOptions {
  kernel_size: IntPair;
  stride?: IntPair;
  padding?: IntPair;
  dilation?: IntPair;
}

/**
 * Validates involution2d arguments (shared by every backend, before any work).
 * @throws ShapeError if input or kernel is not rank 5/4 as below, G does not divide C, kernel.shape[2] ≠ k_h·k_w,
 *         the kernel's map is not [H_out, W_out], its batch is not N, or the output would be empty.
 * @throws ParameterError on a non-positive kernel_size / stride / dilation or a negative padding.
 */
export function checkInvolution2d(op: string, input: Pick<Tensor, 'shape'>, kernel: Pick<Tensor, 'shape'>, options: Involution2dOptions) {
  const ctx = () => fmtContext({ input, kernel, kernel_size: JSON.stringify(options.kernel_size), stride: JSON.stringify(options.stride ?? 1), padding: JSON.stringify(options.padding ?? 0) });
  expectRank(op, 'input', input.shape, 4, { input, kernel });
  expectRank(op, 'kernel', kernel.shape, 5, { input, kernel });
  const [k_h, k_w] = pair(op, 'kernel_size', options.kernel_size, 1, 1);
  const [stride_h, stride_w] = pair(op, 'stride', options.stride, 1, 1);
  const [pad_h, pad_w] = pair(op, 'padding', options.padding, 0, 0);
  const [dilation_h, dilation_w] = pair(op, 'dilation', options.dilation, 1, 1);
  const [N, C, H, W] = input.shape, [Nk, G, T] = kernel.shape;
  if (Nk !== N) throw new ShapeError(`${op}: kernel.shape[0] must equal N = ${N}, got ${Nk} (${ctx()})`);
  if (G < 1 || C % G !== 0) throw new ShapeError(`${op}: the kernel groups G = kernel.shape[1] must divide C = ${C}, got ${G} (${ctx()})`);
  if (T !== k_h * k_w) throw new ShapeError(`${op}: kernel.shape[2] must equal k_h·k_w = ${k_h * k_w}, got ${T} (${ctx()})`);
  const H_out = Math.floor((H + 2 * pad_h - dilation_h * (k_h - 1) - 1) / stride_h) + 1;
  const W_out = Math.floor((W + 2 * pad_w - dilation_w * (k_w - 1) - 1) / stride_w) + 1;
  if (!(H_out >= 1 && W_out >= 1)) throw new ShapeError(`${op}: the output [H_out, W_out] must be at least [1,1], got [${H_out},${W_out}] (${ctx()})`);
  if (kernel.shape[3] !== H_out || kernel.shape[4] !== W_out) {
    throw new ShapeError(`${op}: the kernel's map kernel.shape[3:] must equal the output size [${H_out},${W_out}], got ${fmtShape(kernel.shape.slice(3))} (${ctx()})`);
  }
  return { N, C, H, W, G, T, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, H_out, W_out };
}

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
