import { Tensor } from '../core/tensor.js';
import { positiveInt, expectRank } from '../core/geometry.js';
import { ArgumentError, ShapeError, fmtShape } from '../core/errors.js';
import { localAttentionGeometry } from '../core/check/local_attention.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d, BatchNorm2d, ReLU, Sequential } from './layers.js';
import { acmixConfig, checkACmix, type ACmixConfig, type ACmixOptions, type ACmixResult } from '../core/check/acmix.js';
import { moduleOptions, describeType } from './conv_options.js';
import { shiftKernels } from '../core/check/shift2d.js';
import type { ACmixStage } from '../core/ops.js';

/** Stage timings of one ACmix forward in milliseconds (wall clock between the backend's stage hooks). */
export interface ACmixTrace {
  stage_i_ms?: number;
  stage_ii_attention_ms?: number;
  stage_ii_conv_ms?: number;
  mix_ms?: number;
}

const ACMIX_KEYS = ['kernel_att', 'head', 'kernel_conv', 'stride', 'dilation'] as const;

/** Options of the Bottleneck: the official arguments with a default that this module implements. */
export interface BottleneckOptions {
  /** stride of the ACmix conv2 (and of the downsample branch the caller builds); default 1 */
  stride?: number;
  /** the residual branch (e.g. `Bottleneck.downsampleFor(inplanes, planes, stride)`); default null (identity) */
  downsample?: Module | null;
}
const BOTTLENECK_KEYS = ['stride', 'downsample'] as const;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * ACmix (Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022, arXiv:2111.14556):
 * the official `ACmix(in_planes, out_planes, kernel_att=7, head=4, kernel_conv=3, stride=1, dilation=1)`
 * of LeapLabTHU/ACmix ResNet/test_bottleneck.py, numerically identical to it (independently written).
 * Constructor: `in_planes`, `out_planes` positional, the defaulted arguments as options (official keyword names):
 *   new nn.ACmix(64, 64, { kernel_att: 7, head: 4 })
 *
 * state_dict keys (as PyTorch): rate1 [1], rate2 [1], conv1/conv2/conv3.{weight [out, in, 1, 1], bias [out]},
 * conv_p.{weight [head_dim, 2, 1, 1], bias [head_dim]}, fc.weight [k_conv², 3·head, 1, 1],
 * dep_conv.weight [out, k_conv², k_conv, k_conv] — and no dep_conv.bias: the official reset_parameters
 * replaces it with None.
 * Init (official reset_parameters): rate1 = rate2 = 0.5; dep_conv.weight[o, t] = one-hot shift kernel t
 * (Eq. 13-15); the 1x1 convs keep PyTorch's default init.
 * Shapes: input [N, in_planes, H, W] → [N, out_planes, H/stride, W/stride].
 * @throws ArgumentError if options is not a plain object or holds another key;
 *         ParameterError / UnsupportedShapeError at construction for configurations the official module
 *         cannot run (kernel_conv ≠ 3, out_planes not divisible by head); forward throws as acmixForward
 *         (e.g. UnsupportedShapeError for odd H or W with stride 2, dilation > 1, even kernel_att).
 */
export class ACmix extends Module {
  readonly config: ACmixConfig;
  readonly conv1: Conv2d; readonly conv2: Conv2d; readonly conv3: Conv2d; readonly conv_p: Conv2d;
  readonly fc: Conv2d; readonly dep_conv: Conv2d;

  constructor(in_planes: number, out_planes: number, options?: ACmixOptions) {
    super();
    this.config = acmixConfig('ACmix', in_planes, out_planes, moduleOptions('ACmix', options, ACMIX_KEYS));
    const c = this.config, { kernel_conv, stride } = c;
    // Registration order follows the official module so stateDict() lists keys in PyTorch's order.
    this.param('rate1', Tensor.full([1], 0.5));
    this.param('rate2', Tensor.full([1], 0.5));
    this.conv1 = this.child('conv1', new Conv2d(in_planes, out_planes, 1));
    this.conv2 = this.child('conv2', new Conv2d(in_planes, out_planes, 1));
    this.conv3 = this.child('conv3', new Conv2d(in_planes, out_planes, 1));
    this.conv_p = this.child('conv_p', new Conv2d(2, c.head_dim, 1));
    this.fc = this.child('fc', new Conv2d(3 * c.head, kernel_conv * kernel_conv, 1, { bias: false }));
    this.dep_conv = this.child('dep_conv', new Conv2d(kernel_conv * kernel_conv * c.head_dim, out_planes, kernel_conv,
      { bias: true, groups: c.head_dim, padding: 1, stride }));
    this.resetParameters();
  }

  /** The official reset_parameters: rates 0.5, dep_conv = shift kernels (Eq. 13-15), dep_conv.bias removed. */
  resetParameters(): void {
    this.get('rate1').data.fill(0.5);
    this.get('rate2').data.fill(0.5);
    const k = this.config.kernel_conv, kernels = shiftKernels(k);
    const w = this.dep_conv.weight.data;
    for (let o = 0; o < this.config.out_planes; o++) w.set(kernels.data, o * kernels.size);
    this.dep_conv.setBias(null);
  }

  /** Parameters by state_dict key, as acmixForward takes them. */
  weights(): Record<string, Tensor> {
    return Object.fromEntries(this.stateDict());
  }

  /** Forward with every intermediate (q, k, v, pe, both paths) and optional stage timings. */
  forwardDetailed(x: Tensor, options: ForwardOptions & { trace?: ACmixTrace } = {}): ACmixResult {
    const ops = resolveOps(options.backend), trace = options.trace;
    if (!trace) return ops.acmixForward(x, this.weights(), this.config);
    let last = now();
    const onStage = (stage: ACmixStage) => {
      const t = now();
      trace[`${stage}_ms`] = t - last;
      last = t;
    };
    return ops.acmixForward(x, this.weights(), this.config, { onStage });
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const { kernel_att, head, kernel_conv, stride, dilation } = this.config;
    const ops = resolveOps(options.backend), weights = this.weights();
    checkACmix('acmix', x, weights, this.config);                          // before the backend is called
    return ops.acmix(x, weights, { kernel_att, head, kernel_conv, stride, dilation });
  }
}

/**
 * The ACmix ResNet bottleneck: official `Bottleneck(inplanes, planes, k_att, head, k_conv, stride=1,
 * downsample=None, groups=1, base_width=64, dilation=1, norm_layer=None)` of LeapLabTHU/ACmix
 * ResNet/ResNet_ImageNet.py. k_att, head and k_conv have no default there, so they are positional here too;
 * stride and downsample are options (groups = 1, base_width = 64, dilation = 1 and BatchNorm2d are fixed):
 *   new nn.Bottleneck(256, 64, 7, 4, 3, { stride: 2, downsample: nn.Bottleneck.downsampleFor(256, 64, 2) })
 *   out = relu(bn1(conv1(x))); out = relu(bn2(conv2(out)))  [conv2 = ACmix(width, width, k_att, head, k_conv, stride)];
 *   out = bn3(conv3(out)); out = relu(out + (downsample ? downsample(x) : x)).
 * state_dict keys: conv1.weight, bn1.*, conv2.<ACmix keys>, bn2.*, conv3.weight, bn3.*, downsample.0.weight,
 * downsample.1.* (when given). expansion = 4, width = planes.
 * Shapes: x [N, inplanes, H, W] → [N, 4·planes, H/stride, W/stride].
 * @throws ArgumentError if options is not a plain object or holds another key, or downsample is not a Module;
 *         ParameterError on invalid hyper-parameters; forward throws ShapeError if the residual shapes
 *         differ (no downsample where one is needed) and as ACmix.
 */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d; readonly bn1: BatchNorm2d; readonly conv2: ACmix; readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d; readonly bn3: BatchNorm2d; readonly relu = new ReLU(); readonly downsample: Module | null;

  constructor(inplanes: number, planes: number, k_att: number, head: number, k_conv: number, options?: BottleneckOptions) {
    super();
    const o = moduleOptions('Bottleneck', options, BOTTLENECK_KEYS);
    positiveInt('Bottleneck', 'inplanes', inplanes);
    const width = positiveInt('Bottleneck', 'planes', planes);
    positiveInt('Bottleneck', 'k_att', k_att);                    // required, as in the official signature
    positiveInt('Bottleneck', 'head', head);
    positiveInt('Bottleneck', 'k_conv', k_conv);
    const downsample = o.downsample ?? null;
    if (downsample !== null && !(downsample instanceof Module)) {
      throw new ArgumentError(`Bottleneck: downsample must be a Module or null, got ${describeType(downsample)}`);
    }
    this.conv1 = this.child('conv1', new Conv2d(inplanes, width, 1, { bias: false }));
    this.bn1 = this.child('bn1', new BatchNorm2d(width));
    this.conv2 = this.child('conv2', new ACmix(width, width, { kernel_att: k_att, head, kernel_conv: k_conv, stride: o.stride ?? 1 }));
    this.bn2 = this.child('bn2', new BatchNorm2d(width));
    this.conv3 = this.child('conv3', new Conv2d(width, planes * Bottleneck.expansion, 1, { bias: false }));
    this.bn3 = this.child('bn3', new BatchNorm2d(planes * Bottleneck.expansion));
    this.downsample = this.child('downsample', downsample);
  }

  /** The usual downsample branch: Sequential(Conv2d 1x1 with stride, no bias; BatchNorm2d). */
  static downsampleFor(inplanes: number, planes: number, stride = 1): Sequential {
    return new Sequential(
      new Conv2d(inplanes, planes * Bottleneck.expansion, 1, { stride, bias: false }),
      new BatchNorm2d(planes * Bottleneck.expansion));
  }

  /**
   * Validates a Bottleneck input before any work: rank 4, C = inplanes, the ACmix spatial rules, and a
   * residual whose shape matches the main path (a downsample is needed when stride > 1 or inplanes ≠ 4·planes).
   * @throws ShapeError / UnsupportedShapeError naming expected and actual shapes.
   */
  check(x: Tensor): void {
    const inplanes = this.conv1.options.in_channels, out = this.bn3.num_features, c = this.conv2.config;
    expectRank('Bottleneck', 'input', x.shape, 4, { input: x });
    if (x.shape[1] !== inplanes) throw new ShapeError(`Bottleneck: input.shape[1] must equal inplanes = ${inplanes}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
    localAttentionGeometry('Bottleneck', [x.shape[0], c.out_planes, x.shape[2], x.shape[3]], c, () => `input=${fmtShape(x.shape)}`);
    if (!this.downsample && (c.stride !== 1 || inplanes !== out)) {
      throw new ShapeError(`Bottleneck: without downsample the residual must have the output's shape [${x.shape[0]},${out},${x.shape[2] / c.stride},${x.shape[3] / c.stride}], got input=${fmtShape(x.shape)} (stride ${c.stride})`);
    }
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.check(x);
    const ops = resolveOps(options.backend);
    const o = { backend: ops };
    let out = ops.relu(this.bn1.forward(this.conv1.forward(x, o), o));
    out = ops.relu(this.bn2.forward(this.conv2.forward(out, o), o));
    out = this.bn3.forward(this.conv3.forward(out, o), o);
    const identity = this.downsample ? this.downsample.forward(x, o) : x;
    return ops.relu(ops.add(out, identity));
  }
}
