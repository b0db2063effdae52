import { Tensor } from '../core/tensor.js';
import type { IntPair } from '../core/geometry.js';
import { checkUnfold, type UnfoldOptions } from '../core/check/unfold.js';
import { withArena } from './arena.js';
import { kernels, f32 } from './kernels.js';

/**
 * Extracts sliding blocks (im2col) on the WASM kernels: same signature and semantics as ts/ref/unfold.ts.
 *
 * Paper:   the window gather of local self-attention, ACmix §3.2 Eq. (8).
 * Matches: torch.nn.functional.unfold(input, kernel_size, dilation, padding, stride), zero padding.
 * Composition: im2col__f32x4 per image: its [C·k_h·k_w, H_out·W_out] column matrix is exactly unfold's layout.
 * Numerics: data movement, bit for bit the reference (padding is +0).
 * Shapes:  [N, C, H, W] → [N, C·k_h·k_w, H_out·W_out].   Cost: 0 FLOPs.
 * @throws ShapeError / ParameterError as checkUnfold (before any WASM work); BackendError before init.
 * @see ts/ref/unfold.ts · as/im2col.ts
 */
export function unfold(input: Tensor, kernel_size: IntPair, options: UnfoldOptions = {}): Tensor {
  const g = checkUnfold('unfold', input, kernel_size, options);
  const k = kernels();
  const { N, C, H, W, k_h, k_w, H_out, W_out } = g;
  const rows = C * k_h * k_w, L = H_out * W_out, n = N * rows * L;
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    if (rows > 0) {
      for (let img = 0; img < N; img++) {
        k.im2col__f32x4(f32(x, img * C * H * W), f32(y, img * rows * L), C, H, W, k_h, k_w,
          g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_h, g.pad_w, H_out, W_out);
      }
    }
    return a.download(y, n);
  });
  return new Tensor(out, [N, rows, L]);
}
