// Argument checks, option types and geometry of the pooling ops (max_pool2d, avg_pool2d, adaptive_avg_pool2d,
// adaptive_max_pool2d), shared by ts/ref and ts/wasm: they run before any work, and the per-axis window tables
// they return are the geometry both backends read (like bilinearAxis), not arithmetic of the op.
import { Tensor } from '../tensor.js';
import { ParameterError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { pair, type IntPair } from '../geometry.js';
import { tensorArg, optionsArg, booleanArg, intArg, checkElements, INT32_MAX } from '../validate.js';

/** Options of max_pool2d, under torch.nn.functional.max_pool2d's keyword names (return_indices is not supported). */
export interface MaxPool2dOptions {
  /** default: kernel_size (PyTorch's stride=None) */
  stride?: IntPair | null;
  /** implicit −∞ padding on both sides; ≤ kernel_size / 2; default 0 */
  padding?: IntPair;
  /** default 1 */
  dilation?: IntPair;
  /** round the output size up (a last window that would start in the right padding is dropped); default false */
  ceil_mode?: boolean;
}

/** Options of avg_pool2d, under torch.nn.functional.avg_pool2d's keyword names. */
export interface AvgPool2dOptions {
  /** default: kernel_size (PyTorch's stride=None) */
  stride?: IntPair | null;
  /** implicit zero padding on both sides; ≤ kernel_size / 2; default 0 */
  padding?: IntPair;
  /** default false */
  ceil_mode?: boolean;
  /** divide by the window size including the padding (clipped at input + padding); default true */
  count_include_pad?: boolean;
  /** divide by this instead of the window size; default null */
  divisor_override?: number | null;
}

/** output_size of the adaptive pools: an int or [h, w]; null in a pair keeps that input size (PyTorch's None). */
export type AdaptiveSize = number | readonly [number | null, number | null];

/**
 * The windows of one pooling axis: output index o reads input indices start[o] + t·step for t < count[o] (only
 * indices inside the input: the padding is skipped), and `padded[o]` is the window's size counted up to the padded
 * border (avg_pool2d's count_include_pad divisor).
 */
export interface PoolAxis {
  out: number;
  start: Int32Array;
  count: Int32Array;
  padded: Int32Array;
  step: number;
}

const MAX_KEYS = ['stride', 'padding', 'dilation', 'ceil_mode'] as const;
const AVG_KEYS = ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'] as const;

/**
 * PyTorch's pooling_output_shape: ⌊(in + 2p − d·(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1, and with ceil_mode the
 * last window is dropped when it would start in the right padding ((out − 1)·s ≥ in + p).
 */
export function poolOutputSize(inSize: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const num = inSize + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let out = Math.floor(num / s) + 1;
  if (ceil && (out - 1) * s >= inSize + p) out--;
  return out;
}

/** The windows of one axis of max_pool2d / avg_pool2d (dilation d; avg passes d = 1). */
export function poolAxis(inSize: number, k: number, s: number, p: number, d: number, ceil: boolean): PoolAxis {
  const out = poolOutputSize(inSize, k, s, p, d, ceil);
  const start = new Int32Array(out), count = new Int32Array(out), padded = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    let lo = o * s - p;
    const hiPadded = Math.min(lo + d * (k - 1) + 1, inSize + p);   // avg (d = 1): PyTorch's hend before clipping
    padded[o] = hiPadded - lo;
    const hi = Math.min(lo + d * (k - 1) + 1, inSize);
    while (lo < 0) lo += d;                                         // first tap inside the input (PyTorch's loop)
    start[o] = lo;
    count[o] = hi > lo ? Math.ceil((hi - lo) / d) : 0;
  }
  return { out, start, count, padded, step: d };
}

/**
 * The windows of one axis of the adaptive pools (PyTorch's start_index / end_index):
 * start = ⌊o·in/out⌋, end = ⌈(o + 1)·in/out⌉ (integer arithmetic, exact), step 1.
 */
export function adaptiveAxis(inSize: number, out: number): PoolAxis {
  const start = new Int32Array(out), count = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const a = Math.floor((o * inSize) / out), b = Math.ceil(((o + 1) * inSize) / out);
    start[o] = a;
    count[o] = b - a;
  }
  return { out, start, count, padded: count.slice(), step: 1 };
}

function input4(op: string, input: unknown): Tensor {
  const t = tensorArg(op, 'input', input);
  if (t.rank !== 4) throw new ShapeError(`${op}: input must have rank 4 [N, C, H, W], got rank ${t.rank} (input=${fmtShape(t.shape)})`);
  const [, , H, W] = t.shape;
  if (H === 0 || W === 0) throw new ShapeError(`${op}: the input's spatial sizes H and W must be > 0, got H = ${H}, W = ${W} (input=${fmtShape(t.shape)})`);
  return t;
}

interface Pool2dGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceil: boolean;
  rows: PoolAxis;
  cols: PoolAxis;
}

function poolGeometry(op: string, input: Tensor, kernel_size: unknown, o: MaxPool2dOptions & AvgPool2dOptions, dilated: boolean): Pool2dGeometry {
  const kernel = pair(op, 'kernel_size', kernel_size as IntPair, NaN, 1);
  const stride = o.stride === undefined || o.stride === null ? kernel : pair(op, 'stride', o.stride, NaN, 1);
  const padding = pair(op, 'padding', o.padding, 0, 0);
  const dilation = dilated ? pair(op, 'dilation', o.dilation, 1, 1) : [1, 1] as [number, number];
  const ceil = booleanArg(op, 'ceil_mode', o.ceil_mode, false);
  for (let a = 0; a < 2; a++) {
    if (padding[a] > Math.floor(kernel[a] / 2)) {
      throw new ParameterError(`${op}: padding must be at most half the kernel size (PyTorch: "pad should be smaller than or equal to half of kernel size"), got padding = ${fmtValue(o.padding)}, kernel_size = ${fmtValue(kernel_size)}`);
    }
  }
  const [N, C, H, W] = input.shape;
  const ext = [H + 2 * padding[0], W + 2 * padding[1]];
  for (let a = 0; a < 2; a++) {
    const eff = dilation[a] * (kernel[a] - 1) + 1;
    if (ext[a] > INT32_MAX) throw new ParameterError(`${op}: the padded input ${ext[a]} exceeds ${INT32_MAX}`);
    if (eff > ext[a]) {
      throw new ShapeError(`${op}: the ${dilated ? 'dilated ' : ''}kernel (${eff}) is larger than the padded input (${ext[a]}) along ${a ? 'W' : 'H'} (input=${fmtShape(input.shape)}, kernel_size=${fmtValue(kernel_size)}, padding=${fmtValue(o.padding ?? 0)}${dilated ? `, dilation=${fmtValue(o.dilation ?? 1)}` : ''})`);
    }
  }
  const rows = poolAxis(H, kernel[0], stride[0], padding[0], dilation[0], ceil);
  const cols = poolAxis(W, kernel[1], stride[1], padding[1], dilation[1], ceil);
  if (rows.out < 1 || cols.out < 1) {
    throw new ShapeError(`${op}: output size is too small: ${rows.out}x${cols.out} (input=${fmtShape(input.shape)}, kernel_size=${fmtValue(kernel_size)})`);
  }
  checkElements(op, 'the output', [N, C, rows.out, cols.out]);
  checkElements(op, 'the row-pass scratch', [H, cols.out]);
  return { kernel, stride, padding, dilation, ceil, rows, cols };
}

/**
 * Validates max_pool2d and returns its geometry.
 * @throws ArgumentError if input is not a Tensor, options not a plain object of MaxPool2dOptions' keys or ceil_mode
 *         not a boolean; ShapeError if input is not rank 4, H or W is 0, the dilated kernel is larger than the padded
 *         input or the output would be empty; ParameterError if kernel_size / stride / dilation are not integers ≥ 1,
 *         padding not an integer ≥ 0 or padding > kernel_size / 2 (PyTorch refuses it); ResourceError if the output
 *         exceeds the element limit.
 */
export function checkMaxPool2d(op: string, input: unknown, kernel_size: unknown, options: unknown): Pool2dGeometry {
  const t = input4(op, input);
  const o = optionsArg<MaxPool2dOptions>(op, options, MAX_KEYS);
  return poolGeometry(op, t, kernel_size, o, true);
}

/**
 * Validates avg_pool2d and returns its geometry plus the per-axis divisor factors: output (i, j) divides its sum by
 * rowDiv[i]·colDiv[j] (count_include_pad: padded sizes; else the in-input counts; divisor_override: d·1).
 * @throws as checkMaxPool2d, and ParameterError if divisor_override is not an integer in [1, 2^24] (PyTorch: "divisor
 *         must be not zero"; 2^24 keeps it exact in float32) — ArgumentError if count_include_pad is not a boolean.
 */
export function checkAvgPool2d(op: string, input: unknown, kernel_size: unknown, options: unknown): Pool2dGeometry & { rowDiv: Float64Array; colDiv: Float64Array } {
  const t = input4(op, input);
  const o = optionsArg<AvgPool2dOptions>(op, options, AVG_KEYS);
  const g = poolGeometry(op, t, kernel_size, o, false);
  const includePad = booleanArg(op, 'count_include_pad', o.count_include_pad, true);
  const override = o.divisor_override === undefined || o.divisor_override === null ? null : intArg(op, 'divisor_override', o.divisor_override, 1, 2 ** 24);
  const div = (a: PoolAxis) => Float64Array.from(a.count, (c, i) => (includePad ? a.padded[i] : c) || 1);
  const rowDiv = override === null ? div(g.rows) : new Float64Array(g.rows.out).fill(override);
  const colDiv = override === null ? div(g.cols) : new Float64Array(g.cols.out).fill(1);
  return { ...g, rowDiv, colDiv };
}

/**
 * Validates adaptive_avg_pool2d / adaptive_max_pool2d and returns the two axes.
 * @throws ArgumentError if input is not a Tensor; ShapeError if not rank 4 or H or W is 0; ParameterError if
 *         output_size is not an integer ≥ 1 or a pair of them (null allowed in a pair: that input size);
 *         ResourceError if the output exceeds the element limit.
 */
export function checkAdaptivePool2d(op: string, input: unknown, output_size: unknown): { rows: PoolAxis; cols: PoolAxis } {
  const t = input4(op, input);
  const [N, C, H, W] = t.shape;
  let oh: unknown, ow: unknown;
  if (typeof output_size === 'number') oh = ow = output_size;
  else if (Array.isArray(output_size) && output_size.length === 2) [oh, ow] = [output_size[0] ?? H, output_size[1] ?? W];
  else throw new ParameterError(`${op}: output_size must be an integer ≥ 1 or a pair [h, w] of them (null keeps the input size), got ${fmtValue(output_size)}`);
  const h = intArg(op, 'output_size', oh, 1), w = intArg(op, 'output_size', ow, 1);
  checkElements(op, 'the output', [N, C, h, w]);
  checkElements(op, 'the row-pass scratch', [H, w]);
  return { rows: adaptiveAxis(H, h), cols: adaptiveAxis(W, w) };
}
