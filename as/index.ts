// The kernel inventory: the only entry of the WebAssembly module (asconfig.json). Every kernel
// is exported here, each SIMD variant beside its scalar twin (STYLE.md §2.7). Kernels take byte
// pointers (usize) into linear memory, sizes (i32) and scalars; they never allocate: the host
// (ts/wasm/arena.ts) owns memory above heap_base().
// The host's types come from this list: asc writes build/*.d.ts (asconfig.json `bindings`), and
// scripts/gen-kernel-abi.mjs turns it into ts/wasm/kernels.generated.ts (`npm run build:as`).

export {
  gemm__scalar, gemm__f32x4_4x8, gemm_packed__f32x4_4x8,
  pack_a__scalar, pack_a__f32x4, pack_b__scalar, pack_b__f32x4,
} from './gemm';
export { im2col__scalar, im2col__f32x4 } from './im2col';
export {
  depthwise_conv2d__scalar, depthwise_conv2d__f32x4,
  depthwise_conv2d__f32x4_3x3s1, depthwise_conv2d__f32x4_3x3s1p1, depthwise_conv2d__f32x4_3x3s2,
} from './depthwise_conv2d';
export {
  shift_accumulate__scalar, shift_accumulate__f32x4, shift_copy__scalar, shift_copy__f32x4,
} from './shift_accumulate';
export { pad2d__scalar, pad2d__f32x4, fill__scalar, fill__f32x4 } from './pad';
export {
  softmax_rows__scalar, softmax_rows__f32x4, softmax_columns__scalar, softmax_columns__f32x4,
  exp__scalar, exp__f32x4,
} from './softmax_rows';
export {
  gelu__scalar, gelu__f32x4, gelu_tanh__scalar, gelu_tanh__f32x4, erf__scalar, erf__f32x4,
} from './gelu';
export {
  relu__scalar, relu__f32x4, add__scalar, add__f32x4, axpby__scalar, axpby__f32x4,
  add_row_vector__scalar, add_row_vector__f32x4, add_column_vector__scalar, add_column_vector__f32x4,
} from './elementwise';
export {
  batch_norm__scalar, batch_norm__f32x4, layer_norm_rows__scalar, layer_norm_rows__f32x4,
} from './norm';
export { bilinear__scalar, bilinear__f32x4 } from './interpolate';
export { transpose__scalar, transpose__f32x4 } from './transpose';

/** First byte the host may use: the end of static data (the stub runtime never allocates). */
export function heap_base(): usize {
  return __heap_base;
}
// local_attention_scratch_floats: the size of the kernels' scratch (its layout: as/local_attention_slab.ts)
export {
  local_attention__scalar, local_attention__f32x4, local_attention_scratch_floats,
} from './local_attention';
export {
  acmix_fc__scalar, acmix_fc__f32x4, dep_conv__scalar, dep_conv__f32x4_4x8, acmix_mix__scalar, acmix_mix__f32x4,
} from './acmix_fc';
// deformable convolution: deformable im2col (bilinear sampling) and the per-channel affine of weight modulation
export {
  pad_border1__scalar, pad_border1__f32x4, deform_sample_table__scalar, deform_sample_table__f32x4,
  bilinear_gather__scalar, bilinear_gather__f32x4,
} from './bilinear_gather';
export { channel_affine__scalar, channel_affine__f32x4 } from './channel_affine';
export { sigmoid__scalar, sigmoid__f32x4 } from './sigmoid';
export { hardswish__scalar, hardswish__f32x4 } from './hardswish';
export { pool2d_max__scalar, pool2d_max__f32x4, pool2d_avg__scalar, pool2d_avg__f32x4 } from './pool2d';
export {
  silu__scalar, silu__f32x4, hardsigmoid__scalar, hardsigmoid__f32x4, tanh__scalar, tanh__f32x4,
  leaky_relu__scalar, leaky_relu__f32x4,
} from './activations_extra';
export { copy_blocks__scalar, copy_blocks__f32x4 } from './copy_blocks';
export { global_avg_pool__scalar, global_avg_pool__f32x4 } from './global_avg_pool';
export { weighted_tap_sum__scalar, weighted_tap_sum__f32x4 } from './weighted_tap_sum';
export { sdpa__scalar, sdpa__f32x4 } from './sdpa';
// window_attention_scratch_floats: the size of the kernels' scratch (its layout: as/window_attention.ts)
export { window_attention__scalar, window_attention__f32x4, window_attention_scratch_floats } from './window_attention';
export { window_partition__scalar, window_partition__f32x4, roll_dim__scalar, roll_dim__f32x4 } from './window_partition';
// broadcast binary ops (torch.mul / torch.add with broadcasting) and one-dimension reductions (torch.mean / torch.amax)
export { mul_broadcast__scalar, mul_broadcast__f32x4, add_broadcast__scalar, add_broadcast__f32x4 } from './broadcast';
export { mean_dim__scalar, mean_dim__f32x4, amax_dim__scalar, amax_dim__f32x4 } from './reduce';
