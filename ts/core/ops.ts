import type { Tensor } from './tensor.js';
import type { Conv2dOptions, IntPair } from './geometry.js';
import type { ACmixConfig, ACmixResult, ACmixTrace, ACmixWeights } from '../ref/acmix.js';

/**
 * The operator set both backends implement with identical signatures and semantics. Modules (ts/nn)
 * are written once against it; `ref` (ts/ref) is the executable spec, `wasm` (ts/wasm) the fast path.
 * Every member is registered in ts/registry.ts with its paper anchor and FLOP formula.
 */
export interface Ops {
  readonly name: 'ref' | 'wasm';
  conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
  conv2dShiftSum(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
  shift2d(input: Tensor, shifts: readonly [number, number] | readonly (readonly [number, number])[]): Tensor;
  pad(input: Tensor, pad: readonly number[], mode?: 'constant' | 'reflect' | 'replicate', value?: number): Tensor;
  unfold(input: Tensor, kernel_size: IntPair, options?: { dilation?: IntPair; padding?: IntPair; stride?: IntPair }): Tensor;
  softmax(input: Tensor, dim: number): Tensor;
  linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  relu(input: Tensor): Tensor;
  gelu(input: Tensor, approximate?: 'none' | 'tanh'): Tensor;
  batchNorm2d(input: Tensor, running_mean: Tensor, running_var: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
  layerNorm(input: Tensor, normalized_shape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  axpby(alpha: number, x: Tensor, beta: number, y: Tensor): Tensor;
  interpolate(input: Tensor, options: { size: readonly [number, number]; mode?: 'bilinear'; align_corners?: boolean }): Tensor;
  localAttention(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: { head: number; kernel_att: number; stride?: number; dilation?: number }): Tensor;
  acmixFc(q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, head: number): Tensor;
  /** Optional fused ACmix forward (same result as ts/ref/acmix.ts `acmixForward`'s composition, which delegates to it). */
  acmixForward?(input: Tensor, weights: ACmixWeights, config: ACmixConfig, trace?: ACmixTrace): ACmixResult;
  // issue 4 (dynamic / deformable convolution): optional while a backend may lack them.
  sigmoid?(input: Tensor): Tensor;
  deformConv2d?(input: Tensor, offset: Tensor, weight: Tensor, bias?: Tensor | null, options?: { stride?: IntPair; padding?: IntPair; dilation?: IntPair; mask?: Tensor | null }): Tensor;
  globalAvgPool2d?(input: Tensor): Tensor;
  conv2dPerSample?(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
  conv2dMixture?(input: Tensor, weight: Tensor, bias: Tensor | null, routing: Tensor, options?: Conv2dOptions): Tensor;
  conv2dModulated?(input: Tensor, weight: Tensor, bias: Tensor | null, modulation: { gamma_in?: Tensor | null; gamma_out?: Tensor | null; gamma?: Tensor | null; beta?: Tensor | null; demodulate?: boolean; eps?: number }, options?: Conv2dOptions): Tensor;
  involution2d?(input: Tensor, kernel: Tensor, options: { kernel_size: IntPair; stride?: IntPair; padding?: IntPair; dilation?: IntPair }): Tensor;
}

/** The op names of `Ops` (everything but `name`). */
export type OpName = Exclude<keyof Ops, 'name'>;
