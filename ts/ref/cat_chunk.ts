import { Tensor } from '../core/tensor.js';
import { checkCat, checkChunk } from '../core/check/shape_ops.js';

/**
 * Concatenation along a dim.
 *
 * Matches: torch.cat(tensors, dim=0) (the channel concatenation of DenseNet, YOLO necks, U-Net skips use dim=1).
 * Equation: out[..., o_k + t, ...] = tensors[k][..., t, ...] with o_k = Σ_{m<k} tensors[m].shape[dim].
 * Shapes:  same rank, equal sizes except along dim → that rank, sizes summed along dim.
 * Numerics: data movement (bit-exact).   Cost: none (copies).
 * @throws as checkCat.
 * @see ts/wasm/cat.ts · spec/layers_std.test.ts
 */
export function cat(tensors: readonly Tensor[], options?: { dim?: number }): Tensor {
  const [dim, shape] = checkCat('cat', tensors, options);
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1), inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const rowOut = shape[dim] * inner;
  let offset = 0;
  for (const t of tensors) {
    const len = t.shape[dim] * inner;
    for (let o = 0; o < outer; o++) for (let e = 0; e < len; e++) out[o * rowOut + offset + e] = t.data[o * len + e];
    offset += len;
  }
  return new Tensor(out, shape);
}

/**
 * Splits into pieces along a dim.
 *
 * Matches: torch.chunk(input, chunks, dim=0): pieces of ⌈size/chunks⌉ along dim, the last smaller (so fewer than
 *          `chunks` pieces may come back, as in PyTorch); returned as contiguous copies (PyTorch returns views).
 * Shapes:  [..., S, ...] → a list of [..., S_k, ...] with Σ S_k = S.
 * Numerics: data movement (bit-exact).   Cost: none (copies).
 * @throws as checkChunk.
 * @see ts/wasm/chunk.ts · spec/layers_std.test.ts
 */
export function chunk(input: Tensor, chunks: number, options?: { dim?: number }): Tensor[] {
  const [dim, sizes] = checkChunk('chunk', input, chunks, options);
  const shape = input.shape;
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1), inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const rowIn = shape[dim] * inner;
  let offset = 0;
  return sizes.map((s) => {
    const len = s * inner, out = new Float32Array(outer * len);
    for (let o = 0; o < outer; o++) for (let e = 0; e < len; e++) out[o * len + e] = input.data[o * rowIn + offset + e];
    offset += len;
    return new Tensor(out, shape.map((d, a) => (a === dim ? s : d)));
  });
}
