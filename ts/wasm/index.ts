/**
 * The WASM backend: the same functions as ts/ref/index.ts, under the same names and with the same
 * signatures, composed from the AssemblyScript SIMD kernels (as/). Call `await init()` once first.
 * Importing this module registers the backend as 'wasm' (ts/core/backends.ts).
 */
import { registerBackend } from '../core/backends.js';
import { ops } from './ops.js';

export {
  conv2d, conv2dStageI, conv2dStageII, conv2dShiftSum, shift2d, shift2dAsConv, pad, unfold, softmax, linear, relu, gelu,
  sigmoid, hardswish, batchNorm2d, layerNorm, add, axpby, interpolate, globalAvgPool2d, localAttention, scaledDotProductAttention,
  silu, hardsigmoid, tanh, leakyRelu, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, flatten, cat, chunk,
  acmixFc, acmix, acmixForward, deformConv2d, conv2dPerSample, conv2dMixture, conv2dModulated, involution2d,
  windowPartition, windowReverse, roll, windowAttention, ops,
  mul, mean, amax,
  c2f,
} from './ops.js';
export { init, isReady, simdSupported, type InitOptions, type WasmBuild } from './module.js';
export { arenaStats } from './arena.js';
export { variant, threads, dispose } from './module.js';
export { relaxedSimdSupported, type KernelVariant } from './variants.js';

registerBackend(ops);
