// Argument checks, option types and geometry of `shift2d`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ParameterError, ShapeError, fmtContext, fmtValue } from '../errors.js';
import { expectRank } from '../geometry.js';
import { tensorArg, arrayArg, checkElements } from '../validate.js';

/** One [dy, dx] for every channel, or one pair per channel (the Shift op of Wu et al. 2018). */
export type Shifts = readonly [number, number] | readonly (readonly [number, number])[];

/**
 * Validates shift2d and returns the per-channel shifts as an Int32Array [dy_0, dx_0, dy_1, dx_1, ...].
 * Shifts must be safe integers; each is clamped to [−H, H] (dy) and [−W, W] (dx), which changes no output (a map
 * shifted by its size or more is all zero fill) and keeps 2**32 from wrapping to 0 in the Int32Array.
 * @throws ArgumentError if input is not a Tensor or shifts is not an array; ShapeError if input is not rank 4 or
 *         per-channel shifts do not number C; ParameterError if a shift is not an integer pair;
 *         ResourceError if the per-channel table (2·C entries) exceeds the element limit.
 */
export function checkShift2d(op: string, input: Tensor, shifts: Shifts): Int32Array {
  tensorArg(op, 'input', input);
  arrayArg(op, 'shifts', shifts, 'a pair [dy, dx] or one pair per channel');
  expectRank(op, 'input', input.shape, 4, { input });
  const [, C, H, W] = input.shape;
  const perChannel = Array.isArray(shifts[0]) || (C === 0 && shifts.length === 0);
  if (!perChannel && (shifts.length !== 2 || !Number.isSafeInteger(shifts[0]) || !Number.isSafeInteger(shifts[1]))) {
    throw new ParameterError(`${op}: each shift must be an integer pair [dy, dx], got ${fmtValue(shifts)}`);
  }
  const count = perChannel ? shifts.length : C;
  if (count !== C) throw new ShapeError(`${op}: shifts must give one [dy, dx] pair per channel, C = ${C}, got ${shifts.length} (${fmtContext({ input })})`);
  checkElements(op, 'the per-channel shift table', 2 * C);
  const out = new Int32Array(2 * C);
  for (let c = 0; c < C; c++) {
    const s = (perChannel ? shifts[c] : shifts) as unknown;
    if (!Array.isArray(s) || s.length !== 2 || !Number.isSafeInteger(s[0]) || !Number.isSafeInteger(s[1])) {
      throw new ParameterError(`${op}: each shift must be an integer pair [dy, dx], got ${fmtValue(s)}${perChannel ? ` for channel ${c}` : ''}`);
    }
    out[2 * c] = Math.max(-H, Math.min(H, s[0]));
    out[2 * c + 1] = Math.max(-W, Math.min(W, s[1]));
  }
  return out;
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
    throw new ParameterError(`shift_kernel: kernel_size must be a positive odd integer, got ${fmtValue(kernel_size)}`);
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
  if (!Number.isInteger(kernel_size) || kernel_size < 1) throw new ParameterError(`shift_kernels: kernel_size must be a positive integer, got ${fmtValue(kernel_size)}`);
  const k = kernel_size, out = Tensor.zeros([k * k, k, k]);
  for (let t = 0; t < k * k; t++) out.data[t * k * k + Math.floor(t / k) * k + (t % k)] = 1;
  return out;
}

/**
 * The depthwise weight that performs a Shift as one grouped convolution (ACmix §4.2, Eq. 13-15): channel c
 * gets the one-hot kernel of its shift (s[2c], s[2c+1]); kernel side k = 2·r + 1 with r = max |shift|.
 * Shapes: s [2·C] (from checkShift2d) → weight [C, 1, k, k]; use with padding r and groups C.
 * @throws ResourceError if the weight exceeds the element limit (setLimits).
 */
export function shiftConvWeight(C: number, s: Int32Array): { weight: Tensor; padding: number } {
  let r = 0;
  for (const v of s) r = Math.max(r, Math.abs(v));
  const k = 2 * r + 1;
  checkElements('shift2d_as_conv', 'the one-hot weight [C, 1, k, k] (k = 2·max|shift| + 1)', [C, 1, k, k]);
  const weight = Tensor.zeros([C, 1, k, k]);
  // channel c: shiftKernel(k, dy, dx), its one 1 written in place
  for (let c = 0; c < C; c++) weight.data[c * k * k + (r + s[2 * c]) * k + (r + s[2 * c + 1])] = 1;
  return { weight, padding: r };
}
