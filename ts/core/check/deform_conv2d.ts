// Argument checks, option types and geometry of `deform_conv2d`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ShapeError, fmtContext, fmtValue } from '../errors.js';
import { expectRank, pair, type IntPair } from '../geometry.js';
import { tensorArg, optionalTensor, optionsArg, checkElements, checkIndexRange } from '../validate.js';

/** Options of `deformConv2d`, under torchvision.ops.deform_conv2d's keyword names. */
export interface DeformConv2dOptions {
  stride?: IntPair;
  /** ints or [h, w]; zero padding (it only shifts the sampling grid: samples outside read 0). */
  padding?: IntPair;
  dilation?: IntPair;
  /** DCNv2 modulation [N, offset_groups·k_h·k_w, H_out, W_out]; null/undefined = DCNv1 (mask ≡ 1). */
  mask?: Tensor | null;
}

/** Everything a deformable conv needs, computed once by `checkDeformConv2d`. */
export interface DeformConv2dGeometry {
  N: number; C_in: number; H: number; W: number;
  C_out: number; k_h: number; k_w: number; /** taps k_h·k_w */ T: number;
  H_out: number; W_out: number;
  stride_h: number; stride_w: number; pad_h: number; pad_w: number; dilation_h: number; dilation_w: number;
  /** weight groups, inferred: C_in / weight.shape[1] */
  groups: number;
  /** offset groups, inferred: offset.shape[1] / (2·k_h·k_w) */
  offset_groups: number;
  cinPerGroup: number; coutPerGroup: number; cinPerOffsetGroup: number;
}

/**
 * Validates deform_conv2d arguments exactly where torchvision's kernel does (plus ranks), before any work,
 * and computes the geometry. Shared by ts/ref and ts/wasm.
 *
 * Groups are inferred as torchvision does: groups = C_in / weight.shape[1], offset_groups =
 * offset.shape[1] / (2·k_h·k_w). The output size uses C++ integer division (truncation toward zero), as
 * torchvision's kernel: H_out = trunc((H + 2·pad_h − (dilation_h·(k_h − 1) + 1)) / stride_h) + 1, so a
 * numerator in (−stride_h, 0) still gives H_out = 1 (F.conv2d would reject that input).
 * @throws ShapeError if a rank is wrong; weight.shape[1] does not divide C_in; groups does not divide C_out;
 *         bias is not [C_out]; offset.shape[0] ≠ N; offset.shape[1] is not a positive multiple of 2·k_h·k_w;
 *         offset_groups does not divide C_in; H_out or W_out < 1; offset's map is not [H_out, W_out]; mask is
 *         not [N, offset_groups·k_h·k_w, H_out, W_out].
 * @throws ParameterError if stride or dilation is not a positive integer (pair) or padding is negative.
 * @throws ArgumentError if a tensor argument (mask included) is not a Tensor or options is not a plain object;
 *         ResourceError if the output or the sampled columns exceed the element limit.
 */
export function checkDeformConv2d(
  op: string, input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: DeformConv2dOptions = {},
): DeformConv2dGeometry {
  tensorArg(op, 'input', input);
  tensorArg(op, 'offset', offset);
  tensorArg(op, 'weight', weight);
  optionalTensor(op, 'bias', bias);
  options = optionsArg<DeformConv2dOptions>(op, options);
  const mask = optionalTensor(op, 'mask', options.mask);
  const ctx = () => fmtContext({
    input, offset, weight, ...(bias ? { bias } : {}), ...(mask ? { mask } : {}),
    ...(options.stride !== undefined ? { stride: fmtValue(options.stride) } : {}),
    ...(options.padding !== undefined ? { padding: fmtValue(options.padding) } : {}),
    ...(options.dilation !== undefined ? { dilation: fmtValue(options.dilation) } : {}),
  });
  const fail = (what: string): never => { throw new ShapeError(`${op}: ${what} (${ctx()})`); };
  const rankCtx = { input, offset, weight, ...(mask ? { mask } : {}) };
  expectRank(op, 'input', input.shape, 4, rankCtx);
  expectRank(op, 'offset', offset.shape, 4, rankCtx);
  expectRank(op, 'weight', weight.shape, 4, rankCtx);
  if (mask) expectRank(op, 'mask', mask.shape, 4, rankCtx);
  const [stride_h, stride_w] = pair(op, 'stride', options.stride, 1, 1);
  const [pad_h, pad_w] = pair(op, 'padding', options.padding, 0, 0);
  const [dilation_h, dilation_w] = pair(op, 'dilation', options.dilation, 1, 1);
  const [N, C_in, H, W] = input.shape;
  const [C_out, cinPerGroup, k_h, k_w] = weight.shape;
  if (k_h < 1 || k_w < 1) fail(`kernel_size = weight.shape[2:] must be ≥ 1, got [${k_h},${k_w}]`);
  if (cinPerGroup < 1 || C_in % cinPerGroup !== 0) fail(`weight.shape[1] must divide C_in = ${C_in} (groups = C_in / weight.shape[1]), got ${cinPerGroup}`);
  const groups = C_in / cinPerGroup;
  if (C_out % groups !== 0) fail(`C_out = weight.shape[0] must be divisible by groups = ${groups}, got ${C_out}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== C_out)) fail(`bias must have shape [${C_out}], got [${bias.shape.join(',')}]`);
  const T = k_h * k_w;
  if (offset.shape[0] !== N) fail(`offset.shape[0] must equal N = ${N}, got ${offset.shape[0]}`);
  const offsetChannels = offset.shape[1];
  if (offsetChannels < 2 * T || offsetChannels % (2 * T) !== 0) {
    fail(`offset.shape[1] must equal 2·offset_groups·k_h·k_w (a positive multiple of 2·${k_h}·${k_w} = ${2 * T}), got ${offsetChannels}`);
  }
  const offset_groups = offsetChannels / (2 * T);
  if (C_in % offset_groups !== 0) fail(`C_in = ${C_in} must be divisible by offset_groups = offset.shape[1] / ${2 * T} = ${offset_groups}`);
  const effH = dilation_h * (k_h - 1) + 1, effW = dilation_w * (k_w - 1) + 1;
  checkIndexRange(op, 'the padded input height H + 2·padding', H + 2 * pad_h);
  checkIndexRange(op, 'the padded input width W + 2·padding', W + 2 * pad_w);
  checkIndexRange(op, 'the dilated kernel height', effH);
  checkIndexRange(op, 'the dilated kernel width', effW);
  const H_out = Math.trunc((H + 2 * pad_h - effH) / stride_h) + 1;
  const W_out = Math.trunc((W + 2 * pad_w - effW) / stride_w) + 1;
  if (H_out < 1 || W_out < 1) fail(`the output [H_out, W_out] must be at least [1,1], got [${H_out},${W_out}]`);
  if (offset.shape[2] !== H_out || offset.shape[3] !== W_out) {
    fail(`offset's map offset.shape[2:] must equal the output size [H_out, W_out] = [${H_out},${W_out}], got [${offset.shape[2]},${offset.shape[3]}]`);
  }
  checkElements(op, 'the output', [N, C_out, H_out, W_out]);
  checkElements(op, 'the sampled columns [C_in/groups·k_h·k_w, H_out·W_out]', [cinPerGroup, T, H_out, W_out]);
  if (mask) {
    if (mask.shape[0] !== N) fail(`mask.shape[0] must equal N = ${N}, got ${mask.shape[0]}`);
    if (mask.shape[1] !== offset_groups * T) fail(`mask.shape[1] must equal offset_groups·k_h·k_w = ${offset_groups}·${T} = ${offset_groups * T}, got ${mask.shape[1]}`);
    if (mask.shape[2] !== H_out || mask.shape[3] !== W_out) {
      fail(`mask's map mask.shape[2:] must equal the output size [H_out, W_out] = [${H_out},${W_out}], got [${mask.shape[2]},${mask.shape[3]}]`);
    }
  }
  return {
    // a stride beyond the padded extent gives one output row (column) either way: capped there (≥ 1), so that no
    // huge stride reaches a kernel's i32 arithmetic
    N, C_in, H, W, C_out, k_h, k_w, T, H_out, W_out,
    stride_h: Math.max(1, Math.min(stride_h, H + 2 * pad_h)), stride_w: Math.max(1, Math.min(stride_w, W + 2 * pad_w)), pad_h, pad_w, dilation_h, dilation_w,
    groups, offset_groups, cinPerGroup, coutPerGroup: C_out / groups, cinPerOffsetGroup: C_in / offset_groups,
  };
}
