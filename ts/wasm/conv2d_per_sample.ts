import { Tensor } from '../core/tensor.js';
import type { Conv2dGeometry, Conv2dOptions } from '../core/geometry.js';
import { checkConv2dPerSample, checkConv2dMixture, checkConv2dModulated, type WeightModulation } from '../core/check/conv2d_per_sample.js';
import { withArena, type Arena } from './arena.js';
import { gemmColumnBlock, gemmPackedAFloats } from './conv2d.js';
import { kernels, f32, type Kernels, type Ptr } from './kernels.js';

// The per-sample-kernel family on WASM: same signatures and semantics as ts/ref/conv2d_per_sample.ts.
// Every path ends in `perSampleConv`: per image n and group g, im2col (skipped for 1x1 / stride 1 / unpadded) and
// one gemm__f32x4_4x8 with the sample's own kernel — the batch is never folded into channels, so the per-sample
// cost equals a plain conv of one image (the grouped-conv trick's "B× larger weight" is only the kernels).

/**
 * y[n] = conv2d(x[n], W[n]) + b[n] for every n, on device pointers. wStride / bStride: floats between consecutive
 * samples' kernels / biases (0 = one kernel or bias shared by the batch); b = 0 for no bias.
 */
function perSampleConv(k: Kernels, a: Arena, g: Conv2dGeometry, x: Ptr, w: Ptr, wStride: number, b: Ptr, bStride: number, y: Ptr): void {
  const { N, C_in, H, W, C_out, k_h, k_w, H_out, W_out, groups, cinPerGroup, coutPerGroup } = g;
  const pointwise = k_h === 1 && k_w === 1 && g.stride_h === 1 && g.stride_w === 1 && g.pad_top === 0 && g.pad_left === 0 && g.pad_bottom === 0 && g.pad_right === 0;
  const Kred = cinPerGroup * k_h * k_w, P = H_out * W_out;
  const col = pointwise ? 0 : a.alloc(Kred * P);
  const nc = gemmColumnBlock(Kred, P);
  const packedA = a.alloc(gemmPackedAFloats(coutPerGroup, Kred)), packedB = a.alloc(Kred * nc);
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < groups; grp++) {
      const xg = f32(x, (n * C_in + grp * cinPerGroup) * H * W);
      if (!pointwise) {
        k.im2col__f32x4(xg, col, cinPerGroup, H, W, k_h, k_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_top, g.pad_left, H_out, W_out);
      }
      k.gemm__f32x4_4x8(coutPerGroup, P, Kred, f32(w, n * wStride + grp * coutPerGroup * Kred), Kred, pointwise ? xg : col, P,
        f32(y, (n * C_out + grp * coutPerGroup) * P), P, b ? f32(b, n * bStride + grp * coutPerGroup) : 0, 0, packedA, packedB, nc);
    }
  }
}

/**
 * Per-sample-kernel convolution on WASM (im2col + packed GEMM per image and group).
 * Matches / Shapes / Units: as ts/ref/conv2d_per_sample.ts `conv2dPerSample`.
 * Numerics: float32; per output the (c, p, q) products summed in order, then the bias (gemm__f32x4_4x8): within
 *          2·(C_in/groups·k_h·k_w + 1)·u·Σ|terms| of the reference.
 * @throws as checkConv2dPerSample (before any WASM work); BackendError before `init()`.
 * @see ts/ref/conv2d_per_sample.ts · spec/conv2d_per_sample.test.ts
 */
export function conv2dPerSample(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dPerSample('conv2d_per_sample', input, weight, bias, options);
  const k = kernels(), S = g.C_out * g.cinPerGroup * g.k_h * g.k_w, size = g.N * g.C_out * g.H_out * g.W_out;
  const out = withArena((a) => {
    const x = a.upload(input.data), w = a.upload(weight.data), b = bias ? a.upload(bias.data) : 0, y = a.alloc(size);
    perSampleConv(k, a, g, x, w, S, b, g.C_out, y);
    return a.download(y, size);
  });
  return new Tensor(out, [g.N, g.C_out, g.H_out, g.W_out]);
}

/**
 * Expert-mixture convolution on WASM: the per-sample kernels W̃ = routing [N × K] · experts [K × C_out·C_in/groups·k_h·k_w]
 * and biases b̃ = routing · bias [K × C_out] are two GEMMs (aggregation before the conv: one conv per sample, not K),
 * then `perSampleConv`.
 * Matches / Shapes / Units: as ts/ref/conv2d_per_sample.ts `conv2dMixture` (timm CondConv2d, DynamicConv).
 * Numerics: float32 mixture (K products in order, rounded to the kernel), then the conv: within
 *          2·(C_in/groups·k_h·k_w + K + 2)·u·mix(|x|, |W|, |b|, |r|) of the reference.
 * Cost:    2·N·K·S (aggregation) + the conv's FLOPs; the aggregation is ~K/(H_out·W_out) of the conv's work.
 * @throws as checkConv2dMixture (before any WASM work); BackendError before `init()`.
 * @see ts/ref/conv2d_per_sample.ts · spec/conv2d_per_sample.test.ts
 */
export function conv2dMixture(input: Tensor, weight: Tensor, bias: Tensor | null, routing: Tensor, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dMixture('conv2d_mixture', input, weight, bias, routing, options);
  const k = kernels(), S = g.C_out * g.cinPerGroup * g.k_h * g.k_w, size = g.N * g.C_out * g.H_out * g.W_out, { N, K, C_out } = g;
  const out = withArena((a) => {
    const x = a.upload(input.data), experts = a.upload(weight.data), r = a.upload(routing.data), y = a.alloc(size);
    const kernels = a.alloc(N * S), biases = bias ? a.alloc(N * C_out) : 0;
    const nc = gemmColumnBlock(K, S);
    const packedA = a.alloc(gemmPackedAFloats(N, K)), packedB = a.alloc(K * Math.max(nc, gemmColumnBlock(K, C_out)));
    k.gemm__f32x4_4x8(N, S, K, r, K, experts, S, kernels, S, 0, 0, packedA, packedB, nc);
    if (bias) k.gemm__f32x4_4x8(N, C_out, K, r, K, a.upload(bias.data), C_out, biases, C_out, 0, 0, packedA, packedB, gemmColumnBlock(K, C_out));
    perSampleConv(k, a, g, x, kernels, S, biases, C_out, y);
    return a.download(y, size);
  });
  return new Tensor(out, [g.N, g.C_out, g.H_out, g.W_out]);
}

/**
 * Modulated convolution on WASM, by the factorised fast path when it is exact by linearity:
 *   no γ, no β:   y[n] = (γ_out·d)[n] ⊙ conv(γ_in[n] ⊙ x[n], W[n]) + bias     (channel_affine, conv, channel_affine)
 *                 with d[n, o] = 1/√(Σ (W·γ_in·γ_out)² + eps) (demodulation, float64 on the host, per filter)
 *   otherwise:    W'[n] = ((W·γ_in)·γ_out)·γ + β (·d) materialised on the host in float32, then the per-sample conv.
 * Matches / Shapes / Units: as ts/ref/conv2d_per_sample.ts `conv2dModulated` (weight shared or per sample).
 * Numerics: float32; within 2·(2·C_in/groups·k_h·k_w + 8)·u·Σ|terms| of the reference (spec/conv2d_per_sample.test.ts).
 * @throws as checkConv2dModulated (before any WASM work); BackendError before `init()`.
 * @see ts/ref/conv2d_per_sample.ts · as/channel_affine.ts · spec/conv2d_per_sample.test.ts
 */
export function conv2dModulated(input: Tensor, weight: Tensor, bias: Tensor | null, modulation: WeightModulation, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2dModulated('conv2d_modulated', input, weight, bias, modulation, options);
  const k = kernels();
  const { N, C_in, C_out, cinPerGroup, coutPerGroup, k_h, k_w, H, W, H_out, W_out } = g;
  const T = k_h * k_w, S = C_out * cinPerGroup * T, size = N * C_out * H_out * W_out, P = H_out * W_out;
  const perSample = weight.rank === 5, { gamma_in, gamma_out, gamma, beta, demodulate } = modulation, eps = modulation.eps ?? 1e-8;
  const wAt = (n: number, e: number) => weight.data[(perSample ? n * S : 0) + e];
  const cIn = (o: number, e: number) => Math.floor(o / coutPerGroup) * cinPerGroup + Math.floor((e % (cinPerGroup * T)) / T);

  if (gamma || beta) {
    // materialise W'[n] (float32, the order of the definition), demodulate per filter, then the per-sample conv
    const kernels = new Float32Array(N * S), f = Math.fround;
    for (let n = 0; n < N; n++) for (let o = 0; o < C_out; o++) {
      let sumSq = 0;
      for (let e = o * cinPerGroup * T; e < (o + 1) * cinPerGroup * T; e++) {
        let v = wAt(n, e);
        if (gamma_in) v = f(v * gamma_in.data[n * C_in + cIn(o, e)]);
        if (gamma_out) v = f(v * gamma_out.data[n * C_out + o]);
        if (gamma) v = f(v * gamma.data[n * S + e]);
        if (beta) v = f(v + beta.data[n * S + e]);
        kernels[n * S + e] = v;
        sumSq += v * v;
      }
      if (demodulate) {
        const d = f(1 / Math.sqrt(sumSq + eps));
        for (let e = o * cinPerGroup * T; e < (o + 1) * cinPerGroup * T; e++) kernels[n * S + e] = f(kernels[n * S + e] * d);
      }
    }
    const out = withArena((a) => {
      const x = a.upload(input.data), w = a.upload(kernels), b = bias ? a.upload(bias.data) : 0, y = a.alloc(size);
      perSampleConv(k, a, g, x, w, S, b, 0, y);
      return a.download(y, size);
    });
    return new Tensor(out, [N, C_out, H_out, W_out]);
  }

  // factorised: output scale s[n, o] = γ_out[n, o]·d[n, o] (d from W·γ_in·γ_out in float64)
  let scale: Float32Array | null = null;
  if (gamma_out || demodulate) {
    scale = new Float32Array(N * C_out);
    for (let n = 0; n < N; n++) for (let o = 0; o < C_out; o++) {
      const go = gamma_out ? gamma_out.data[n * C_out + o] : 1;
      let d = 1;
      if (demodulate) {
        // the (c, p, q) order of the filter, as cIn(o, e) walks it, with the index arithmetic hoisted (bit-identical)
        let sumSq = 0;
        const wd = weight.data, gi = gamma_in ? gamma_in.data : null, c0 = n * C_in + Math.floor(o / coutPerGroup) * cinPerGroup;
        let e = (perSample ? n * S : 0) + o * cinPerGroup * T;
        for (let c = 0; c < cinPerGroup; c++) {
          const gc = gi ? gi[c0 + c] : 1;
          for (let t = 0; t < T; t++, e++) {
            const v = wd[e] * gc * go;
            sumSq += v * v;
          }
        }
        d = 1 / Math.sqrt(sumSq + eps);
      }
      scale[n * C_out + o] = go * d;
    }
  }
  const out = withArena((a) => {
    let x = a.upload(input.data);
    if (gamma_in) {
      const xs = a.alloc(N * C_in * H * W), s = a.upload(gamma_in.data);
      k.channel_affine__f32x4(x, xs, s, 0, N * C_in, H * W);     // γ_in[n, c] for plane (n, c): N·C_in planes
      x = xs;
    }
    const w = a.upload(weight.data), b = bias ? a.upload(bias.data) : 0, y = a.alloc(size);
    perSampleConv(k, a, g, x, w, perSample ? S : 0, scale ? 0 : b, 0, y);
    if (scale) {
      const s = a.upload(scale);
      for (let n = 0; n < N; n++) k.channel_affine__f32x4(f32(y, n * C_out * P), f32(y, n * C_out * P), f32(s, n * C_out), b, C_out, P);
    }
    return a.download(y, size);
  });
  return new Tensor(out, [N, C_out, H_out, W_out]);
}
