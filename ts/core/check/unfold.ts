// Argument checks, option types and geometry of `unfold`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, fmtContext } from '../errors.js';
import { expectRank, pair, type IntPair } from '../geometry.js';
import { tensorArg, optionsArg, checkElements, checkIndexRange } from '../validate.js';

export interface UnfoldOptions { dilation?: IntPair; padding?: IntPair; stride?: IntPair }

export interface UnfoldGeometry {
  N: number; C: number; H: number; W: number; k_h: number; k_w: number;
  dilation_h: number; dilation_w: number; pad_h: number; pad_w: number; stride_h: number; stride_w: number;
  H_out: number; W_out: number;
}

/**
 * Validates `unfold` arguments. kernel_size is required (as F.unfold's).
 * @throws ArgumentError (input not a Tensor, options not a plain object), ShapeError (rank ≠ 4, window larger than
 *         the padded input), ParameterError, ResourceError (output beyond the element limit, padded extent beyond i32).
 */
export function checkUnfold(op: string, input: Tensor, kernel_size: IntPair, options: UnfoldOptions = {}): UnfoldGeometry {
  tensorArg(op, 'input', input);
  options = optionsArg<UnfoldOptions>(op, options);
  expectRank(op, 'input', input.shape, 4, { input, kernel_size, ...options });
  const [k_h, k_w] = pair(op, 'kernel_size', kernel_size, NaN, 1);
  const [dilation_h, dilation_w] = pair(op, 'dilation', options.dilation, 1, 1);
  const [pad_h, pad_w] = pair(op, 'padding', options.padding, 0, 0);
  const [stride_h, stride_w] = pair(op, 'stride', options.stride, 1, 1);
  const [N, C, H, W] = input.shape;
  const effH = dilation_h * (k_h - 1) + 1, effW = dilation_w * (k_w - 1) + 1;
  checkIndexRange(op, 'the padded input height H + 2·padding', H + 2 * pad_h);
  checkIndexRange(op, 'the padded input width W + 2·padding', W + 2 * pad_w);
  checkIndexRange(op, 'the dilated window height', effH);
  checkIndexRange(op, 'the dilated window width', effW);
  if (H + 2 * pad_h < effH || W + 2 * pad_w < effW) {
    throw new ShapeError(`${op}: the dilated window [${effH},${effW}] must not be larger than the padded input [${H + 2 * pad_h},${W + 2 * pad_w}] (${fmtContext({ input, kernel_size, ...options })})`);
  }
  const H_out = Math.floor((H + 2 * pad_h - effH) / stride_h) + 1;
  const W_out = Math.floor((W + 2 * pad_w - effW) / stride_w) + 1;
  checkElements(op, 'the output [N, C·k_h·k_w, L]', [N, C * k_h * k_w, H_out * W_out]);
  // a stride beyond the padded extent gives one output row (column) either way: capped there, so that no huge stride
  // reaches a kernel's i32 arithmetic
  return { N, C, H, W, k_h, k_w, dilation_h, dilation_w, pad_h, pad_w, stride_h: Math.min(stride_h, H + 2 * pad_h), stride_w: Math.min(stride_w, W + 2 * pad_w), H_out, W_out };
}
