import { Tensor } from '../core/tensor.js';
import { conv2d } from './conv2d.js';
import { shiftConvWeight, checkShift2d, type Shifts } from '../core/check/shift2d.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * The Shift operation on the WASM kernels: same signature and semantics as ts/ref/shift2d.ts `shift2d`.
 *
 * Paper:   ACmix §3.1 Eq. (4); Wu et al., CVPR 2018 (per-channel shifts).
 * Matches: a depthwise torch.nn.functional.conv2d with one-hot kernels (ACmix §4.2, Eq. 13-15).
 * Composition: shift_copy__f32x4 over all N·C planes with a table of per-channel (dy, dx).
 * Numerics: data movement, bit for bit the reference (zero fill is +0).
 * Shapes:  [N, C, H, W] → same.   Cost: 0 FLOPs.
 * @throws ShapeError / ParameterError as checkShift2d (before any WASM work); BackendError before init.
 * @see ts/ref/shift2d.ts · as/shift_accumulate.ts
 */
export function shift2d(input: Tensor, shifts: Shifts): Tensor {
  const s = checkShift2d('shift2d', input, shifts);
  const k = kernels();
  const [N, C, H, W] = input.shape, n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    const table = a.upload(new Float32Array(s.buffer, s.byteOffset, s.length));   // the i32 pairs, moved as bits
    k.shift_copy__f32x4(x, y, N, C, H, W, table);
    return a.download(y, n);
  });
  return new Tensor(out, input.shape);
}

/**
 * Shift as ONE grouped (depthwise) convolution with the one-hot kernels of ACmix §4.2 (Eq. 13-15), on the
 * wasm conv2d (its direct depthwise kernel): same signature and semantics as ts/ref/shift2d.ts `shift2dAsConv`,
 * equal to `shift2d` bit for bit for finite inputs (every other tap adds an exact ±0).
 * Shapes:  input [N, C, H, W] → [N, C, H, W].   Cost: 2·N·C·H·W·k² FLOPs, k = 2·max|shift| + 1.
 * @throws as shift2d; BackendError before `init()`.
 */
export function shift2dAsConv(input: Tensor, shifts: Shifts): Tensor {
  const s = checkShift2d('shift2d', input, shifts);   // first: input.shape is read only once input is a Tensor
  const { weight, padding } = shiftConvWeight(input.shape[1], s);
  return conv2d(input, weight, null, { padding, groups: input.shape[1] });
}
