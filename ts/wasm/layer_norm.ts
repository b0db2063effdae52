import { Tensor } from '../core/tensor.js';
import { checkLayerNorm, normOptions } from '../core/check/norm.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Layer normalisation on the WASM kernels: same signature and semantics as ts/ref/norm.ts `layerNorm`.
 *
 * Paper:   Ba, Kiros & Hinton 2016, arXiv:1607.06450, Eq. (4).
 * Matches: torch.nn.functional.layer_norm(input, normalized_shape, weight, bias, eps) (biased variance).
 * Composition: layer_norm_rows__f32x4 over rows of n = ∏normalized_shape floats: two-pass float32 mean and
 *          variance (4 lane-partial sums), inv = 1/√(var + ε) with ε rounded to float32, then
 *          ((x − mean)·inv)·γ + β (γ = 1, β = 0 when null, as the reference multiplies and adds them).
 * Numerics (first order in u = 2⁻²⁴; μ, σ² the exact row mean and variance, m₁ = mean|x|):
 *          Δμ ≤ (n + 1)·u·m₁ (a float32 sum of n terms, one division);
 *          the variance carries (n + 4)·u relative plus Δμ²/(σ² + ε) (a sum of n squares of rounded
 *          differences; the mean's error enters only squared, as Σ(x − μ) = 0), so inv carries
 *          ε_inv ≤ ((n + 4)u + Δμ²/(σ² + ε) + u)/2 + 2u (ε's rounding, the sqrt, the division);
 *          |wasm − ref|_i ≤ |γ_i|·inv·(Δμ + |x_i − μ|·(ε_inv + 3u)) + 2u·|ref_i|.
 *          Checked per element by spec/registry.test.ts. Inputs so large that x² overflows float32 (|x| ≳ 1.8e19,
 *          e.g. ±3.4e38): the float32 variance here overflows to +Inf and the output is 0 (x · 1/√Inf), where the
 *          float64 reference normalises exactly (±1 for ±FLT_MAX): a documented difference, pinned by
 *          spec/errors.test.ts (edge/layer_norm).
 * Shapes:  input [..., *normalized_shape]; weight, bias normalized_shape or null → same as input.
 * Cost:    ~7 FLOPs per element.
 * @throws ArgumentError / ShapeError / ParameterError / ResourceError as normOptions and checkLayerNorm (before
 *         any WASM work); BackendError before init.
 * @see ts/ref/norm.ts · as/norm.ts
 */
export function layerNorm(input: Tensor, normalized_shape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, options: { eps?: number } = {}): Tensor {
  const { eps } = normOptions('layer_norm', options);
  const size = checkLayerNorm('layer_norm', input, normalized_shape, weight, bias, eps);
  const k = kernels();
  const total = input.size, rows = size === 0 ? 0 : total / size;
  if (size === 0) return new Tensor(new Float32Array(total), input.shape);
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(total);
    const gamma = weight ? a.upload(weight.data) : a.upload(new Float32Array(size).fill(1));
    const beta = bias ? a.upload(bias.data) : a.zeros(size);
    k.layer_norm_rows__f32x4(x, y, rows, size, gamma, beta, eps);
    return a.download(y, total);
  });
  return new Tensor(out, input.shape);
}
