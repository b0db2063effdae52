import { Tensor } from '../core/tensor.js';
import { checkLinear } from '../core/check/linear.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';
import { gemmColumnBlock, gemmPackedAFloats } from './conv2d.js';

/**
 * Affine map over the last dimension, y = x Wᵀ + b, on the WASM kernels: same signature and semantics as
 * ts/ref/linear.ts `linear`.
 *
 * Paper:   the projections W_q, W_k, W_v of self-attention (ACmix §3.2 Eq. 10).
 * Matches: torch.nn.functional.linear(input, weight, bias).
 * Composition: Wᵀ [in_features, out_features] by transpose__f32x4 (the weight, once per call), then one
 *          GEMM (gemm__f32x4_4x8) with A = x viewed as [rows, in_features] (packed in 4-row blocks) and
 *          B = Wᵀ (packed in 8-column panels), then the bias per column (add_row_vector__f32x4) after the sum.
 * Numerics: per output, the in_features products summed in order into one float32 accumulator, then the
 *          bias: within 2·(in_features + 1)·2⁻²⁴·Σ|terms| of the float64 reference.
 * Shapes:  input [..., in_features]   weight [out_features, in_features]   bias [out_features] | null
 *          → [..., out_features]
 * Cost:    2 · rows · in_features · out_features FLOPs, plus in_features·out_features moves (Wᵀ).
 * @throws ShapeError as checkLinear (before any WASM work); BackendError before init.
 * @see ts/ref/linear.ts · as/gemm.ts · as/transpose.ts
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const { rows, in_features, out_features } = checkLinear('linear', input, weight, bias);
  const k = kernels();
  const n = rows * out_features;
  const out = withArena((a) => {
    const x = a.upload(input.data), w = a.upload(weight.data), y = a.alloc(n);
    const wt = a.alloc(in_features * out_features);
    k.transpose__f32x4(w, wt, out_features, in_features);
    const nc = gemmColumnBlock(in_features, out_features);
    const packedA = a.alloc(gemmPackedAFloats(rows, in_features)), packedB = a.alloc(in_features * nc);
    k.gemm__f32x4_4x8(rows, out_features, in_features, x, in_features, wt, out_features, y, out_features, 0, 0, packedA, packedB, nc);
    if (bias && rows > 0) k.add_row_vector__f32x4(y, rows, out_features, a.upload(bias.data));
    return a.download(y, n);
  });
  return new Tensor(out, [...input.shape.slice(0, -1), out_features]);
}
