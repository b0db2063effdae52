import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../core/errors.js';
import { checkBatchNorm2d, checkLayerNorm, normOptions } from '../core/check/norm.js';


/**
 * Batch normalisation in inference mode, using running statistics.
 *
 * Paper:   Ioffe & Szegedy 2015, arXiv:1502.03167, Alg. 2 (inference); used after ACmix in the
 *          ResNet Bottleneck (ACmix §5.1).
 * Matches: torch.nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training=False, eps).
 * Equation: y = (x − μ_c) / √(σ²_c + ε) · γ_c + β_c.
 * Shapes:  input [N, C, H, W]; running_mean, running_var, weight, bias [C] (weight/bias may be null).
 * Numerics: float64, one rounding per element (PyTorch folds to x·scale + shift in float32; differences ≲ 2 ulp).
 * Cost:    2 FLOPs per element.
 * @throws ShapeError if input is not rank 4 or a vector is not [C]; ParameterError if eps < 0.
 */
export function batchNorm2d(input: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, options: { eps?: number } = {}): Tensor {
  const { eps } = normOptions('batch_norm2d', options);
  checkBatchNorm2d('batch_norm2d', input, running_mean, running_var, weight, bias, eps);
  const [N, C, H, W] = input.shape, plane = H * W;
  const out = new Float32Array(input.size);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const inv = 1 / Math.sqrt(running_var.data[c] + eps);
    const gamma = weight ? weight.data[c] : 1, beta = bias ? bias.data[c] : 0, mean = running_mean.data[c];
    const base = (n * C + c) * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (input.data[base + i] - mean) * inv * gamma + beta;
  }
  return new Tensor(out, input.shape);
}

/**
 * Layer normalisation over the trailing `normalized_shape` dimensions (biased variance).
 *
 * Paper:   Ba, Kiros & Hinton 2016, arXiv:1607.06450, Eq. (4); used by Swin / ACmix-Swin blocks.
 * Matches: torch.nn.functional.layer_norm(input, normalized_shape, weight, bias, eps).
 * Equation: y = (x − mean) / √(var + ε) · γ + β, mean and var over the normalised dimensions.
 * Shapes:  input [..., *normalized_shape]; weight, bias normalized_shape (or null) → same as input.
 * Numerics: two-pass mean/variance in float64, one rounding per element. Inputs so large that x² overflows
 *          float32 (|x| ≳ 1.8e19, e.g. ±3.4e38) normalise exactly here (±1 for ±FLT_MAX); the wasm backend's
 *          float32 variance overflows to +Inf and gives 0 (x · 1/√Inf): a documented difference, pinned by
 *          spec/errors.test.ts (edge/layer_norm).
 * Cost:    ~ 5 FLOPs per element.
 * @throws ShapeError if normalized_shape does not match the trailing dims; ParameterError if eps < 0.
 */
export function layerNorm(input: Tensor, normalized_shape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, options: { eps?: number } = {}): Tensor {
  const { eps } = normOptions('layer_norm', options);
  const size = checkLayerNorm('layer_norm', input, normalized_shape, weight, bias, eps);
  const rows = size === 0 ? 0 : input.size / size;
  const x = input.data, out = new Float32Array(input.size);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < size; i++) mean += x[r * size + i];
    mean /= size;
    let v = 0;
    for (let i = 0; i < size; i++) { const d = x[r * size + i] - mean; v += d * d; }
    const inv = 1 / Math.sqrt(v / size + eps);
    for (let i = 0; i < size; i++) {
      out[r * size + i] = (x[r * size + i] - mean) * inv * (weight ? weight.data[i] : 1) + (bias ? bias.data[i] : 0);
    }
  }
  return new Tensor(out, input.shape);
}
