// Argument checks, option types and geometry of `involution2d`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, fmtContext, fmtShape } from '../errors.js';
import { expectRank, pair, type IntPair } from '../geometry.js';

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
 */
export function checkInvolution2d(op: string, input: Pick<Tensor, 'shape'>, kernel: Pick<Tensor, 'shape'>, options: Involution2dOptions) {
  const ctx = () => fmtContext({ input, kernel, kernel_size: JSON.stringify(options.kernel_size), stride: JSON.stringify(options.stride ?? 1), padding: JSON.stringify(options.padding ?? 0) });
  expectRank(op, 'input', input.shape, 4, { input, kernel });
  expectRank(op, 'kernel', kernel.shape, 5, { input, kernel });
  const [k_h, k_w] = pair(op, 'kernel_size', options.kernel_size, 1, 1);
  const [stride_h, stride_w] = pair(op, 'stride', options.stride, 1, 1);
  const [pad_h, pad_w] = pair(op, 'padding', options.padding, 0, 0);
  const [dilation_h, dilation_w] = pair(op, 'dilation', options.dilation, 1, 1);
  const [N, C, H, W] = input.shape, [Nk, G, T] = kernel.shape;
  if (Nk !== N) throw new ShapeError(`${op}: kernel.shape[0] must equal N = ${N}, got ${Nk} (${ctx()})`);
  if (G < 1 || C % G !== 0) throw new ShapeError(`${op}: the kernel groups G = kernel.shape[1] must divide C = ${C}, got ${G} (${ctx()})`);
  if (T !== k_h * k_w) throw new ShapeError(`${op}: kernel.shape[2] must equal k_h·k_w = ${k_h * k_w}, got ${T} (${ctx()})`);
  const H_out = Math.floor((H + 2 * pad_h - dilation_h * (k_h - 1) - 1) / stride_h) + 1;
  const W_out = Math.floor((W + 2 * pad_w - dilation_w * (k_w - 1) - 1) / stride_w) + 1;
  if (!(H_out >= 1 && W_out >= 1)) throw new ShapeError(`${op}: the output [H_out, W_out] must be at least [1,1], got [${H_out},${W_out}] (${ctx()})`);
  if (kernel.shape[3] !== H_out || kernel.shape[4] !== W_out) {
    throw new ShapeError(`${op}: the kernel's map kernel.shape[3:] must equal the output size [${H_out},${W_out}], got ${fmtShape(kernel.shape.slice(3))} (${ctx()})`);
  }
  return { N, C, H, W, G, T, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, H_out, W_out };
}
