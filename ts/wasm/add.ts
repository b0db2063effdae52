import { Tensor } from '../core/tensor.js';
import { checkSameShape } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Elementwise a + b on the WASM kernels: same signature and semantics as ts/ref/activations.ts `add`.
 *
 * Matches: torch.add for equal shapes (residual connections).
 * Composition: add__f32x4.   Numerics: one float32 add per element: bit for bit the reference.
 * Shapes:  a, b equal → same.   Cost: 1 FLOP per element.
 * @throws ShapeError on shape mismatch (checkSameShape, before any WASM work); BackendError before init.
 * @see ts/ref/activations.ts · as/elementwise.ts
 */
export function add(a: Tensor, b: Tensor): Tensor {
  checkSameShape('add', a, b);
  const k = kernels();
  const n = a.size;
  const out = withArena((m) => {
    const pa = m.upload(a.data), pb = m.upload(b.data), y = m.alloc(n);
    k.add__f32x4(pa, pb, y, n);
    return m.download(y, n);
  });
  return new Tensor(out, a.shape);
}
