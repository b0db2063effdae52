// im2col: one image, one group → the [C·k_h·k_w, H_out·W_out] column matrix of a convolution,
// so that conv = weight[C_out_g, C·k_h·k_w] · col (gemm). Zero padding may be asymmetric: top and
// left are given, bottom and right are implied by H_out and W_out (reads past H, W are zeros);
// a negative top pad selects a band of output rows further down.
//
//   col[(c·k_h + p)·k_w + q, i·W_out + j] = x[c, i·stride_h + p·dilation_h − pad_top,
//                                             j·stride_w + q·dilation_w − pad_left]   (0 outside)
//
// Data movement: both variants move 32-bit words, so every bit (NaN payloads, −0) is preserved,
// and the zeros they write are +0: im2col__scalar ≡ im2col__f32x4 bit for bit.

import { f32off } from './lib/lanes';

/** First j ≥ 0 with j·stride + offset ≥ 0 (offset = q·dilation − pad_left). */
// @ts-ignore: decorator
@inline function firstValid(offset: i32, stride: i32): i32 {
  return offset >= 0 ? 0 : (-offset + stride - 1) / stride;
}

/** One past the last j with j·stride + offset < size, clamped to [jBegin, count]. */
// @ts-ignore: decorator
@inline function endValid(offset: i32, stride: i32, size: i32, count: i32, jBegin: i32): i32 {
  // j·stride + offset ≤ size − 1  ⇔  j ≤ (size − 1 − offset) / stride
  const top = size - 1 - offset;
  if (top < 0) return jBegin;
  return max<i32>(jBegin, min<i32>(count, top / stride + 1));
}

/**
 * Builds the im2col matrix of one image and one group (scalar variant).
 *
 * Memory:   x: byte offset of the group's input x[C, H, W] (C planes of H·W floats, row-major);
 *           col: byte offset of the output [C·k_h·k_w, H_out·W_out] (row-major, dense).
 *           No alignment required; col must not overlap x.
 * Writes:   col[0 .. C·k_h·k_w·H_out·W_out) only, every element exactly once.
 * Numerics: data movement, bit-exact; padding writes +0.
 * Contract: C, H, W ≥ 0; k_h, k_w, strides, dilations, H_out, W_out ≥ 1; pad_left ≥ 0 — asserted in
 *           debug builds only (ts/core/geometry.ts validates them). pad_top may be negative: then
 *           output row 0 starts at input row −pad_top (a band of output rows i0.. of a conv is the
 *           call with pad_top − i0·stride_h and H_out = the band's rows; ts/wasm/conv2d.ts).
 * Cost:     C·k_h·k_w·H_out·W_out element moves.
 */
export function im2col__scalar(
  x: usize, col: usize, C: i32, H: i32, W: i32,
  k_h: i32, k_w: i32, stride_h: i32, stride_w: i32, dilation_h: i32, dilation_w: i32,
  pad_top: i32, pad_left: i32, H_out: i32, W_out: i32,
): void {
  assert(C >= 0 && H >= 0 && W >= 0 && k_h > 0 && k_w > 0 && stride_h > 0 && stride_w > 0);
  assert(dilation_h > 0 && dilation_w > 0 && pad_left >= 0 && H_out > 0 && W_out > 0);
  let dst = col;
  for (let c = 0; c < C; c++) {
    const plane = x + f32off(c * H * W);
    for (let p = 0; p < k_h; p++) {
      for (let q = 0; q < k_w; q++) {
        for (let i = 0; i < H_out; i++) {
          const y = i * stride_h + p * dilation_h - pad_top;
          for (let j = 0; j < W_out; j++) {
            const xx = j * stride_w + q * dilation_w - pad_left;
            const inside = y >= 0 && y < H && xx >= 0 && xx < W;
            store<u32>(dst, inside ? load<u32>(plane + f32off(y * W + xx)) : 0);
            dst += 4;
          }
        }
      }
    }
  }
}

/**
 * Builds the im2col matrix of one image and one group (f32x4 variant): the valid column range
 * of each output row is computed once; stride-1 rows copy 4 words per v128 load/store, stride-2
 * rows deinterleave two vectors with one shuffle, others move words one by one; borders are
 * filled with zero vectors.
 *
 * Memory, Writes, Numerics, Contract, Cost: as im2col__scalar (bit-identical output).
 */
export function im2col__f32x4(
  x: usize, col: usize, C: i32, H: i32, W: i32,
  k_h: i32, k_w: i32, stride_h: i32, stride_w: i32, dilation_h: i32, dilation_w: i32,
  pad_top: i32, pad_left: i32, H_out: i32, W_out: i32,
): void {
  assert(C >= 0 && H >= 0 && W >= 0 && k_h > 0 && k_w > 0 && stride_h > 0 && stride_w > 0);
  assert(dilation_h > 0 && dilation_w > 0 && pad_left >= 0 && H_out > 0 && W_out > 0);
  const zero = i32x4.splat(0);
  const rowBytes = f32off(W_out);
  let dst = col;
  for (let c = 0; c < C; c++) {
    const plane = x + f32off(c * H * W);
    for (let p = 0; p < k_h; p++) {
      for (let q = 0; q < k_w; q++) {
        const offset = q * dilation_w - pad_left;        // xx = j·stride_w + offset
        const jBegin = min<i32>(W_out, firstValid(offset, stride_w));
        const jEnd = endValid(offset, stride_w, W, W_out, jBegin);
        for (let i = 0; i < H_out; i++) {
          const y = i * stride_h + p * dilation_h - pad_top;
          if (y < 0 || y >= H) {                          // the whole row is padding
            zeroFill(dst, W_out, zero);
            dst += rowBytes;
            continue;
          }
          zeroFill(dst, jBegin, zero);                    // left border
          const src = plane + f32off(y * W + offset);     // &x[c, y, 0·stride_w + offset]
          let j = jBegin;
          if (stride_w == 1) {
            for (; j + 4 <= jEnd; j += 4) {
              v128.store(dst + f32off(j), v128.load(src + f32off(j)));
            }
          } else if (stride_w == 2) {
            // lanes 2j, 2j+2, 2j+4, 2j+6 of x; the second load reads up to 2j+7, which must
            // still be inside the row: 2j + 7 + offset ≤ W − 1.
            for (; j + 4 <= jEnd && 2 * j + 8 + offset <= W; j += 4) {
              const s = src + f32off(2 * j);
              const v = i8x16.shuffle(v128.load(s), v128.load(s, 16),
                0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
              v128.store(dst + f32off(j), v);
            }
          }
          for (; j < jEnd; j++) {                          // scalar interior tail / other strides
            store<u32>(dst + f32off(j), load<u32>(src + f32off(j * stride_w)));
          }
          zeroFill(dst + f32off(jEnd), W_out - jEnd, zero); // right border
          dst += rowBytes;
        }
      }
    }
  }
}

/** Writes n zero words at p (4 per v128 store, then one by one). */
// @ts-ignore: decorator
@inline function zeroFill(p: usize, n: i32, zero: v128): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(p + f32off(j), zero);
  for (; j < n; j++) store<u32>(p + f32off(j), 0);
}

