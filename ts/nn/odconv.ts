import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtShape } from '../core/errors.js';
import { pair, positiveInt, expectRank, conv2dGeometry, type IntPair } from '../core/geometry.js';
import { moduleOptions, convHyperParameters, positiveNumber } from './conv_options.js';
import type { Ops } from '../core/ops.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d, BatchNorm2d } from './layers.js';
import { uniform } from './init.js';


/** kaiming_normal_(mode='fan_out', nonlinearity='relu') for a conv weight [O, I, k_h, k_w]: N(0, 2 / (O·k_h·k_w)). */
function kaimingNormalFanOut(shape: readonly number[]): Float32Array {
  const fanOut = shape[0] * (shape[2] ?? 1) * (shape[3] ?? 1), std = Math.sqrt(2 / fanOut);
  const u = uniform([shape.reduce((a, b) => a * b, 1) * 2], 1).data, out = new Float32Array(u.length / 2);
  for (let i = 0; i < out.length; i++) {
    const u1 = (u[2 * i] + 1) / 2 || Number.MIN_VALUE, u2 = (u[2 * i + 1] + 1) / 2;
    out[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

/** The four attentions of ODConv for a batch, each [N, ·] (null where the official code skips it: ≡ 1). */
export interface ODConvAttentions {
  /** α_c: input-channel attention [N, C_in] (sigmoid) */
  channel: Tensor;
  /** α_f: output-channel ("filter") attention [N, C_out] (sigmoid); null for depthwise (C_in = groups = C_out) */
  filter: Tensor | null;
  /** α_s: spatial attention [N, k_h·k_w] (sigmoid); null for 1x1 kernels */
  spatial: Tensor | null;
  /** α_w: kernel attention [N, K] (softmax); null for K = 1 */
  kernel: Tensor | null;
}

/** Options of ODConvAttention (the official `Attention`'s keyword names). */
export interface ODConvAttentionOptions {
  /** conv groups (α_f is skipped when in_planes = groups = out_planes); default 1 */
  groups?: number;
  /** hidden width A = max(int(in_planes·reduction), min_channel); default 0.0625 */
  reduction?: number;
  /** K, the number of kernels (α_w is skipped when 1); default 4 */
  kernel_num?: number;
  /** lower bound of A; default 16 */
  min_channel?: number;
}
const ODCONV_ATTENTION_KEYS = ['groups', 'reduction', 'kernel_num', 'min_channel'] as const;

/**
 * ODConv's attention branch: a = ReLU(BN(FC(GAP(x)))), then α_c = σ(FC_c(a)/τ), α_f = σ(FC_f(a)/τ),
 * α_s = σ(FC_s(a)/τ), α_w = softmax(FC_w(a)/τ). Mirrors the official `Attention(in_planes, out_planes, kernel_size,
 * groups=1, reduction=0.0625, kernel_num=4, min_channel=16)` of OSVAI/ODConv modules/odconv.py:
 *   new nn.ODConvAttention(64, 64, 3, { kernel_num: 4 })
 * Hidden A = max(int(C_in·reduction), min_channel).
 * state_dict keys: fc.weight [A, C_in, 1, 1] (no bias), bn.{weight, bias, running_mean, running_var}
 * (num_batches_tracked accepted), channel_fc.{weight, bias}, filter_fc.* (not for depthwise), spatial_fc.*
 * (not for k = 1), kernel_fc.* (not for K = 1). Init: kaiming_normal(fan_out, relu), biases 0, BN γ = 1, β = 0.
 * BN runs in eval mode (running statistics); in train mode it would couple the samples of a batch.
 * @throws ArgumentError on bad options; ParameterError if a size is not an integer >= 1 or reduction is not a
 *         finite number > 0.
 */
export class ODConvAttention extends Module {
  readonly fc: Conv2d; readonly bn: BatchNorm2d; readonly channel_fc: Conv2d;
  readonly filter_fc: Conv2d | null; readonly spatial_fc: Conv2d | null; readonly kernel_fc: Conv2d | null;
  readonly kernel_size: [number, number]; readonly groups: number; readonly reduction: number;
  readonly kernel_num: number; readonly min_channel: number;
  temperature = 1;
  constructor(readonly in_planes: number, readonly out_planes: number, kernel_size: IntPair, options?: ODConvAttentionOptions) {
    super();
    const o = moduleOptions('ODConvAttention', options, ODCONV_ATTENTION_KEYS);
    positiveInt('ODConvAttention', 'in_planes', in_planes);
    positiveInt('ODConvAttention', 'out_planes', out_planes);
    this.kernel_size = pair('ODConvAttention', 'kernel_size', kernel_size, NaN, 1);
    this.groups = positiveInt('ODConvAttention', 'groups', o.groups ?? 1);
    this.reduction = positiveNumber('ODConvAttention', 'reduction', o.reduction ?? 0.0625);
    this.kernel_num = positiveInt('ODConvAttention', 'kernel_num', o.kernel_num ?? 4);
    this.min_channel = positiveInt('ODConvAttention', 'min_channel', o.min_channel ?? 16);
    const [k_h, k_w] = this.kernel_size, groups = this.groups, kernel_num = this.kernel_num;
    const A = Math.max(Math.trunc(in_planes * this.reduction), this.min_channel);
    const conv = (i: number, out: number, bias: boolean) => new Conv2d(i, out, 1, { bias });
    this.fc = this.child('fc', conv(in_planes, A, false));
    this.bn = this.child('bn', new BatchNorm2d(A));
    this.channel_fc = this.child('channel_fc', conv(A, in_planes, true));
    this.filter_fc = this.child('filter_fc', in_planes === groups && in_planes === out_planes ? null : conv(A, out_planes, true));
    this.spatial_fc = this.child('spatial_fc', k_h * k_w === 1 ? null : conv(A, k_h * k_w, true));
    this.kernel_fc = this.child('kernel_fc', kernel_num === 1 ? null : conv(A, kernel_num, true));
    for (const m of [this.fc, this.channel_fc, this.filter_fc, this.spatial_fc, this.kernel_fc]) {
      if (!m) continue;
      m.weight.data.set(kaimingNormalFanOut(m.weight.shape));
      m.bias?.data.fill(0);
    }
  }
  /** All four attentions for x [N, C_in, H, W] at the current temperature. */
  attentions(x: Tensor, options: ForwardOptions = {}): ODConvAttentions {
    const ops = resolveOps(options.backend), o = { backend: ops };
    const a = ops.relu(this.bn.forward(this.fc.forward(ops.globalAvgPool2d(x), o), o));      // [N, A, 1, 1]
    const N = x.shape[0], tau = this.temperature;
    const logits = (m: Conv2d) => { const z = m.forward(a, o); return new Tensor(z.data.map((v) => v / tau), [N, z.shape[1]]); };
    return {
      channel: ops.sigmoid(logits(this.channel_fc)),
      filter: this.filter_fc ? ops.sigmoid(logits(this.filter_fc)) : null,
      spatial: this.spatial_fc ? ops.sigmoid(logits(this.spatial_fc)) : null,
      kernel: this.kernel_fc ? ops.softmax(logits(this.kernel_fc), 1) : null,
    };
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return this.attentions(x, options).channel;
  }
}

/** Options of ODConv2d (the official ODConv2d's keyword names). */
export interface ODConv2dOptions {
  /** default 1 */
  stride?: IntPair;
  /** default 0 */
  padding?: IntPair;
  /** default 1 */
  dilation?: IntPair;
  /** default 1 */
  groups?: number;
  /** hidden width of the attention A = max(int(in_planes·reduction), 16); default 0.0625 */
  reduction?: number;
  /** K, the number of kernels; default 4 */
  kernel_num?: number;
}
const ODCONV2D_KEYS = ['stride', 'padding', 'dilation', 'groups', 'reduction', 'kernel_num'] as const;

/**
 * ODConv2d: omni-dimensional dynamic convolution — four attentions over the kernel space (spatial taps, input
 * channels, output channels, kernels), computed from GAP(x) by a shared squeeze.
 *
 * Paper:   Li, Zhou, Yao, "Omni-Dimensional Dynamic Convolution", ICLR 2022 (OpenReview DmpCfq6Mg39), §3.2,
 *          Eq. (3)-(4): y = (α_w1 ⊙ α_f1 ⊙ α_c1 ⊙ α_s1 ⊙ W₁ + … + α_wn ⊙ α_fn ⊙ α_cn ⊙ α_sn ⊙ W_n) ∗ x.
 * Matches: OSVAI/ODConv `modules/odconv.py` ODConv2d(in_planes, out_planes, kernel_size, stride=1, padding=0,
 *          dilation=1, groups=1, reduction=0.0625, kernel_num=4) in eval mode (min_channel of the attention is the
 *          official fixed 16; build an ODConvAttention for another):
 *            new nn.ODConv2d(64, 64, 3, { padding: 1, kernel_num: 4 })
 * Paper vs code (the code is followed): the paper writes four attentions *per kernel* (α_si, α_ci, α_fi, α_wi);
 *          the code shares α_s, α_c, α_f across the K kernels — only α_w is per kernel:
 *            W̃[n] = Σ_k α_w[n,k] · α_s[n] ⊙ W_k   (α_s over the k_h·k_w taps, broadcast over C_out, C_in/groups)
 *            y[n] = α_f[n] ⊙ conv2d(α_c[n] ⊙ x[n], W̃[n])          (α_c on the input map, α_f on the output)
 *          which is exact by linearity (the code's comment: "equivalent to multiplying the weight, but faster").
 *          τ divides the sigmoid logits too (α_c, α_f, α_s), not only the softmax; module default τ = 1.
 *          Skips (≡ 1): α_f when C_in = groups = C_out (depthwise), α_s when k = 1, α_w when K = 1. No bias at all.
 *          The official k = 1, K = 1 fast path (`_forward_impl_pw1x`) computes the same numbers.
 * Composition: the kernel aggregation (N·K·C_out·C_in/groups·k_h·k_w multiply-adds, on parameters) in float32 in
 *          the official order (α_s·α_w)·W_k summed over k; then `conv2dModulated(x, W̃, null, { gamma_in: α_c,
 *          gamma_out: α_f })` on the backend, whose factorisation is exactly the code's α_c-on-input / α_f-on-output.
 * state_dict keys (official): weight [K, C_out, C_in/groups, k_h, k_w], attention.* (ODConvAttention). Init:
 *          each expert kaiming_normal(fan_out, relu).
 * Shapes:  x [N, in_planes, H, W] → [N, out_planes, H_out, W_out] (conv2d's output size).
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid
 *         hyper-parameters or temperature; ShapeError from forward if input.shape[1] ≠ in_planes or the input is
 *         too small for the kernel (before any work).
 * @see ts/ref/conv2d_per_sample.ts · spec/odconv.test.ts
 */
export class ODConv2d extends Module {
  readonly in_planes: number; readonly out_planes: number; readonly kernel_size: [number, number];
  readonly stride: [number, number]; readonly padding: [number, number]; readonly dilation: [number, number];
  readonly groups: number; readonly kernel_num: number;
  readonly attention: ODConvAttention;
  constructor(in_planes: number, out_planes: number, kernel_size: IntPair, options?: ODConv2dOptions) {
    super();
    const o = moduleOptions('ODConv2d', options, ODCONV2D_KEYS);
    const h = convHyperParameters('ODConv2d', ['in_planes', 'out_planes'], in_planes, out_planes, { ...o, kernel_size }, { padding: 'pair' });
    this.in_planes = h.in_channels; this.out_planes = h.out_channels; this.kernel_size = h.kernel_size;
    this.stride = h.stride; this.padding = h.padding; this.dilation = h.dilation; this.groups = h.groups;
    this.kernel_num = positiveInt('ODConv2d', 'kernel_num', o.kernel_num ?? 4);
    const reduction = positiveNumber('ODConv2d', 'reduction', o.reduction ?? 0.0625);
    const [k_h, k_w] = this.kernel_size;
    this.attention = this.child('attention', new ODConvAttention(this.in_planes, this.out_planes, this.kernel_size,
      { groups: this.groups, reduction, kernel_num: this.kernel_num }));
    const w = Tensor.zeros([this.kernel_num, this.out_planes, this.in_planes / this.groups, k_h, k_w]);
    const per = w.size / this.kernel_num;
    for (let k = 0; k < this.kernel_num; k++) w.data.set(kaimingNormalFanOut(w.shape.slice(1)), k * per);
    this.param('weight', w);   // stateDict lists parameters before children: weight, then attention.*, as PyTorch
  }

  get temperature(): number { return this.attention.temperature; }
  /** @throws ParameterError unless τ is a finite number > 0. */
  set temperature(t: number) {
    this.attention.temperature = positiveNumber('ODConv2d', 'temperature', t);
  }

  private check(x: Tensor): void {
    expectRank('ODConv2d', 'input', x.shape, 4, { input: x });
    if (x.shape[1] !== this.in_planes) throw new ShapeError(`ODConv2d: input.shape[1] must equal in_planes = ${this.in_planes}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
    conv2dGeometry('ODConv2d', x.shape, this.get('weight').shape.slice(1), null, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  /**
   * W̃[n] = Σ_k α_w[n,k]·α_s[n] ⊙ W_k in float32, in the official order ((α_s·α_w)·W_k, summed over k in order).
   * Shapes: [N, C_out, C_in/groups, k_h, k_w].
   */
  aggregateKernel(att: ODConvAttentions, N: number, weight: Tensor = this.get('weight')): Tensor {
    const w = weight, K = this.kernel_num, T = this.kernel_size[0] * this.kernel_size[1], per = w.size / K;
    const out = Tensor.zeros([N, ...w.shape.slice(1)]);
    const f = Math.fround;
    for (let n = 0; n < N; n++) {
      for (let e = 0; e < per; e++) {
        const t = e % T;
        const s = att.spatial ? att.spatial.data[n * T + t] : 1;
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const a = att.kernel ? att.kernel.data[n * K + k] : 1;
          acc = f(acc + f(f(s * a) * w.data[k * per + e]));
        }
        out.data[n * per + e] = acc;
      }
    }
    return out;
  }

  /** The layer with the four attentions given directly (bypassing the attention branch; for tests and analysis). */
  forwardWithAttentions(x: Tensor, att: ODConvAttentions, options: ForwardOptions = {}): Tensor {
    this.check(x);
    const ops = resolveOps(options.backend);
    return ops.conv2dModulated(x, this.aggregateKernel(att, x.shape[0]), null, { gamma_in: att.channel, gamma_out: att.filter },
      { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.check(x);
    const ops = resolveOps(options.backend);
    return this.forwardWithAttentions(x, this.attention.attentions(x, { backend: ops }), { backend: ops });
  }
}
