// Shift kernels: the Shift operation (Wu et al. 2018; ACmix Eq. 4) as data movement, and the
// shift-and-sum of ACmix's Stage II (Eq. 7) as an accumulation of shifted planes.
//
//   shift_copy:        dst[c, i, j]  = src[c, i + dy_c, j + dx_c]            (+0 outside; 32-bit moves, bit-exact)
//   shift_accumulate:  dst[c, i, j] += src[c, i·s_h + dy, j·s_w + dx]        (nothing added outside)
//
// Valid ranges are computed once per call (the shift is the same for every row), never tested per
// element; the f32x4 variants move/add 4 columns per step with a scalar tail, in the scalar
// variants' order (one f32 add per element for shift_accumulate), so __scalar ≡ __f32x4 bit for bit.

import { f32off } from './lib/lanes';
import { validBegin, validEnd, loadStrided } from './lib/ranges';

/**
 * dst[c, i, j] += src[c, i·stride_h + dy, j·stride_w + dx] for `planes` planes; source pixels
 * outside the H×W map add nothing (scalar variant).
 *
 * Paper:    ACmix §3.1 Eq. (7): Stage II shifts each tap's projection by (p·d − P, q·d − P) and sums
 *           (ts/ref/conv2d_shift_sum.ts conv2dStageII), here one tap over all channels per call.
 * Memory:   src: byte offset of planes × [H, W]; dst: byte offset of planes × [H_out, W_out]; row-major
 *           float32, no alignment required; dst must not overlap src.
 * Writes:   dst elements whose source is inside the map (the others are untouched).
 * Numerics: one f32 add per written element (bit-identical to shift_accumulate__f32x4).
 * Contract: planes ≥ 0; H, W, H_out, W_out, strides ≥ 1 — asserted in debug builds only.
 * Cost:     ≤ planes·H_out·W_out FLOPs.
 */
export function shift_accumulate__scalar(
  src: usize, dst: usize, planes: i32, H: i32, W: i32, H_out: i32, W_out: i32,
  dy: i32, dx: i32, stride_h: i32, stride_w: i32,
): void {
  assert(planes >= 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0 && stride_h > 0 && stride_w > 0);
  for (let c = 0; c < planes; c++) {
    const s = src + f32off(c * H * W), d = dst + f32off(c * H_out * W_out);
    for (let i = 0; i < H_out; i++) {
      const si = i * stride_h + dy;
      if (si < 0 || si >= H) continue;
      for (let j = 0; j < W_out; j++) {
        const sj = j * stride_w + dx;
        if (sj < 0 || sj >= W) continue;
        const pd = d + f32off(i * W_out + j);
        store<f32>(pd, load<f32>(pd) + load<f32>(s + f32off(si * W + sj)));
      }
    }
  }
}

/**
 * f32x4 variant of shift_accumulate__scalar: rows and columns with a source inside the map are
 * computed once per call; 4 columns per step (plain loads for stride 1, a shuffle of two loads
 * for stride 2, lane gathers otherwise), then a scalar tail.
 *
 * Paper, Memory, Writes, Numerics, Contract, Cost: as shift_accumulate__scalar (bit-identical).
 */
export function shift_accumulate__f32x4(
  src: usize, dst: usize, planes: i32, H: i32, W: i32, H_out: i32, W_out: i32,
  dy: i32, dx: i32, stride_h: i32, stride_w: i32,
): void {
  assert(planes >= 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0 && stride_h > 0 && stride_w > 0);
  const iBeg = min<i32>(H_out, validBegin(dy, stride_h));
  const iEnd = validEnd(dy, stride_h, H, H_out, iBeg);
  const jBeg = min<i32>(W_out, validBegin(dx, stride_w));
  const jEnd = validEnd(dx, stride_w, W, W_out, jBeg);
  for (let c = 0; c < planes; c++) {
    const s = src + f32off(c * H * W), d = dst + f32off(c * H_out * W_out);
    for (let i = iBeg; i < iEnd; i++) {
      const srcRow = s + f32off((i * stride_h + dy) * W + dx);      // &src[i·s_h + dy, 0·s_w + dx]
      const dstRow = d + f32off(i * W_out);
      let j = jBeg;
      for (; j + 4 <= jEnd; j += 4) {
        const pd = dstRow + f32off(j);
        v128.store(pd, f32x4.add(v128.load(pd), loadStrided(srcRow + f32off(j * stride_w), stride_w)));
      }
      for (; j < jEnd; j++) {
        const pd = dstRow + f32off(j);
        store<f32>(pd, load<f32>(pd) + load<f32>(srcRow + f32off(j * stride_w)));
      }
    }
  }
}

/**
 * dst[n, c, i, j] = src[n, c, i + dy_c, j + dx_c], +0 where the source is outside the map
 * (scalar variant; 32-bit word moves, so −0 and NaN payloads are kept).
 *
 * Paper:    ACmix §3.1 Eq. (4) (Shift); Wu et al., CVPR 2018 (per-channel shifts).
 * Memory:   src, dst: byte offsets of [N, C, H, W] float32 (row-major, no alignment, no overlap);
 *           shifts: byte offset of 2·C i32 (dy_c, dx_c).
 * Writes:   dst[0 .. N·C·H·W), every element once.
 * Numerics: data movement, bit-exact (bit-identical to shift_copy__f32x4).
 * Contract: N, C, H, W ≥ 0 — asserted in debug builds only.
 * Cost:     0 FLOPs; N·C·H·W element moves.
 */
export function shift_copy__scalar(src: usize, dst: usize, N: i32, C: i32, H: i32, W: i32, shifts: usize): void {
  assert(N >= 0 && C >= 0 && H >= 0 && W >= 0);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const dy = load<i32>(shifts + f32off(2 * c)), dx = load<i32>(shifts + f32off(2 * c + 1));
      const base = f32off((n * C + c) * H * W);
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const si = i + dy, sj = j + dx;
          const inside = si >= 0 && si < H && sj >= 0 && sj < W;
          store<u32>(dst + base + f32off(i * W + j), inside ? load<u32>(src + base + f32off(si * W + sj)) : 0);
        }
      }
    }
  }
}

/**
 * f32x4 variant of shift_copy__scalar: per plane the rows and columns with a source inside are
 * computed once; whole zero rows, left/right zero borders and the interior copy move 4 words per
 * v128 store, with scalar tails.
 *
 * Paper, Memory, Writes, Numerics, Contract, Cost: as shift_copy__scalar (bit-identical).
 */
export function shift_copy__f32x4(src: usize, dst: usize, N: i32, C: i32, H: i32, W: i32, shifts: usize): void {
  assert(N >= 0 && C >= 0 && H >= 0 && W >= 0);
  const zero = i32x4.splat(0);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const dy = load<i32>(shifts + f32off(2 * c)), dx = load<i32>(shifts + f32off(2 * c + 1));
      const base = f32off((n * C + c) * H * W);
      const s = src + base;
      let d = dst + base;
      const iBeg = min<i32>(H, validBegin(dy, 1)), iEnd = validEnd(dy, 1, H, H, iBeg);
      const jBeg = min<i32>(W, validBegin(dx, 1)), jEnd = validEnd(dx, 1, W, W, jBeg);
      for (let i = 0; i < H; i++) {
        if (i < iBeg || i >= iEnd) {                              // the whole row reads outside
          zeroFill(d, W, zero);
        } else {
          zeroFill(d, jBeg, zero);                                // left border
          const srcRow = s + f32off((i + dy) * W + dx);
          let j = jBeg;
          for (; j + 4 <= jEnd; j += 4) v128.store(d + f32off(j), v128.load(srcRow + f32off(j)));
          for (; j < jEnd; j++) store<u32>(d + f32off(j), load<u32>(srcRow + f32off(j)));
          zeroFill(d + f32off(jEnd), W - jEnd, zero);             // right border
        }
        d += f32off(W);
      }
    }
  }
}

/** Writes n ≥ 0 zero words at p (4 per v128 store, then one by one). */
// @ts-ignore: decorator
@inline function zeroFill(p: usize, n: i32, zero: v128): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(p + f32off(j), zero);
  for (; j < n; j++) store<u32>(p + f32off(j), 0);
}
