// Argument checks, option types and geometry of `conv2d_per_sample`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ArgumentError, ParameterError, ShapeError, fmtContext, fmtShape, fmtValue } from '../errors.js';
import { conv2dGeometry, expectRank, type Conv2dGeometry, type Conv2dOptions } from '../geometry.js';
import { tensorArg, optionalTensor, shapedArg, optionsArg, booleanArg, checkElements } from '../validate.js';

const shapeOf = (t: Tensor | null | undefined) => (t ? fmtShape(t.shape) : 'null');

/** Anything with a shape (checks need no data). */
export type Shaped = { readonly shape: readonly number[] };

/**
 * Validates conv2d_per_sample arguments (shared by ref and wasm, before any work).
 * @throws ShapeError if weight is not [N, C_out, C_in/groups, k_h, k_w] for the input's N, bias is not
 *         [N, C_out], or as conv2d for the per-sample geometry; ParameterError as conv2d.
 */
export function checkConv2dPerSample(
  op: string, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dOptions = {},
): Conv2dGeometry {
  tensorArg(op, 'input', input);
  tensorArg(op, 'weight', weight);
  optionalTensor(op, 'bias', bias);
  options = optionsArg<Conv2dOptions>(op, options);
  const ctx = () => fmtContext({ input, weight, ...(bias ? { bias } : {}), ...options });
  expectRank(op, 'input', input.shape, 4, { input, weight });
  expectRank(op, 'weight', weight.shape, 5, { input, weight });
  if (weight.shape[0] !== input.shape[0]) throw new ShapeError(`${op}: weight.shape[0] must equal N = ${input.shape[0]} (one kernel per sample), got ${weight.shape[0]} (${ctx()})`);
  const g = conv2dGeometry(op, input.shape, weight.shape.slice(1), null, options);
  if (bias && (bias.rank !== 2 || bias.shape[0] !== g.N || bias.shape[1] !== g.C_out)) {
    throw new ShapeError(`${op}: bias must have shape [N, C_out] = [${g.N},${g.C_out}], got ${fmtShape(bias.shape)} (${ctx()})`);
  }
  return g;
}

/**
 * Validates conv2d_mixture arguments (shared by ref and wasm, before any work).
 * @throws ShapeError if weight is not [K, C_out, C_in/groups, k_h, k_w], bias not [K, C_out], routing not
 *         [N, K] (the routing weights of the wrong length), or as conv2d; ParameterError as conv2d.
 */
export function checkConv2dMixture(
  op: string, input: Shaped, weight: Shaped, bias: Shaped | null | undefined, routing: Shaped, options: Conv2dOptions = {},
): Conv2dGeometry & { K: number } {
  // The functional op takes Tensors only; a module's geometry check (op = its class name) may pass { shape } objects.
  const shapeOnly = op !== 'conv2d_mixture';
  shapedArg(op, 'input', input, shapeOnly);
  tensorArg(op, 'weight', weight);
  optionalTensor(op, 'bias', bias);
  shapedArg(op, 'routing', routing, shapeOnly);
  options = optionsArg<Conv2dOptions>(op, options);
  const ctx = () => fmtContext({ input, weight, ...(bias ? { bias } : {}), routing, ...options });
  expectRank(op, 'input', input.shape, 4, { input, weight, routing });
  expectRank(op, 'weight', weight.shape, 5, { input, weight, routing });
  expectRank(op, 'routing', routing.shape, 2, { input, weight, routing });
  const K = weight.shape[0];
  if (K < 1) throw new ShapeError(`${op}: weight.shape[0] (experts K) must be ≥ 1, got ${K} (${ctx()})`);
  if (routing.shape[0] !== input.shape[0] || routing.shape[1] !== K) {
    throw new ShapeError(`${op}: routing must have shape [N, K] = [${input.shape[0]},${K}] (one weight per sample and expert), got ${fmtShape(routing.shape)} (${ctx()})`);
  }
  const g = conv2dGeometry(op, input.shape, weight.shape.slice(1), null, options);
  if (bias && (bias.shape.length !== 2 || bias.shape[0] !== K || bias.shape[1] !== g.C_out)) {
    throw new ShapeError(`${op}: bias must have shape [K, C_out] = [${K},${g.C_out}], got ${fmtShape(bias.shape)} (${ctx()})`);
  }
  checkElements(op, 'the per-sample kernels [N, C_out, C_in/groups, k_h, k_w]', [g.N, g.C_out, g.cinPerGroup, g.k_h, g.k_w]);
  return { ...g, K };
}

/** The modulation of conv2dModulated: every member optional (absent = 1 for scales, 0 for beta). */
export interface WeightModulation {
  /** per sample and input channel [N, C_in]: W[o, c, ·] · γ_in[n, g(o)·C_in/groups + c] (StyleGAN2's styles) */
  gamma_in?: Tensor | null;
  /** per sample and output channel [N, C_out]: W[o, ·] · γ_out[n, o] */
  gamma_out?: Tensor | null;
  /** full per-sample scale [N, C_out, C_in/groups, k_h, k_w] */
  gamma?: Tensor | null;
  /** full per-sample additive term [N, C_out, C_in/groups, k_h, k_w] */
  beta?: Tensor | null;
  /** StyleGAN2 demodulation: each output filter of the modulated kernel scaled by 1/√(Σ W'² + eps) */
  demodulate?: boolean;
  /** demodulation epsilon (StyleGAN2: 1e-8) */
  eps?: number;
}

/**
 * Validates conv2d_modulated arguments (shared by ref and wasm, before any work).
 * @throws ShapeError if a rank-5 weight is not per sample (shape[0] ≠ N), gamma_in is not [N, C_in], gamma_out not [N, C_out], gamma / beta not
 *         [N, C_out, C_in/groups, k_h, k_w], bias not [C_out], or as conv2d.
 * @throws ParameterError if eps is negative or not finite, or as conv2d.
 */
export function checkConv2dModulated(
  op: string, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, mod: WeightModulation, options: Conv2dOptions = {},
): Conv2dGeometry {
  tensorArg(op, 'input', input);
  tensorArg(op, 'weight', weight);
  optionalTensor(op, 'bias', bias);
  if (mod === undefined) throw new ArgumentError(`${op}: modulation must be a plain object { gamma_in, gamma_out, gamma, beta, demodulate, eps } (each optional), got undefined`);
  mod = optionsArg<WeightModulation>(op, mod, undefined, 'modulation');
  for (const key of ['gamma_in', 'gamma_out', 'gamma', 'beta'] as const) optionalTensor(op, `modulation.${key}`, mod[key]);
  booleanArg(op, 'modulation.demodulate', mod.demodulate, false);
  options = optionsArg<Conv2dOptions>(op, options);
  // weight: one kernel shared by the batch [C_out, C_in/groups, k_h, k_w], or per sample [N, C_out, C_in/groups, k_h, k_w]
  if (weight.rank === 5 && weight.shape[0] !== input.shape[0]) {
    throw new ShapeError(`${op}: a per-sample weight must have weight.shape[0] = N = ${input.shape[0]}, got ${weight.shape[0]} (input=${fmtShape(input.shape)}, weight=${fmtShape(weight.shape)})`);
  }
  const g = conv2dGeometry(op, input.shape, weight.rank === 5 ? weight.shape.slice(1) : weight.shape, bias ? bias.shape : null, options);
  const ctx = () => `input=${fmtShape(input.shape)}, weight=${fmtShape(weight.shape)}, gamma_in=${shapeOf(mod.gamma_in)}, gamma_out=${shapeOf(mod.gamma_out)}, gamma=${shapeOf(mod.gamma)}, beta=${shapeOf(mod.beta)}`;
  const expect = (name: string, t: Tensor | null | undefined, shape: number[]) => {
    if (t && (t.rank !== shape.length || t.shape.some((s, i) => s !== shape[i]))) {
      throw new ShapeError(`${op}: ${name} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)} (${ctx()})`);
    }
  };
  expect('gamma_in', mod.gamma_in, [g.N, g.C_in]);
  expect('gamma_out', mod.gamma_out, [g.N, g.C_out]);
  expect('gamma', mod.gamma, [g.N, g.C_out, g.cinPerGroup, g.k_h, g.k_w]);
  expect('beta', mod.beta, [g.N, g.C_out, g.cinPerGroup, g.k_h, g.k_w]);
  const eps = mod.eps ?? 1e-8;
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ParameterError(`${op}: eps must be a finite number ≥ 0, got ${fmtValue(mod.eps)}`);
  checkElements(op, 'the per-sample kernels [N, C_out, C_in/groups, k_h, k_w]', [g.N, g.C_out, g.cinPerGroup, g.k_h, g.k_w]);
  return g;
}
