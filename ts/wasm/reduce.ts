import { Tensor } from '../core/tensor.js';
import { checkReduceDim, type ReduceDimOptions } from '../core/check/reduce.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Mean over one dimension on the WASM kernels: same signature and semantics as ts/ref/reduce.ts `mean`.
 *
 * Matches: torch.mean(input, dim, keepdim) for one integer dim (dim required).
 * Composition: the input as [outer, n, inner] around dim; inner > 1 (e.g. CBAM's channel pool, dim 1 of NCHW):
 *          mean_dim__f32x4, float32 sums swept row by row in the order s = 0 … n − 1; inner = 1 (the last dim):
 *          global_avg_pool__f32x4 on outer rows of n (four interleaved partial sums).
 * Numerics: within 2·(n + 1)·u·mean|x| of the float64 reference (γ_n bound of a float32 sum of n terms plus the
 *          division, slack 2 for the reference's own rounding). As PyTorch's float32 kernel, a sum that overflows
 *          float32 gives ±Inf where the reference stays finite. An empty dim gives NaN.
 * Shapes:  as the reference.   Cost: one FLOP per input element.
 * @throws as checkReduceDim (before any WASM work); BackendError before `init()`.
 * @see ts/ref/reduce.ts · as/reduce.ts · as/global_avg_pool.ts
 */
export function mean(input: Tensor, options: ReduceDimOptions): Tensor {
  const { outer, size, inner, outShape } = checkReduceDim('mean', input, options);
  const n = outer * inner;
  if (n === 0) return new Tensor(new Float32Array(0), outShape);
  const k = kernels();
  const out = withArena((m) => {
    const x = m.upload(input.data), y = m.alloc(n);
    if (inner === 1 && size >= 1) k.global_avg_pool__f32x4(x, y, outer, size);
    else k.mean_dim__f32x4(x, y, outer, size, inner);
    return m.download(y, n);
  });
  return new Tensor(out, outShape);
}

/**
 * Maximum over one dimension on the WASM kernels: same signature and semantics as ts/ref/reduce.ts `amax`.
 *
 * Matches: torch.amax(input, dim, keepdim) for one integer dim (dim required).
 * Composition: amax_dim__f32x4 (f32x4.max: NaN-propagating, +0 above −0; four outputs per step, or four lanes
 *          along the dim when it is the last).
 * Numerics: exact: equal to the reference (NaN payloads aside).   Cost: one comparison per input element.
 * @throws as checkReduceDim (before any WASM work), including an empty reduced dim; BackendError before `init()`.
 * @see ts/ref/reduce.ts · as/reduce.ts
 */
export function amax(input: Tensor, options: ReduceDimOptions): Tensor {
  const { outer, size, inner, outShape } = checkReduceDim('amax', input, options);
  const n = outer * inner;
  if (n === 0) return new Tensor(new Float32Array(0), outShape);
  const k = kernels();
  const out = withArena((m) => {
    const x = m.upload(input.data), y = m.alloc(n);
    k.amax_dim__f32x4(x, y, outer, size, inner);
    return m.download(y, n);
  });
  return new Tensor(out, outShape);
}
