import { Tensor } from '../core/tensor.js';
import { checkChunk } from '../core/check/shape_ops.js';
import { withArena } from './arena.js';
import { kernels, f32 } from './kernels.js';

/**
 * torch.chunk on WASM (as/copy_blocks.ts copy_blocks__f32x4: piece k is `outer` blocks of size_k·inner floats read
 * at offset o_k·inner of each input row). Matches / Shapes: as ts/ref/cat_chunk.ts (contiguous copies).
 * Numerics: bit-exact.
 * @throws as checkChunk (before any WASM work); BackendError before `init()`.
 * @see ts/ref/cat_chunk.ts · as/copy_blocks.ts
 */
export function chunk(input: Tensor, chunks: number, options?: { dim?: number }): Tensor[] {
  const [dim, sizes] = checkChunk('chunk', input, chunks, options);
  const k = kernels(), shape = input.shape;
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1), inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const rowIn = shape[dim] * inner;
  return withArena((a) => {
    const x = input.size > 0 ? a.upload(input.data) : 0;
    let offset = 0;
    return sizes.map((s) => {
      const len = s * inner, n = outer * len, pieceShape = shape.map((d, ax) => (ax === dim ? s : d));
      if (n === 0) { offset += len; return new Tensor(new Float32Array(0), pieceShape); }
      const y = a.alloc(n);
      k.copy_blocks__f32x4(f32(x, offset), y, outer, len, rowIn, len);
      offset += len;
      return new Tensor(a.download(y, n), pieceShape);
    });
  });
}
