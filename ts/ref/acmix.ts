import { Tensor } from '../core/tensor.js';
import { ShapeError, StateDictError, UnsupportedShapeError, ParameterError, fmtContext, fmtShape } from '../core/errors.js';
import { expectRank, positiveInt } from '../core/geometry.js';
import type { ACmixHooks } from '../core/ops.js';
import { type ACmixOptions, type ACmixWeights, type ACmixConfig, type ACmixResult, acmixConfigFromWeights, checkACmix, acmixPosition, checkAcmixFc } from '../core/check/acmix.js';
import { conv2d } from './conv2d.js';
import { localAttention } from './local_attention.js';
import { axpby } from './activations.js';

/**
 * ACmix's light fully connected layer of the convolution path: maps the 3·head projected feature maps
 * (query, key and value of every head) to k_conv² maps per head_dim channel, laid out for dep_conv.
 *
 * Paper:   ACmix §4.1, "convolution path": "a light fully connected layer … generates k² feature maps";
 *          official code: fc = Conv2d(3·head, k², 1, bias=False) applied to cat(q, k, v) viewed as
 *          [N, 3·head, head_dim, H·W], then permuted to [N, head_dim, k², H·W].
 * Equation: f[n, d·T + t, i, j] = Σ_{m < 3·head} fc[t, m] · z_m[n, (m mod head)·head_dim + d, i, j],
 *           z_m = q for m < head, k for head ≤ m < 2·head, v above; T = k_conv².
 * Shapes:  q, k, v [N, C, H, W] (C = head·head_dim), fc_weight [T, 3·head, 1, 1] → [N, head_dim·T, H, W]
 * Numerics: float64 accumulation, one rounding.   Cost: 2 · N · T · 3·head · head_dim · H · W FLOPs.
 * @throws ShapeError if shapes disagree.
 */
export function acmixFc(q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, options: { head: number }): Tensor {
  const { N, C, H, W, T, head_dim, head } = checkAcmixFc('acmix_fc', q, k, v, fc_weight, options);
  const plane = H * W;
  const z = [q, k, v];
  const out = new Float32Array(N * head_dim * T * plane);
  for (let n = 0; n < N; n++) for (let d = 0; d < head_dim; d++) for (let t = 0; t < T; t++) for (let ij = 0; ij < plane; ij++) {
    let acc = 0;
    for (let m = 0; m < 3 * head; m++) {
      const src = z[Math.floor(m / head)];
      acc += fc_weight.data[t * 3 * head + m] * src.data[(n * C + (m % head) * head_dim + d) * plane + ij];
    }
    out[((n * head_dim + d) * T + t) * plane + ij] = acc;
  }
  return new Tensor(out, [N, head_dim * T, H, W]);
}

/**
 * One ACmix forward: the official module, step by step, on the reference ops (the spec of the block).
 *
 * Paper:   Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022, arXiv:2111.14556.
 *   Stage I (§4.1):   q, k, v = three 1x1 convolutions of the input (Eq. 10; shared by both paths).
 *   Stage II, attention path (§3.2, Eq. 8-9): local self-attention over k_att × k_att windows with the
 *                     official relative position term pe = conv_p(position grid).
 *   Stage II, convolution path (§4.1 + §4.2): fc maps 3·head features to k_conv² maps per channel, then the
 *                     grouped dep_conv (initialised to the shift kernels of Eq. 13-15) shifts and sums them.
 *   Output (Eq. 12):  F_out = rate1 · F_att + rate2 · F_conv.
 * Matches: LeapLabTHU/ACmix ResNet/test_bottleneck.py `ACmix.forward` (numerically; independently written).
 * Shapes:  input [N, in_planes, H, W] → output [N, out_planes, H/stride, W/stride]; q, k, v [N, out_planes, H, W],
 *          pe [1, head_dim, H, W], outAtt and outConv as the output.
 * Numerics: each step is the reference op (float64 accumulation, one rounding per op's output).
 * Hooks:   `hooks.onStage(stage)` after stage I, the attention path, the conv path and the mix (Eq. 12).
 * @throws as checkACmix (everything is validated before the first op runs).
 * @see ts/wasm/acmix.ts (the same block fused) · ts/nn/acmix.ts · spec/acmix.test.ts
 */
export function acmixForward(input: Tensor, weights: ACmixWeights, c: ACmixConfig, hooks: ACmixHooks = {}): ACmixResult {
  checkACmix('acmix', input, weights, c, hooks);
  const w = (key: string) => weights[key] as Tensor;
  const [, , H, W] = input.shape;
  // Stage I: the three shared 1x1 projections (Eq. 10).
  const q = conv2d(input, w('conv1.weight'), w('conv1.bias'));
  const k = conv2d(input, w('conv2.weight'), w('conv2.bias'));
  const v = conv2d(input, w('conv3.weight'), w('conv3.bias'));
  hooks.onStage?.('stage_i');
  // Stage II, attention path: positional map, then windowed attention (Eq. 8-9).
  const pe = conv2d(acmixPosition(H, W), w('conv_p.weight'), w('conv_p.bias'));
  const outAtt = localAttention(q, k, v, pe, { head: c.head, kernel_att: c.kernel_att, stride: c.stride, dilation: c.dilation });
  hooks.onStage?.('stage_ii_attention');
  // Stage II, convolution path: light fc, then shift-and-sum as a grouped conv (Eq. 13-15).
  const fConv = acmixFc(q, k, v, w('fc.weight'), { head: c.head });
  const outConv = conv2d(fConv, w('dep_conv.weight'), weights['dep_conv.bias'] ?? null, { groups: c.head_dim, padding: 1, stride: c.stride });
  hooks.onStage?.('stage_ii_conv');
  // Eq. (12)
  const output = axpby(w('rate1').data[0], outAtt, w('rate2').data[0], outConv);
  hooks.onStage?.('mix');
  return { output, outAtt, outConv, q, k, v, pe };
}

/**
 * Functional ACmix block: the output of `acmixForward`. `in_planes`/`out_planes` are read from conv1.weight,
 * the other hyper-parameters from `options` (official defaults kernel_att 7, head 4, kernel_conv 3, stride 1).
 * Shapes: input [N, in_planes, H, W] → [N, out_planes, H/stride, W/stride].
 * @throws StateDictError if conv1.weight is missing or not rank 4; otherwise as acmixForward.
 */
export function acmix(input: Tensor, weights: ACmixWeights, options: ACmixOptions = {}): Tensor {
  return acmixForward(input, weights, acmixConfigFromWeights('acmix', weights, options)).output;
}
