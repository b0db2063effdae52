// Argument checks, option types and geometry of `conv2d`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, fmtContext, fmtShape } from '../errors.js';
import { conv2dGeometry, type Conv2dOptions, type Conv2dGeometry } from '../geometry.js';

/**
 * Validates conv2d arguments (shared by `ref` and `wasm`, runs before any work).
 * @throws ShapeError / ParameterError as `conv2dGeometry` lists them.
 */
export function checkConv2d(op: string, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dOptions = {}): Conv2dGeometry {
  return conv2dGeometry(op, input.shape, weight.shape, bias ? bias.shape : null, options);
}

/**
 * Validates conv2dStageI (ACmix §3.1 Eq. 6): input and weight as a conv2d with that weight, any spatial size.
 * Returns groups. @throws ShapeError / ParameterError as conv2dGeometry (rank, channels, groups).
 */
export function checkConv2dStageI(op: string, input: Tensor, weight: Tensor, options: { groups?: number } = {}): number {
  const groups = options?.groups ?? 1;
  if (weight.rank !== 4) throw new ShapeError(`${op}: weight must have rank 4, got rank ${weight.rank} (${fmtContext({ input, weight })})`);
  // Validate as a 1x1 'valid' conv with the same channels and groups (spatial size does not matter here).
  conv2dGeometry(op, input.shape, [weight.shape[0], weight.shape[1], 1, 1], null, { groups });
  return groups;
}

/**
 * Validates conv2dStageII (ACmix §3.1 Eq. 7) and returns the geometry of the equivalent depthwise conv.
 * @throws ShapeError if proj is not [N, k_h·k_w, C_out, H, W]; as conv2dGeometry for stride/padding/dilation/bias.
 */
export function checkConv2dStageII(op: string, proj: Tensor, kernel_size: readonly [number, number], bias: Tensor | null | undefined, options: Conv2dOptions = {}): Conv2dGeometry {
  if (!Array.isArray(kernel_size) || kernel_size.length !== 2) throw new ShapeError(`${op}: kernel_size must be [k_h, k_w], got ${String(kernel_size)}`);
  if (proj.rank !== 5 || proj.shape[1] !== kernel_size[0] * kernel_size[1]) {
    throw new ShapeError(`${op}: proj must have shape [N, k_h·k_w = ${kernel_size[0] * kernel_size[1]}, C_out, H, W], got ${fmtShape(proj.shape)}`);
  }
  const [N, , C_out, H, W] = proj.shape, [k_h, k_w] = kernel_size;
  return conv2dGeometry(op, [N, C_out, H, W], [C_out, 1, k_h, k_w], bias ? bias.shape : null, { ...options, groups: C_out });
}
