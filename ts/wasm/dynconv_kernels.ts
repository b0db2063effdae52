/**
 * Typed signatures of the dynamic- and deformable-convolution kernels (as/bilinear_gather.ts, as/channel_affine.ts, as/sigmoid.ts,
 * as/global_avg_pool.ts, as/weighted_tap_sum.ts), each __scalar beside its
 * __f32x4 twin with the same parameters. Byte pointers (usize) and sizes (i32) are plain numbers; pointer 0 = none.
 * @see as/index.ts (the kernel inventory) · ts/wasm/module.ts (GEMM and im2col signatures)
 */
import { kernels as moduleKernels, type Kernels } from './module.js';

type Variants<Name extends string, Fn> = { [K in `${Name}__scalar` | `${Name}__f32x4`]: Fn };

type PadBorderFn = (x: number, xp: number, C: number, H: number, W: number) => void;
type SampleTableFn = (offset: number, mask: number, table: number, k_h: number, k_w: number, H: number, W: number,
  H_out: number, W_out: number, stride_h: number, stride_w: number, pad_h: number, pad_w: number,
  dilation_h: number, dilation_w: number) => void;
type GatherFn = (xp: number, table: number, col: number, C: number, T: number, P: number, Wp: number, planeFloats: number) => void;
type ChannelAffineFn = (x: number, y: number, scale: number, shift: number, C: number, plane: number) => void;
type MapFn = (x: number, y: number, n: number) => void;
type PoolFn = (x: number, y: number, planes: number, size: number) => void;
type TapSumFn = (col: number, kernel: number, y: number, T: number, P: number) => void;

/** The kernels of this file's list, by export name. */
export type DynconvKernels = Kernels
  & Variants<'pad_border1', PadBorderFn> & Variants<'deform_sample_table', SampleTableFn>
  & Variants<'bilinear_gather', GatherFn> & Variants<'channel_affine', ChannelAffineFn>
  & Variants<'sigmoid', MapFn> & Variants<'global_avg_pool', PoolFn> & Variants<'weighted_tap_sum', TapSumFn>;

/** The instantiated module's kernels with the signatures above. @throws BackendError before `init()`. */
export function dynconvKernels(): DynconvKernels {
  return moduleKernels() as DynconvKernels;
}
