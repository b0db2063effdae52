import { Tensor } from '../core/tensor.js';
import { checkAxpby } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * α·x + β·y on the WASM kernels: same signature and semantics as ts/ref/activations.ts `axpby`.
 *
 * Paper:   ACmix §4.1 Eq. (12), F_out = α F_att + β F_conv.   Matches: `rate1 * x + rate2 * y` in PyTorch.
 * Composition: axpby__f32x4: each product in float64 (exact for float32 α, β) rounded once to float32,
 *          then one float32 add — Math.fround(α·x) + Math.fround(β·y), bit for bit the reference for any
 *          α, β (also those that are not float32 numbers).
 * Shapes:  x, y equal → same.   Cost: 3 FLOPs per element.
 * @throws ArgumentError (alpha / beta not numbers, x / y not Tensors) / ShapeError on shape mismatch, as checkAxpby
 *         (first, before any WASM work); BackendError before init.
 * @see ts/ref/activations.ts · as/elementwise.ts
 */
export function axpby(alpha: number, x: Tensor, beta: number, y: Tensor): Tensor {
  checkAxpby('axpby', alpha, x, beta, y);
  const k = kernels();
  const n = x.size;
  const out = withArena((a) => {
    const px = a.upload(x.data), py = a.upload(y.data), po = a.alloc(n);
    k.axpby__f32x4(alpha, px, beta, py, po, n);
    return a.download(po, n);
  });
  return new Tensor(out, x.shape);
}
