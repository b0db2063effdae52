// The kernel inventory: the only entry of the WebAssembly module (asconfig.json). Every kernel
// is exported here, each SIMD variant beside its scalar twin (STYLE.md §2.7). Kernels take byte
// pointers (usize) into linear memory, sizes (i32) and scalars; they never allocate: the host
// (ts/wasm/arena.ts) owns memory above heap_base().

export {
  gemm__scalar, gemm__f32x4_4x8, gemm_packed__f32x4_4x8,
  pack_a__scalar, pack_a__f32x4, pack_b__scalar, pack_b__f32x4,
} from './gemm';
export { im2col__scalar, im2col__f32x4 } from './im2col';

/** First byte the host may use: the end of static data (the stub runtime never allocates). */
export function heap_base(): usize {
  return __heap_base;
}
