/**
 * The reference backend: the executable specification. Every function is written straight from its
 * paper equation with direct loops and float64 accumulation, and shares no code with the WASM kernels
 * it judges (only core's argument checks, which both backends must apply identically).
 *
 * It exports exactly the members of `Ops` (ts/core/ops.ts) as functions, under the same names and with the
 * same signatures as ts/wasm/index.ts, plus `ops` (the Ops object, registered as backend 'ref').
 */
import type { Ops } from '../core/ops.js';
import { registerBackend } from '../core/backends.js';
import { conv2d } from './conv2d.js';
import { conv2dShiftSum, conv2dStageI, conv2dStageII } from './conv2d_shift_sum.js';
import { shift2d, shift2dAsConv } from './shift2d.js';
import { pad } from './pad.js';
import { unfold } from './unfold.js';
import { softmax, relu, gelu, add, axpby } from './activations.js';
import { linear } from './linear.js';
import { batchNorm2d, layerNorm } from './norm.js';
import { interpolate } from './interpolate.js';
import { localAttention } from './local_attention.js';
import { scaledDotProductAttention } from './scaled_dot_product_attention.js';
import { acmixFc, acmix, acmixForward } from './acmix.js';
import { c2f } from './c2f.js';
import { sigmoid } from './sigmoid.js';
import { hardswish } from './hardswish.js';
import { silu, hardsigmoid, tanh, leakyRelu } from './activations_extra.js';
import { maxPool2d, avgPool2d } from './pool2d.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d } from './adaptive_pool2d.js';
import { flatten } from './flatten.js';
import { cat, chunk } from './cat_chunk.js';
import { deformConv2d } from './deform_conv2d.js';
import { globalAvgPool2d } from './global_avg_pool2d.js';
import { conv2dPerSample, conv2dMixture, conv2dModulated } from './conv2d_per_sample.js';
import { involution2d } from './involution2d.js';
import { windowPartition, windowReverse, roll, windowAttention } from './window_attention.js';
import { mul } from './mul.js';
import { mean, amax } from './reduce.js';

export {
  conv2d, conv2dStageI, conv2dStageII, conv2dShiftSum, shift2d, shift2dAsConv, pad, unfold, softmax, linear, relu, gelu,
  sigmoid, hardswish, batchNorm2d, layerNorm, add, axpby, interpolate, globalAvgPool2d, localAttention, scaledDotProductAttention,
  silu, hardsigmoid, tanh, leakyRelu, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, flatten, cat, chunk,
  acmixFc, acmix, acmixForward, deformConv2d, conv2dPerSample, conv2dMixture, conv2dModulated, involution2d,
  windowPartition, windowReverse, roll, windowAttention,
  mul, mean, amax,
  c2f,
};

/** The reference Ops (what modules run with `{ backend: 'ref' }`, the default). */
export const ops: Ops = {
  name: 'ref',
  conv2d, conv2dStageI, conv2dStageII, conv2dShiftSum, shift2d, shift2dAsConv, pad, unfold, softmax, linear, relu, gelu,
  sigmoid, hardswish, batchNorm2d, layerNorm, add, axpby, interpolate, globalAvgPool2d, localAttention, scaledDotProductAttention,
  silu, hardsigmoid, tanh, leakyRelu, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, flatten, cat, chunk,
  acmixFc, acmix, acmixForward, deformConv2d, conv2dPerSample, conv2dMixture, conv2dModulated, involution2d,
  windowPartition, windowReverse, roll, windowAttention,
  mul, mean, amax,
  c2f,
};

registerBackend(ops);
