/**
 * The kernel ABI on the TypeScript side: `kernels()` returns every export of as/index.ts typed by
 * `Kernels` (generated from AssemblyScript's bindings: ts/wasm/kernels.generated.ts, written by
 * `npm run build:as`), so no file types a kernel by hand. Byte pointers (`Ptr`, AS usize) and sizes
 * (i32) are plain numbers; a pointer 0 means "none" where a kernel documents it (bias).
 *
 * Pointer arithmetic goes through `f32(ptr, index)`: the byte offset of float `index` of a float32
 * array at `ptr` (the AS side's f32off), instead of raw `4 *` products.
 * @see as/index.ts (the kernel inventory) · ts/wasm/module.ts (instantiation, export check)
 */
import type { Ptr } from './kernels.generated.js';

export type { Kernels, Ptr } from './kernels.generated.js';
export { kernels } from './module.js';

/** Bytes of one float32. */
export const F32_BYTES = 4;

/** Byte offset of float `index` of the float32 array at `ptr`: ptr + 4·index. */
export function f32(ptr: Ptr, index: number): Ptr {
  return ptr + F32_BYTES * index;
}

/** The float32 bit pattern of a number (Math.fround(v)), for kernels that move 32-bit words (pad, fill). */
export function f32Bits(v: number): number {
  const f = new Float32Array([v]);
  return new Uint32Array(f.buffer)[0];
}
