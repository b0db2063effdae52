import { Tensor } from '../core/tensor.js';
import { interpolateNearest } from './interpolate_nearest.js';
import { ParameterError } from '../core/errors.js';
import { expectRank } from '../core/geometry.js';
import { InterpolateOptions, checkInterpolate, bilinearAxis, linspace } from '../core/check/interpolate.js';

/**
 * Bilinear resampling of NCHW maps (used to bring the demo photograph to the network's size); mode 'nearest' is
 * ts/ref/interpolate_nearest.ts.
 *
 * Matches: torch.nn.functional.interpolate(input, size, mode='bilinear', align_corners=False|True),
 *          antialias=False (PyTorch's default): source coordinate (dst + ½)·(in/out) − ½ clamped at 0
 *          (align_corners=False) or dst·(in−1)/(out−1) (True); neighbour i1 = min(i0 + 1, in − 1).
 * Shapes:  input [N, C, H, W] → output [N, C, H_out, W_out].
 * Numerics: float64 weights from the float32 scale PyTorch uses; one rounding per element.
 * Cost:    ~ 7 FLOPs per output element.
 * @throws ShapeError if input is not rank 4 or H or W is 0 (as PyTorch); ParameterError if size is not two
 *         positive integers or mode is unknown; ArgumentError if options is not a plain object or align_corners
 *         not a boolean; ResourceError if the output exceeds the element limit.
 */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  const [H_out, W_out] = checkInterpolate('interpolate', input, options);
  if (options.mode === 'nearest') return interpolateNearest(input, [H_out, W_out]);   // PyTorch's legacy nearest (interpolate_nearest.ts)
  const [N, C, H, W] = input.shape;
  const align = options.align_corners ?? false;
  const ay = bilinearAxis(H, H_out, align), ax = bilinearAxis(W, W_out, align);
  const out = new Float32Array(N * C * H_out * W_out);
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let i = 0; i < H_out; i++) {
      const h1 = ay.l1[i], h0 = 1 - h1, r0 = base + ay.i0[i] * W, r1 = base + ay.i1[i] * W;
      for (let j = 0; j < W_out; j++) {
        const w1 = ax.l1[j], w0 = 1 - w1, c0 = ax.i0[j], c1 = ax.i1[j];
        const x = input.data;
        out[(nc * H_out + i) * W_out + j] = h0 * (w0 * x[r0 + c0] + w1 * x[r0 + c1]) + h1 * (w0 * x[r1 + c0] + w1 * x[r1 + c1]);
      }
    }
  }
  return new Tensor(out, [N, C, H_out, W_out]);
}

