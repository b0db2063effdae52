/**
 * attnconv: the executable specification and a WASM SIMD CPU runtime for the operators where convolution
 * meets attention (Shift, two-stage convolution, local attention, ACmix, ...). PyTorch semantics, NCHW float32.
 *
 *   import { Tensor, ref, wasm, nn, io } from 'attnconv';
 *   await wasm.init();
 *   const y = wasm.conv2d(x, w, b, { stride: 1, padding: 1 });
 */
export { Tensor } from './core/tensor.js';
export * from './core/errors.js';
export { setLimits, getLimits, DEFAULT_MAX_ELEMENTS, type Limits } from './core/validate.js';
export type { Ops, OpName } from './core/ops.js';
export type { Conv2dOptions, IntPair } from './core/geometry.js';
export * as ref from './ref/index.js';
export * as wasm from './wasm/index.js';
export { simdSupported } from './wasm/module.js';
export * as nn from './nn/index.js';
export * as io from './io/index.js';
export { registry, type OpEntry } from './registry.js';
