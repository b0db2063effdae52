// local_attention, part 3 of 3: the kernels. ACmix's local sliding-window multi-head attention (the
// attention path of stage II) as one fused kernel per image: logits over the k_att × k_att window with
// the official relative position term, max-subtracted softmax, and the weighted sum of v, streaming over
// the window. Nothing k_att²-fold is ever built: per head the kernel copies k − pe and v once into a
// reflection-padded, column-phase-split slab (the border rule of the official code's
// ReflectionPad2d, so every window read, at any stride, is a contiguous row load: no border tests and
// no index arithmetic in the hot loops) and q·scaling into a dense slab; the window then streams
// through 8·k_att² floats of logits per 8 output pixels (one f32x4 lane per pixel).
//
// Files: as/local_attention_slab.ts (the scratch layout, defined once in scratchOffset, and the per-head
// slab preparation), as/local_attention_tiles.ts (the 8- and 4-pixel f32x4 tiles and the scalar 1-pixel
// tile), this file (the exported kernels: loops over heads, rows and tiles).
//
// Paper: Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022,
// arXiv:2111.14556, §3.2 Eq. (8)-(9); the relative position term and reflection padding follow the
// official ResNet code (see ts/ref/local_attention.ts, the spec).
//
// Per query pixel (i, j), head h and window tap t = (a, b), with s = stride, P = padding,
// (y, x) = (reflect(s·i + a − P, H), reflect(s·j + b − P, W)), qs = fl(q · scaling):
//   kp[d, y, x] = fl(k[h·hd + d, y, x] − pe[d, y, x])                       (prep, per head)
//   cq          = Σ_d qs[d] · pe[d, s·i, s·j]   in d order, float32         (prep, per pixel)
//   l_t         = fl( (Σ_d qs[d] · kp[d, y_t, x_t], d in order, from +0) + cq )
//   m           = max(l_0, l_1, …, l_{T−1})   (pmax tree per group of 3 taps, see max3 in the tiles file)
//   e_t         = exp(l_t − m)                 (as/lib/math.ts expf, l_t − m ≤ 0: < 1 ulp, max 0.982 measured)
//   S           = Σ_t e_t                      (t in order, from +0)
//   out[h·hd+d] = fl( (Σ_t e_t · v[h·hd + d, y_t, x_t], t in order, from +0) / S )
// Real arithmetic gives the official logit q·s·(k_ab + pe_ij − pe_ab) = l_t; the query's own term cq
// is kept (rather than dropped as a window constant) so infinities in pe propagate as in PyTorch.
// Every f32x4 lane is one output pixel and follows exactly this order, so local_attention__scalar ≡
// local_attention__f32x4 bit for bit (standard WASM SIMD is IEEE-deterministic, no FMA).

import { f32off } from './lib/lanes';
import { KP, VS, QS, CQ, LOGITS, TAPS, END, roundUp4, scratchOffset, slabRowFloats, prepareHead } from './local_attention_slab';
import { pixels8, pixels4, pixel1 } from './local_attention_tiles';

/**
 * Floats of scratch local_attention__scalar / __f32x4 need for one call (the layout of
 * as/local_attention_slab.ts). The host allocates the scratch with this export, so the layout is
 * defined in one place (scratchOffset).
 * Contract: as local_attention__f32x4.
 */
export function local_attention_scratch_floats(C: i32, H: i32, W: i32, head: i32, kernel_att: i32, stride: i32, padding: i32): i32 {
  return scratchOffset(END, C, H, W, head, kernel_att, stride, padding);
}

/**
 * ACmix local attention of one image, f32x4 over 8 (then 4) output pixels along W.
 *
 * Paper:   Pan et al., CVPR 2022, arXiv:2111.14556, §3.2 Eq. (8)-(9) with the official relative
 *          position term and reflection-padded windows (spec: ts/ref/local_attention.ts).
 * Memory:  q, k, v: byte offsets of [C, H, W] float32 (one image); pe: byte offset of [hd, H, W] or 0
 *          for none; out: byte offset of [C, H/stride, W/stride]; scratch: byte offset of
 *          local_attention_scratch_floats(…) floats. No alignment required; out and scratch must not
 *          overlap the inputs or each other.
 * Writes:  out[0 .. C·H_out·W_out) and the scratch only.
 * Numerics: float32, the order in the file header; bit-identical to local_attention__scalar.
 *          scaling is passed in (the caller's fl(head_dim^−½)).
 * Contract: head | C; kernel_att odd ≥ 1; padding = (kernel_att − 1)/2 < H, W; stride | H, W —
 *          asserted in debug builds only (checkLocalAttention validates them).
 * Cost:    4·C·k_att²·H_out·W_out FLOPs (+ one exp per tap, pixel and head); scratch
 *          ≈ 2·(C/head)·(H + 2P)·(W + 2P) floats per call: never k_att²-fold.
 */
export function local_attention__f32x4(
  q: usize, k: usize, v: usize, pe: usize, out: usize, scratch: usize,
  C: i32, H: i32, W: i32, head: i32, kernel_att: i32, stride: i32, padding: i32, scaling: f32,
): void {
  assert(head > 0 && C % head == 0 && (kernel_att & 1) == 1 && padding == (kernel_att - 1) >> 1);
  assert(padding < H && padding < W && stride > 0 && H % stride == 0 && W % stride == 0);
  const hd = C / head, T = kernel_att * kernel_att, s = stride;
  const H_out = H / s, W_out = W / s, W_out4 = roundUp4(W_out);
  const Ls = slabRowFloats(W, kernel_att, s);
  const taps = scratch + f32off(scratchOffset(TAPS, C, H, W, head, kernel_att, s, padding));
  const kp = scratch + f32off(scratchOffset(KP, C, H, W, head, kernel_att, s, padding));
  const vs = scratch + f32off(scratchOffset(VS, C, H, W, head, kernel_att, s, padding));
  const qs = scratch + f32off(scratchOffset(QS, C, H, W, head, kernel_att, s, padding));
  const cq = scratch + f32off(scratchOffset(CQ, C, H, W, head, kernel_att, s, padding));
  const L = scratch + f32off(scratchOffset(LOGITS, C, H, W, head, kernel_att, s, padding));
  const LsB = f32off(Ls), qRowB = f32off(W_out4);
  const rowB = f32off(s * s * hd * Ls);                 // slab bytes between output rows
  const planeOut = H_out * W_out, planeOutB = f32off(planeOut);

  for (let h = 0; h < head; h++) {
    prepareHead(q, k, v, pe, scratch, C, H, W, head, h, kernel_att, s, padding, scaling, true);
    for (let i = 0; i < H_out; i++) {
      const kRow = kp + <usize>i * rowB, vRow = vs + <usize>i * rowB;
      const qRow = qs + f32off(i * hd * W_out4), cRow = cq + f32off(i * W_out4);
      const oRow = out + f32off((h * hd) * planeOut + i * W_out);
      let j = 0;
      for (; j + 8 <= W_out; j += 8) {
        const jB = f32off(j);
        pixels8(kRow + jB, vRow + jB, qRow + jB, cRow + jB, oRow + jB, taps, L, T, hd, LsB, qRowB, planeOutB);
      }
      for (; j < W_out; j += 4) {
        const jB = f32off(j);
        pixels4(kRow + jB, vRow + jB, qRow + jB, cRow + jB, oRow + jB, taps, L, T, hd, LsB, qRowB, planeOutB, min<i32>(4, W_out - j));
      }
    }
  }
}

/**
 * Scalar twin of local_attention__f32x4: one output pixel at a time (pixel1), the same operations in
 * the same order (header), so the two are bit-identical.
 *
 * Memory, Writes, Contract, Cost: as local_attention__f32x4.
 */
export function local_attention__scalar(
  q: usize, k: usize, v: usize, pe: usize, out: usize, scratch: usize,
  C: i32, H: i32, W: i32, head: i32, kernel_att: i32, stride: i32, padding: i32, scaling: f32,
): void {
  assert(head > 0 && C % head == 0 && (kernel_att & 1) == 1 && padding == (kernel_att - 1) >> 1);
  assert(padding < H && padding < W && stride > 0 && H % stride == 0 && W % stride == 0);
  const hd = C / head, T = kernel_att * kernel_att, s = stride;
  const H_out = H / s, W_out = W / s, W_out4 = roundUp4(W_out);
  const Ls = slabRowFloats(W, kernel_att, s);
  const taps = scratch + f32off(scratchOffset(TAPS, C, H, W, head, kernel_att, s, padding));
  const kp = scratch + f32off(scratchOffset(KP, C, H, W, head, kernel_att, s, padding));
  const vs = scratch + f32off(scratchOffset(VS, C, H, W, head, kernel_att, s, padding));
  const qs = scratch + f32off(scratchOffset(QS, C, H, W, head, kernel_att, s, padding));
  const cq = scratch + f32off(scratchOffset(CQ, C, H, W, head, kernel_att, s, padding));
  const L = scratch + f32off(scratchOffset(LOGITS, C, H, W, head, kernel_att, s, padding));
  const LsB = f32off(Ls), qRowB = f32off(W_out4);
  const rowB = f32off(s * s * hd * Ls);
  const planeOut = H_out * W_out, planeOutB = f32off(planeOut);

  for (let h = 0; h < head; h++) {
    prepareHead(q, k, v, pe, scratch, C, H, W, head, h, kernel_att, s, padding, scaling, false);
    for (let i = 0; i < H_out; i++) {
      const kRow = kp + <usize>i * rowB, vRow = vs + <usize>i * rowB;
      const qRow = qs + f32off(i * hd * W_out4), cRow = cq + f32off(i * W_out4);
      const oRow = out + f32off((h * hd) * planeOut + i * W_out);
      for (let j = 0; j < W_out; j++) {
        const jB = f32off(j);
        pixel1(kRow + jB, vRow + jB, qRow + jB, cRow + jB, oRow + jB, taps, L, T, hd, LsB, qRowB, planeOutB);
      }
    }
  }
}
