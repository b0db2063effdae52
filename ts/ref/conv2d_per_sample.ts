import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext, fmtShape } from '../core/errors.js';
import { conv2dGeometry, expectRank, type Conv2dGeometry, type Conv2dOptions } from '../core/geometry.js';
import { Shaped, checkConv2dPerSample, checkConv2dMixture, WeightModulation, checkConv2dModulated } from '../core/check/conv2d_per_sample.js';

// The per-sample-kernel family (dynconv-spec §0.4, §1-§4): convolutions whose kernel depends on the sample.
//   conv2dPerSample   y[n] = conv2d(x[n], W[n]) + b[n]                     the primitive
//   conv2dMixture     W[n] = Σ_k r[n,k]·W_k, b[n] = Σ_k r[n,k]·b_k         CondConv, DynamicConv (expert mixture)
//   conv2dModulated   W[n] = W ⊙ γ_in[n] ⊙ γ_out[n] ⊙ γ[n] + β[n] (then optional demodulation)   weight modulation

/** Formats one optional tensor for a message. */

// ---------------------------------------------------------------------------------------------
// conv2d_per_sample

/**
 * Convolution of every sample with its own kernel and bias: the primitive under CondConv, DynamicConv,
 * ODConv, dynamic depthwise and modulated convolution.
 *
 * Paper:   Yang et al. 2019 (CondConv), arXiv:1904.04971, §3 Eq. (1) output = σ(Σ_i α_i·W_i) ∗ x, with the
 *          per-example kernel; Chen et al. 2020 (DynamicConv), arXiv:1912.03458, §3 Eq. (1)-(2).
 * Matches: F.conv2d(x.reshape(1, N·C_in, H, W), W.reshape(N·C_out, C_in/groups, k_h, k_w), b.reshape(N·C_out),
 *          stride, padding, dilation, groups = N·groups).reshape(N, C_out, H_out, W_out) — the grouped-conv
 *          trick of timm CondConv2d / DynamicConv (dynconv-spec §0.4: group n·groups + j covers input channels
 *          [n·C_in + j·C_in/groups, …) and output channels [n·C_out + j·C_out/groups, …)).
 *
 * Equation:
 *   y[n,o,i,j] = b[n,o] + Σ_{c,p,q} W[n, o, c, p, q] · x[n, g(o)·C_in/groups + c, i·s_h + p·d_h − P_top, j·s_w + q·d_w − P_left]
 *
 * Shapes:  input [N, C_in, H, W]   weight [N, C_out, C_in/groups, k_h, k_w]   bias [N, C_out] | null
 *          output [N, C_out, H_out, W_out] (conv2d's output size)
 * Units:   as conv2d.
 * Numerics: float64 accumulation in (c, p, q) order, bias last, one rounding (same order as ref conv2d, so
 *          a batch of one equals conv2d bit for bit).
 * Cost:    2 · N · C_out · H_out · W_out · (C_in/groups) · k_h · k_w FLOPs.
 * @throws ShapeError / ParameterError as `checkConv2dPerSample`.
 * @see ts/wasm/conv2d_per_sample.ts · spec/conv2d_per_sample.test.ts
 */
export function conv2dPerSample(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dPerSample('conv2d_per_sample', input, weight, bias, options);
  return perSampleLoops(g, input.data, (n) => weight.data.subarray(n * kernelSize(g), (n + 1) * kernelSize(g)), bias ? (n, o) => bias.data[n * g.C_out + o] : null);
}

const kernelSize = (g: Conv2dGeometry) => g.C_out * g.cinPerGroup * g.k_h * g.k_w;

/** The loops shared by the family: per-sample kernel `kernelOf(n)` (float32 or float64 values), bias `biasOf`. */
function perSampleLoops(
  g: Conv2dGeometry, x: Float32Array, kernelOf: (n: number) => ArrayLike<number>, biasOf: ((n: number, o: number) => number) | null,
): Tensor {
  const { N, C_in, H, W, C_out, k_h, k_w, H_out, W_out, cinPerGroup, coutPerGroup } = g;
  const out = new Float32Array(N * C_out * H_out * W_out);
  for (let n = 0; n < N; n++) {
    const w = kernelOf(n);
    for (let o = 0; o < C_out; o++) {
      const group = Math.floor(o / coutPerGroup);
      for (let i = 0; i < H_out; i++) {
        for (let j = 0; j < W_out; j++) {
          let acc = 0;
          for (let c = 0; c < cinPerGroup; c++) {
            const cIn = group * cinPerGroup + c;
            for (let p = 0; p < k_h; p++) {
              const y = i * g.stride_h + p * g.dilation_h - g.pad_top;
              if (y < 0 || y >= H) continue;
              for (let q = 0; q < k_w; q++) {
                const xx = j * g.stride_w + q * g.dilation_w - g.pad_left;
                if (xx < 0 || xx >= W) continue;
                acc += w[((o * cinPerGroup + c) * k_h + p) * k_w + q] * x[((n * C_in + cIn) * H + y) * W + xx];
              }
            }
          }
          if (biasOf) acc += biasOf(n, o);
          out[((n * C_out + o) * H_out + i) * W_out + j] = acc;
        }
      }
    }
  }
  return new Tensor(out, [N, C_out, H_out, W_out]);
}

// ---------------------------------------------------------------------------------------------
// conv2d_mixture

/**
 * Convolution with a per-sample mixture of K expert kernels: the kernel (and bias) of sample n is the
 * routing-weighted sum of the experts, aggregated *before* the convolution (one conv per sample, not K).
 *
 * Paper:   Yang et al. 2019 (CondConv), arXiv:1904.04971, §3 Eq. (1) (α_i = r(x)_i, routed bias as timm);
 *          Chen et al. 2020 (DynamicConv), arXiv:1912.03458, §3 Eq. (1): W̃(x) = Σ_k π_k(x)·W̃_k, b̃(x) = Σ_k π_k(x)·b̃_k.
 * Matches: timm CondConv2d.forward(x, routing_weights) (weight = routing_weights @ weight, then the
 *          grouped-conv trick) and kaijieshi7 Dynamic_conv2d's aggregation (torch.mm(attention, weight)).
 *          The routing is an input: sigmoid routing (CondConv) or temperature softmax (DynamicConv) happens in
 *          the module (ts/nn/dynamic.ts).
 *
 * Equation:
 *   W̃[n] = Σ_k r[n,k]·W[k],  b̃[n] = Σ_k r[n,k]·b[k],  y[n] = conv2d(x[n], W̃[n]) + b̃[n]
 *
 * Shapes:  input [N, C_in, H, W]   weight [K, C_out, C_in/groups, k_h, k_w]   bias [K, C_out] | null
 *          routing [N, K]   output [N, C_out, H_out, W_out] (conv2d's output size)
 * Units:   routing weights dimensionless (any real numbers; CondConv's are in (0, 1), DynamicConv's sum to 1).
 * Numerics: the mixed kernel is kept in float64 (no rounding), then conv2dPerSample's loops: float64
 *          accumulation, one rounding per output.
 * Cost:    2·N·K·C_out·(C_in/groups)·k_h·k_w (aggregation) + 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w FLOPs.
 * @throws ShapeError / ParameterError as `checkConv2dMixture`.
 * @see ts/wasm/conv2d_per_sample.ts · spec/conv2d_per_sample.test.ts
 */
export function conv2dMixture(input: Tensor, weight: Tensor, bias: Tensor | null, routing: Tensor, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dMixture('conv2d_mixture', input, weight, bias, routing, options);
  const { N, K, C_out } = g, size = kernelSize(g);
  const r = routing.data, w = weight.data;
  const kernels = new Float64Array(N * size), biases = new Float64Array(N * C_out);
  for (let n = 0; n < N; n++) {
    for (let e = 0; e < size; e++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += r[n * K + k] * w[k * size + e];
      kernels[n * size + e] = acc;
    }
    if (bias) for (let o = 0; o < C_out; o++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += r[n * K + k] * bias.data[k * C_out + o];
      biases[n * C_out + o] = acc;
    }
  }
  return perSampleLoops(g, input.data, (n) => kernels.subarray(n * size, (n + 1) * size), bias ? (n, o) => biases[n * C_out + o] : null);
}

// ---------------------------------------------------------------------------------------------
// conv2d_modulated

/**
 * Convolution with a per-sample modulated kernel W'[n] = W ⊙ γ_in[n] ⊙ γ_out[n] ⊙ γ[n] + β[n] (FiLM on the
 * weights), optionally demodulated as StyleGAN2: W''[n, o] = W'[n, o] / √(Σ_{c,p,q} W'[n, o, c, p, q]² + eps).
 *
 * Paper:   Karras et al. 2020 (StyleGAN2), arXiv:1912.04958, §2.2 Eq. (1) (modulation w' = s_i·w) and Eq. (3)
 *          (demodulation w'' = w' / √(Σ w'² + ε)); the general form W ⊙ γ(x) + β(x) is dynconv-spec §4.5.
 * Matches: NVlabs stylegan2-ada-pytorch `modulated_conv2d` (fused path, demodulate, eps 1e-8) when only
 *          gamma_in (= styles) is given; bias added after, unscaled (as the conv's bias).
 *
 * Equation:
 *   W'[n,o,c,p,q] = W[o,c,p,q] · γ_in[n, g(o)·C_in/groups + c] · γ_out[n,o] · γ[n,o,c,p,q] + β[n,o,c,p,q]
 *   d[n,o] = 1 / √(Σ_{c,p,q} W'[n,o,c,p,q]² + eps) if demodulate else 1
 *   y[n] = conv2d(x[n], W'[n] · d[n]) + bias
 * Identities (exact in real arithmetic, by linearity, zero padding included — the factorised fast paths):
 *   conv(x, W ⊙ γ_in) = conv(x ⊙ γ_in, W);  conv(x, W ⊙ γ_out) = γ_out ⊙ conv(x, W);  conv(x, W + β) = conv(x, W) + conv(x, β)
 *
 * Shapes:  input [N, C_in, H, W]   weight [C_out, C_in/groups, k_h, k_w] (or per sample [N, C_out, C_in/groups,
 *          k_h, k_w], e.g. ODConv's aggregated kernel)   bias [C_out] | null
 *          gamma_in [N, C_in]   gamma_out [N, C_out]   gamma, beta [N, C_out, C_in/groups, k_h, k_w]
 *          output [N, C_out, H_out, W_out]
 * Units:   scales and eps dimensionless.
 * Numerics: the modulated (and demodulated) kernel in float64, then float64 accumulation, one rounding.
 * Cost:    ~4·N·C_out·(C_in/groups)·k_h·k_w (modulation) + 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w FLOPs.
 * @throws ShapeError / ParameterError as `checkConv2dModulated`.
 * @see ts/wasm/conv2d_per_sample.ts · spec/conv2d_per_sample.test.ts
 */
export function conv2dModulated(input: Tensor, weight: Tensor, bias: Tensor | null, modulation: WeightModulation, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dModulated('conv2d_modulated', input, weight, bias, modulation, options);
  const kernels = modulatedKernels(g, weight, modulation);
  const size = kernelSize(g);
  return perSampleLoops(g, input.data, (n) => kernels.subarray(n * size, (n + 1) * size), bias ? (_n, o) => bias.data[o] : null);
}

/** W'[n] (and the demodulation) in float64, [N, C_out, C_in/groups, k_h, k_w]. */
function modulatedKernels(g: Conv2dGeometry, weight: Tensor, mod: WeightModulation): Float64Array {
  const { N, C_in, C_out, cinPerGroup, coutPerGroup, k_h, k_w } = g;
  const T = k_h * k_w, size = kernelSize(g), eps = mod.eps ?? 1e-8;
  const out = new Float64Array(N * size);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < C_out; o++) {
      const group = Math.floor(o / coutPerGroup);
      let sumSq = 0;
      for (let c = 0; c < cinPerGroup; c++) {
        for (let t = 0; t < T; t++) {
          const e = (o * cinPerGroup + c) * T + t;
          let v = weight.data[(weight.rank === 5 ? n * size : 0) + e];
          if (mod.gamma_in) v *= mod.gamma_in.data[n * C_in + group * cinPerGroup + c];
          if (mod.gamma_out) v *= mod.gamma_out.data[n * C_out + o];
          if (mod.gamma) v *= mod.gamma.data[n * size + e];
          if (mod.beta) v += mod.beta.data[n * size + e];
          out[n * size + e] = v;
          sumSq += v * v;
        }
      }
      if (mod.demodulate) {
        const d = 1 / Math.sqrt(sumSq + eps);
        for (let e = (o * cinPerGroup) * T; e < ((o + 1) * cinPerGroup) * T; e++) out[n * size + e] *= d;
      }
    }
  }
  return out;
}

/**
 * The per-sample kernels conv2dModulated convolves with, rounded to float32 [N, C_out, C_in/groups, k_h, k_w]
 * (for inspection and for identities such as unit-norm demodulated filters).
 * @throws as checkConv2dModulated.
 */
export function modulatedWeight(input: Tensor, weight: Tensor, modulation: WeightModulation, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dModulated('conv2d_modulated', input, weight, null, modulation, options);
  return new Tensor(Float32Array.from(modulatedKernels(g, weight, modulation)), [g.N, g.C_out, g.cinPerGroup, g.k_h, g.k_w]);
}
