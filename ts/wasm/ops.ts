/**
 * The wasm backend's Ops: every member of `Ops` (ts/core/ops.ts) composed from the AssemblyScript kernels.
 * Typed `Ops`, so a missing op fails to compile; nothing is delegated to another backend.
 */
import type { Ops } from '../core/ops.js';
import { conv2d } from './conv2d.js';
import { conv2dShiftSum, conv2dStageI, conv2dStageII } from './conv2d_shift_sum.js';
import { shift2d, shift2dAsConv } from './shift2d.js';
import { pad } from './pad.js';
import { unfold } from './unfold.js';
import { softmax } from './softmax.js';
import { linear } from './linear.js';
import { relu } from './relu.js';
import { gelu } from './gelu.js';
import { sigmoid } from './sigmoid.js';
import { hardswish } from './hardswish.js';
import { silu } from './silu.js';
import { hardsigmoid } from './hardsigmoid.js';
import { tanh } from './tanh.js';
import { leakyRelu } from './leaky_relu.js';
import { maxPool2d } from './max_pool2d.js';
import { avgPool2d } from './avg_pool2d.js';
import { adaptiveAvgPool2d } from './adaptive_avg_pool2d.js';
import { adaptiveMaxPool2d } from './adaptive_max_pool2d.js';
import { flatten } from './flatten.js';
import { cat } from './cat.js';
import { chunk } from './chunk.js';
import { batchNorm2d } from './batch_norm2d.js';
import { layerNorm } from './layer_norm.js';
import { add } from './add.js';
import { axpby } from './axpby.js';
import { interpolate } from './interpolate.js';
import { globalAvgPool2d } from './global_avg_pool2d.js';
import { localAttention } from './local_attention.js';
import { scaledDotProductAttention } from './scaled_dot_product_attention.js';
import { acmixFc, acmix, acmixForward } from './acmix.js';
import { c2f } from './c2f.js';
import { deformConv2d } from './deform_conv2d.js';
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

/** The wasm Ops (what modules run with `{ backend: 'wasm' }` after `await wasm.init()`). */
export const ops: Ops = {
  name: 'wasm',
  conv2d, conv2dStageI, conv2dStageII, conv2dShiftSum, shift2d, shift2dAsConv, pad, unfold, softmax, linear, relu, gelu,
  sigmoid, hardswish, batchNorm2d, layerNorm, add, axpby, interpolate, globalAvgPool2d, localAttention, scaledDotProductAttention,
  silu, hardsigmoid, tanh, leakyRelu, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, flatten, cat, chunk,
  acmixFc, acmix, acmixForward, deformConv2d, conv2dPerSample, conv2dMixture, conv2dModulated, involution2d,
  windowPartition, windowReverse, roll, windowAttention,
  mul, mean, amax,
  c2f,
};
