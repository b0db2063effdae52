import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Logistic sigmoid on WASM (as/sigmoid.ts: expf(−|x|), then 1/(1+e) or e/(1+e), f32x4).
 * Matches / Shapes: as ts/ref/sigmoid.ts (torch.sigmoid). Numerics: float32, within ~3 ulp of the reference
 * (bound 8·u·|y| + 2⁻¹⁴⁸ in spec/support/cases.ts). NaN → NaN, ±Inf → 1 / +0.
 * @throws ArgumentError / ResourceError as checkUnary (before any WASM work); BackendError before `init()`.
 * @see ts/ref/sigmoid.ts · as/sigmoid.ts
 */
export function sigmoid(input: Tensor): Tensor {
  checkUnary('sigmoid', input);
  const k = kernels(), n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data);
    k.sigmoid__f32x4(x, x, n);
    return a.download(x, n);
  });
  return new Tensor(out, input.shape);
}
