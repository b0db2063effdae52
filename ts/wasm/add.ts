import { Tensor } from '../core/tensor.js';
import { checkBroadcastBinary } from '../core/check/broadcast.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';
import { runBroadcast } from './mul.js';

/**
 * Elementwise a + b with broadcasting on the WASM kernels: same signature and semantics as ts/ref/mul.ts `add`.
 *
 * Matches: torch.add(input, other) (alpha = 1) for two tensors, NumPy / PyTorch broadcasting; for equal shapes the
 *          residual connection.
 * Composition: equal shapes (one contiguous loop): add__f32x4 over the flat data; otherwise add_broadcast__f32x4 over
 *          the collapsed loops (as mul).
 * Numerics: one float32 add per element: bit for bit the reference.
 * Shapes:  broadcastShapes(input, other).   Cost: 1 FLOP per output element.
 * @throws ArgumentError / ShapeError / ResourceError as checkBroadcastBinary (before any WASM work); BackendError before init.
 * @see ts/ref/mul.ts · as/elementwise.ts · as/broadcast.ts
 */
export function add(input: Tensor, other: Tensor): Tensor {
  const { input: a, other: b, loops } = checkBroadcastBinary('add', input, other, false);
  const n = loops.size;
  if (a.size === n && b.size === n) {                      // equal shapes (and [1]-sized pairs): the flat kernel
    const k = kernels();
    const out = withArena((m) => {
      const pa = m.upload(a.data), pb = m.upload(b.data), y = m.alloc(n);
      k.add__f32x4(pa, pb, y, n);
      return m.download(y, n);
    });
    return new Tensor(out, loops.outShape);
  }
  return new Tensor(runBroadcast('add', a, b, loops), loops.outShape);
}
