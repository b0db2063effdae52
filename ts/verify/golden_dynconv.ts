/**
 * Golden runners for the dynamic / deformable convolution fixtures (spec/fixtures/dynconv.safetensors,
 * written by spec/fixtures/generate_dynconv.py), called by `runCase` in ts/verify.ts. Each returns the
 * backend's output, PyTorch's, and a per-element bound derived from the op's error analysis.
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import { conv2d as refConv2d } from '../ref/conv2d.js';
import { deformConv2dErrorScales } from '../ref/deform_conv2d.js';
import { DeformConv2d, DCNv2 } from '../nn/deform_conv2d.js';
import { conv2dPerSample, conv2dMixture, conv2dModulated, modulatedWeight } from '../ref/conv2d_per_sample.js';
import { type WeightModulation } from '../core/check/conv2d_per_sample.js';
import { globalAvgPool2d } from '../ref/global_avg_pool2d.js';
import { pad as refPad } from '../ref/pad.js';
import { CondConv2d, CondConvRouting, DynamicConv2d } from '../nn/dynamic.js';
import { ODConv2d, type ODConvAttentions } from '../nn/odconv.js';
import { involution2d } from '../ref/involution2d.js';
import { DynamicDWConv, IDynamicDWConv } from '../nn/dynamic_dw.js';
import { DynamicDWFeedForward, RoutedDownsample } from '../nn/transformer_seeds.js';
import { U, abs, fixtureTensor, chainBound, type Bound, type FixtureCaseLike } from './bounds.js';

type CaseLike = FixtureCaseLike;
const T = fixtureTensor;

/** deform_conv2d: 2·(K + 8)·u·Σ|terms| + 4·u·Σ|w||m|(|py| + |px| + 1 + e_Δ)·max|corner| (see deformConv2dErrorScales). */
function deformBound(s: { absScale: Float64Array; coordScale: Float64Array; reduction: number }): Bound {
  const K = s.reduction;
  return {
    bound: (i) => 2 * (K + 8) * U * s.absScale[i] + 4 * U * s.coordScale[i],
    describe: `2·(K+8)·u·Σ|terms| + 4·u·Σ|w·m|·|p|·max|x|, K=${K}`,
  };
}

/** Per-sample kernel family: slack·K·u·absScale (+ a per-element extra for errors carried in by the routing). */
function perSampleBound(K: number, absScale: Float32Array, extra: Float32Array | null = null, slack = 2): Bound {
  return { bound: (i) => slack * K * U * absScale[i] + (extra ? extra[i] : 0), describe: `${slack}·K·u·Σ|terms|${extra ? ' + Σ_k δr_k·conv(|x|,|W_k|)' : ''}, K=${K}` };
}

const opOf = <T>(f: T | undefined, fallback: T): T => f ?? fallback;

/**
 * Bound of a float32 conv2d_mixture whose routing r may itself be off by δr (units: absolute):
 *   2·(K_red + K + 2)·u·mix(|x|, |W|, |b|, |r|) + mix(|x|, |W|, |b|, δr)
 * (the mixture of the experts is a sum of K terms, the conv one of K_red = C_in/groups·k_h·k_w; a routing error
 * δr_k moves the output by at most δr_k·(conv(|x|, |W_k|) + |b_k|)).
 */
export function mixtureBound(x: Tensor, weight: Tensor, bias: Tensor | null, routing: Tensor, dRouting: Tensor | null, options: object): Bound {
  const [K, , cinPerGroup, k_h, k_w] = weight.shape, Kred = cinPerGroup * k_h * k_w;
  const absW = abs(weight), absB = bias ? abs(bias) : null;
  const scale = conv2dMixture(abs(x), absW, absB, abs(routing), options).data;
  const extra = dRouting ? conv2dMixture(abs(x), absW, absB, dRouting, options).data : null;
  return perSampleBound(Kred + K + 2, scale, extra);
}

/** δr of CondConv routing r = σ(R·GAP(x) + b): the logit error 2·(H·W + C + 2)·u·(|R|·GAP(|x|) + |b|), σ' ≤ ¼, + 2u·r. */
export function condconvRoutingError(x: Tensor, router: CondConvRouting, r: Tensor): Tensor {
  const [N, C, H, W] = x.shape, K = router.num_experts;
  const g = globalAvgPool2d(abs(x)).data, R = router.stateDict().get('weight')!.data, b = router.stateDict().get('bias')!.data;
  const out = Tensor.zeros([N, K]);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) {
    let z = Math.abs(b[k]);
    for (let c = 0; c < C; c++) z += Math.abs(R[k * C + c]) * g[n * C + c];
    out.data[n * K + k] = 0.25 * 2 * (H * W + C + 2) * U * z + 2 * U * Math.abs(r.data[n * K + k]);
  }
  return out;
}

/**
 * δπ of DynamicConv attention π = softmax(z/τ), z = fc2(relu(fc1(GAP(x)))): δz ≤ 2·(H·W + C + hidden + 4)·u·z_abs,
 * δl = δz/τ + u·|z/τ|, and softmax moves π_k by at most π_k·(2·max δl + (K + 4)·u).
 */
export function dynamicAttentionError(x: Tensor, m: DynamicConv2d, pi: Tensor): Tensor {
  const [N, C, H, W] = x.shape, K = m.K, tau = m.temperature;
  const w1 = m.attention.fc1.weight, w2 = m.attention.fc2.weight, b2 = m.attention.fc2.bias!.data;
  const hidden = w1.shape[0];
  const g = globalAvgPool2d(abs(x)).data, z = m.attention.logits(x).data;
  const out = Tensor.zeros([N, K]);
  for (let n = 0; n < N; n++) {
    const h = new Float64Array(hidden);
    for (let j = 0; j < hidden; j++) for (let c = 0; c < C; c++) h[j] += Math.abs(w1.data[j * C + c]) * g[n * C + c];
    let maxDl = 0;
    for (let k = 0; k < K; k++) {
      let za = Math.abs(b2[k]);
      for (let j = 0; j < hidden; j++) za += Math.abs(w2.data[k * hidden + j]) * h[j];
      maxDl = Math.max(maxDl, 2 * (H * W + C + hidden + 4) * U * za / tau + U * Math.abs(z[n * K + k] / tau));
    }
    for (let k = 0; k < K; k++) out.data[n * K + k] = pi.data[n * K + k] * (2 * maxDl + (K + 4) * U);
  }
  return out;
}

/** Modulation tensors of a conv2d_modulated fixture case. */
function modulationOf(c: CaseLike): WeightModulation {
  const p = c.params, get = (k: string) => ((p.members as string[]).includes(k) ? T(c, k) : null);
  return { gamma_in: get('gamma_in'), gamma_out: get('gamma_out'), gamma: get('gamma'), beta: get('beta'), demodulate: p.demodulate, eps: p.eps };
}

/**
 * Bound of a float32 conv2d_modulated: the kernel W' (≤ 4 roundings, or with demodulation a sum of K_red squares,
 * a square root and a division: ≤ (K_red/2 + 6)·u relative) then the conv (K_red + 1): K = 2·K_red + 8 on
 * Σ|terms| = conv(|x|, |W|·|γ_in|·|γ_out|·|γ| + |β|) + |b| (demodulated: conv(|x|, |W''|) + |b|).
 */
export function modulatedBound(x: Tensor, weight: Tensor, bias: Tensor | null, mod: WeightModulation, options: object): Bound {
  const [cinPerGroup, k_h, k_w] = weight.shape.slice(-3), Kred = cinPerGroup * k_h * k_w;
  const a = (t: Tensor | null | undefined) => (t ? abs(t) : null);
  let scale: Float32Array;
  if (mod.demodulate) {
    // Σ|terms| with the modulated kernel in absolute form (|W|·|γ_in|·|γ_out|·|γ| + |β|: β may cancel W·γ, and the
    // rounding of the cancelling terms stays), times the demodulation coefficient d[n, o] of the actual kernel
    const plain = modulatedWeight(x, weight, { ...mod, demodulate: false }, options);
    const absForm = modulatedWeight(abs(x), abs(weight), { gamma_in: a(mod.gamma_in), gamma_out: a(mod.gamma_out), gamma: a(mod.gamma), beta: a(mod.beta) }, options);
    const F = plain.size / (plain.shape[0] * plain.shape[1]), eps = mod.eps ?? 1e-8;
    for (let f = 0; f < plain.shape[0] * plain.shape[1]; f++) {
      let sumSq = 0;
      for (let e = 0; e < F; e++) sumSq += plain.data[f * F + e] ** 2;
      const d = 1 / Math.sqrt(sumSq + eps);
      for (let e = 0; e < F; e++) absForm.data[f * F + e] *= d;
    }
    const bn = bias ? new Tensor(Float32Array.from({ length: x.shape[0] * bias.size }, (_, i) => Math.abs(bias.data[i % bias.size])), [x.shape[0], bias.size]) : null;
    scale = conv2dPerSample(abs(x), absForm, bn, options).data;
  } else {
    scale = conv2dModulated(abs(x), abs(weight), a(bias), { gamma_in: a(mod.gamma_in), gamma_out: a(mod.gamma_out), gamma: a(mod.gamma), beta: a(mod.beta) }, options).data;
  }
  return perSampleBound(2 * Kred + 8, scale);
}

/**
 * Bound of a float32 ODConv2d against the reference, per output element:
 *   2·(K_red + K + 8)·u·S + (ε_c + ε_f + ε_s + ε_w)[n]·S,   S = α_f·conv(α_c·|x|, Σ_k α_w·α_s·|W_k|)  (abs values)
 * with ε_* the relative error of each attention of sample n: δz ≤ |W_head|·δa + 2·(A + 1)·u·z_abs, where
 * δa ≤ |s_bn|·2·(H·W + C + 2)·u·(|W_fc|·GAP|x|) + 4u·|a|; a sigmoid moves by ≤ σ·δz/τ (relative δz/τ),
 * the softmax by ≤ π·(2·max δz/τ + (K + 4)·u).
 */
export function odconvBound(x: Tensor, m: ODConv2d, att: ODConvAttentions): Bound {
  const [N, C, H, W] = x.shape, at = m.attention, sd = at.stateDict();
  const A = at.fc.weight.shape[0], K = m.kernel_num, T = m.kernel_size[0] * m.kernel_size[1];
  const g = globalAvgPool2d(abs(x)).data, wfc = at.fc.weight.data;
  const gam = sd.get('bn.weight')!.data, beta = sd.get('bn.bias')!.data, rm = sd.get('bn.running_mean')!.data, rv = sd.get('bn.running_var')!.data;
  const eps = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const aAbs = new Float64Array(A), da = new Float64Array(A);
    for (let j = 0; j < A; j++) {
      let h = 0;
      for (let c = 0; c < C; c++) h += Math.abs(wfc[j * C + c]) * g[n * C + c];
      const s = Math.abs(gam[j]) / Math.sqrt(rv[j] + 1e-5);
      aAbs[j] = s * (h + Math.abs(rm[j])) + Math.abs(beta[j]);
      da[j] = s * 2 * (H * W + C + 2) * U * h + 4 * U * aAbs[j];
    }
    const headErr = (head: { weight: Tensor; bias: Tensor | null } | null) => {
      if (!head) return 0;
      const [O] = head.weight.shape;
      let worst = 0;
      for (let o = 0; o < O; o++) {
        let dz = 0, za = head.bias ? Math.abs(head.bias.data[o]) : 0;
        for (let j = 0; j < A; j++) { dz += Math.abs(head.weight.data[o * A + j]) * da[j]; za += Math.abs(head.weight.data[o * A + j]) * aAbs[j]; }
        worst = Math.max(worst, (dz + 2 * (A + 1) * U * za) / at.temperature + U);
      }
      return worst;
    };
    eps[n] = headErr(at.channel_fc) + headErr(at.filter_fc) + headErr(at.spatial_fc) + (at.kernel_fc ? 2 * headErr(at.kernel_fc) + (K + 4) * U : 0) + 4 * U;
  }
  // S with every factor in absolute value
  // Σ_k |α_w|·|α_s|·|W_k| (the sum of absolute terms, not |Σ_k α_w·α_s·W_k|: the experts may cancel)
  const absW = m.aggregateKernel({ channel: att.channel, filter: null, spatial: att.spatial ? abs(att.spatial) : null, kernel: att.kernel ? abs(att.kernel) : null },
    N, abs(m.stateDict().get('weight')!));
  const S = conv2dModulated(abs(x), absW, null, { gamma_in: abs(att.channel), gamma_out: att.filter ? abs(att.filter) : null },
    { stride: m.stride, padding: m.padding, dilation: m.dilation, groups: m.groups }).data;
  const Kred = (C / m.groups) * m.kernel_size[0] * m.kernel_size[1], per = S.length / N;
  return { bound: (i) => (2 * (Kred + K + 8) * U + eps[Math.floor(i / per)]) * S[i], describe: `(2·(K+K_e+8)·u + ε_att)·S, K=${Kred}` };
}

/** A DynamicConv2d built from a fixture case's params, with its state loaded. */
function dynamicFromCase(c: CaseLike): DynamicConv2d {
  const p = c.params;
  const m = new DynamicConv2d(p.in_planes, p.out_planes, p.kernel_size, { ratio: p.ratio, stride: p.stride,
    padding: p.padding, dilation: p.dilation, groups: p.groups, bias: p.bias, K: p.K, temperature: p.temperature });
  m.loadStateDict(c.state);
  return m;
}

/** Runs one dynconv fixture case on `ops`; null if the op is not one of ours. */
export function runDynconvCase(c: CaseLike, ops: Ops): { got: Tensor; expected: Tensor; bound: Bound }[] | null {
  const p = c.params;
  const input = c.tensors.get('input')!;
  switch (c.op) {
    case 'deform_conv2d': {
      const off = T(c, 'offset'), w = T(c, 'weight'), b = p.bias ? T(c, 'bias') : null, mask = p.mask ? T(c, 'mask') : null;
      const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, mask };
      return [{ got: ops.deformConv2d(input, off, w, b, opts), expected: T(c, 'output'), bound: deformBound(deformConv2dErrorScales(input, off, w, b, opts)) }];
    }
    case 'deform_conv2d_module': {
      const m = new DeformConv2d(p.in_channels, p.out_channels, p.kernel_size, { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups, bias: p.bias });
      m.loadStateDict(c.state);
      const off = T(c, 'offset'), mask = c.tensors.get('mask') ?? null;
      const scales = deformConv2dErrorScales(input, off, m.weight, m.bias, m.opOptions(mask));
      return [{ got: m.forward(input, off, mask, { backend: ops }), expected: T(c, 'output'), bound: deformBound(scales) }];
    }
    case 'dcnv2': {
      const m = new DCNv2(p.in_channels, p.out_channels, p.kernel_size, { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups, deform_groups: p.deform_groups, bias: p.bias });
      m.loadStateDict(c.state);
      // The offsets and mask are float32 results of conv_offset (K_off = C_in·k_h·k_w + 1 terms) and a sigmoid:
      // PyTorch's may differ from the reference's by 2·K_off·u·Σ|terms| (+1 rounding), the mask by a quarter of
      // that (σ' ≤ ¼) + 4 roundings; those enter the deform bound as input errors (units of u).
      const { offset, mask } = m.offsetAndMask(input);
      const co = m.conv_offset, [, Cin, kh, kw] = co.weight.shape;
      const K_off = Cin * kh * kw + 1;
      const absOff = refConv2d(abs(input), abs(co.weight), abs(co.bias!), { stride: co.options.stride, padding: co.options.padding, dilation: co.options.dilation });
      const [N, C3, Ho, Wo] = absOff.shape, C = C3 / 3, plane = Ho * Wo;
      const eOff = new Float64Array(N * 2 * C * plane), eMask = new Float64Array(N * C * plane);
      for (let n = 0; n < N; n++) for (let ch = 0; ch < C3; ch++) for (let q = 0; q < plane; q++) {
        const e = 2 * K_off * absOff.data[(n * C3 + ch) * plane + q] + 1;
        if (ch < 2 * C) eOff[(n * 2 * C + ch) * plane + q] = e;
        else eMask[(n * C + ch - 2 * C) * plane + q] = e / 4 + 4;
      }
      const { stride, padding, dilation } = m.options;
      const scales = deformConv2dErrorScales(input, offset, m.stateDict().get('weight')!, m.stateDict().get('bias') ?? null,
        { stride, padding, dilation, mask }, { offset: eOff, mask: eMask });
      return [{ got: m.forward(input, { backend: ops }), expected: T(c, 'output'), bound: deformBound(scales) }];
    }
    case 'conv2d_per_sample': {
      const w = T(c, 'weight'), b = p.bias ? T(c, 'bias') : null;
      const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
      const scale = conv2dPerSample(abs(input), abs(w), b ? abs(b) : null, opts).data;
      return [{ got: opOf(ops.conv2dPerSample, conv2dPerSample)(input, w, b, opts), expected: T(c, 'output'), bound: perSampleBound(w.shape[2] * w.shape[3] * w.shape[4] + 1, scale) }];
    }
    case 'conv2d_mixture': {
      const w = T(c, 'weight'), b = p.bias ? T(c, 'bias') : null, r = T(c, 'routing');
      const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
      return [{ got: opOf(ops.conv2dMixture, conv2dMixture)(input, w, b, r, opts), expected: T(c, 'output'), bound: mixtureBound(input, w, b, r, null, opts) }];
    }
    case 'conv2d_modulated': {
      const w = T(c, 'weight'), b = p.bias ? T(c, 'bias') : null, mod = modulationOf(c);
      const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
      return [{ got: opOf(ops.conv2dModulated, conv2dModulated)(input, w, b, mod, opts), expected: T(c, 'output'), bound: modulatedBound(input, w, b, mod, opts) }];
    }
    case 'condconv2d': {
      const router = new CondConvRouting(p.in_channels, p.num_experts);
      const conv = new CondConv2d(p.in_channels, p.out_channels, { kernel_size: p.kernel_size, stride: p.stride,
        padding: p.padding, dilation: p.dilation, groups: p.groups, bias: p.bias, num_experts: p.num_experts });
      const part = (prefix: string) => new Map([...c.state].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
      router.loadStateDict(part('routing_fn.'));
      conv.loadStateDict(part('conv.'));
      const r = router.forward(input), dr = condconvRoutingError(input, router, r);
      const { conv: padding, pre } = conv.paddingFor(input.shape[2], input.shape[3]);
      const xp = pre ? refPad(input, pre) : input;
      const bound = mixtureBound(xp, conv.experts(), conv.stateDict().get('bias') ?? null, r, dr, { stride: conv.stride, padding, dilation: conv.dilation, groups: conv.groups });
      const got = conv.forward(input, router.forward(input, { backend: ops }), { backend: ops });
      return [{ got, expected: T(c, 'output'), bound }];
    }
    case 'condconv_routing': {
      const router = new CondConvRouting(p.in_channels, p.num_experts);
      router.loadStateDict(c.state);
      const dr = condconvRoutingError(input, router, router.forward(input));
      const bound: Bound = { bound: (i) => dr.data[i] + 2 * U, describe: 'δr = ¼·2·(H·W+C+2)·u·(|R|·GAP|x|+|b|) + 2u·r' };
      return [{ got: router.forward(input, { backend: ops }), expected: T(c, 'output'), bound }];
    }
    case 'dynamic_conv2d': {
      const m = dynamicFromCase(c);
      const pi = m.attentionWeights(input), dpi = dynamicAttentionError(input, m, pi);
      const bound = mixtureBound(input, m.stateDict().get('weight')!, m.stateDict().get('bias') ?? null, pi, dpi, { stride: m.stride, padding: m.padding, dilation: m.dilation, groups: m.groups });
      return [{ got: m.forward(input, { backend: ops }), expected: T(c, 'output'), bound }];
    }
    case 'dynamic_conv2d_attention': {
      const m = dynamicFromCase(c);
      const dpi = dynamicAttentionError(input, m, m.attentionWeights(input));
      const bound: Bound = { bound: (i) => dpi.data[i] + 2 * U, describe: 'δπ = π·(2·max δl + (K+4)·u)' };
      return [{ got: m.attentionWeights(input, { backend: ops }), expected: T(c, 'output'), bound }];
    }
    case 'odconv2d': {
      const m = new ODConv2d(p.in_planes, p.out_planes, p.kernel_size, { stride: p.stride, padding: p.padding,
        dilation: p.dilation, groups: p.groups, reduction: p.reduction, kernel_num: p.kernel_num });
      m.loadStateDict(c.state);
      m.temperature = p.temperature;
      return [{ got: m.forward(input, { backend: ops }), expected: T(c, 'output'), bound: odconvBound(input, m, m.attention.attentions(input)) }];
    }
    case 'involution2d': {
      const kern = T(c, 'kernel'), opts = { kernel_size: p.kernel_size, stride: p.stride, padding: p.padding, dilation: p.dilation };
      const scale = involution2d(abs(input), abs(kern), opts).data;
      return [{ got: opOf(ops.involution2d, involution2d)(input, kern, opts), expected: T(c, 'output'), bound: perSampleBound(p.kernel_size ** 2, scale) }];
    }
    case 'dynamic_dw_conv': {
      const m = new DynamicDWConv(p.dim, p.kernel_size, { bias: p.bias, stride: p.stride, padding: p.padding, groups: p.dim, reduction: p.reduction });
      m.loadStateDict(c.state);
      const [, C, H, W] = input.shape;
      // GAP (H·W) → conv1 (C) → BN → conv2 (C/r + 1) → the depthwise conv (k² + 1)
      const K = H * W + C + Math.floor(C / p.reduction) + 1 + p.kernel_size ** 2 + 1 + 8;
      return [{ got: m.forward(input, { backend: ops }), expected: T(c, 'output'), bound: chainBound(K, T(c, 'output').data) }];
    }
    case 'idynamic_dw_conv': {
      const m = new IDynamicDWConv(p.channels, p.kernel_size, p.group_channels);
      m.loadStateDict(c.state);
      const K = p.channels + 1 + Math.floor(p.channels / 4) + 1 + p.kernel_size ** 2 + 8;   // conv1, BN, conv2, involution
      return [{ got: m.forward(input, { backend: ops }), expected: T(c, 'output'), bound: chainBound(K, T(c, 'output').data) }];
    }
    case 'dynamic_dw_ffn': {
      const m = new DynamicDWFeedForward(p.dim, p.hidden_dim, { kernel_size: p.kernel_size, reduction: p.reduction });
      m.loadStateDict(c.state);
      const K = p.dim + 1 + (p.H * p.W + p.hidden_dim + Math.floor(p.hidden_dim / p.reduction) + 1 + p.kernel_size ** 2 + 1 + 8) + 16 + p.hidden_dim + 1;
      return [{ got: m.forwardTokens(input, p.H, p.W, { backend: ops }), expected: T(c, 'output'), bound: chainBound(K, T(c, 'output').data) }];
    }
    case 'routed_downsample': {
      const m = new RoutedDownsample(p.dim, { num_experts: p.num_experts, out_dim: p.out_dim });
      m.loadStateDict(c.state);
      // routing (GAP H·W, Linear dim + 1, σ) → mixture (K) → 2x2 conv (4·dim) → LayerNorm (2·out_dim + 4, relative)
      const K = p.H * p.W + p.dim + 2 + p.num_experts + 4 * p.dim + 2 * p.out_dim + 12;
      return [{ got: m.forwardTokens(input, p.H, p.W, { backend: ops }), expected: T(c, 'output'), bound: chainBound(K, T(c, 'output').data) }];
    }
    default:
      return null;
  }
}
