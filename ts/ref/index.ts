/**
 * The reference backend: the executable specification. Every function is written straight from its
 * paper equation with direct loops and float64 accumulation, and shares no code with the WASM kernels
 * it judges (only the argument checks, which both backends must apply identically).
 */
import type { Ops } from '../core/ops.js';
import { conv2d } from './conv2d.js';
import { conv2dShiftSum, conv2dStageI, conv2dStageII } from './conv2d_shift_sum.js';
import { shift2d, shift2dAsConv, shiftKernel, shiftKernels } from './shift2d.js';
import { pad } from './pad.js';
import { unfold } from './unfold.js';
import { softmax, relu, gelu, add, axpby, erf } from './activations.js';
import { linear } from './linear.js';
import { batchNorm2d, layerNorm } from './norm.js';
import { interpolate, linspace } from './interpolate.js';
import { localAttention, localAttentionWeights } from './local_attention.js';
import { acmixFc, acmixPosition, acmixForward, acmixConfig, acmixWith, type ACmixWeights, type ACmixOptions } from './acmix.js';
import { sigmoid } from './sigmoid.js';
import { deformConv2d } from './deform_conv2d.js';
import { globalAvgPool2d } from './global_avg_pool2d.js';
import { conv2dPerSample, conv2dMixture, conv2dModulated } from './conv2d_per_sample.js';
import { involution2d } from './involution2d.js';
import type { Tensor } from '../core/tensor.js';

export {
  conv2d, conv2dShiftSum, conv2dStageI, conv2dStageII, shift2d, shift2dAsConv, shiftKernel, shiftKernels, pad, unfold,
  softmax, relu, gelu, erf, add, axpby, linear, batchNorm2d, layerNorm, interpolate, linspace,
  localAttention, localAttentionWeights, acmixFc, acmixPosition, acmixForward, acmixConfig,
  sigmoid, deformConv2d, globalAvgPool2d, conv2dPerSample, conv2dMixture, conv2dModulated, involution2d,
};

/** The reference Ops (what modules call with `{ backend: 'ref' }`). */
export const ops: Ops = {
  name: 'ref', conv2d, conv2dShiftSum, shift2d, pad, unfold, softmax, linear, relu, gelu, batchNorm2d, layerNorm,
  add, axpby, interpolate, localAttention, acmixFc,
  sigmoid, deformConv2d, globalAvgPool2d, conv2dPerSample, conv2dMixture, conv2dModulated, involution2d,
};

/**
 * Functional ACmix (the official module's forward) on the reference backend.
 * Shapes: input [N, in_planes, H, W] → [N, out_planes, H/stride, W/stride]; `weights` by state_dict key.
 * @throws as acmixForward.  @see ts/ref/acmix.ts
 */
export function acmix(input: Tensor, weights: ACmixWeights, options: ACmixOptions = {}): Tensor {
  return acmixWith(ops, input, weights, options);
}
