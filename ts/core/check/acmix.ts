// Argument checks, option types and geometry of `acmix`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor, describe } from '../tensor.js';
import { ArgumentError, ShapeError, StateDictError, UnsupportedShapeError, ParameterError, fmtContext, fmtShape } from '../errors.js';
import { expectRank, positiveInt } from '../geometry.js';
import { tensorArg, optionalTensor, optionsArg, checkElements } from '../validate.js';
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
  options = optionsArg<ACmixOptions>(op, options);
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
export function checkACmix(op: string, input: Tensor, weights: ACmixWeights, c: ACmixConfig, hooks?: unknown): void {
  tensorArg(op, 'input', input);
  weightsArg(op, weights);
  checkConfig(op, c);
  if (hooks !== undefined) {
    const h = optionsArg<{ onStage?: unknown }>(op, hooks, undefined, 'hooks');
    if (h.onStage !== undefined && typeof h.onStage !== 'function') throw new ArgumentError(`${op}: hooks.onStage must be a function, got ${describe(h.onStage)}`);
  }
  expectRank(op, 'input', input.shape, 4, { input });
  if (input.shape[1] !== c.in_planes) throw new ShapeError(`${op}: input.shape[1] must equal in_planes = ${c.in_planes}, got ${input.shape[1]} (${fmtContext({ input })})`);
  const expected = acmixParameterShapes(c);
  for (const [key, shape] of Object.entries(expected)) {
    const t = optionalTensor(op, `parameter ${key}`, weights[key]);
    if (!t) throw new StateDictError(`${op}: parameter ${key} must be given with shape ${fmtShape(shape)}, got none`, [key]);
    if (t.rank !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new StateDictError(`${op}: parameter ${key} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`, [], [], [key]);
    }
  }
  const bias = optionalTensor(op, 'parameter dep_conv.bias', weights['dep_conv.bias']);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== c.out_planes)) throw new StateDictError(`${op}: parameter dep_conv.bias must have shape [${c.out_planes}], got ${fmtShape(bias.shape)}`, [], [], ['dep_conv.bias']);
  const g = localAttentionGeometry(op, [input.shape[0], c.out_planes, input.shape[2], input.shape[3]], c, () => fmtContext({ input, ...c }));
  checkElements(op, 'the projections q, k, v [N, out_planes, H, W]', [g.N, c.out_planes, g.H, g.W]);
  checkElements(op, 'the attention weights [N, head, k_att², H_out, W_out]', [g.N, g.head, g.kernel_att * g.kernel_att, g.H_out, g.W_out]);
  checkElements(op, 'the conv path [N, k_conv², head_dim, H, W]', [g.N, c.kernel_conv * c.kernel_conv, c.head_dim, g.H, g.W]);
}

/** The weights argument of acmix: a plain object (or null-prototype record) of parameters by state_dict key. */
function weightsArg(op: string, weights: unknown): void {
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights) || weights instanceof Tensor ||
      (Object.getPrototypeOf(weights) !== Object.prototype && Object.getPrototypeOf(weights) !== null)) {
    throw new ArgumentError(`${op}: weights must be a plain object of parameters by state_dict key (conv1.weight, ...), got ${describe(weights)}`);
  }
}

/**
 * A config given to acmixForward directly: a plain object whose fields pass acmixConfig and whose head_dim is
 * out_planes / head. @throws ArgumentError (not a plain object), ParameterError, UnsupportedShapeError.
 */
function checkConfig(op: string, c: unknown): asserts c is ACmixConfig {
  const o = optionsArg<Partial<ACmixConfig>>(op, c, undefined, 'config');
  // every field given (no defaults here: the backends read them as they are)
  for (const key of ['in_planes', 'out_planes', 'kernel_att', 'head', 'kernel_conv', 'stride', 'dilation', 'head_dim'] as const) positiveInt(op, `config.${key}`, o[key]);
  const v = acmixConfig(op, o.in_planes as number, o.out_planes as number, {
    kernel_att: o.kernel_att, head: o.head, kernel_conv: o.kernel_conv, stride: o.stride, dilation: o.dilation,
  });
  if (o.head_dim !== v.head_dim) throw new ParameterError(`${op}: config.head_dim must equal out_planes / head = ${v.head_dim}, got ${o.head_dim}`);
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
 * Validates acmixFc's arguments (shared by ts/ref and ts/wasm) and returns its sizes.
 * @throws ParameterError on a non-positive head; ShapeError if q, k, v differ or are not rank 4,
 *         head ∤ C, or fc_weight is not [T, 3·head, 1, 1].
 */
export function checkAcmixFc(op: string, q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, options: { head: number }):
    { N: number; C: number; H: number; W: number; T: number; head_dim: number; head: number } {
  tensorArg(op, 'q', q);
  tensorArg(op, 'k', k);
  tensorArg(op, 'v', v);
  tensorArg(op, 'fc_weight', fc_weight);
  const head = positiveInt(op, 'head', optionsArg<{ head?: number }>(op, options).head);
  expectRank(op, 'q', q.shape, 4, { q, k, v, fc_weight });
  const [N, C, H, W] = q.shape;
  for (const t of [k, v]) if (t.rank !== 4 || t.shape.some((s, i) => s !== q.shape[i])) throw new ShapeError(`${op}: q, k, v must have equal shapes, got ${fmtContext({ q, k, v })}`);
  if (C % head !== 0) throw new ShapeError(`${op}: C = ${C} must be divisible by head = ${head} (${fmtContext({ q })})`);
  if (fc_weight.rank !== 4 || fc_weight.shape[1] !== 3 * head || fc_weight.shape[2] !== 1 || fc_weight.shape[3] !== 1) {
    throw new ShapeError(`${op}: fc_weight must have shape [T, 3·head = ${3 * head}, 1, 1], got ${fmtShape(fc_weight.shape)}`);
  }
  checkElements(op, 'the output [N, head_dim, T, H, W]', [N, C / head, fc_weight.shape[0], H, W]);
  return { N, C, H, W, T: fc_weight.shape[0], head_dim: C / head, head };
}

/** The intermediates of one ACmix forward (for the demo, the paths' tests and stage timing). */
export interface ACmixResult {
  output: Tensor; outAtt: Tensor; outConv: Tensor; q: Tensor; k: Tensor; v: Tensor; pe: Tensor;
}

/**
 * The ACmix configuration of a functional call: in_planes / out_planes from conv1.weight [out, in, 1, 1], the
 * rest from `options` (validated as acmixConfig).
 * @throws StateDictError if conv1.weight is missing or not rank 4; ParameterError / UnsupportedShapeError as acmixConfig.
 */
export function acmixConfigFromWeights(op: string, weights: ACmixWeights, options: ACmixOptions = {}): ACmixConfig {
  weightsArg(op, weights);
  const w1 = optionalTensor(op, 'parameter conv1.weight', weights['conv1.weight']);
  if (!w1 || w1.rank !== 4) throw new StateDictError(`${op}: parameter conv1.weight must be given as [out_planes, in_planes, 1, 1], got ${w1 ? fmtShape(w1.shape) : 'none'}`, ['conv1.weight']);
  return acmixConfig(op, w1.shape[1], w1.shape[0], options);
}
