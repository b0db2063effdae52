import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * SiLU on WASM (as/activations_extra.ts silu__f32x4: x·σ(x), σ as as/sigmoid.ts).
 * Matches / Shapes: as ts/ref/activations_extra.ts (torch.nn.functional.silu). Numerics: within 8·u·|y| + 2⁻¹²⁶
 * of the reference (σ ~3 ulp, one product; the absolute term covers the subnormal tail x < −87).
 * @throws ArgumentError as checkUnary; BackendError before `init()`.
 * @see ts/ref/activations_extra.ts · as/activations_extra.ts
 */
export function silu(input: Tensor): Tensor {
  checkUnary('silu', input);
  const k = kernels(), n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data);
    k.silu__f32x4(x, x, n);
    return a.download(x, n);
  });
  return new Tensor(out, input.shape);
}
