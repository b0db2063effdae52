import { Tensor } from '../core/tensor.js';
import { checkInvolution2d, type Involution2dOptions } from '../core/check/involution2d.js';
import { withArena } from './arena.js';
import { kernels, f32 } from './kernels.js';

/**
 * Involution / inhomogeneous dynamic depthwise conv on WASM: per image and channel, im2col of the one plane
 * [k_h·k_w, H_out·W_out] (as/im2col.ts with C = 1), then y[pos] = Σ_t kernel[n, g(c), t, pos]·col[t, pos]
 * (as/weighted_tap_sum.ts, f32x4 over positions).
 * Matches / Shapes / Units: as ts/ref/involution2d.ts. Numerics: float32, taps summed in order: within
 * 2·(k_h·k_w + 1)·u·Σ|terms| of the reference.
 * @throws ShapeError / ParameterError as checkInvolution2d (before any WASM work); BackendError before `init()`.
 * @see ts/ref/involution2d.ts · as/weighted_tap_sum.ts
 */
export function involution2d(input: Tensor, kernel: Tensor, options: Involution2dOptions): Tensor {
  const g = checkInvolution2d('involution2d', input, kernel, options);
  const k = kernels();
  const { N, C, H, W, G, T, k_h, k_w, H_out, W_out } = g, P = H_out * W_out, perGroup = C / G;
  const out = withArena((a) => {
    const x = a.upload(input.data), kern = a.upload(kernel.data), y = a.alloc(N * C * P), col = a.alloc(T * P);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
      k.im2col__f32x4(f32(x, (n * C + c) * H * W), col, 1, H, W, k_h, k_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_h, g.pad_w, H_out, W_out);
      k.weighted_tap_sum__f32x4(col, f32(kern, (n * G + Math.floor(c / perGroup)) * T * P), f32(y, (n * C + c) * P), T, P);
    }
    return a.download(y, N * C * P);
  });
  return new Tensor(out, [N, C, H_out, W_out]);
}
