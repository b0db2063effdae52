import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * tanh on WASM (as/activations_extra.ts tanh__f32x4: AssemblyScript's Mathf.tanh, musl's tanhf).
 * Matches / Shapes: as ts/ref/activations_extra.ts (torch.tanh). Numerics: within 4·u·|y| + 2⁻¹⁴⁹ of the reference.
 * @throws ArgumentError as checkUnary; BackendError before `init()`.
 * @see ts/ref/activations_extra.ts · as/activations_extra.ts
 */
export function tanh(input: Tensor): Tensor {
  checkUnary('tanh', input);
  const k = kernels(), n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data);
    k.tanh__f32x4(x, x, n);
    return a.download(x, n);
  });
  return new Tensor(out, input.shape);
}
