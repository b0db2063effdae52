import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../core/errors.js';
import { expectRank } from '../core/geometry.js';
import { conv2d } from './conv2d.js';

/** One [dy, dx] for every channel, or one pair per channel (the Shift op of Wu et al. 2018). */
export type Shifts = readonly [number, number] | readonly (readonly [number, number])[];

/** Validates shift2d and returns per-channel shifts. @throws ShapeError, ParameterError */
export function checkShift2d(op: string, input: Tensor, shifts: Shifts): Int32Array {
  expectRank(op, 'input', input.shape, 4, { input });
  const C = input.shape[1];
  const perChannel = Array.isArray(shifts[0]);
  const list = (perChannel ? shifts : Array.from({ length: C }, () => shifts)) as readonly (readonly [number, number])[];
  if (list.length !== C) throw new ShapeError(`${op}: shifts must give one [dy, dx] pair per channel, C = ${C}, got ${list.length} (${fmtContext({ input })})`);
  const out = new Int32Array(2 * C);
  list.forEach((s, c) => {
    if (!Array.isArray(s) || s.length !== 2 || !Number.isInteger(s[0]) || !Number.isInteger(s[1])) {
      throw new ParameterError(`${op}: each shift must be an integer pair [dy, dx], got ${JSON.stringify(s)} for channel ${c}`);
    }
    out[2 * c] = s[0]; out[2 * c + 1] = s[1];
  });
  return out;
}

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
 * The one-hot k×k kernel that makes a depthwise conv with padding ⌊k/2⌋ perform Shift(dy, dx).
 *
 * Paper:   ACmix §4.2, Eq. (13)-(15): "a depthwise convolution with fixed one-hot kernels performs each shift".
 * Equation: K[p, q] = 1 iff (p, q) = (⌊k/2⌋ + dy, ⌊k/2⌋ + dx), else 0.
 * Shapes:  → [k, k].
 * @throws ParameterError if k is not a positive odd integer or |dy|, |dx| > ⌊k/2⌋.
 */
export function shiftKernel(kernel_size: number, dy: number, dx: number): Tensor {
  if (!Number.isInteger(kernel_size) || kernel_size < 1 || kernel_size % 2 === 0) {
    throw new ParameterError(`shift_kernel: kernel_size must be a positive odd integer, got ${JSON.stringify(kernel_size)}`);
  }
  const r = (kernel_size - 1) / 2;
  if (!Number.isInteger(dy) || !Number.isInteger(dx) || Math.abs(dy) > r || Math.abs(dx) > r) {
    throw new ParameterError(`shift_kernel: dy, dx must be integers in [−${r}, ${r}], got [${dy}, ${dx}]`);
  }
  const k = Tensor.zeros([kernel_size, kernel_size]);
  k.data[(r + dy) * kernel_size + (r + dx)] = 1;
  return k;
}

/**
 * The k² one-hot kernels of ACmix's initial `dep_conv`: kernel t has its 1 at (⌊t/k⌋, t mod k),
 * i.e. with padding ⌊k/2⌋ it performs Shift(⌊t/k⌋ − ⌊k/2⌋, t mod k − ⌊k/2⌋).
 *
 * Paper:   ACmix §4.2, Eq. (13)-(15); official `ACmix.reset_parameters` repeats them over out_planes,
 *          giving dep_conv.weight[o, t] = shiftKernels(k)[t].
 * Shapes:  → [k², k, k].   @throws ParameterError if kernel_size is not a positive integer.
 */
export function shiftKernels(kernel_size: number): Tensor {
  if (!Number.isInteger(kernel_size) || kernel_size < 1) throw new ParameterError(`shift_kernels: kernel_size must be a positive integer, got ${JSON.stringify(kernel_size)}`);
  const k = kernel_size, out = Tensor.zeros([k * k, k, k]);
  for (let t = 0; t < k * k; t++) out.data[t * k * k + Math.floor(t / k) * k + (t % k)] = 1;
  return out;
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
  const C = input.shape[1];
  let r = 0;
  for (const v of s) r = Math.max(r, Math.abs(v));
  const k = 2 * r + 1, w = Tensor.zeros([C, 1, k, k]);
  for (let c = 0; c < C; c++) w.data.set(shiftKernel(k, s[2 * c], s[2 * c + 1]).data, c * k * k);
  return conv2d(input, w, null, { padding: r, groups: C });
}
