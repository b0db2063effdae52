import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../core/errors.js';
import { expectRank } from '../core/geometry.js';
import { conv2d } from './conv2d.js';
import { Shifts, checkShift2d, shiftConvWeight } from '../core/check/shift2d.js';

/**
 * The shift operation: every channel's map moved by an integer displacement, zero fill.
 *
 * Paper:   Pan et al., CVPR 2022 (ACmix), arXiv:2111.14556, §3.1, Eq. (4): f̃_{i,j} = f_{i+Δx, j+Δy}
 *          (the paper's x is the row index); Wu et al., "Shift: A Zero FLOP, Zero Parameter
 *          Alternative to Spatial Convolutions", CVPR 2018, for per-channel shifts.
 * Matches: a depthwise torch.nn.functional.conv2d with a one-hot kernel (ACmix §4.2, Eq. 13-15);
 *          see `shiftKernel`.
 * Equation: y[n, c, i, j] = x[n, c, i + dy_c, j + dx_c], 0 where the source is outside the map.
 * Shapes:  input [N, C, H, W] → output [N, C, H, W]; shifts [dy, dx] or C pairs.
 * Units:   dy, dx in pixels (dy down the rows, dx along the columns).
 * Numerics: data movement, bit-exact.   Cost: 0 FLOPs.
 * @throws ShapeError if input is not rank 4 or per-channel shifts do not number C.
 * @throws ParameterError if a shift is not an integer pair.
 * @see spec/shift2d.test.ts
 */
export function shift2d(input: Tensor, shifts: Shifts): Tensor {
  const s = checkShift2d('shift2d', input, shifts);
  const [N, C, H, W] = input.shape;
  const out = new Float32Array(input.size);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const dy = s[2 * c], dx = s[2 * c + 1], base = (n * C + c) * H * W;
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      const si = i + dy, sj = j + dx;
      out[base + i * W + j] = si >= 0 && si < H && sj >= 0 && sj < W ? input.data[base + si * W + sj] : 0;
    }
  }
  return new Tensor(out, input.shape);
}



/**
 * Shift computed the way ACmix §4.2 makes it fast: as ONE grouped (depthwise) convolution whose kernels are
 * the fixed one-hot shift kernels (Eq. 13-15) — equal to `shift2d` bit for bit (every other tap adds an exact 0).
 *
 * Paper:   ACmix §4.2, Eq. (13)-(15).   Matches: F.conv2d(input, one_hot, padding=r, groups=C).
 * Shapes:  input [N, C, H, W], shifts [dy, dx] or C pairs → [N, C, H, W]; kernel side k = 2·r + 1,
 *          r = max |shift| over channels.
 * Cost:    2 · N · C · H · W · k² FLOPs (the price the paper pays for data locality).
 * @throws as shift2d.
 */
export function shift2dAsConv(input: Tensor, shifts: Shifts): Tensor {
  const s = checkShift2d('shift2d', input, shifts);
  const { weight, padding } = shiftConvWeight(input.shape[1], s);
  return conv2d(input, weight, null, { padding, groups: input.shape[1] });
}
