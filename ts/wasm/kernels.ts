/**
 * Typed signatures of the non-GEMM kernels (as/depthwise_conv2d.ts, shift_accumulate.ts, pad.ts,
 * softmax_rows.ts, gelu.ts, elementwise.ts, norm.ts, interpolate.ts, transpose.ts), each __scalar
 * beside its __f32x4 twin with the same parameters. Byte pointers (usize) and sizes (i32) are plain
 * numbers; a pointer 0 means "none" where a kernel documents it (bias).
 * @see as/index.ts (the kernel inventory) · ts/wasm/module.ts (GEMM and im2col signatures)
 */
import { kernels as moduleKernels, type Kernels } from './module.js';

type Variants<Name extends string, Fn> = { [K in `${Name}__scalar` | `${Name}__f32x4`]: Fn };

type DepthwiseFn = (x: number, w: number, bias: number, y: number,
  C_out: number, cinPerGroup: number, coutPerGroup: number, H: number, W: number, k_h: number, k_w: number,
  stride_h: number, stride_w: number, dilation_h: number, dilation_w: number, pad_top: number, pad_left: number,
  H_out: number, W_out: number) => void;
type ShiftAccumulateFn = (src: number, dst: number, planes: number, H: number, W: number, H_out: number, W_out: number,
  dy: number, dx: number, stride_h: number, stride_w: number) => void;
type ShiftCopyFn = (src: number, dst: number, N: number, C: number, H: number, W: number, shifts: number) => void;
type Pad2dFn = (src: number, dst: number, planes: number, H: number, W: number,
  top: number, bottom: number, left: number, right: number, mode: number, valueBits: number) => void;
type FillFn = (dst: number, n: number, valueBits: number) => void;
type RowsFn = (x: number, y: number, rows: number, n: number) => void;
type ColumnsFn = (x: number, y: number, outer: number, size: number, inner: number) => void;
type MapFn = (x: number, y: number, n: number) => void;
type AddFn = (a: number, b: number, y: number, n: number) => void;
type AxpbyFn = (alpha: number, x: number, beta: number, y: number, out: number, n: number) => void;
type RowVectorFn = (y: number, rows: number, cols: number, v: number) => void;
type BatchNormFn = (x: number, y: number, N: number, C: number, HW: number, mean: number, inv: number, gamma: number, beta: number) => void;
type LayerNormFn = (x: number, y: number, rows: number, n: number, gamma: number, beta: number, eps: number) => void;
type BilinearFn = (x: number, y: number, planes: number, H: number, W: number, H_out: number, W_out: number,
  rows: number, cols: number, tmp: number) => void;
type TransposeFn = (src: number, dst: number, rows: number, cols: number) => void;

/** The kernels of this file's list, by export name. */
export type SimdKernels = Kernels
  & Variants<'depthwise_conv2d', DepthwiseFn>
  & Variants<'shift_accumulate', ShiftAccumulateFn> & Variants<'shift_copy', ShiftCopyFn>
  & Variants<'pad2d', Pad2dFn> & Variants<'fill', FillFn>
  & Variants<'softmax_rows', RowsFn> & Variants<'softmax_columns', ColumnsFn> & Variants<'exp', MapFn>
  & Variants<'gelu', MapFn> & Variants<'gelu_tanh', MapFn> & Variants<'erf', MapFn>
  & Variants<'relu', MapFn> & Variants<'add', AddFn> & Variants<'axpby', AxpbyFn> & Variants<'add_row_vector', RowVectorFn>
  & Variants<'add_column_vector', RowVectorFn>
  & Variants<'batch_norm', BatchNormFn> & Variants<'layer_norm_rows', LayerNormFn>
  & Variants<'bilinear', BilinearFn> & Variants<'transpose', TransposeFn>;

/** The instantiated module's kernels with the signatures above. @throws BackendError before `init()`. */
export function kernels(): SimdKernels {
  return moduleKernels() as SimdKernels;
}

/** The float32 bit pattern of a number (Math.fround(v)), for kernels that move 32-bit words (pad, fill). */
export function f32Bits(v: number): number {
  const f = new Float32Array([v]);
  return new Uint32Array(f.buffer)[0];
}
