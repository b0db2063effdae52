import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtShape } from '../core/errors.js';
import { pair, positiveInt, expectRank, type IntPair } from '../core/geometry.js';
import { moduleOptions, convHyperParameters, booleanOption, positiveNumber, type TimmPadding } from './conv_options.js';

export type { TimmPadding } from './conv_options.js';
import type { Ops } from '../core/ops.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d } from './layers.js';
import { uniform } from './init.js';
import { checkConv2dMixture } from '../core/check/conv2d_per_sample.js';

// Dynamic convolutions as modules: CondConv2d (+ its router), DynamicConv2d. Written once against Ops; the


/** N(0, std²) samples (Box–Muller on the library's seeded uniform stream), for kaiming_normal. */
function normal(shape: readonly number[], std: number): Tensor {
  const u = uniform([shape.reduce((a, b) => a * b, 1) * 2], 1).data;   // U(−1, 1)
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) {
    const u1 = (u[2 * i] + 1) / 2 || Number.MIN_VALUE, u2 = (u[2 * i + 1] + 1) / 2;
    t.data[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return t;
}

/** The N×C matrix of GAP(x) (the squeeze): [N, C, H, W] → [N, C]. */
function squeeze(ops: Ops, x: Tensor): Tensor {
  const p = ops.globalAvgPool2d(x);
  return p.reshape([p.shape[0], p.shape[1]]);
}

function checkInput(name: string, x: Tensor, C: number, key = 'in_channels'): void {
  expectRank(name, 'input', x.shape, 4, { input: x });
  if (x.shape[1] !== C) throw new ShapeError(`${name}: input.shape[1] must equal ${key} = ${C}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
}

// ---------------------------------------------------------------------------------------------
// CondConv

/**
 * The CondConv routing function r(x) = σ(GAP(x)·Rᵀ + b) as its own module, so one router can feed several
 * CondConv2d layers (EfficientNet-CondConv computes it once per MBConv block from the block input and feeds
 * the expand, depthwise and project convs).
 *
 * Paper:   Yang et al., "CondConv: Conditionally Parameterized Convolutions for Efficient Inference",
 *          NeurIPS 2019, arXiv:1904.04971, §3 Eq. (2): r(x) = Sigmoid(GlobalAveragePool(x) R).
 * Matches: timm's CondConvResidual routing: `sigmoid(routing_fn(flatten(adaptive_avg_pool2d(x, 1))))` with
 *          `routing_fn = nn.Linear(in_features, num_experts)`; both arguments are required there, so both are
 *          positional here (no options):
 *            new nn.CondConvRouting(64, 4)
 *          Sigmoid, not softmax: the weights are independent in (0, 1) and do not sum to 1.
 * state_dict keys: weight [num_experts, in_features], bias [num_experts] (an nn.Linear: registered under a
 *          parent as `routing_fn` it gives timm's `routing_fn.weight` / `routing_fn.bias`). Init U(±1/√in_features).
 * Shapes:  x [N, in_features, H, W] → routing weights [N, num_experts].
 * @throws ParameterError on invalid sizes; ShapeError from forward if input.shape[1] ≠ in_features.
 */
export class CondConvRouting extends Module {
  constructor(readonly in_features: number, readonly num_experts: number) {
    super();
    positiveInt('CondConvRouting', 'in_features', in_features);
    positiveInt('CondConvRouting', 'num_experts', num_experts);
    const bound = 1 / Math.sqrt(in_features);
    this.param('weight', uniform([num_experts, in_features], bound));
    this.param('bias', uniform([num_experts], bound));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    checkInput('CondConvRouting', x, this.in_features, 'in_features');
    const ops = resolveOps(options.backend);
    return ops.sigmoid(ops.linear(squeeze(ops, x), this.get('weight'), this.get('bias')));
  }
}

/** Options of CondConv2d (timm's keyword names; every timm argument after out_channels has a default). */
export interface CondConv2dOptions {
  /** default 3 */
  kernel_size?: IntPair;
  /** default 1 */
  stride?: IntPair;
  /** an int / pair, '' (timm's static symmetric, default), 'same' (TF SAME) or 'valid' */
  padding?: TimmPadding;
  /** default 1 */
  dilation?: IntPair;
  /** default 1 */
  groups?: number;
  /** routed bias [num_experts, C_out]; default false (as timm) */
  bias?: boolean;
  /** K, the number of expert kernels; default 4 */
  num_experts?: number;
}
const CONDCONV2D_KEYS = ['kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'num_experts'] as const;

/**
 * CondConv2d: K expert kernels mixed per sample by routing weights computed elsewhere (CondConvRouting).
 *
 * Paper:   Yang et al. 2019, arXiv:1904.04971, §3 Eq. (1): Output(x) = σ((α₁·W₁ + … + α_n·W_n) ∗ x), the
 *          activation applied by the caller; experts mixed *before* the one convolution.
 * Matches: timm `CondConv2d(in_channels, out_channels, kernel_size=3, stride=1, padding='', dilation=1,
 *          groups=1, bias=False, num_experts=4)` (kernel_size has a default there, so it is an option here):
 *            new nn.CondConv2d(64, 64, { kernel_size: 3, num_experts: 4 })
 *          forward(x, routing_weights): weight = routing_weights @ weight,
 *          grouped-conv trick; bias routed the same way. padding='' is timm's static symmetric
 *          ((stride−1) + dilation·(k−1))//2; 'same' is TF SAME: static when stride 1 and dilation·(k−1) even,
 *          otherwise dynamic (pad_total = max((⌈H/s⌉ − 1)·s + (k−1)·d + 1 − H, 0), the odd pixel at the
 *          bottom/right, as timm's conv2d_same / TF) — same output size as symmetric, different numbers.
 * state_dict keys (timm): weight [num_experts, C_out·(C_in/groups)·k_h·k_w] (each row a flattened OIHW
 *          expert), bias [num_experts, C_out] (only if bias). Init per expert: U(±1/√fan_in) (timm's
 *          kaiming_uniform(a=√5) per expert), fan_in = C_in/groups·k_h·k_w; bias U(±1/√fan_in).
 * Shapes:  x [N, in_channels, H, W], routing_weights [N, num_experts] → [N, out_channels, H_out, W_out].
 * Special cases (spec/dynamic_conv.test.ts): num_experts = 1 with r ≡ 1 is a plain conv; one-hot r picks
 *          that expert; uniform r = 1/K gives the mean kernel.
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid
 *         hyper-parameters; ShapeError from forward if input.shape[1] ≠ in_channels, routing_weights is not
 *         [N, num_experts], or as conv2d_mixture.
 * @see ts/ref/conv2d_per_sample.ts (conv2dMixture)
 */
export class CondConv2d extends Module {
  /** forward(x, routing_weights, options): the options are the third argument (Module checks them). */
  static override forwardOptionsIndex = 2;
  readonly in_channels: number; readonly out_channels: number; readonly kernel_size: [number, number];
  readonly stride: [number, number]; readonly padding: TimmPadding; readonly dilation: [number, number];
  readonly groups: number; readonly num_experts: number;
  constructor(in_channels: number, out_channels: number, options?: CondConv2dOptions) {
    super();
    const o = moduleOptions('CondConv2d', options, CONDCONV2D_KEYS);
    const h = convHyperParameters('CondConv2d', ['in_channels', 'out_channels'], in_channels, out_channels, o, { padding: 'timm', kernel_size: 3 });
    this.in_channels = h.in_channels; this.out_channels = h.out_channels; this.kernel_size = h.kernel_size;
    this.stride = h.stride; this.padding = h.padding; this.dilation = h.dilation; this.groups = h.groups;
    this.num_experts = positiveInt('CondConv2d', 'num_experts', o.num_experts ?? 4);
    const bias = booleanOption('CondConv2d', 'bias', o.bias, false);
    const [k_h, k_w] = this.kernel_size, fanIn = (this.in_channels / this.groups) * k_h * k_w;
    const bound = 1 / Math.sqrt(fanIn);
    this.param('weight', uniform([this.num_experts, this.out_channels * fanIn], bound));
    this.param('bias', bias ? uniform([this.num_experts, this.out_channels], bound) : null);
  }

  /** The experts as [K, C_out, C_in/groups, k_h, k_w] (a view of `weight`, no copy). */
  experts(): Tensor {
    const [k_h, k_w] = this.kernel_size;
    return this.get('weight').reshape([this.num_experts, this.out_channels, this.in_channels / this.groups, k_h, k_w]);
  }

  /** Static padding [h, w] for the conv, or the explicit [left, right, top, bottom] pre-pad for TF SAME on this input. */
  paddingFor(H: number, W: number): { conv: [number, number]; pre: [number, number, number, number] | null } {
    const [k_h, k_w] = this.kernel_size, [s_h, s_w] = this.stride, [d_h, d_w] = this.dilation;
    const symmetric = (k: number, s: number, d: number) => Math.floor((s - 1 + d * (k - 1)) / 2);
    const p = this.padding;
    if (p === 'valid') return { conv: [0, 0], pre: null };
    if (p === '') return { conv: [symmetric(k_h, s_h, d_h), symmetric(k_w, s_w, d_w)], pre: null };
    if (p === 'same') {
      const isStatic = s_h === 1 && s_w === 1 && (d_h * (k_h - 1)) % 2 === 0 && (d_w * (k_w - 1)) % 2 === 0;
      if (isStatic) return { conv: [symmetric(k_h, 1, d_h), symmetric(k_w, 1, d_w)], pre: null };
      const total = (size: number, k: number, s: number, d: number) => Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
      const th = total(H, k_h, s_h, d_h), tw = total(W, k_w, s_w, d_w);
      return { conv: [0, 0], pre: [Math.floor(tw / 2), tw - Math.floor(tw / 2), Math.floor(th / 2), th - Math.floor(th / 2)] };
    }
    return { conv: pair('CondConv2d', 'padding', p, 0, 0), pre: null };
  }

  override forward(x: Tensor, routing_weights?: Tensor | ForwardOptions, options: ForwardOptions = {}): Tensor {
    if (!(routing_weights instanceof Tensor)) {
      throw new ShapeError('CondConv2d: forward needs (input, routing_weights [N, num_experts]): the routing lives outside the layer (CondConvRouting), routing_weights is missing');
    }
    checkInput('CondConv2d', x, this.in_channels);
    const ops = resolveOps(options.backend);
    const { conv, pre } = this.paddingFor(x.shape[2], x.shape[3]);
    // every check before any work (the TF SAME pre-pad included): the mixture's own check on the padded shape
    const padded = pre ? [x.shape[0], x.shape[1], x.shape[2] + pre[2] + pre[3], x.shape[3] + pre[0] + pre[1]] : x.shape;
    checkConv2dMixture('CondConv2d', { shape: padded }, this.experts(), this.getOrNull('bias'), routing_weights, { stride: this.stride, padding: conv, dilation: this.dilation, groups: this.groups });
    const input = pre ? ops.pad(x, pre) : x;
    return ops.conv2dMixture(input, this.experts(), this.getOrNull('bias'), routing_weights,
      { stride: this.stride, padding: conv, dilation: this.dilation, groups: this.groups });
  }
}

// ---------------------------------------------------------------------------------------------
// DynamicConv

/** Options of DynamicConvAttention (kaijieshi7 attention2d's keyword names). */
export interface DynamicConvAttentionOptions {
  /** kaiming_normal(fan_out, relu) for fc1 / fc2 and fc2.bias = 0 (true, default), or PyTorch's default conv init */
  init_weight?: boolean;
}
const DYNAMIC_ATTENTION_KEYS = ['init_weight'] as const;

/**
 * The attention branch of DynamicConv2d: π(x) = softmax(FC2(ReLU(FC1(GAP(x)))) / τ) over the K kernels.
 * Mirrors kaijieshi7 `attention2d(in_planes, ratios, K, temperature, init_weight=True)`: temperature has no default
 * there, so it is positional here too (the official `assert temperature % 3 == 1` is not enforced: τ is any finite
 * number > 0):
 *   new nn.DynamicConvAttention(64, 0.25, 4, 34)
 * state_dict keys: fc1.weight [hidden, C, 1, 1] (no bias), fc2.weight [K, hidden, 1, 1], fc2.bias [K]
 * (hidden = int(C·ratios) + 1, or K when C = 3). Init (init_weight): kaiming_normal(fan_out, relu), fc2.bias 0.
 * Temperature: `temperature` (settable, not in the state_dict) is the τ of forward; `updateTemperature()` is the
 * official `updata_temperature` (τ ← τ − 3 unless τ = 1, floored at 1).
 * @throws ArgumentError on bad options; ParameterError if in_planes or K is not an integer >= 1, or ratios or
 *         temperature is not a finite number > 0.
 */
export class DynamicConvAttention extends Module {
  readonly fc1: Conv2d; readonly fc2: Conv2d;
  private _temperature: number;
  constructor(readonly in_planes: number, readonly ratios: number, readonly K: number, temperature: number, options?: DynamicConvAttentionOptions) {
    super();
    const o = moduleOptions('DynamicConvAttention', options, DYNAMIC_ATTENTION_KEYS);
    positiveInt('DynamicConvAttention', 'in_planes', in_planes);
    positiveNumber('DynamicConvAttention', 'ratios', ratios);
    positiveInt('DynamicConvAttention', 'K', K);
    this._temperature = positiveNumber('DynamicConvAttention', 'temperature', temperature);
    const init_weight = booleanOption('DynamicConvAttention', 'init_weight', o.init_weight, true);
    const hidden = in_planes !== 3 ? Math.trunc(in_planes * ratios) + 1 : K;
    this.fc1 = this.child('fc1', new Conv2d(in_planes, hidden, 1, { bias: false }));
    this.fc2 = this.child('fc2', new Conv2d(hidden, K, 1, { bias: true }));
    if (init_weight) {
      this.fc1.weight.data.set(normal(this.fc1.weight.shape, Math.sqrt(2 / hidden)).data);
      this.fc2.weight.data.set(normal(this.fc2.weight.shape, Math.sqrt(2 / K)).data);
      this.fc2.bias!.data.fill(0);
    }
  }

  /** τ of forward. */
  get temperature(): number { return this._temperature; }
  /** @throws ParameterError unless τ is a finite number > 0 (the module keeps its previous τ). */
  set temperature(t: number) { this._temperature = positiveNumber('DynamicConvAttention', 'temperature', t); }
  /** kaijieshi7's schedule step (`updata_temperature`): τ ← τ − 3 unless τ = 1 (floored at 1). */
  updateTemperature(): void {
    if (this._temperature !== 1) this._temperature = Math.max(1, this._temperature - 3);
  }

  /** The logits z = FC2(ReLU(FC1(GAP(x)))) as [N, K] (before the temperature and the softmax). */
  logits(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    const pooled = ops.globalAvgPool2d(x);
    const z = this.fc2.forward(ops.relu(this.fc1.forward(pooled, { backend: ops })), { backend: ops });
    return z.reshape([z.shape[0], this.K]);
  }
  /** π = softmax(z / τ) over K, [N, K] for a given τ. The division is float32 (z / τ rounded), as PyTorch's `x / temperature`. */
  forwardWithTemperature(x: Tensor, temperature: number, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    const z = this.logits(x, { backend: ops });
    return ops.softmax(new Tensor(z.data.map((v) => v / temperature), z.shape), 1);
  }
  /** π = softmax(z / τ) at the module's `temperature`, as the official forward. */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return this.forwardWithTemperature(x, this._temperature, options);
  }
}

/** Options of DynamicConv2d (kaijieshi7 Dynamic_conv2d's keyword names). */
export interface DynamicConv2dOptions {
  /** hidden width of the attention = int(in_planes·ratio) + 1; default 0.25 */
  ratio?: number;
  /** default 1 */
  stride?: IntPair;
  /** default 0 */
  padding?: IntPair;
  /** default 1 */
  dilation?: IntPair;
  /** default 1 */
  groups?: number;
  /** bias [K, C_out] (init 0); default true */
  bias?: boolean;
  /** the number of kernels; default 4 */
  K?: number;
  /** τ of the attention softmax; default 34 (not in the state_dict) */
  temperature?: number;
  /** each kernel kaiming_uniform (true, default), or left at N(0, 1) as the official torch.randn */
  init_weight?: boolean;
}
const DYNAMIC_CONV2D_KEYS = ['ratio', 'stride', 'padding', 'dilation', 'groups', 'bias', 'K', 'temperature', 'init_weight'] as const;

/**
 * DynamicConv2d: K kernels aggregated per sample by an input-dependent attention π(x) with temperature τ.
 *
 * Paper:   Chen et al., "Dynamic Convolution: Attention over Convolution Kernels", CVPR 2020, arXiv:1912.03458,
 *          §3.1 Eq. (1)-(2): y = g(W̃ᵀ(x)x + b̃(x)), W̃(x) = Σ_k π_k(x) W̃_k, b̃(x) = Σ_k π_k(x) b̃_k,
 *          0 ≤ π_k ≤ 1, Σ_k π_k = 1; §3.2 softmax with temperature π_k = exp(z_k/τ) / Σ_j exp(z_j/τ)
 *          (Eq. (3) as we read it; paper: K = 4, reduction 4, τ annealed 30 → 1 over 10 epochs).
 * Matches: kaijieshi7/Dynamic-convolution-Pytorch `Dynamic_conv2d(in_planes, out_planes, kernel_size,
 *          ratio=0.25, stride=1, padding=0, dilation=1, groups=1, bias=True, K=4, temperature=34, init_weight=True)`
 *          — the de-facto reference (no official code):
 *            new nn.DynamicConv2d(64, 64, 3, { padding: 1, K: 4 })
 *          Attention on the layer input, no BN in the attention, output = conv2d_mixture(x, weight, bias, π).
 *          g (BN + activation) is outside the op, as in the paper.
 * Temperature: a plain number, *not* saved in the state_dict (as in PyTorch, where it is neither a parameter
 *          nor a buffer), held by the attention branch as in the reference; settable (`temperature = τ`, ParameterError
 *          unless finite and > 0) and annealed by `updateTemperature()` (kaijieshi7: −3 per call until 1, i.e.
 *          34 → 1 over 11 epochs). The default 34 is the reference's constructor default — set τ = 1 for inference
 *          after training.
 * NOT the tutorial snippet: a short "DynamicConv2d" circulating in tutorials multiplies the kernel by
 *          softmax(a) of a learned parameter a [C_out] (or [K]) that does not depend on the input. That is a
 *          *static per-output-channel rescaling* of an ordinary conv — W ⊙ softmax(a)[o] can be folded into W at
 *          load time, the same for every sample — not dynamic convolution. The input-dependent form is this
 *          module: π is computed from GAP(x) of each sample, so every sample gets its own kernel.
 * state_dict keys (kaijieshi7): weight [K, C_out, C_in/groups, k_h, k_w], bias [K, C_out] (if bias),
 *          attention.fc1.weight, attention.fc2.weight, attention.fc2.bias. Init: each expert U(±√(6/fan_in))
 *          (kaiming_uniform, a = 0), bias 0; the attention as DynamicConvAttention.
 * Shapes:  x [N, in_planes, H, W] → [N, out_planes, H_out, W_out] (conv2d's output size).
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid
 *         hyper-parameters or temperature; ShapeError from forward as conv2d_mixture or if input.shape[1] ≠ in_planes.
 * @see ts/ref/conv2d_per_sample.ts (conv2dMixture) · spec/dynamic_conv.test.ts
 */
export class DynamicConv2d extends Module {
  readonly in_planes: number; readonly out_planes: number; readonly kernel_size: [number, number];
  readonly stride: [number, number]; readonly padding: [number, number]; readonly dilation: [number, number];
  readonly groups: number; readonly K: number; readonly ratio: number;
  readonly attention: DynamicConvAttention;
  constructor(in_planes: number, out_planes: number, kernel_size: IntPair, options?: DynamicConv2dOptions) {
    super();
    const o = moduleOptions('DynamicConv2d', options, DYNAMIC_CONV2D_KEYS);
    const h = convHyperParameters('DynamicConv2d', ['in_planes', 'out_planes'], in_planes, out_planes, { ...o, kernel_size }, { padding: 'pair' });
    this.in_planes = h.in_channels; this.out_planes = h.out_channels; this.kernel_size = h.kernel_size;
    this.stride = h.stride; this.padding = h.padding; this.dilation = h.dilation; this.groups = h.groups;
    this.K = positiveInt('DynamicConv2d', 'K', o.K ?? 4);
    this.ratio = positiveNumber('DynamicConv2d', 'ratio', o.ratio ?? 0.25);
    const temperature = positiveNumber('DynamicConv2d', 'temperature', o.temperature ?? 34);
    const bias = booleanOption('DynamicConv2d', 'bias', o.bias, true);
    const init_weight = booleanOption('DynamicConv2d', 'init_weight', o.init_weight, true);
    const [k_h, k_w] = this.kernel_size, fanIn = (this.in_planes / this.groups) * k_h * k_w, shape = [this.K, this.out_planes, this.in_planes / this.groups, k_h, k_w];
    this.param('weight', init_weight ? uniform(shape, Math.sqrt(6 / fanIn)) : normal(shape, 1));
    this.param('bias', bias ? Tensor.zeros([this.K, this.out_planes]) : null);
    this.attention = this.child('attention', new DynamicConvAttention(this.in_planes, this.ratio, this.K, temperature));
  }

  /** τ of the attention softmax (the attention branch's, as kaijieshi7). */
  get temperature(): number { return this.attention.temperature; }
  /** @throws ParameterError unless τ is a finite number > 0 (the module keeps its previous τ). */
  set temperature(t: number) { this.attention.temperature = positiveNumber('DynamicConv2d', 'temperature', t); }
  /** kaijieshi7's schedule step: τ ← τ − 3 unless τ = 1. */
  updateTemperature(): void { this.attention.updateTemperature(); }

  /** π(x) [N, K] at the current temperature. */
  attentionWeights(x: Tensor, options: ForwardOptions = {}): Tensor {
    checkInput('DynamicConv2d', x, this.in_planes, 'in_planes');
    return this.attention.forward(x, options);
  }

  /** The layer with an attention π [N, K] given directly (bypassing the attention branch; for tests and analysis). */
  forwardWithAttention(x: Tensor, attention: Tensor, options: ForwardOptions = {}): Tensor {
    checkInput('DynamicConv2d', x, this.in_planes, 'in_planes');
    const ops = resolveOps(options.backend);
    return ops.conv2dMixture(x, this.get('weight'), this.getOrNull('bias'), attention,
      { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    checkInput('DynamicConv2d', x, this.in_planes, 'in_planes');
    // the conv's checks before the attention runs (a uniform stand-in routing of the right shape)
    checkConv2dMixture('DynamicConv2d', x, this.get('weight'), this.getOrNull('bias'), { shape: [x.shape[0], this.K] },
      { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
    return this.forwardWithAttention(x, this.attentionWeights(x, { backend: ops }), { backend: ops });
  }
}
