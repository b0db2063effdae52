import { Tensor } from '../core/tensor.js';
import { checkSoftmax } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Softmax along one dimension on the WASM kernels: same signature and semantics as ts/ref/activations.ts.
 *
 * Paper:   ACmix §3.2 Eq. (9).   Matches: torch.nn.functional.softmax(input, dim) (an all −∞ row gives NaN).
 * Composition: the input viewed as [outer, size, inner]; softmax_rows__f32x4 when the dimension is the
 *          last (inner = 1), else softmax_columns__f32x4 (16 adjacent columns per pass, 4 per vector).
 * Numerics: max-subtracted, float32 exp of as/lib/math.ts (< 1 ulp), float32 sum, one division. With
 *          d_i = x_i − max, S = Σ_j e^{d_j} (≥ 1), n = size, u = 2⁻²⁴, first order in u:
 *            e_i carries (|d_i| + 2)u relative (x_i − max rounded; exp < 1 ulp ≤ 2u);
 *            the sum carries Σ_j e^{d_j}(|d_j| + 2)u + γ_n·S ≤ (n/e + 2S + nS)u  (e^{d}|d| ≤ 1/e);
 *            the division u, the reference's rounding u, so
 *          |wasm − ref|_i ≤ (|d_i| + n + n/(e·S) + 6)·u·|ref_i| + 2⁻¹⁴⁸  (the last term: subnormal e_i).
 * Shapes:  any rank ≥ 1 → same.   Cost: ~5 FLOPs + one exp per element.
 * @throws ShapeError (rank 0) / ParameterError (dim out of range) from checkSoftmax, before any WASM work.
 * @see ts/ref/activations.ts · as/softmax_rows.ts · spec/registry.test.ts
 */
export function softmax(input: Tensor, dim: number): Tensor {
  const d = checkSoftmax('softmax', input, dim);
  const k = kernels();
  const shape = input.shape, n = input.size;
  const size = shape[d];
  const inner = shape.slice(d + 1).reduce((p, s) => p * s, 1);
  const outer = shape.slice(0, d).reduce((p, s) => p * s, 1);
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    if (inner === 1) k.softmax_rows__f32x4(x, y, outer, size);
    else k.softmax_columns__f32x4(x, y, outer, size, inner);
    return a.download(y, n);
  });
  return new Tensor(out, shape);
}
