import { Tensor } from '../core/tensor.js';
import { checkCat } from '../core/check/shape_ops.js';
import { withArena } from './arena.js';
import { kernels, f32 } from './kernels.js';

/**
 * torch.cat on WASM (as/copy_blocks.ts copy_blocks__f32x4: each input is `outer` blocks of size_k·inner floats,
 * written at offset o_k·inner of each output row). Matches / Shapes: as ts/ref/cat_chunk.ts. Numerics: bit-exact.
 * @throws as checkCat (before any WASM work); BackendError before `init()`.
 * @see ts/ref/cat_chunk.ts · as/copy_blocks.ts
 */
export function cat(tensors: readonly Tensor[], options?: { dim?: number }): Tensor {
  const [dim, shape] = checkCat('cat', tensors, options);
  const k = kernels();
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1), inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const n = shape.reduce((a, b) => a * b, 1), rowOut = shape[dim] * inner;
  if (n === 0) return new Tensor(new Float32Array(0), shape);
  const out = withArena((a) => {
    const y = a.alloc(n);
    let offset = 0;
    for (const t of tensors) {
      const len = t.shape[dim] * inner;
      if (len > 0) k.copy_blocks__f32x4(a.upload(t.data), f32(y, offset), outer, len, len, rowOut);
      offset += len;
    }
    return a.download(y, n);
  });
  return new Tensor(out, shape);
}
