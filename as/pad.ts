// Padding of the last two dimensions of a stack of planes, and a constant fill: the kernels of
// `pad` (torch.nn.functional.pad). Pure data movement in 32-bit words (constant values are given
// as their float32 bit pattern), so −0 and NaN payloads are kept and pad2d__scalar ≡ pad2d__f32x4
// bit for bit.
//
//   dst[p, t, u] = src[p, rowOf(t − top), colOf(u − left)]   or `value` where a constant pad reads outside
//   mode 0 constant: outside → value; 1 reflect: s < 0 → −s, s ≥ n → 2(n − 1) − s (edge not repeated);
//   mode 2 replicate: clamp(s, 0, n − 1).

import { f32off } from './lib/lanes';

/** Source index of padded-relative index s in [0, n), or −1 for constant fill (mode as above). */
// @ts-ignore: decorator
@inline function sourceIndex(s: i32, n: i32, mode: i32): i32 {
  if (s >= 0 && s < n) return s;
  if (mode == 0) return -1;
  if (mode == 2) return s < 0 ? 0 : n - 1;
  return s < 0 ? -s : 2 * (n - 1) - s;
}

/**
 * Pads `planes` planes of [H, W] to [H + top + bottom, W + left + right] (scalar variant).
 *
 * Memory:   src: byte offset of planes × [H, W]; dst: byte offset of planes × [H_out, W_out];
 *           float32 (moved as 32-bit words), row-major, no alignment, no overlap.
 * Writes:   dst[0 .. planes·H_out·W_out), every element once.
 * Numerics: data movement, bit-exact (bit-identical to pad2d__f32x4).
 * Contract: planes, H, W, pads ≥ 0; mode 0, 1 or 2; reflect: top, bottom < H and left, right < W;
 *           replicate: a padded dimension is non-empty — asserted in debug builds only
 *           (ts/ref/pad.ts checkPad validates them).
 * Cost:     0 FLOPs; planes·H_out·W_out element moves.
 */
export function pad2d__scalar(
  src: usize, dst: usize, planes: i32, H: i32, W: i32,
  top: i32, bottom: i32, left: i32, right: i32, mode: i32, valueBits: u32,
): void {
  assert(planes >= 0 && H >= 0 && W >= 0 && top >= 0 && bottom >= 0 && left >= 0 && right >= 0);
  assert(mode >= 0 && mode <= 2);
  const H_out = H + top + bottom, W_out = W + left + right;
  let d = dst;
  for (let p = 0; p < planes; p++) {
    const s = src + f32off(p * H * W);
    for (let t = 0; t < H_out; t++) {
      const sr = sourceIndex(t - top, H, mode);
      for (let u = 0; u < W_out; u++) {
        const sc = sourceIndex(u - left, W, mode);
        store<u32>(d, sr >= 0 && sc >= 0 ? load<u32>(s + f32off(sr * W + sc)) : valueBits);
        d += 4;
      }
    }
  }
}

/**
 * f32x4 variant of pad2d__scalar: per output row the source row is mapped once; the copied middle
 * moves 4 words per v128, constant rows and borders are v128 fills, reflect/replicate borders are
 * mapped word by word (they are at most `left + right` words per row).
 *
 * Memory, Writes, Numerics, Contract, Cost: as pad2d__scalar (bit-identical).
 */
export function pad2d__f32x4(
  src: usize, dst: usize, planes: i32, H: i32, W: i32,
  top: i32, bottom: i32, left: i32, right: i32, mode: i32, valueBits: u32,
): void {
  assert(planes >= 0 && H >= 0 && W >= 0 && top >= 0 && bottom >= 0 && left >= 0 && right >= 0);
  assert(mode >= 0 && mode <= 2);
  const H_out = H + top + bottom, W_out = W + left + right;
  const fillv = i32x4.splat(valueBits);
  let d = dst;
  for (let p = 0; p < planes; p++) {
    const s = src + f32off(p * H * W);
    for (let t = 0; t < H_out; t++) {
      const sr = sourceIndex(t - top, H, mode);
      if (sr < 0) {                                   // constant row
        fillWords(d, W_out, fillv, valueBits);
      } else {
        const row = s + f32off(sr * W);
        if (mode == 0) {
          fillWords(d, left, fillv, valueBits);
        } else {
          for (let u = 0; u < left; u++) store<u32>(d + f32off(u), load<u32>(row + f32off(sourceIndex(u - left, W, mode))));
        }
        const m = d + f32off(left);
        let j = 0;
        for (; j + 4 <= W; j += 4) v128.store(m + f32off(j), v128.load(row + f32off(j)));
        for (; j < W; j++) store<u32>(m + f32off(j), load<u32>(row + f32off(j)));
        const r = m + f32off(W);
        if (mode == 0) {
          fillWords(r, right, fillv, valueBits);
        } else {
          for (let u = 0; u < right; u++) store<u32>(r + f32off(u), load<u32>(row + f32off(sourceIndex(W + u, W, mode))));
        }
      }
      d += f32off(W_out);
    }
  }
}

/**
 * dst[0 .. n) = the float32 with bit pattern valueBits (scalar variant).
 * Memory: dst byte offset, no alignment.  Writes: dst[0 .. n).  Numerics: bit-exact.  Contract: n ≥ 0.
 */
export function fill__scalar(dst: usize, n: i32, valueBits: u32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<u32>(dst + f32off(i), valueBits);
}

/** f32x4 variant of fill__scalar (4 words per v128 store, then a scalar tail); bit-identical. */
export function fill__f32x4(dst: usize, n: i32, valueBits: u32): void {
  assert(n >= 0);
  fillWords(dst, n, i32x4.splat(valueBits), valueBits);
}

// @ts-ignore: decorator
@inline function fillWords(p: usize, n: i32, v: v128, bits: u32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(p + f32off(j), v);
  for (; j < n; j++) store<u32>(p + f32off(j), bits);
}
