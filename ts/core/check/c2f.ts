// Argument checks, option types and geometry of `c2f` (YOLOv8's C2f block as one op), shared by ts/ref and ts/wasm
// (they run before any work), and the batch-norm fold both backends and nn.Conv use.
import { Tensor, describe } from '../tensor.js';
import { ArgumentError, ShapeError, StateDictError, fmtContext, fmtShape } from '../errors.js';
import { expectRank } from '../geometry.js';
import { tensorArg, optionsArg, booleanArg, finiteArg, checkElements } from '../validate.js';

/** Options of `c2f`: Ultralytics' `shortcut`, and the batch norms' eps (Ultralytics models: 1e-3). */
export interface C2fOpOptions {
  /** residual inside each bottleneck (Ultralytics' Bottleneck adds it when c1 == c2, always true inside C2f); default false */
  shortcut?: boolean;
  /** eps of every BatchNorm2d; default 1e-3 (Ultralytics' initialize_weights) */
  eps?: number;
}

/** Parameters by Ultralytics' state_dict key: `<conv>.conv.weight` and `<conv>.bn.{weight,bias,running_mean,running_var}` for
 *  conv = cv1, cv2, m.<i>.cv1, m.<i>.cv2 (i < n); `*.num_batches_tracked` may be present and is ignored. */
export type C2fWeights = Readonly<Record<string, Tensor | undefined>>;

/** Everything the backends need, computed once from the input and the weight shapes. */
export interface C2fGeometry {
  N: number; H: number; W: number;
  /** input channels, hidden channels int(c2·e), output channels, bottleneck count, groups of each bottleneck's cv2 */
  c1: number; c: number; c2: number; n: number; g: number;
  shortcut: boolean; eps: number;
}

/** The Conv prefixes of a C2f with n bottlenecks, in forward order: cv1, m.0.cv1, m.0.cv2, …, cv2. */
export function c2fConvs(n: number): string[] {
  const out = ['cv1'];
  for (let i = 0; i < n; i++) out.push(`m.${i}.cv1`, `m.${i}.cv2`);
  out.push('cv2');
  return out;
}

const BN_KEYS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** Expected parameter shapes by state_dict key (batch-norm int buffers excluded). */
export function c2fParameterShapes(g: Pick<C2fGeometry, 'c1' | 'c' | 'c2' | 'n' | 'g'>): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  const conv = (prefix: string, out: number, inPerGroup: number, k: number) => {
    shapes[`${prefix}.conv.weight`] = [out, inPerGroup, k, k];
    for (const b of BN_KEYS) shapes[`${prefix}.bn.${b}`] = [out];
  };
  conv('cv1', 2 * g.c, g.c1, 1);
  for (let i = 0; i < g.n; i++) {
    conv(`m.${i}.cv1`, g.c, g.c, 3);
    conv(`m.${i}.cv2`, g.c, g.c / g.g, 3);
  }
  conv('cv2', g.c2, (2 + g.n) * g.c, 1);
  return shapes;
}

function weightsArg(op: string, weights: unknown): C2fWeights {
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights) || weights instanceof Tensor ||
      (Object.getPrototypeOf(weights) !== Object.prototype && Object.getPrototypeOf(weights) !== null)) {
    throw new ArgumentError(`${op}: weights must be a plain object of parameters by state_dict key (cv1.conv.weight, ...), got ${describe(weights)}`);
  }
  return weights as C2fWeights;
}

function weight(op: string, weights: C2fWeights, key: string): Tensor {
  const t = weights[key];
  if (t === undefined) throw new StateDictError(`${op}: parameter ${key} must be given, got none`, [key]);
  return tensorArg(op, `parameter ${key}`, t);
}

/**
 * Validates a `c2f` call and returns its geometry: input [N, c1, H, W]; cv1.conv.weight [2c, c1, 1, 1] gives c;
 * cv2.conv.weight [c2, (2+n)·c, 1, 1] gives n; m.0.cv2.conv.weight [c, c/g, 3, 3] gives g; every other parameter must
 * have the shape `c2fParameterShapes` states, and no other key may be given (except batch norms' num_batches_tracked).
 * @throws ArgumentError if input is not a Tensor, weights is not a plain object of Tensors, options is not a plain
 *         object or holds another key, shortcut is not a boolean or eps not a number.
 * @throws ParameterError if eps is not finite and ≥ 0.
 * @throws ShapeError if input is not rank 4, H or W is 0, its channels differ from cv1's input channels, cv1's output is odd, cv2's
 *         input is not a multiple (≥ 2) of c, or the groups do not divide c.
 * @throws StateDictError naming a missing key, a key with the wrong shape, or an unexpected key.
 * @throws ResourceError if the concatenation [N, (2+n)·c, H, W] exceeds the element limit.
 */
export function checkC2f(op: string, input: Tensor, weights: C2fWeights, options?: C2fOpOptions): C2fGeometry {
  tensorArg(op, 'input', input);
  weightsArg(op, weights);
  const o = optionsArg<C2fOpOptions>(op, options, ['shortcut', 'eps']);
  const shortcut = booleanArg(op, 'shortcut', o.shortcut, false);
  const eps = finiteArg(op, 'eps', o.eps, 1e-3, 0);
  expectRank(op, 'input', input.shape, 4, { input });
  const [N, c1, H, W] = input.shape;
  if (H < 1 || W < 1) throw new ShapeError(`${op}: the map must be at least 1x1, got H = ${H}, W = ${W} (input=${fmtShape(input.shape)}; PyTorch's conv2d refuses an empty map)`);
  const cv1 = weight(op, weights, 'cv1.conv.weight'), cv2 = weight(op, weights, 'cv2.conv.weight');
  const ctx = () => fmtContext({ input, 'cv1.conv.weight': cv1, 'cv2.conv.weight': cv2 });
  if (cv1.rank !== 4 || cv1.shape[1] !== c1 || cv1.shape[2] !== 1 || cv1.shape[3] !== 1 || cv1.shape[0] % 2 !== 0 || cv1.shape[0] < 2) {
    throw new ShapeError(`${op}: cv1.conv.weight must have shape [2c, c1 = input.shape[1] = ${c1}, 1, 1] with c ≥ 1, got ${fmtShape(cv1.shape)} (${ctx()})`);
  }
  const c = cv1.shape[0] / 2;
  if (cv2.rank !== 4 || cv2.shape[2] !== 1 || cv2.shape[3] !== 1 || cv2.shape[1] % c !== 0 || cv2.shape[1] < 2 * c) {
    throw new ShapeError(`${op}: cv2.conv.weight must have shape [c2, (2+n)·c, 1, 1] with c = ${c} and n ≥ 0, got ${fmtShape(cv2.shape)} (${ctx()})`);
  }
  const c2 = cv2.shape[0], n = cv2.shape[1] / c - 2;
  let g = 1;
  if (n > 0) {
    const m = weight(op, weights, 'm.0.cv2.conv.weight');
    if (m.rank !== 4 || m.shape[1] < 1 || c % m.shape[1] !== 0) {
      throw new ShapeError(`${op}: m.0.cv2.conv.weight must have shape [c, c/g, 3, 3] with c = ${c} and g dividing c, got ${fmtShape(m.shape)}`);
    }
    g = c / m.shape[1];
  }
  const geometry: C2fGeometry = { N, H, W, c1, c, c2, n, g, shortcut, eps };
  const expected = c2fParameterShapes(geometry);
  for (const [key, shape] of Object.entries(expected)) {
    const t = weight(op, weights, key);
    if (t.rank !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new StateDictError(`${op}: parameter ${key} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)} (c1 = ${c1}, c = ${c}, c2 = ${c2}, n = ${n}, g = ${g})`, [], [], [key]);
    }
  }
  const unexpected = Object.keys(weights).filter((k) => !(k in expected) && !k.endsWith('.bn.num_batches_tracked'));
  if (unexpected.length) throw new StateDictError(`${op}: unexpected parameters ${unexpected.join(', ')} for C2f(c1 = ${c1}, c2 = ${c2}, n = ${n})`, [], unexpected);
  checkElements(op, 'the concatenation [N, (2+n)·c, H, W]', [N, (2 + n) * c, H, W]);
  checkElements(op, 'the output [N, c2, H, W]', [N, c2, H, W]);
  return geometry;
}

/**
 * A batch norm (eval mode) folded into the bias-free convolution before it, as Ultralytics' `fuse_conv_and_bn`:
 *   s = γ / √(σ² + ε),  weight' = weight · s  (per output channel),  bias' = β − μ · s,
 * evaluated in float64 from the float32 parameters and rounded once to float32.
 * Shapes: weight [C_out, C_in/groups, k_h, k_w]; gamma, beta, mean, variance [C_out]. Returns weight' and bias' [C_out].
 * Numerics: each folded value within u·|exact| (one rounding); conv(x, weight') + bias' differs from bn(conv(x, weight))
 *   by rounding only.
 */
export function foldBatchNorm(weight: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, eps: number): { weight: Tensor; bias: Tensor } {
  const C = weight.shape[0], per = weight.size / C;
  const w = new Float32Array(weight.size), b = new Float32Array(C);
  for (let o = 0; o < C; o++) {
    const s = gamma.data[o] / Math.sqrt(variance.data[o] + eps);
    for (let i = 0; i < per; i++) w[o * per + i] = weight.data[o * per + i] * s;
    b[o] = beta.data[o] - mean.data[o] * s;
  }
  return { weight: new Tensor(w, weight.shape), bias: new Tensor(b, [C]) };
}

/** The Conv `prefix` of a checked weights record with its batch norm folded (foldBatchNorm). */
export function foldedConv(weights: C2fWeights, prefix: string, eps: number): { weight: Tensor; bias: Tensor } {
  const t = (k: string) => weights[`${prefix}.${k}`] as Tensor;
  return foldBatchNorm(t('conv.weight'), t('bn.weight'), t('bn.bias'), t('bn.running_mean'), t('bn.running_var'), eps);
}
