import { Tensor } from '../core/tensor.js';
import { positiveInt, pair, type IntPair, type Conv2dOptions } from '../core/geometry.js';
import { ParameterError } from '../core/errors.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { uniform } from './init.js';

export interface Conv2dModuleOptions {
  in_channels: number; out_channels: number; kernel_size: IntPair;
  stride?: IntPair; padding?: Conv2dOptions['padding']; dilation?: IntPair; groups?: number; bias?: boolean;
}

/**
 * torch.nn.Conv2d (zero padding). state_dict: `weight` [C_out, C_in/groups, k_h, k_w], `bias` [C_out] if bias.
 * Init as PyTorch: U(±1/√fan_in), fan_in = C_in/groups · k_h · k_w.
 * @throws ParameterError on invalid hyper-parameters; forward throws as conv2d.
 */
export class Conv2d extends Module {
  readonly options: Required<Omit<Conv2dModuleOptions, 'padding'>> & { padding: Conv2dOptions['padding'] };
  constructor(o: Conv2dModuleOptions) {
    super();
    const in_channels = positiveInt('Conv2d', 'in_channels', o.in_channels);
    const out_channels = positiveInt('Conv2d', 'out_channels', o.out_channels);
    const groups = positiveInt('Conv2d', 'groups', o.groups ?? 1);
    const [k_h, k_w] = pair('Conv2d', 'kernel_size', o.kernel_size, 1, 1);
    pair('Conv2d', 'stride', o.stride, 1, 1);
    pair('Conv2d', 'dilation', o.dilation, 1, 1);
    if (o.padding !== 'same' && o.padding !== 'valid') pair('Conv2d', 'padding', o.padding, 0, 0);
    if (in_channels % groups || out_channels % groups) throw new ParameterError(`Conv2d: in_channels (${in_channels}) and out_channels (${out_channels}) must be divisible by groups = ${groups}`);
    this.options = { in_channels, out_channels, kernel_size: [k_h, k_w], stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups, bias: o.bias ?? true };
    const bound = 1 / Math.sqrt((in_channels / groups) * k_h * k_w);
    this.param('weight', uniform([out_channels, in_channels / groups, k_h, k_w], bound));
    this.param('bias', this.options.bias ? uniform([out_channels], bound) : null);
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

/**
 * torch.nn.BatchNorm2d in eval mode (running statistics). state_dict: weight, bias, running_mean,
 * running_var; num_batches_tracked is accepted and ignored. Init: γ = 1, β = 0, μ = 0, σ² = 1.
 */
export class BatchNorm2d extends Module {
  constructor(readonly num_features: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super();
    positiveInt('BatchNorm2d', 'num_features', num_features);
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

/** torch.nn.GELU(approximate='none' | 'tanh'). No parameters. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') { super(); }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).gelu(x, { approximate: this.approximate }); }
}

/** torch.nn.Linear. state_dict: weight [out_features, in_features], bias [out_features]. Init U(±1/√in_features). */
export class Linear extends Module {
  constructor(readonly in_features: number, readonly out_features: number, bias = true) {
    super();
    positiveInt('Linear', 'in_features', in_features);
    positiveInt('Linear', 'out_features', out_features);
    const bound = 1 / Math.sqrt(in_features);
    this.param('weight', uniform([out_features, in_features], bound));
    this.param('bias', bias ? uniform([out_features], bound) : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).linear(x, this.get('weight'), this.getOrNull('bias'));
  }
}

/** torch.nn.LayerNorm(normalized_shape, eps, elementwise_affine). state_dict: weight, bias. */
export class LayerNorm extends Module {
  readonly normalized_shape: number[];
  constructor(normalized_shape: number | readonly number[], readonly eps = 1e-5, elementwise_affine = true) {
    super();
    this.normalized_shape = typeof normalized_shape === 'number' ? [normalized_shape] : [...normalized_shape];
    this.normalized_shape.forEach((d) => positiveInt('LayerNorm', 'normalized_shape', d));
    this.param('weight', elementwise_affine ? Tensor.full(this.normalized_shape, 1) : null);
    this.param('bias', elementwise_affine ? Tensor.zeros(this.normalized_shape) : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).layerNorm(x, this.normalized_shape, this.getOrNull('weight'), this.getOrNull('bias'), { eps: this.eps });
  }
}

/** torch.nn.Sequential: children under keys `0`, `1`, ... applied in order. */
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
