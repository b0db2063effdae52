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
export {
  local_attention__scalar, local_attention__f32x4, local_attention_scratch_floats,
  local_attention_exp__scalar, local_attention_exp__f32x4,
} from './local_attention';
export {
  acmix_fc__scalar, acmix_fc__f32x4, dep_conv__scalar, dep_conv__f32x4_4x8, acmix_mix__scalar, acmix_mix__f32x4,
} from './acmix_fc';
// issue 4: deformable im2col (bilinear sampling) and the per-channel affine of weight modulation
export {
  pad_border1__scalar, pad_border1__f32x4, deform_sample_table__scalar, deform_sample_table__f32x4,
  bilinear_gather__scalar, bilinear_gather__f32x4,
} from './bilinear_gather';
export { channel_affine__scalar, channel_affine__f32x4 } from './channel_affine';
