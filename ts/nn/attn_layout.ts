// Data movement shared by the attention modules of ts/nn (separable, axial, CvT, global ACmix): permutes and head
// split / merge. Pure JS copies (bit-exact); the arithmetic of every module runs on the backend's Ops.
import { Tensor } from '../core/tensor.js';

/**
 * torch.permute(x, perm).contiguous(): out.shape[i] = x.shape[perm[i]], a row-major copy.
 * Shapes: any rank r ≥ 1, perm a permutation of 0..r−1 (callers pass only valid ones: no check here).
 */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const r = x.rank, inShape = x.shape, outShape = perm.map((p) => inShape[p]);
  const inStride = new Array<number>(r);
  let s = 1;
  for (let d = r - 1; d >= 0; d--) { inStride[d] = s; s *= inShape[d]; }
  const st = perm.map((p) => inStride[p]);           // input stride of each output dimension
  const out = new Float32Array(x.size), src = x.data;
  if (x.size === 0) return new Tensor(out, outShape);
  if (r === 1) { out.set(src); return new Tensor(out, outShape); }
  // the last two output dimensions as explicit loops (a contiguous last one as a block copy), the rest by odometer
  const rows = outShape[r - 2], rowStride = st[r - 2], last = outShape[r - 1], lastStride = st[r - 1];
  const outer = r - 2, idx = new Array<number>(outer).fill(0);
  let o = 0;
  for (;;) {
    let base = 0;
    for (let d = 0; d < outer; d++) base += idx[d] * st[d];
    if (lastStride === 1) {
      for (let i = 0; i < rows; i++, o += last) out.set(src.subarray(base + i * rowStride, base + i * rowStride + last), o);
    } else {
      for (let i = 0; i < rows; i++) {
        const rowBase = base + i * rowStride;
        for (let j = 0; j < last; j++) out[o++] = src[rowBase + j * lastStride];
      }
    }
    let d = outer - 1;
    for (; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
    if (d < 0) break;
  }
  return new Tensor(out, outShape);
}

/** [b, t, heads·e] → [b, heads, t, e] (the head split of `x.reshape(b, t, h, e).transpose(1, 2)`). */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, t, he] = x.shape;
  return permute(x.reshape([b, t, heads, he / heads]), [0, 2, 1, 3]);
}

/** [b, heads, t, e] → [b, t, heads·e] (the head merge, inverse of splitHeads). */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, e] = x.shape;
  return permute(x, [0, 2, 1, 3]).reshape([b, t, h * e]);
}

/** The contiguous slice [from, to) of the last dimension (torch.split along dim −1, one piece, copied). */
export function sliceLast(x: Tensor, from: number, to: number): Tensor {
  const last = x.shape[x.rank - 1], rows = last === 0 ? 0 : x.size / last, w = to - from;
  const out = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) out.set(x.data.subarray(r * last + from, r * last + to), r * w);
  return new Tensor(out, [...x.shape.slice(0, -1), w]);
}

/** The contiguous slice [from, to) of dim 1 of a [B, C, ...] tensor (torch.split along dim 1, one piece, copied). */
export function sliceChannels(x: Tensor, from: number, to: number): Tensor {
  const [B, C] = x.shape, inner = B === 0 || C === 0 ? 0 : x.size / (B * C), w = to - from;
  const out = new Float32Array(B * w * inner);
  for (let b = 0; b < B; b++) out.set(x.data.subarray((b * C + from) * inner, (b * C + to) * inner), b * w * inner);
  return new Tensor(out, [B, w, ...x.shape.slice(2)]);
}
