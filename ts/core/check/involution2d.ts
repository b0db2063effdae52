// Argument checks, option types and geometry of `involution2d`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, fmtContext, fmtShape, fmtValue } from '../errors.js';
import { expectRank, pair, type IntPair } from '../geometry.js';
import { tensorArg, shapedArg, optionsArg, checkElements, checkIndexRange } from '../validate.js';

/** Options of `involution2d` (the generated kernel fixes k_h·k_w; give kernel_size to say how it factors). */
export interface Involution2dOptions {
  kernel_size: IntPair;
  stride?: IntPair;
  padding?: IntPair;
  dilation?: IntPair;
}

/**
 * Validates involution2d arguments (shared by every backend, before any work).
 * @throws ShapeError if input or kernel is not rank 5/4 as below, G does not divide C, kernel.shape[2] ≠ k_h·k_w,
 *         the kernel's map is not [H_out, W_out], its batch is not N, or the output would be empty.
 * @throws ParameterError on a non-positive kernel_size / stride / dilation or a negative padding.
 * @throws ArgumentError if input or kernel is not a Tensor or options is not a plain object; ResourceError if the
 *         output exceeds the element limit.
 */
export function checkInvolution2d(op: string, input: Pick<Tensor, 'shape'>, kernel: Pick<Tensor, 'shape'>, options: Involution2dOptions) {
  // The functional op takes Tensors only; a module's geometry check (op = its class name) may pass { shape }.
  const shapeOnly = op !== 'involution2d';
  shapedArg(op, 'input', input, shapeOnly);
  shapedArg(op, 'kernel', kernel, shapeOnly);
  options = optionsArg<Involution2dOptions>(op, options);
  const ctx = () => fmtContext({ input, kernel, kernel_size: fmtValue(options.kernel_size), stride: fmtValue(options.stride ?? 1), padding: fmtValue(options.padding ?? 0) });
  expectRank(op, 'input', input.shape, 4, { input, kernel });
  expectRank(op, 'kernel', kernel.shape, 5, { input, kernel });
  const [k_h, k_w] = pair(op, 'kernel_size', options.kernel_size, NaN, 1);   // required, as the Ops signature says
  const [stride_h, stride_w] = pair(op, 'stride', options.stride, 1, 1);
  const [pad_h, pad_w] = pair(op, 'padding', options.padding, 0, 0);
  const [dilation_h, dilation_w] = pair(op, 'dilation', options.dilation, 1, 1);
  const [N, C, H, W] = input.shape, [Nk, G, T] = kernel.shape;
  checkIndexRange(op, 'the padded input height H + 2·padding', H + 2 * pad_h);
  checkIndexRange(op, 'the padded input width W + 2·padding', W + 2 * pad_w);
  checkIndexRange(op, 'the dilated kernel height', dilation_h * (k_h - 1) + 1);
  checkIndexRange(op, 'the dilated kernel width', dilation_w * (k_w - 1) + 1);
  if (Nk !== N) throw new ShapeError(`${op}: kernel.shape[0] must equal N = ${N}, got ${Nk} (${ctx()})`);
  if (G < 1 || C % G !== 0) throw new ShapeError(`${op}: the kernel groups G = kernel.shape[1] must divide C = ${C}, got ${G} (${ctx()})`);
  if (T !== k_h * k_w) throw new ShapeError(`${op}: kernel.shape[2] must equal k_h·k_w = ${k_h * k_w}, got ${T} (${ctx()})`);
  const H_out = Math.floor((H + 2 * pad_h - dilation_h * (k_h - 1) - 1) / stride_h) + 1;
  const W_out = Math.floor((W + 2 * pad_w - dilation_w * (k_w - 1) - 1) / stride_w) + 1;
  if (!(H_out >= 1 && W_out >= 1)) throw new ShapeError(`${op}: the output [H_out, W_out] must be at least [1,1], got [${H_out},${W_out}] (${ctx()})`);
  checkElements(op, 'the output', [N, C, H_out, W_out]);
  if (kernel.shape[3] !== H_out || kernel.shape[4] !== W_out) {
    throw new ShapeError(`${op}: the kernel's map kernel.shape[3:] must equal the output size [${H_out},${W_out}], got ${fmtShape(kernel.shape.slice(3))} (${ctx()})`);
  }
  // a stride beyond the padded extent gives one output row (column) either way: capped there (≥ 1), so that no
  // huge stride reaches a kernel's i32 arithmetic
  return { N, C, H, W, G, T, k_h, k_w, stride_h: Math.max(1, Math.min(stride_h, H + 2 * pad_h)), stride_w: Math.max(1, Math.min(stride_w, W + 2 * pad_w)), pad_h, pad_w, dilation_h, dilation_w, H_out, W_out };
}
