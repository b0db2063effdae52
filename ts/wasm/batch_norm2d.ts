import { Tensor } from '../core/tensor.js';
import { checkBatchNorm2d, normOptions } from '../core/check/norm.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Batch normalisation in inference mode on the WASM kernels: same signature and semantics as
 * ts/ref/norm.ts `batchNorm2d`.
 *
 * Paper:   Ioffe & Szegedy 2015, arXiv:1502.03167, Alg. 2 (inference).
 * Matches: torch.nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training=False, eps).
 * Composition: inv_c = 1/√(σ²_c + ε) in float64 (here, in TS, as the reference); batch_norm__f32x4 then
 *          evaluates ((x − μ_c)·inv_c)·γ_c + β_c in float64 lanes (f64x2) and rounds once to float32
 *          (γ = 1, β = 0 when null, as the reference multiplies by 1 and adds 0).
 * Numerics: the reference's float64 operations in the reference's order: bit for bit the reference
 *          (memory-bound op, so the float64 lanes cost nothing measurable).
 * Shapes:  input [N, C, H, W]; running_mean, running_var, weight, bias [C] (weight/bias may be null).
 * Cost:    4 FLOPs per element.
 * @throws ArgumentError / ShapeError / ParameterError / ResourceError as normOptions and checkBatchNorm2d (before
 *         any WASM work); BackendError before init.
 * @see ts/ref/norm.ts · as/norm.ts
 */
export function batchNorm2d(input: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, options: { eps?: number } = {}): Tensor {
  const { eps } = normOptions('batch_norm2d', options);
  checkBatchNorm2d('batch_norm2d', input, running_mean, running_var, weight, bias, eps);
  const k = kernels();
  const [N, C, H, W] = input.shape, n = input.size;
  const inv = new Float64Array(C);
  for (let c = 0; c < C; c++) inv[c] = 1 / Math.sqrt(running_var.data[c] + eps);
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    const mean = a.upload(running_mean.data), pinv = a.upload(new Float32Array(inv.buffer));   // float64 bytes
    const gamma = weight ? a.upload(weight.data) : a.upload(new Float32Array(C).fill(1));
    const beta = bias ? a.upload(bias.data) : a.zeros(C);
    k.batch_norm__f32x4(x, y, N, C, H * W, mean, pinv, gamma, beta);
    return a.download(y, n);
  });
  return new Tensor(out, input.shape);
}
