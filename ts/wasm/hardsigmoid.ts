import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Hard sigmoid on WASM (as/activations_extra.ts hardsigmoid__f32x4: min(max(x + 3, 0), 6) / 6 in PyTorch's order).
 * Matches / Shapes: as ts/ref/activations_extra.ts (torch.nn.functional.hardsigmoid). Numerics: two float32
 * roundings: within 2·u·|y| of the reference; equal to PyTorch 1.13 CPU bit for bit.
 * @throws ArgumentError as checkUnary; BackendError before `init()`.
 * @see ts/ref/activations_extra.ts · as/activations_extra.ts
 */
export function hardsigmoid(input: Tensor): Tensor {
  checkUnary('hardsigmoid', input);
  const k = kernels(), n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data);
    k.hardsigmoid__f32x4(x, x, n);
    return a.download(x, n);
  });
  return new Tensor(out, input.shape);
}
