import { Tensor, describe } from '../core/tensor.js';
import { positiveInt, pair, type IntPair, type Conv2dOptions } from '../core/geometry.js';
import { ArgumentError, ParameterError, fmtValue } from '../core/errors.js';
import { checkGelu, type GeluApproximate } from '../core/check/activations.js';
import { finiteArg, arrayArg } from '../core/validate.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { uniform } from './init.js';

/** Options of Conv2d: the arguments of torch.nn.Conv2d that have a default, under PyTorch's keyword names. */
export interface Conv2dModuleOptions {
  /** default 1 */
  stride?: IntPair;
  /** int, [h, w], 'valid' or 'same' (stride 1 only); default 0 */
  padding?: Conv2dOptions['padding'];
  /** default 1 */
  dilation?: IntPair;
  /** default 1 */
  groups?: number;
  /** default true */
  bias?: boolean;
}
const CONV2D_KEYS = ['stride', 'padding', 'dilation', 'groups', 'bias'] as const;

/** The hyper-parameters a Conv2d was built with (stride / padding / dilation as given, defaults filled in). */
export interface Conv2dHyperParameters {
  in_channels: number; out_channels: number; kernel_size: [number, number];
  stride: IntPair; padding: Conv2dOptions['padding']; dilation: IntPair; groups: number; bias: boolean;
}

/**
 * torch.nn.Conv2d (zero padding): mirrors `Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
 * dilation=1, groups=1, bias=True)` (padding_mode 'zeros' only).
 *   new nn.Conv2d(3, 64, 3, { stride: 2, padding: 1, bias: false })
 * state_dict: `weight` [C_out, C_in/groups, k_h, k_w], `bias` [C_out] if bias.
 * Init as PyTorch: U(±1/√fan_in), fan_in = C_in/groups · k_h · k_w.
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid
 *         hyper-parameters; forward throws as conv2d.
 */
export class Conv2d extends Module {
  readonly options: Conv2dHyperParameters;
  constructor(in_channels: number, out_channels: number, kernel_size: IntPair, options?: Conv2dModuleOptions) {
    super();
    const o = moduleOptions('Conv2d', options, CONV2D_KEYS);
    positiveInt('Conv2d', 'in_channels', in_channels);
    positiveInt('Conv2d', 'out_channels', out_channels);
    const groups = positiveInt('Conv2d', 'groups', o.groups ?? 1);
    const [k_h, k_w] = pair('Conv2d', 'kernel_size', kernel_size, NaN, 1);
    pair('Conv2d', 'stride', o.stride, 1, 1);
    pair('Conv2d', 'dilation', o.dilation, 1, 1);
    if (o.padding !== 'same' && o.padding !== 'valid') pair('Conv2d', 'padding', o.padding, 0, 0);
    if (in_channels % groups || out_channels % groups) throw new ParameterError(`Conv2d: in_channels (${in_channels}) and out_channels (${out_channels}) must be divisible by groups = ${groups}`);
    const bias = booleanOption('Conv2d', 'bias', o.bias, true);
    this.options = { in_channels, out_channels, kernel_size: [k_h, k_w], stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups, bias };
    const bound = 1 / Math.sqrt((in_channels / groups) * k_h * k_w);
    this.param('weight', uniform([out_channels, in_channels / groups, k_h, k_w], bound));
    this.param('bias', bias ? uniform([out_channels], bound) : null);
  }
  get weight(): Tensor { return this.get('weight'); }
  get bias(): Tensor | null { return this.getOrNull('bias'); }
  /** Drops or re-creates the bias, as assigning `conv.bias = None` in PyTorch. */
  setBias(b: Tensor | null): void { this.param('bias', b); }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const { stride, padding, dilation, groups } = this.options;
    return resolveOps(options.backend).conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}

/** Options of BatchNorm2d (torch.nn.BatchNorm2d's keyword names). */
export interface BatchNorm2dOptions {
  /** added to the variance; default 1e-5 */
  eps?: number;
  /** kept for PyTorch parity (eval mode never updates the running statistics): a finite number in [0, 1], or null
   *  (PyTorch's cumulative moving average); default 0.1 */
  momentum?: number | null;
}
const BATCHNORM2D_KEYS = ['eps', 'momentum'] as const;

/**
 * torch.nn.BatchNorm2d in eval mode (running statistics): mirrors `BatchNorm2d(num_features, eps=1e-05,
 * momentum=0.1)` (affine and track_running_stats always on).
 *   new nn.BatchNorm2d(64, { eps: 1e-3 })
 * state_dict: weight, bias, running_mean, running_var; num_batches_tracked is accepted and ignored.
 * Init: γ = 1, β = 0, μ = 0, σ² = 1.
 * @throws ArgumentError on bad options (eps or momentum not a number); ParameterError if num_features is not an
 *         integer >= 1, eps is not a finite number ≥ 0 or momentum is not a finite number in [0, 1] (or null).
 */
export class BatchNorm2d extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  constructor(readonly num_features: number, options?: BatchNorm2dOptions) {
    super();
    const o = moduleOptions('BatchNorm2d', options, BATCHNORM2D_KEYS);
    positiveInt('BatchNorm2d', 'num_features', num_features);
    this.eps = finiteArg('BatchNorm2d', 'eps', o.eps, 1e-5, 0);
    const momentum: unknown = o.momentum === undefined ? 0.1 : o.momentum;
    if (momentum !== null && typeof momentum !== 'number') throw new ArgumentError(`BatchNorm2d: momentum must be a number or null, got ${describe(momentum)}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new ParameterError(`BatchNorm2d: momentum must be a finite number in [0, 1] or null, got ${fmtValue(momentum)}`);
    this.momentum = momentum;
    this.param('weight', Tensor.full([num_features], 1));
    this.param('bias', Tensor.zeros([num_features]));
    this.buffer('running_mean', Tensor.zeros([num_features]));
    this.buffer('running_var', Tensor.full([num_features], 1));
    this._intBuffers.add('num_batches_tracked');
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).batchNorm2d(x, this.get('running_mean'), this.get('running_var'), this.get('weight'), this.get('bias'), { eps: this.eps });
  }
}

/** torch.nn.ReLU. No parameters. */
export class ReLU extends Module {
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).relu(x); }
}

/** Options of GELU (torch.nn.GELU's keyword names). */
export interface GELUOptions {
  /** 'none' (erf, default) or 'tanh' */
  approximate?: GeluApproximate;
}
const GELU_KEYS = ['approximate'] as const;

/**
 * torch.nn.GELU: mirrors `GELU(approximate='none')`. No parameters.
 *   new nn.GELU({ approximate: 'tanh' })
 * @throws ArgumentError on bad options; ParameterError if approximate is not 'none' or 'tanh'.
 */
export class GELU extends Module {
  readonly approximate: GeluApproximate;
  constructor(options?: GELUOptions) {
    super();
    const o = moduleOptions('GELU', options, GELU_KEYS);
    this.approximate = o.approximate ?? 'none';
    checkGelu('GELU', this.approximate);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).gelu(x, { approximate: this.approximate }); }
}

/** Options of Linear (torch.nn.Linear's keyword names). */
export interface LinearOptions {
  /** default true */
  bias?: boolean;
}
const LINEAR_KEYS = ['bias'] as const;

/**
 * torch.nn.Linear: mirrors `Linear(in_features, out_features, bias=True)`.
 *   new nn.Linear(64, 256, { bias: false })
 * state_dict: weight [out_features, in_features], bias [out_features] if bias. Init U(±1/√in_features).
 * @throws ArgumentError on bad options; ParameterError if a size is not an integer >= 1.
 */
export class Linear extends Module {
  constructor(readonly in_features: number, readonly out_features: number, options?: LinearOptions) {
    super();
    const o = moduleOptions('Linear', options, LINEAR_KEYS);
    positiveInt('Linear', 'in_features', in_features);
    positiveInt('Linear', 'out_features', out_features);
    const bias = booleanOption('Linear', 'bias', o.bias, true);
    const bound = 1 / Math.sqrt(in_features);
    this.param('weight', uniform([out_features, in_features], bound));
    this.param('bias', bias ? uniform([out_features], bound) : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).linear(x, this.get('weight'), this.getOrNull('bias'));
  }
}

/** Options of LayerNorm (torch.nn.LayerNorm's keyword names). */
export interface LayerNormOptions {
  /** added to the variance; default 1e-5 */
  eps?: number;
  /** learnable weight (init 1) and bias (init 0) of shape normalized_shape; default true */
  elementwise_affine?: boolean;
}
const LAYERNORM_KEYS = ['eps', 'elementwise_affine'] as const;

/**
 * torch.nn.LayerNorm over the trailing dims: mirrors `LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True)`.
 *   new nn.LayerNorm(96, { eps: 1e-6 })
 * state_dict: weight, bias [normalized_shape] (only if elementwise_affine).
 * @throws ArgumentError on bad options or a normalized_shape that is neither a number nor an array; ParameterError if
 *         a normalized_shape entry is not an integer >= 1 or eps is not a finite number ≥ 0.
 */
export class LayerNorm extends Module {
  readonly normalized_shape: number[];
  readonly eps: number;
  readonly elementwise_affine: boolean;
  constructor(normalized_shape: number | readonly number[], options?: LayerNormOptions) {
    super();
    const o = moduleOptions('LayerNorm', options, LAYERNORM_KEYS);
    this.normalized_shape = typeof normalized_shape === 'number' ? [normalized_shape]
      : [...arrayArg('LayerNorm', 'normalized_shape', normalized_shape, 'an integer or an array of integers') as number[]];
    this.normalized_shape.forEach((d) => positiveInt('LayerNorm', 'normalized_shape', d));
    this.eps = finiteArg('LayerNorm', 'eps', o.eps, 1e-5, 0);
    this.elementwise_affine = booleanOption('LayerNorm', 'elementwise_affine', o.elementwise_affine, true);
    this.param('weight', this.elementwise_affine ? Tensor.full(this.normalized_shape, 1) : null);
    this.param('bias', this.elementwise_affine ? Tensor.zeros(this.normalized_shape) : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).layerNorm(x, this.normalized_shape, this.getOrNull('weight'), this.getOrNull('bias'), { eps: this.eps });
  }
}

/**
 * torch.nn.Sequential: mirrors `Sequential(*modules)`; children under keys `0`, `1`, ... applied in order.
 *   new nn.Sequential(new nn.Conv2d(64, 256, 1, { bias: false }), new nn.BatchNorm2d(256))
 */
export class Sequential extends Module {
  readonly modules: Module[];
  constructor(...modules: Module[]) {
    super();
    this.modules = modules;
    modules.forEach((m, i) => this.child(String(i), m));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return this.modules.reduce((y, m) => m.forward(y, options), x);
  }
}
