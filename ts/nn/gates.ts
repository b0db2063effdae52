// Attention gates: squeeze-and-excitation (torchvision.ops.SqueezeExcitation), coordinate attention (the official
// houqb/CoordAttention CoordAtt) and CBAM (the official Jongchan/attention-module MODELS/cbam.py), each a module
// written once against Ops, with the official class names and state_dict keys. Each gate is a product of the
// input with a broadcast gate (Ops.mul); the pools are Ops.globalAvgPool2d / adaptiveMaxPool2d (channel gates) and
// Ops.mean / amax over one dim (CBAM's channel pool, coordinate attention's directional pools).
import { Tensor, describe } from '../core/tensor.js';
import { ArgumentError, NotImplementedError, ParameterError, ShapeError, fmtShape, fmtValue } from '../core/errors.js';
import { positiveInt, type IntPair } from '../core/geometry.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d, BatchNorm2d, ReLU, Linear, Sequential } from './layers.js';
import { AdaptiveAvgPool2d, Flatten, Sigmoid } from './layers_std.js';

/** A module class built with no arguments (torchvision's `activation: Callable[..., nn.Module]`): nn.ReLU, nn.SiLU, nn.Hardsigmoid, … */
export type ActivationClass = new () => Module;

/** x must be [N, channels, H, W]. @throws ShapeError naming the module, the expected channels and the input shape. */
function expectMap(module: string, key: string, channels: number, x: Tensor): [number, number, number, number] {
  if (x.rank !== 4) throw new ShapeError(`${module}.forward: input must have rank 4 [N, C, H, W], got rank ${x.rank} (input=${fmtShape(x.shape)}, ${key}=${channels})`);
  if (x.shape[1] !== channels) throw new ShapeError(`${module}.forward: input.shape[1] must equal ${key} = ${channels}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
  const [N, C, H, W] = x.shape;
  if (H < 1 || W < 1) throw new ShapeError(`${module}.forward: input must have a non-empty map (H, W ≥ 1: its pools average over it), got ${fmtShape(x.shape)}`);
  return [N, C, H, W];
}

/** Builds an activation from its class. @throws ArgumentError unless `cls` constructs a Module with no arguments. */
function activation(module: string, key: string, cls: unknown, fallback: ActivationClass): Module {
  if (cls === undefined) return new fallback();
  if (typeof cls !== 'function' || !((cls as { prototype?: unknown }).prototype instanceof Module)) {
    throw new ArgumentError(`${module}: ${key} must be a Module class such as nn.ReLU (built with no arguments), got ${typeof cls === 'function' ? 'a function that is not a Module class' : describe(cls)}`);
  }
  const m: unknown = new (cls as ActivationClass)();
  if (!(m instanceof Module)) throw new ArgumentError(`${module}: ${key} must be a Module class such as nn.ReLU, got a class whose instances are ${describe(m)}`);
  return m;
}

// ---------------------------------------------------------------------------------------------
// squeeze-and-excitation

/** Options of SqueezeExcitation (torchvision.ops.SqueezeExcitation's keyword names). */
export interface SqueezeExcitationOptions {
  /** the activation after fc1, a Module class; default nn.ReLU */
  activation?: ActivationClass;
  /** the activation of the scale, a Module class; default nn.Sigmoid (nn.Hardsigmoid in MobileNetV3) */
  scale_activation?: ActivationClass;
}
const SE_KEYS = ['activation', 'scale_activation'] as const;

/**
 * Squeeze-and-excitation: y = x · σ(fc2(δ(fc1(avgpool(x))))) per channel.
 *
 * Paper:   Hu, Shen, Sun, "Squeeze-and-Excitation Networks", CVPR 2018, arXiv:1709.01507, §3.1 Eq. (2) squeeze,
 *          §3.2 Eq. (3) excitation s = σ(W₂ δ(W₁ z)), Eq. (4) scale x̃_c = s_c · u_c.
 * Matches: torchvision.ops.SqueezeExcitation(input_channels, squeeze_channels, activation=ReLU,
 *          scale_activation=Sigmoid) (as in torchvision's MobileNetV3 / EfficientNet blocks):
 *            new nn.SqueezeExcitation(64, 16)          new nn.SqueezeExcitation(96, 24, { scale_activation: nn.Hardsigmoid })
 * state_dict: fc1.weight [squeeze_channels, input_channels, 1, 1], fc1.bias, fc2.weight [input_channels,
 *          squeeze_channels, 1, 1], fc2.bias (avgpool, activation, scale_activation hold nothing).
 * Shapes:  x [N, input_channels, H, W] → same.   Cost: N·C·H·W (pool) + 4·N·C·S (fc) + N·C·H·W (product) FLOPs.
 * Numerics: the pool and two 1x1 convs are float32 reductions of H·W, C and S terms; the product is exact.
 * Init: fc1 and fc2 as nn.Conv2d (U(±1/√fan_in)).
 * @throws ParameterError if a size is not an integer ≥ 1; ArgumentError on bad options (an activation that is not a
 *         Module class); forward: ShapeError unless x is [N, input_channels, H ≥ 1, W ≥ 1].
 */
export class SqueezeExcitation extends Module {
  readonly avgpool: AdaptiveAvgPool2d; readonly fc1: Conv2d; readonly fc2: Conv2d;
  readonly activation: Module; readonly scale_activation: Module;
  constructor(readonly input_channels: number, readonly squeeze_channels: number, options?: SqueezeExcitationOptions) {
    super();
    const o = moduleOptions('SqueezeExcitation', options, SE_KEYS);
    positiveInt('SqueezeExcitation', 'input_channels', input_channels);
    positiveInt('SqueezeExcitation', 'squeeze_channels', squeeze_channels);
    this.avgpool = this.child('avgpool', new AdaptiveAvgPool2d(1));
    this.fc1 = this.child('fc1', new Conv2d(input_channels, squeeze_channels, 1));
    this.fc2 = this.child('fc2', new Conv2d(squeeze_channels, input_channels, 1));
    this.activation = this.child('activation', activation('SqueezeExcitation', 'activation', o.activation, ReLU));
    this.scale_activation = this.child('scale_activation', activation('SqueezeExcitation', 'scale_activation', o.scale_activation, Sigmoid));
  }
  /** The gate s = scale_activation(fc2(activation(fc1(avgpool(x))))) [N, C, 1, 1] (torchvision's `_scale`). */
  scale(input: Tensor, options: ForwardOptions = {}): Tensor {
    expectMap('SqueezeExcitation', 'input_channels', this.input_channels, input);
    const o = { backend: resolveOps(options.backend) };
    const z = this.fc1.forward(this.avgpool.forward(input, o), o);
    return this.scale_activation.forward(this.fc2.forward(this.activation.forward(z, o), o), o);
  }
  forward(input: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    return ops.mul(this.scale(input, { backend: ops }), input);   // torchvision: scale * input
  }
}

// ---------------------------------------------------------------------------------------------
// coordinate attention

/** Options of CoordAtt (the official CoordAtt's keyword names). */
export interface CoordAttOptions {
  /** mip = max(8, inp // reduction); default 32 */
  reduction?: number;
}

/**
 * The official h_swish of coordinate attention: x · h_sigmoid(x), h_sigmoid(x) = ReLU6(x + 3) / 6 — Ops.mul(x,
 * Ops.hardsigmoid(x)), in the official code's order of operations (the gate rounded to float32 before the product).
 * torch's F.hardswish computes x · ReLU6(x + 3) / 6 instead (the product before the division), which can differ
 * in the last bit; this module follows the official code. No parameters.
 */
export class h_swish extends Module {
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    return ops.mul(x, ops.hardsigmoid(x));
  }
}

/**
 * Coordinate attention: two direction-aware gates, a_h along H and a_w along W, from the map pooled along each axis.
 *
 * Paper:   Hou, Zhou, Feng, "Coordinate Attention for Efficient Mobile Network Design", CVPR 2021,
 *          arXiv:2103.02907, §3.2: Eq. (2)-(3) the directional pools z^h_c(h) = (1/W) Σ_i x_c(h, i),
 *          z^w_c(w) = (1/H) Σ_j x_c(j, w); Eq. (4) f = δ(F₁([z^h, z^w])); Eq. (5) g^h = σ(F_h(f^h)),
 *          g^w = σ(F_w(f^w)); Eq. (6) y_c(i, j) = x_c(i, j) · g^h_c(i) · g^w_c(j).
 * Matches: the official houqb/CoordAttention coordatt.py CoordAtt(inp, oup, reduction=32) in eval mode:
 *            new nn.CoordAtt(64, 64)            new nn.CoordAtt(96, 96, { reduction: 16 })
 *          mip = max(8, inp // reduction); δ = BN + h_swish (x · ReLU6(x + 3)/6, the official arithmetic: see h_swish);
 *          out = identity · a_w · a_h in that order (two float32 products).
 * Code vs its graph: the official code concatenates the two pools along H ([N, C, H + W, 1]), runs conv1, bn1 and
 *          act once and splits; all three are per-pixel, so this module runs them on each pool separately (no cat
 *          or split: the same values; the 1x1 conv of each pixel is the same dot product). x_w stays [N, C, 1, W]
 *          (the official permutes to [N, C, W, 1] and back: the same data).
 * state_dict: conv1.weight [mip, inp, 1, 1], conv1.bias, bn1.{weight, bias, running_mean, running_var}
 *          (num_batches_tracked accepted), conv_h.weight [oup, mip, 1, 1], conv_h.bias, conv_w.weight, conv_w.bias.
 * Shapes:  x [N, inp, H, W] → [N, inp, H, W]; oup must equal inp (or be 1) for the products to broadcast, as in
 *          the official code.
 * Cost:    2·N·C·H·W (pools) + 2·N·(H + W)·mip·(inp + oup) (1x1 convs) + 2·N·C·H·W (products) FLOPs.
 * Numerics: pools of W and H terms, 1x1 convs of inp and mip terms (float32 reductions), exact products.
 * @throws ParameterError if inp, oup, reduction are not integers ≥ 1; ArgumentError on bad options; forward:
 *         ShapeError unless x is [N, inp, H ≥ 1, W ≥ 1], or if oup is neither inp nor 1.
 */
export class CoordAtt extends Module {
  readonly reduction: number; readonly mip: number;
  readonly conv1: Conv2d; readonly bn1: BatchNorm2d; readonly act: h_swish; readonly conv_h: Conv2d; readonly conv_w: Conv2d;
  constructor(readonly inp: number, readonly oup: number, options?: CoordAttOptions) {
    super();
    const o = moduleOptions('CoordAtt', options, ['reduction']);
    positiveInt('CoordAtt', 'inp', inp);
    positiveInt('CoordAtt', 'oup', oup);
    this.reduction = positiveInt('CoordAtt', 'reduction', o.reduction ?? 32);
    this.mip = Math.max(8, Math.floor(inp / this.reduction));
    this.conv1 = this.child('conv1', new Conv2d(inp, this.mip, 1));
    this.bn1 = this.child('bn1', new BatchNorm2d(this.mip));
    this.act = this.child('act', new h_swish());
    this.conv_h = this.child('conv_h', new Conv2d(this.mip, oup, 1));
    this.conv_w = this.child('conv_w', new Conv2d(this.mip, oup, 1));
  }
  /** The two gates: a_h [N, oup, H, 1] and a_w [N, oup, 1, W] (sigmoids). */
  gates(x: Tensor, options: ForwardOptions = {}): { a_h: Tensor; a_w: Tensor } {
    expectMap('CoordAtt', 'inp', this.inp, x);
    const ops = resolveOps(options.backend), o = { backend: ops };
    const squeeze = (pooled: Tensor) => this.act.forward(this.bn1.forward(this.conv1.forward(pooled, o), o), o);
    const x_h = ops.mean(x, { dim: 3, keepdim: true });          // pool_h: AdaptiveAvgPool2d((None, 1)) → [N, C, H, 1]
    const x_w = ops.mean(x, { dim: 2, keepdim: true });          // pool_w: AdaptiveAvgPool2d((1, None)) → [N, C, 1, W]
    return { a_h: ops.sigmoid(this.conv_h.forward(squeeze(x_h), o)), a_w: ops.sigmoid(this.conv_w.forward(squeeze(x_w), o)) };
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const [, C] = expectMap('CoordAtt', 'inp', this.inp, x);
    if (this.oup !== C && this.oup !== 1) {
      throw new ShapeError(`CoordAtt.forward: oup must equal the input's channels C = ${C} (or be 1) for identity · a_w · a_h to broadcast, got oup = ${this.oup} (input=${fmtShape(x.shape)})`);
    }
    const ops = resolveOps(options.backend);
    const { a_h, a_w } = this.gates(x, { backend: ops });
    return ops.mul(ops.mul(x, a_w), a_h);                         // official: identity * a_w * a_h
  }
}

// ---------------------------------------------------------------------------------------------
// CBAM

/** A channel-gate pool of CBAM: 'avg' and 'max' are implemented; the official 'lp' and 'lse' are NotImplementedErrors. */
export type CBAMPoolType = 'avg' | 'max' | 'lp' | 'lse';

/**
 * CBAM's channel gate: x · σ(Σ_pool MLP(pool(x))) with the MLP Flatten → Linear(C, C // r) → ReLU → Linear(C // r, C)
 * shared by the pools (CBAM Eq. (2)). Official ChannelGate(gate_channels, reduction_ratio=16, pool_types=['avg', 'max']):
 *   new nn.ChannelGate(64, { reduction_ratio: 8 })
 * state_dict: mlp.1.weight, mlp.1.bias, mlp.3.weight, mlp.3.bias.
 * @throws as CBAM.
 */
export class ChannelGate extends Module {
  readonly mlp: Sequential; readonly pool_types: readonly ('avg' | 'max')[]; readonly reduction_ratio: number;
  constructor(readonly gate_channels: number, options?: Omit<CBAMOptions, 'no_spatial'>) {
    super();
    const o = moduleOptions('ChannelGate', options, ['reduction_ratio', 'pool_types']);
    positiveInt('ChannelGate', 'gate_channels', gate_channels);
    const reduction_ratio = this.reduction_ratio = positiveInt('ChannelGate', 'reduction_ratio', o.reduction_ratio ?? 16);
    const hidden = Math.floor(gate_channels / reduction_ratio);
    if (hidden < 1) throw new ParameterError(`ChannelGate: gate_channels // reduction_ratio must be ≥ 1 (the MLP's hidden width), got ${gate_channels} // ${reduction_ratio} = ${hidden}`);
    this.pool_types = poolTypes('ChannelGate', o.pool_types ?? ['avg', 'max']);
    this.mlp = this.child('mlp', new Sequential(new Flatten(), new Linear(gate_channels, hidden), new ReLU(), new Linear(hidden, gate_channels)));
  }
  /** The channel gate σ(Σ MLP(pool(x))) [N, C, 1, 1]. */
  scale(x: Tensor, options: ForwardOptions = {}): Tensor {
    const [N, C] = expectMap('ChannelGate', 'gate_channels', this.gate_channels, x);
    const ops = resolveOps(options.backend), o = { backend: ops };
    let sum: Tensor | null = null;
    for (const t of this.pool_types) {
      // official: F.avg_pool2d / F.max_pool2d with the whole map as kernel and stride → [N, C, 1, 1]
      const pooled = t === 'avg' ? ops.globalAvgPool2d(x) : ops.adaptiveMaxPool2d(x, 1);
      const raw = this.mlp.forward(pooled, o);                        // [N, C]
      sum = sum ? ops.add(sum, raw) : raw;
    }
    return ops.sigmoid(sum!).reshape([N, C, 1, 1]);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    return ops.mul(x, this.scale(x, { backend: ops }));
  }
}

/**
 * CBAM's ChannelPool: cat([max over channels, mean over channels], dim 1) → [N, 2, H, W] (max first, as the official;
 * Ops.amax and Ops.mean over dim 1, keepdim). No parameters.
 */
export class ChannelPool extends Module {
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    return ops.cat([ops.amax(x, { dim: 1, keepdim: true }), ops.mean(x, { dim: 1, keepdim: true })], { dim: 1 });
  }
}

/** Options of BasicConv (the official BasicConv's keyword names). */
export interface BasicConvOptions {
  /** default 1 */ stride?: IntPair;
  /** default 0 */ padding?: IntPair;
  /** default 1 */ dilation?: IntPair;
  /** default 1 */ groups?: number;
  /** ReLU after the norm; default true */ relu?: boolean;
  /** BatchNorm2d(eps 1e-5, momentum 0.01) after the conv; default true */ bn?: boolean;
  /** conv bias; default false */ bias?: boolean;
}
const BASIC_CONV_KEYS = ['stride', 'padding', 'dilation', 'groups', 'relu', 'bn', 'bias'] as const;

/**
 * CBAM's BasicConv: conv → BatchNorm2d(eps 1e-5, momentum 0.01) when `bn` → ReLU when `relu`. Official
 * BasicConv(in_planes, out_planes, kernel_size, stride=1, padding=0, dilation=1, groups=1, relu=True, bn=True, bias=False):
 *   new nn.BasicConv(2, 1, 7, { padding: 3, relu: false })      // the spatial gate's
 * state_dict: conv.weight (conv.bias with bias), bn.{weight, bias, running_mean, running_var} with bn.
 * @throws ArgumentError on bad options; ParameterError on invalid conv hyper-parameters (as nn.Conv2d).
 */
export class BasicConv extends Module {
  readonly conv: Conv2d; readonly bn: BatchNorm2d | null; readonly relu: ReLU | null;
  constructor(in_planes: number, out_planes: number, kernel_size: IntPair, options?: BasicConvOptions) {
    super();
    const o = moduleOptions('BasicConv', options, BASIC_CONV_KEYS);
    const bias = booleanOption('BasicConv', 'bias', o.bias, false);
    this.conv = this.child('conv', new Conv2d(in_planes, out_planes, kernel_size, { stride: o.stride, padding: o.padding ?? 0, dilation: o.dilation, groups: o.groups, bias }));
    this.bn = this.child('bn', booleanOption('BasicConv', 'bn', o.bn, true) ? new BatchNorm2d(out_planes, { eps: 1e-5, momentum: 0.01 }) : null);
    this.relu = this.child('relu', booleanOption('BasicConv', 'relu', o.relu, true) ? new ReLU() : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const o = { backend: resolveOps(options.backend) };
    let y = this.conv.forward(x, o);
    if (this.bn) y = this.bn.forward(y, o);
    return this.relu ? this.relu.forward(y, o) : y;
  }
}

/**
 * CBAM's spatial gate (Eq. (3)): x · σ(BN(conv7x7(ChannelPool(x)))), conv 2 → 1, padding 3, no bias, no ReLU.
 * Official SpatialGate():   new nn.SpatialGate()
 * state_dict: spatial.conv.weight [1, 2, 7, 7], spatial.bn.{weight, bias, running_mean, running_var}.
 * @throws forward: ShapeError unless x has rank 4.
 */
export class SpatialGate extends Module {
  readonly compress: ChannelPool; readonly spatial: BasicConv;
  constructor() {
    super();
    this.compress = this.child('compress', new ChannelPool());
    this.spatial = this.child('spatial', new BasicConv(2, 1, 7, { padding: 3, relu: false }));
  }
  /** The spatial gate σ(spatial(compress(x))) [N, 1, H, W]. */
  scale(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend), o = { backend: ops };
    return ops.sigmoid(this.spatial.forward(this.compress.forward(x, o), o));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    if (x.rank !== 4) throw new ShapeError(`SpatialGate.forward: input must have rank 4 [N, C, H, W], got rank ${x.rank} (input=${fmtShape(x.shape)})`);
    return ops.mul(x, this.scale(x, { backend: ops }));
  }
}

/** Options of CBAM (the official CBAM's keyword names). */
export interface CBAMOptions {
  /** the channel MLP's hidden width is gate_channels // reduction_ratio; default 16 */
  reduction_ratio?: number;
  /** the channel gate's pools, summed after the shared MLP; default ['avg', 'max'] ('lp', 'lse': NotImplementedError) */
  pool_types?: readonly CBAMPoolType[];
  /** channel gate only; default false */
  no_spatial?: boolean;
}

function poolTypes(module: string, value: unknown): ('avg' | 'max')[] {
  if (!Array.isArray(value) || value.length === 0) throw new ArgumentError(`${module}: pool_types must be a non-empty array of 'avg' / 'max', got ${fmtValue(value)}`);
  return value.map((t) => {
    if (t === 'avg' || t === 'max') return t;
    if (t === 'lp' || t === 'lse') {
      throw new NotImplementedError(`${module}: pool type '${t}' (${t === 'lp' ? 'F.lp_pool2d' : 'logsumexp_2d'} of the official code) is not implemented; 'avg' and 'max' are, got pool_types=${fmtValue(value)}`);
    }
    throw new ParameterError(`${module}: pool_types entries must be 'avg' or 'max' (the official code also names 'lp' and 'lse'), got ${fmtValue(t)} in ${fmtValue(value)}`);
  });
}

/**
 * CBAM: a channel gate, then a spatial gate, each multiplying its input.
 *
 * Paper:   Woo, Park, Lee, Kweon, "CBAM: Convolutional Block Attention Module", ECCV 2018, arXiv:1807.06521,
 *          §3 Eq. (1) F' = M_c(F) ⊗ F, F'' = M_s(F') ⊗ F'; Eq. (2) M_c(F) = σ(MLP(AvgPool(F)) + MLP(MaxPool(F)));
 *          Eq. (3) M_s(F) = σ(f^{7×7}([AvgPool(F); MaxPool(F)])) — pools along the channel axis.
 * Matches: the official Jongchan/attention-module MODELS/cbam.py CBAM(gate_channels, reduction_ratio=16,
 *          pool_types=['avg', 'max'], no_spatial=False) in eval mode:
 *            new nn.CBAM(64)            new nn.CBAM(256, { reduction_ratio: 8, no_spatial: true })
 * Paper vs code (the code is followed): the code's ChannelPool concatenates max first, then mean (the paper writes
 *          [AvgPool; MaxPool]), and its spatial conv has a BatchNorm (eps 1e-5, momentum 0.01) and no bias.
 * state_dict: ChannelGate.mlp.1.weight [C // r, C], ChannelGate.mlp.1.bias, ChannelGate.mlp.3.weight [C, C // r],
 *          ChannelGate.mlp.3.bias, SpatialGate.spatial.conv.weight [1, 2, 7, 7],
 *          SpatialGate.spatial.bn.{weight, bias, running_mean, running_var} (num_batches_tracked accepted; no
 *          SpatialGate.* with no_spatial).
 * Shapes:  x [N, gate_channels, H, W] → same.
 * Cost:    ≈ 2·N·C·H·W (channel pools) + 4·|pools|·N·C·(C // r) (MLP) + 2·N·C·H·W (channel pools of the spatial
 *          gate) + 2·N·2·49·H·W (7x7 conv) + 2·N·C·H·W (products).
 * Numerics: float32 pools (H·W and C terms), the MLP's dot products (C and C // r terms), the 7x7 conv (98 terms).
 * @throws ParameterError if gate_channels or reduction_ratio is not an integer ≥ 1 or gate_channels // reduction_ratio
 *         is 0, or a pool type is unknown; NotImplementedError for 'lp' / 'lse'; ArgumentError on bad options;
 *         forward: ShapeError unless x is [N, gate_channels, H ≥ 1, W ≥ 1].
 */
export class CBAM extends Module {
  readonly ChannelGate: ChannelGate; readonly SpatialGate: SpatialGate | null; readonly no_spatial: boolean;
  constructor(readonly gate_channels: number, options?: CBAMOptions) {
    super();
    const o = moduleOptions('CBAM', options, ['reduction_ratio', 'pool_types', 'no_spatial']);
    positiveInt('CBAM', 'gate_channels', gate_channels);
    const r = positiveInt('CBAM', 'reduction_ratio', o.reduction_ratio ?? 16);
    const pools = poolTypes('CBAM', o.pool_types ?? ['avg', 'max']);
    this.no_spatial = booleanOption('CBAM', 'no_spatial', o.no_spatial, false);
    this.ChannelGate = this.child('ChannelGate', new ChannelGate(gate_channels, { reduction_ratio: r, pool_types: pools }));
    this.SpatialGate = this.child('SpatialGate', this.no_spatial ? null : new SpatialGate());
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    expectMap('CBAM', 'gate_channels', this.gate_channels, x);
    const o = { backend: resolveOps(options.backend) };
    const y = this.ChannelGate.forward(x, o);
    return this.SpatialGate ? this.SpatialGate.forward(y, o) : y;
  }
}
