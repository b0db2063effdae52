import { Tensor } from '../core/tensor.js';
import { checkUnary } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Rectified linear unit on the WASM kernels: same signature and semantics as ts/ref/activations.ts `relu`.
 *
 * Matches: torch.nn.functional.relu (relu(−0) = +0, NaN stays NaN).
 * Composition: relu__f32x4 over the flat data.
 * Shapes:  any → same.   Numerics: exact, bit for bit the reference.   Cost: 0 FLOPs.
 * @throws ArgumentError / ResourceError as checkUnary (before any WASM work); BackendError if `await wasm.init()`
 *         has not completed.
 * @see ts/ref/activations.ts · as/elementwise.ts · spec/registry.test.ts
 */
export function relu(input: Tensor): Tensor {
  checkUnary('relu', input);
  const k = kernels();
  const n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    k.relu__f32x4(x, y, n);
    return a.download(y, n);
  });
  return new Tensor(out, input.shape);
}
