import { Tensor } from '../core/tensor.js';
import { checkBroadcastBinary, type BroadcastLoops } from '../core/check/broadcast.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Elementwise product with broadcasting on the WASM kernels: same signature and semantics as ts/ref/mul.ts `mul`.
 *
 * Matches: torch.mul(input, other), NumPy / PyTorch broadcasting of any rank (a number `other` is rounded to float32).
 * Composition: broadcastLoops (ts/core/check/broadcast.ts) collapses the broadcast into at most rank(output) loops;
 *          mul_broadcast__f32x4 walks them, four lanes per step on the innermost run when both operands are
 *          contiguous there (equal shapes) or one is repeated (the gates: [N,C,H,W]·[N,C,1,1], ·[N,1,H,W], ·[N,C,H,1],
 *          ·[N,C,1,W]), a scalar loop otherwise.
 * Numerics: one float32 multiply per element: bit for bit the reference.
 * Shapes:  input S_a, other S_b → broadcastShapes(S_a, S_b).   Cost: one FLOP per output element.
 * @throws ArgumentError / ShapeError / ResourceError as checkBroadcastBinary (before any WASM work); BackendError
 *         before `init()`.
 * @see ts/ref/mul.ts · as/broadcast.ts
 */
export function mul(input: Tensor, other: Tensor | number): Tensor {
  const { input: a, other: b, loops } = checkBroadcastBinary('mul', input, other, true);
  return new Tensor(runBroadcast('mul', a, b, loops), loops.outShape);
}

/**
 * Runs mul_broadcast / add_broadcast over the collapsed loops (the loop table uploaded as i32 words).
 * Exported for ts/wasm/add.ts.
 */
export function runBroadcast(op: 'mul' | 'add', a: Tensor, b: Tensor, loops: BroadcastLoops): Float32Array {
  if (loops.size === 0) return new Float32Array(0);
  const rank = loops.dims.length;
  const table = new Int32Array(3 * rank);
  table.set(loops.dims, 0); table.set(loops.aStrides, rank); table.set(loops.bStrides, 2 * rank);
  const k = kernels();
  return withArena((m) => {
    const pa = m.upload(a.data), pb = m.upload(b.data), pt = m.upload(new Float32Array(table.buffer)), y = m.alloc(loops.size);
    if (op === 'mul') k.mul_broadcast__f32x4(pa, pb, y, pt, rank);
    else k.add_broadcast__f32x4(pa, pb, y, pt, rank);
    return m.download(y, loops.size);
  });
}
