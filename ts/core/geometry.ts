import { ParameterError, ShapeError, fmtContext, fmtValue } from './errors.js';
import { INT32_MAX, optionsArg, checkElements, checkIndexRange } from './validate.js';

/** An int or an [h, w] pair, as PyTorch's `_pair` accepts. */
export type IntPair = number | readonly [number, number];

/**
 * Normalises an int-or-pair hyper-parameter to [h, w], checking that both are integers in [min, 2^31 − 1] (the
 * kernels' i32 range: 2**32 must never wrap to 0).
 * @throws ParameterError naming the op, the key and the value (NaN and Infinity printed as themselves).
 */
export function pair(op: string, key: string, value: IntPair | undefined, fallback: number, min: number): [number, number] {
  const v = value === undefined ? fallback : value;
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  for (const x of p) {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
      throw new ParameterError(`${op}: ${key} must be an integer >= ${min} or a pair of them, got ${fmtValue(value)}`);
    }
    if (x > INT32_MAX) throw new ParameterError(`${op}: ${key} must be an integer in [${min}, ${INT32_MAX}] or a pair of them, got ${fmtValue(value)}`);
  }
  return p;
}

/** Checks a scalar integer hyper-parameter in [min, 2^31 − 1]. @throws ParameterError */
export function positiveInt(op: string, key: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ParameterError(`${op}: ${key} must be an integer >= ${min}, got ${fmtValue(value)}`);
  }
  if (value > INT32_MAX) throw new ParameterError(`${op}: ${key} must be an integer in [${min}, ${INT32_MAX}], got ${fmtValue(value)}`);
  return value;
}

/** Checks a tensor's rank. @throws ShapeError */
export function expectRank(op: string, name: string, shape: readonly number[], rank: number, ctx: Record<string, unknown>): void {
  if (shape.length !== rank) {
    throw new ShapeError(`${op}: ${name} must have rank ${rank}, got rank ${shape.length} (${fmtContext(ctx)})`);
  }
}

/** Options of `conv2d`, under torch.nn.functional.conv2d's keyword names. */
export interface Conv2dOptions {
  stride?: IntPair;
  /** ints or [h, w] (symmetric), or PyTorch's 'valid' / 'same' (stride 1 only; extra pad goes bottom/right). */
  padding?: IntPair | 'valid' | 'same';
  dilation?: IntPair;
  groups?: number;
}

/** Everything a conv kernel needs, computed once (tfjs computeConv2DInfo, candle ParamsConv2D). */
export interface Conv2dGeometry {
  N: number; C_in: number; H: number; W: number;
  C_out: number; k_h: number; k_w: number;
  H_out: number; W_out: number;
  stride_h: number; stride_w: number;
  dilation_h: number; dilation_w: number;
  /** top and left padding (bottom/right are implied by H_out, W_out). */
  pad_top: number; pad_left: number;
  pad_bottom: number; pad_right: number;
  groups: number;
  /** C_in / groups and C_out / groups */
  cinPerGroup: number; coutPerGroup: number;
}

/**
 * Validates conv2d arguments and computes the output geometry, as torch.nn.functional.conv2d.
 *
 * Shapes:  input [N, C_in, H, W], weight [C_out, C_in/groups, k_h, k_w], bias [C_out] or null.
 *          H_out = floor((H + pad_top + pad_bottom - dilation_h*(k_h-1) - 1) / stride_h) + 1.
 * @throws ShapeError on wrong ranks, channel mismatch, groups not dividing C_in or C_out, a bias of the
 *         wrong length, or a (dilated) kernel larger than the padded input.
 * @throws ParameterError on non-integer or non-positive stride/dilation/groups, negative padding,
 *         or padding='same' with stride > 1.
 */
export function conv2dGeometry(
  op: string,
  inputShape: readonly number[],
  weightShape: readonly number[],
  biasShape: readonly number[] | null,
  options: Conv2dOptions = {},
): Conv2dGeometry {
  options = optionsArg<Conv2dOptions>(op, options);
  const ctx = () => ({ input: inputShape, weight: weightShape, ...(biasShape ? { bias: biasShape } : {}), ...options });
  expectRank(op, 'input', inputShape, 4, ctx());
  expectRank(op, 'weight', weightShape, 4, ctx());
  const [stride_h, stride_w] = pair(op, 'stride', options.stride, 1, 1);
  const [dilation_h, dilation_w] = pair(op, 'dilation', options.dilation, 1, 1);
  const groups = positiveInt(op, 'groups', options.groups ?? 1);
  const [N, C_in, H, W] = inputShape;
  const [C_out, cinPerGroupW, k_h, k_w] = weightShape;
  if (C_in % groups !== 0) throw new ShapeError(`${op}: C_in must be divisible by groups = ${groups}, got C_in = ${C_in} (${fmtContext(ctx())})`);
  if (C_out % groups !== 0) throw new ShapeError(`${op}: C_out = weight.shape[0] must be divisible by groups = ${groups}, got ${C_out} (${fmtContext(ctx())})`);
  if (cinPerGroupW !== C_in / groups) {
    throw new ShapeError(`${op}: weight.shape[1] must equal C_in / groups = ${C_in / groups}, got ${cinPerGroupW} (${fmtContext(ctx())})`);
  }
  if (k_h < 1 || k_w < 1) throw new ShapeError(`${op}: kernel_size must be >= 1, got [${k_h},${k_w}] (${fmtContext(ctx())})`);
  if (biasShape && (biasShape.length !== 1 || biasShape[0] !== C_out)) {
    throw new ShapeError(`${op}: bias must have shape [${C_out}], got [${biasShape.join(',')}] (${fmtContext(ctx())})`);
  }
  let pad_top: number, pad_bottom: number, pad_left: number, pad_right: number;
  if (options.padding === 'valid') {
    pad_top = pad_bottom = pad_left = pad_right = 0;
  } else if (options.padding === 'same') {
    if (stride_h !== 1 || stride_w !== 1) throw new ParameterError(`${op}: padding='same' requires stride 1, got stride ${fmtValue(options.stride)}`);
    const th = dilation_h * (k_h - 1), tw = dilation_w * (k_w - 1);
    pad_top = Math.floor(th / 2); pad_bottom = th - pad_top;
    pad_left = Math.floor(tw / 2); pad_right = tw - pad_left;
  } else if (typeof options.padding === 'string') {
    throw new ParameterError(`${op}: padding must be an integer >= 0, a pair of them, 'valid' or 'same', got ${fmtValue(options.padding)}`);
  } else {
    [pad_top, pad_left] = pair(op, 'padding', options.padding, 0, 0);
    pad_bottom = pad_top; pad_right = pad_left;
  }
  const effH = dilation_h * (k_h - 1) + 1, effW = dilation_w * (k_w - 1) + 1;
  checkIndexRange(op, 'the padded input height H + padding', H + pad_top + pad_bottom);
  checkIndexRange(op, 'the padded input width W + padding', W + pad_left + pad_right);
  checkIndexRange(op, 'the dilated kernel height dilation·(k_h − 1) + 1', effH);
  checkIndexRange(op, 'the dilated kernel width dilation·(k_w − 1) + 1', effW);
  if (H + pad_top + pad_bottom < effH || W + pad_left + pad_right < effW) {
    throw new ShapeError(
      `${op}: the dilated kernel [${effH},${effW}] must not be larger than the padded input ` +
      `[${H + pad_top + pad_bottom},${W + pad_left + pad_right}] (${fmtContext(ctx())})`);
  }
  const H_out = Math.floor((H + pad_top + pad_bottom - effH) / stride_h) + 1;
  const W_out = Math.floor((W + pad_left + pad_right - effW) / stride_w) + 1;
  checkElements(op, 'the output', [N, C_out, H_out, W_out]);
  // A stride beyond the padded extent gives one output row (column) either way: it is capped at that extent, so a
  // stride near 2^31 never reaches the kernels' i32 arithmetic (the same H_out, W_out and the same outputs).
  return {
    N, C_in, H, W, C_out, k_h, k_w, H_out, W_out,
    stride_h: Math.min(stride_h, H + pad_top + pad_bottom), stride_w: Math.min(stride_w, W + pad_left + pad_right), dilation_h, dilation_w,
    pad_top, pad_left, pad_bottom, pad_right, groups, cinPerGroup: C_in / groups, coutPerGroup: C_out / groups,
  };
}
