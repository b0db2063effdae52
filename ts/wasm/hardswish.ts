import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Hard swish on WASM SIMD (as/hardswish.ts: x · min(max(x + 3, 0), 6) / 6 in PyTorch's CPU operation order).
 * Matches / Shapes: as ts/ref/hardswish.ts (torch.nn.functional.hardswish). Numerics: float32, three roundings:
 * within 3·u·|y| of the float64 reference (u = 2⁻²⁴); equal to PyTorch's CPU float32 result bit for bit.
 * Special values as PyTorch: x ≤ −3 → −0, −∞ → NaN, +∞ → +∞, NaN → NaN.   Cost: 4 FLOPs per element.
 * @throws ArgumentError / ResourceError as checkUnary (before any WASM work); BackendError before `init()`.
 * @see ts/ref/hardswish.ts · as/hardswish.ts · spec/hardswish.test.ts
 */
export function hardswish(input: Tensor): Tensor {
  checkUnary('hardswish', input);
  const k = kernels(), n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data);
    k.hardswish__f32x4(x, x, n);
    return a.download(x, n);
  });
  return new Tensor(out, input.shape);
}
