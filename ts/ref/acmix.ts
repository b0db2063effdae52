import { Tensor } from '../core/tensor.js';
import { ShapeError, StateDictError, UnsupportedShapeError, ParameterError, fmtContext, fmtShape } from '../core/errors.js';
import { expectRank, positiveInt } from '../core/geometry.js';
import type { Ops } from '../core/ops.js';
import { localAttentionGeometry } from './local_attention.js';
import { linspace } from './interpolate.js';

/** ACmix hyper-parameters under the official `ACmix(in_planes, out_planes, kernel_att, head, kernel_conv, stride, dilation)` names. */
export interface ACmixOptions {
  kernel_att?: number;
  head?: number;
  kernel_conv?: number;
  stride?: number;
  dilation?: number;
}

/** Parameters by state_dict key: conv1/2/3.{weight,bias}, conv_p.{weight,bias}, fc.weight, dep_conv.weight,
 *  optional dep_conv.bias (absent after the official reset_parameters), rate1, rate2. */
export type ACmixWeights = Record<string, Tensor | null | undefined>;

export interface ACmixConfig {
  in_planes: number; out_planes: number; kernel_att: number; head: number; kernel_conv: number;
  stride: number; dilation: number; head_dim: number;
}

/** Expected parameter shapes of ACmix by state_dict key (dep_conv.bias optional). */
export function acmixParameterShapes(c: ACmixConfig): Record<string, number[]> {
  const T = c.kernel_conv * c.kernel_conv;
  return {
    rate1: [1], rate2: [1],
    'conv1.weight': [c.out_planes, c.in_planes, 1, 1], 'conv1.bias': [c.out_planes],
    'conv2.weight': [c.out_planes, c.in_planes, 1, 1], 'conv2.bias': [c.out_planes],
    'conv3.weight': [c.out_planes, c.in_planes, 1, 1], 'conv3.bias': [c.out_planes],
    'conv_p.weight': [c.head_dim, 2, 1, 1], 'conv_p.bias': [c.head_dim],
    'fc.weight': [T, 3 * c.head, 1, 1],
    'dep_conv.weight': [c.out_planes, T, c.kernel_conv, c.kernel_conv],
  };
}

/**
 * Validates ACmix's hyper-parameters as the official module can run them.
 * @throws ParameterError on non-integer / non-positive values and out_planes not divisible by head.
 * @throws UnsupportedShapeError for kernel_conv ≠ 3 (the official dep_conv pads by 1 whatever its kernel,
 *         so the two paths would differ in size).
 */
export function acmixConfig(op: string, in_planes: number, out_planes: number, options: ACmixOptions = {}): ACmixConfig {
  const c = {
    in_planes: positiveInt(op, 'in_planes', in_planes),
    out_planes: positiveInt(op, 'out_planes', out_planes),
    kernel_att: positiveInt(op, 'kernel_att', options.kernel_att ?? 7),
    head: positiveInt(op, 'head', options.head ?? 4),
    kernel_conv: positiveInt(op, 'kernel_conv', options.kernel_conv ?? 3),
    stride: positiveInt(op, 'stride', options.stride ?? 1),
    dilation: positiveInt(op, 'dilation', options.dilation ?? 1),
    head_dim: 0,
  };
  if (c.out_planes % c.head !== 0) throw new ParameterError(`${op}: out_planes must be divisible by head = ${c.head}, got out_planes = ${c.out_planes}`);
  if (c.kernel_conv !== 3) {
    throw new UnsupportedShapeError(`${op}: kernel_conv must be 3: the official dep_conv pads by 1 for any kernel_conv, so with kernel_conv = ${c.kernel_conv} its output and the attention output differ in size and the official module cannot produce an output`);
  }
  c.head_dim = c.out_planes / c.head;
  return c;
}

/**
 * Validates an ACmix call before any work: input rank and channels, every parameter's shape, and the
 * spatial rules of the official module (see checkLocalAttention).
 * @throws ShapeError, UnsupportedShapeError, ParameterError, StateDictError (missing or mis-shaped parameter).
 */
export function checkACmix(op: string, input: Tensor, weights: ACmixWeights, c: ACmixConfig): void {
  expectRank(op, 'input', input.shape, 4, { input });
  if (input.shape[1] !== c.in_planes) throw new ShapeError(`${op}: input.shape[1] must equal in_planes = ${c.in_planes}, got ${input.shape[1]} (${fmtContext({ input })})`);
  const expected = acmixParameterShapes(c);
  for (const [key, shape] of Object.entries(expected)) {
    const t = weights[key];
    if (!t) throw new StateDictError(`${op}: parameter ${key} must be given with shape ${fmtShape(shape)}, got none`, [key]);
    if (t.rank !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new StateDictError(`${op}: parameter ${key} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`, [], [], [key]);
    }
  }
  const bias = weights['dep_conv.bias'];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== c.out_planes)) throw new StateDictError(`${op}: parameter dep_conv.bias must have shape [${c.out_planes}], got ${fmtShape(bias.shape)}`, [], [], ['dep_conv.bias']);
  localAttentionGeometry(op, [input.shape[0], c.out_planes, input.shape[2], input.shape[3]], c, () => fmtContext({ input, ...c }));
}

/**
 * The positional grid the official code feeds to conv_p: channel 0 = linspace(−1, 1, W) along the width,
 * channel 1 = linspace(−1, 1, H) along the height.
 * Paper:   ACmix §3.2 (relative position term of the official code).
 * Shapes:  → [1, 2, H, W].   Units: normalised coordinates in [−1, 1].
 */
export function acmixPosition(H: number, W: number): Tensor {
  const lw = linspace(-1, 1, W), lh = linspace(-1, 1, H);
  const out = new Float32Array(2 * H * W);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) { out[i * W + j] = lw[j]; out[H * W + i * W + j] = lh[i]; }
  return new Tensor(out, [1, 2, H, W]);
}

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
export function acmixFc(q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, head: number): Tensor {
  const { N, C, H, W, T, head_dim } = checkAcmixFc('acmix_fc', q, k, v, fc_weight, head);
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
 * Validates acmixFc's arguments (shared by ts/ref and ts/wasm) and returns its sizes.
 * @throws ParameterError on a non-positive head; ShapeError if q, k, v differ or are not rank 4,
 *         head ∤ C, or fc_weight is not [T, 3·head, 1, 1].
 */
export function checkAcmixFc(op: string, q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, head: number):
    { N: number; C: number; H: number; W: number; T: number; head_dim: number } {
  positiveInt(op, 'head', head);
  expectRank(op, 'q', q.shape, 4, { q, k, v, fc_weight });
  const [N, C, H, W] = q.shape;
  for (const t of [k, v]) if (t.rank !== 4 || t.shape.some((s, i) => s !== q.shape[i])) throw new ShapeError(`${op}: q, k, v must have equal shapes, got ${fmtContext({ q, k, v })}`);
  if (C % head !== 0) throw new ShapeError(`${op}: C = ${C} must be divisible by head = ${head} (${fmtContext({ q })})`);
  if (fc_weight.rank !== 4 || fc_weight.shape[1] !== 3 * head || fc_weight.shape[2] !== 1 || fc_weight.shape[3] !== 1) {
    throw new ShapeError(`${op}: fc_weight must have shape [T, 3·head = ${3 * head}, 1, 1], got ${fmtShape(fc_weight.shape)}`);
  }
  return { N, C, H, W, T: fc_weight.shape[0], head_dim: C / head };
}

/** The intermediates of one ACmix forward (for the demo, the paths' tests and stage timing). */
export interface ACmixResult {
  output: Tensor; outAtt: Tensor; outConv: Tensor; q: Tensor; k: Tensor; v: Tensor; pe: Tensor;
}

/** Stage timings in milliseconds, filled when passed to acmixForward. */
export interface ACmixTrace {
  stage_i_ms?: number;
  stage_ii_attention_ms?: number;
  stage_ii_conv_ms?: number;
  mix_ms?: number;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * One ACmix forward over any backend's Ops: the official module, step by step.
 *
 * Paper:   Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022, arXiv:2111.14556.
 *   Stage I (§4.1):   q, k, v = three 1x1 convolutions of the input (Eq. 10; shared by both paths).
 *   Stage II, attention path (§3.2, Eq. 8-9): local self-attention over k_att × k_att windows with the
 *                     official relative position term pe = conv_p(position grid).
 *   Stage II, convolution path (§4.1 + §4.2): fc maps 3·head features to k_conv² maps per channel, then the
 *                     grouped dep_conv (initialised to the shift kernels of Eq. 13-15) shifts and sums them.
 *   Output (Eq. 12):  F_out = rate1 · F_att + rate2 · F_conv.
 * Matches: LeapLabTHU/ACmix ResNet/test_bottleneck.py `ACmix.forward` (numerically; independently written).
 * Shapes:  input [N, in_planes, H, W] → output [N, out_planes, H/stride, W/stride].
 * @throws as checkACmix (everything is validated before the first op runs).
 */
export function acmixForward(ops: Ops, input: Tensor, weights: ACmixWeights, c: ACmixConfig, trace?: ACmixTrace): ACmixResult {
  checkACmix('acmix', input, weights, c);
  // A backend with a fused forward (ts/wasm/acmix.ts) runs the same steps in one pass; this composition stays the spec.
  if (ops.acmixForward) return ops.acmixForward(input, weights, c, trace);
  const w = (key: string) => weights[key] as Tensor;
  const [, , H, W] = input.shape;
  let t0 = now();
  // Stage I: the three shared 1x1 projections (Eq. 10).
  const q = ops.conv2d(input, w('conv1.weight'), w('conv1.bias'));
  const k = ops.conv2d(input, w('conv2.weight'), w('conv2.bias'));
  const v = ops.conv2d(input, w('conv3.weight'), w('conv3.bias'));
  let t1 = now();
  if (trace) trace.stage_i_ms = t1 - t0;
  // Stage II, attention path: positional map, then windowed attention (Eq. 8-9).
  const pe = ops.conv2d(acmixPosition(H, W), w('conv_p.weight'), w('conv_p.bias'));
  const outAtt = ops.localAttention(q, k, v, pe, { head: c.head, kernel_att: c.kernel_att, stride: c.stride, dilation: c.dilation });
  t0 = now();
  if (trace) trace.stage_ii_attention_ms = t0 - t1;
  // Stage II, convolution path: light fc, then shift-and-sum as a grouped conv (Eq. 13-15).
  const fConv = ops.acmixFc(q, k, v, w('fc.weight'), c.head);
  const outConv = ops.conv2d(fConv, w('dep_conv.weight'), weights['dep_conv.bias'] ?? null, { groups: c.head_dim, padding: 1, stride: c.stride });
  t1 = now();
  if (trace) trace.stage_ii_conv_ms = t1 - t0;
  // Eq. (12)
  const output = ops.axpby(w('rate1').data[0], outAtt, w('rate2').data[0], outConv);
  if (trace) trace.mix_ms = now() - t1;
  return { output, outAtt, outConv, q, k, v, pe };
}

/**
 * Functional ACmix block: `acmixForward` over the given Ops, returning the output only.
 * Shapes/throws as acmixForward. `in_planes`/`out_planes` are read from the input and conv1.weight.
 */
export function acmixWith(ops: Ops, input: Tensor, weights: ACmixWeights, options: ACmixOptions = {}): Tensor {
  const w1 = weights['conv1.weight'];
  if (!w1 || w1.rank !== 4) throw new StateDictError('acmix: parameter conv1.weight must be given as [out_planes, in_planes, 1, 1]', ['conv1.weight']);
  const c = acmixConfig('acmix', w1.shape[1], w1.shape[0], options);
  return acmixForward(ops, input, weights, c).output;
}
