import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtShape, fmtValue } from '../core/errors.js';
import { positiveInt, expectRank, conv2dGeometry } from '../core/geometry.js';
import type { Ops } from '../core/ops.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d, BatchNorm2d, ReLU, Sequential } from './layers.js';
import { checkInvolution2d } from '../core/check/involution2d.js';
import { moduleOptions, booleanOption } from './conv_options.js';


/** Options of DynamicDWConv (the official DynamicDWConv's keyword names). */
export interface DynamicDWConvOptions {
  /** static bias [dim] (init 0); default true */
  bias?: boolean;
  /** default 1 */
  stride?: number;
  /** default 1 */
  padding?: number;
  /** must equal dim (the default here; see Deviation) */
  groups?: number;
  /** hidden width of the kernel generator = dim // reduction; default 4 */
  reduction?: number;
}
const DYNAMIC_DW_KEYS = ['bias', 'stride', 'padding', 'groups', 'reduction'] as const;

function checkChannels(name: string, x: Tensor, C: number, key: string): void {
  expectRank(name, 'input', x.shape, 4, { input: x });
  if (x.shape[1] !== C) throw new ShapeError(`${name}: input.shape[1] must equal ${key} = ${C}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
}

/**
 * Homogeneous dynamic depthwise convolution: one k×k kernel per sample and channel, generated from the globally
 * pooled input, then an ordinary depthwise conv of each sample with its own kernels (+ a static bias).
 *
 * Paper:   Han et al., "On the Connection between Local Attention and Dynamic Depth-wise Convolution", ICLR 2022,
 *          arXiv:2106.04263, §4 ("dynamic depth-wise convolution", the homogeneous variant of DWNet).
 * Matches: Atten4Vis/DemystifyLocalViT `DynamicDWConv(dim, kernel_size, bias=True, stride=1, padding=1, groups=1,
 *          reduction=4)` (models/dwnet.py):
 *            new nn.DynamicDWConv(96, 7, { padding: 3 })
 *          W = conv2(relu(bn(conv1(GAP(x))))) viewed as [N·dim, 1, k, k] (channel-major: generated
 *          index c·k·k + u·k + v), no normalisation of the kernel; y = grouped conv of the batch folded into
 *          channels with bias = static bias tiled N times. BN in eval mode.
 * Deviation: `groups` defaults to dim, not the official 1 (DWNet always passes groups = dim); any other value is
 *          rejected, because the official view to [N·dim, 1, k, k] only works depthwise (DemystifyLocalViT#3).
 * state_dict keys: conv1.weight [dim/r, dim, 1, 1] (no bias), bn.{weight, bias, running_mean, running_var},
 *          conv2.weight [dim·k·k, dim/r, 1, 1], conv2.bias [dim·k·k], bias [dim] (if bias; init 0).
 * Shapes:  x [N, dim, H, W] → [N, dim, H_out, W_out] (conv2d's output size with the given stride / padding).
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid
 *         hyper-parameters; ShapeError from forward (before any work) if input.shape[1] ≠ dim or the input is too small.
 * @see ts/ref/conv2d_per_sample.ts · spec/dynamic_dw.test.ts
 */
export class DynamicDWConv extends Module {
  readonly conv1: Conv2d; readonly bn: BatchNorm2d; readonly conv2: Conv2d;
  readonly stride: number; readonly padding: number; readonly groups: number; readonly reduction: number;
  constructor(readonly dim: number, readonly kernel_size: number, options?: DynamicDWConvOptions) {
    super();
    const o = moduleOptions('DynamicDWConv', options, DYNAMIC_DW_KEYS);
    positiveInt('DynamicDWConv', 'dim', dim);
    positiveInt('DynamicDWConv', 'kernel_size', kernel_size);
    const bias = booleanOption('DynamicDWConv', 'bias', o.bias, true);
    this.stride = positiveInt('DynamicDWConv', 'stride', o.stride ?? 1);
    this.padding = positiveInt('DynamicDWConv', 'padding', o.padding ?? 1, 0);
    this.reduction = positiveInt('DynamicDWConv', 'reduction', o.reduction ?? 4);
    this.groups = o.groups ?? dim;
    if (this.groups !== dim) throw new ParameterError(`DynamicDWConv: groups must equal dim = ${dim} (the generated kernel is depthwise; DemystifyLocalViT#3), got ${fmtValue(o.groups)}`);
    const hidden = Math.floor(dim / this.reduction);
    if (hidden < 1) throw new ParameterError(`DynamicDWConv: dim // reduction must be ≥ 1, got ${dim} // ${this.reduction}`);
    this.conv1 = this.child('conv1', new Conv2d(dim, hidden, 1, { bias: false }));
    this.bn = this.child('bn', new BatchNorm2d(hidden));
    this.conv2 = this.child('conv2', new Conv2d(hidden, dim * kernel_size * kernel_size, 1));
    this.param('bias', bias ? Tensor.zeros([dim]) : null);
  }

  /** The generated kernels [N, dim, 1, k, k]. */
  kernels(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend), o = { backend: ops };
    const wgen = this.conv2.forward(ops.relu(this.bn.forward(this.conv1.forward(ops.globalAvgPool2d(x), o), o)), o);
    return wgen.reshape([x.shape[0], this.dim, 1, this.kernel_size, this.kernel_size]);
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    checkChannels('DynamicDWConv', x, this.dim, 'dim');
    const k = this.kernel_size;
    conv2dGeometry('DynamicDWConv', x.shape, [this.dim, 1, k, k], null, { stride: this.stride, padding: this.padding, groups: this.dim });
    const ops = resolveOps(options.backend);
    const N = x.shape[0], b = this.getOrNull('bias');
    const tiled = b ? new Tensor(Float32Array.from({ length: N * this.dim }, (_, i) => b.data[i % this.dim]), [N, this.dim]) : null;
    return ops.conv2dPerSample(x, this.kernels(x, { backend: ops }), tiled, { stride: this.stride, padding: this.padding, groups: this.dim });
  }
}

/**
 * Inhomogeneous dynamic depthwise convolution (≈ involution): a k×k kernel per output position and channel group,
 * generated from the input at that position, shared by the group's channels.
 *
 * Paper:   Han et al., ICLR 2022, arXiv:2106.04263, §4 (I-D-DW conv); cf. Li et al., "Involution", CVPR 2021.
 * Matches: Atten4Vis/DemystifyLocalViT `IDynamicDWConv(channels, kernel_size, group_channels)` (its CUDA-only op,
 *          here `involution2d`): kernel = conv2(conv1(x)) with conv1 = Conv1x1(C → C/4, bias) → BN → ReLU and
 *          conv2 = Conv1x1(C/4 → k·k·G, bias), G = channels / group_channels, viewed [N, G, k, k, H, W]
 *          (generator channel g·k·k + u·k + v); stride 1, zero padding (k − 1)/2, no bias, no normalisation.
 *          Note: DWNet calls it as IDynamicDWConv(dim, window, heads) — the third argument is group_channels.
 *          All three arguments are required there, so all three are positional here (no options):
 *            new nn.IDynamicDWConv(96, 7, 32)
 * state_dict keys (as we read the official code; verify against a released checkpoint before porting):
 *          conv1.0.{weight, bias}, conv1.1.{weight, bias, running_mean, running_var}, conv2.0.{weight, bias}.
 * Shapes:  x [N, channels, H, W] → [N, channels, H, W] (odd kernel_size).
 * @throws ParameterError on invalid hyper-parameters (group_channels ∤ channels, even kernel_size); ShapeError from
 *         forward (before any work) if input.shape[1] ≠ channels or the map is smaller than the kernel allows.
 * @see ts/ref/involution2d.ts · spec/dynamic_dw.test.ts
 */
export class IDynamicDWConv extends Module {
  readonly conv1: Sequential; readonly conv2: Sequential; readonly groups: number;
  constructor(readonly channels: number, readonly kernel_size: number, readonly group_channels: number) {
    super();
    positiveInt('IDynamicDWConv', 'channels', channels);
    positiveInt('IDynamicDWConv', 'kernel_size', kernel_size);
    positiveInt('IDynamicDWConv', 'group_channels', group_channels);
    if (channels % group_channels) throw new ParameterError(`IDynamicDWConv: group_channels (${group_channels}) must divide channels (${channels})`);
    if (kernel_size % 2 === 0) throw new ParameterError(`IDynamicDWConv: kernel_size must be odd (padding (k − 1)/2 keeps the size), got ${kernel_size}`);
    const hidden = Math.floor(channels / 4);
    if (hidden < 1) throw new ParameterError(`IDynamicDWConv: channels // 4 must be ≥ 1, got ${channels}`);
    this.groups = channels / group_channels;
    this.conv1 = this.child('conv1', new Sequential(new Conv2d(channels, hidden, 1), new BatchNorm2d(hidden), new ReLU()));
    this.conv2 = this.child('conv2', new Sequential(new Conv2d(hidden, kernel_size * kernel_size * this.groups, 1)));
  }

  /** The generated per-position kernels [N, G, k·k, H, W]. */
  kernels(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend), o = { backend: ops };
    const w = this.conv2.forward(this.conv1.forward(x, o), o);
    return w.reshape([x.shape[0], this.groups, this.kernel_size * this.kernel_size, x.shape[2], x.shape[3]]);
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    checkChannels('IDynamicDWConv', x, this.channels, 'channels');
    const k = this.kernel_size, opts = { kernel_size: k, padding: (k - 1) / 2 };
    checkInvolution2d('IDynamicDWConv', x, { shape: [x.shape[0], this.groups, k * k, x.shape[2], x.shape[3]] }, opts);
    const ops = resolveOps(options.backend);
    return ops.involution2d(x, this.kernels(x, { backend: ops }), opts);
  }
}
