// Argument checks, option types and geometry of `conv2d`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, fmtContext, fmtShape, fmtValue } from '../errors.js';
import { conv2dGeometry, expectRank, positiveInt, type Conv2dOptions, type Conv2dGeometry } from '../geometry.js';
import { tensorArg, optionalTensor, optionsArg, arrayArg, checkElements } from '../validate.js';

/**
 * Validates conv2d arguments (shared by `ref` and `wasm`, runs before any work).
 * @throws ArgumentError if input or weight is not a Tensor, bias is neither a Tensor nor null/undefined, or options
 *         is not a plain object; ResourceError if the output exceeds the element limit or a padded extent the
 *         kernels' i32 range; ShapeError / ParameterError as `conv2dGeometry` lists them.
 */
export function checkConv2d(op: string, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dOptions = {}): Conv2dGeometry {
  tensorArg(op, 'input', input);
  tensorArg(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  return conv2dGeometry(op, input.shape, weight.shape, b ? b.shape : null, options);
}

/**
 * Validates conv2dStageI (ACmix §3.1 Eq. 6): input and weight as a conv2d with that weight, any spatial size.
 * Returns groups. @throws ShapeError / ParameterError as conv2dGeometry (rank, channels, groups).
 */
export function checkConv2dStageI(op: string, input: Tensor, weight: Tensor, options: { groups?: number } = {}): number {
  tensorArg(op, 'input', input);
  tensorArg(op, 'weight', weight);
  const groups = positiveInt(op, 'groups', optionsArg<{ groups?: number }>(op, options).groups ?? 1);
  if (weight.rank !== 4) throw new ShapeError(`${op}: weight must have rank 4, got rank ${weight.rank} (${fmtContext({ input, weight })})`);
  // Validate as a 1x1 'valid' conv with the same channels and groups (spatial size does not matter here: an empty
  // map projects to an empty map, as the conv it belongs to may pad it).
  expectRank(op, 'input', input.shape, 4, { input, weight });
  const [N, C_in, H, W] = input.shape;
  conv2dGeometry(op, [N, C_in, 1, 1], [weight.shape[0], weight.shape[1], 1, 1], null, { groups });
  checkElements(op, 'the projections [N, k_h·k_w, C_out, H, W]', [N, weight.shape[2] * weight.shape[3], weight.shape[0], H, W]);
  return groups;
}

/**
 * Validates conv2dStageII (ACmix §3.1 Eq. 7) and returns the geometry of the equivalent depthwise conv.
 * @throws ShapeError if proj is not [N, k_h·k_w, C_out, H, W]; as conv2dGeometry for stride/padding/dilation/bias.
 */
export function checkConv2dStageII(op: string, proj: Tensor, kernel_size: readonly [number, number], bias: Tensor | null | undefined, options: Conv2dOptions = {}): Conv2dGeometry {
  tensorArg(op, 'proj', proj);
  arrayArg(op, 'kernel_size', kernel_size, 'an array [k_h, k_w]');
  if (kernel_size.length !== 2) throw new ShapeError(`${op}: kernel_size must be [k_h, k_w], got ${fmtValue(kernel_size)}`);
  positiveInt(op, 'kernel_size[0]', kernel_size[0]);
  positiveInt(op, 'kernel_size[1]', kernel_size[1]);
  const b = optionalTensor(op, 'bias', bias);
  options = optionsArg<Conv2dOptions>(op, options);
  if (proj.rank !== 5 || proj.shape[1] !== kernel_size[0] * kernel_size[1]) {
    throw new ShapeError(`${op}: proj must have shape [N, k_h·k_w = ${kernel_size[0] * kernel_size[1]}, C_out, H, W], got ${fmtShape(proj.shape)}`);
  }
  const [N, , C_out, H, W] = proj.shape, [k_h, k_w] = kernel_size;
  // depthwise: groups = C_out (an empty C_out = 0 as one group of nothing, so the output is [N, 0, H_out, W_out])
  return conv2dGeometry(op, [N, C_out, H, W], [C_out, C_out === 0 ? 0 : 1, k_h, k_w], b ? b.shape : null, { ...options, groups: Math.max(C_out, 1) });
}
