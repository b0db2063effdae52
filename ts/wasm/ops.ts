/**
 * The wasm backend's Ops. Ops with an AssemblyScript kernel run on WASM; the rest are delegated to the
 * reference implementation for now. The delegation is explicit and listed (`delegatedToRef`), shown by
 * `attnconv verify` and the registry — never silent.
 */
import type { Ops, OpName } from '../core/ops.js';
import { ops as refOps } from '../ref/index.js';
import { registerWasmOps } from '../nn/module.js';
import { conv2d } from './conv2d.js';
import { localAttention } from './local_attention.js';
import { acmixFc, acmixForward } from './acmix.js';

/** Ops implemented with WASM kernels. */
const native: Partial<Ops> = { conv2d, localAttention, acmixFc, acmixForward };

/** Op names the wasm backend currently delegates to `ref` (to be emptied by the SIMD-everywhere issue). */
export const delegatedToRef: OpName[] = (Object.keys(refOps) as (keyof Ops)[])
  .filter((k): k is OpName => k !== 'name' && !(k in native));

export const ops: Ops = { ...refOps, ...native, name: 'wasm' };

registerWasmOps(ops);
