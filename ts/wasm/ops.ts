/**
 * The wasm backend's Ops. Ops with an AssemblyScript kernel run on WASM; the rest are delegated to the
 * reference implementation for now. The delegation is explicit and listed (`delegatedToRef`), shown by
 * `attnconv verify` and the registry — never silent.
 */
import type { Ops, OpName } from '../core/ops.js';
import { ops as refOps } from '../ref/index.js';
import { registerWasmOps } from '../nn/module.js';
import { deformConv2d as wasmDeformConv2d } from './deform_conv2d.js';
import { conv2dPerSample as wasmConv2dPerSample, conv2dMixture as wasmConv2dMixture, conv2dModulated as wasmConv2dModulated } from './conv2d_per_sample.js';
import { sigmoid as wasmSigmoid } from './sigmoid.js';
import { globalAvgPool2d as wasmGlobalAvgPool2d } from './global_avg_pool2d.js';
import { involution2d as wasmInvolution2d } from './involution2d.js';
import { conv2d } from './conv2d.js';
import { conv2dShiftSum } from './conv2d_shift_sum.js';
import { shift2d } from './shift2d.js';
import { pad } from './pad.js';
import { unfold } from './unfold.js';
import { softmax } from './softmax.js';
import { linear } from './linear.js';
import { relu } from './relu.js';
import { gelu } from './gelu.js';
import { batchNorm2d } from './batch_norm2d.js';
import { layerNorm } from './layer_norm.js';
import { add } from './add.js';
import { axpby } from './axpby.js';
import { interpolate } from './interpolate.js';
import { localAttention } from './local_attention.js';
import { acmixFc, acmixForward } from './acmix.js';

/** Ops implemented with WASM kernels. */
const native: Partial<Ops> = {
  conv2d, localAttention, acmixFc, acmixForward,
  conv2dShiftSum, shift2d, pad, unfold, softmax, linear, relu, gelu, batchNorm2d, layerNorm, add, axpby, interpolate,
};

// issue 4: deformable and per-sample-kernel convolution (ts/wasm/deform_conv2d.ts, ts/wasm/conv2d_per_sample.ts)
Object.assign(native, { deformConv2d: wasmDeformConv2d, conv2dPerSample: wasmConv2dPerSample, conv2dMixture: wasmConv2dMixture, conv2dModulated: wasmConv2dModulated });
Object.assign(native, { sigmoid: wasmSigmoid, globalAvgPool2d: wasmGlobalAvgPool2d, involution2d: wasmInvolution2d });

/** Op names the wasm backend currently delegates to `ref` (to be emptied by the SIMD-everywhere issue). */
export const delegatedToRef: OpName[] = (Object.keys(refOps) as (keyof Ops)[])
  .filter((k): k is OpName => k !== 'name' && !(k in native));

export const ops: Ops = { ...refOps, ...native, name: 'wasm' };

registerWasmOps(ops);
