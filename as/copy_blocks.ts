// Strided block copy: the data movement of cat and chunk along any dim of a row-major tensor, seen as `outer` rows
// of `len` contiguous floats read with stride `srcStride` and written with stride `dstStride`. Both variants move
// the same bits (the f32x4 one 4 floats per step): bit-identical, and bit-exact (NaN payloads and −0 kept).

import { f32off } from './lib/lanes';

/**
 * dst[o·dstStride + e] = src[o·srcStride + e] for o < outer, e < len (scalar variant).
 * Memory:   src, dst: byte offsets; the blocks must not overlap.   Writes: the outer blocks of dst only.
 * Contract: outer, len ≥ 0 — asserted in debug builds only.   Cost: no FLOPs.
 */
export function copy_blocks__scalar(src: usize, dst: usize, outer: i32, len: i32, srcStride: i32, dstStride: i32): void {
  assert(outer >= 0 && len >= 0);
  for (let o = 0; o < outer; o++) {
    const s = src + f32off(o * srcStride), d = dst + f32off(o * dstStride);
    for (let e = 0; e < len; e++) store<u32>(d + f32off(e), load<u32>(s + f32off(e)));
  }
}

/** f32x4 twin of copy_blocks__scalar (v128 moves, scalar tail). Same contract, same bits. */
export function copy_blocks__f32x4(src: usize, dst: usize, outer: i32, len: i32, srcStride: i32, dstStride: i32): void {
  assert(outer >= 0 && len >= 0);
  for (let o = 0; o < outer; o++) {
    const s = src + f32off(o * srcStride), d = dst + f32off(o * dstStride);
    let e = 0;
    for (; e + 4 <= len; e += 4) v128.store(d + f32off(e), v128.load(s + f32off(e)));
    for (; e < len; e++) store<u32>(d + f32off(e), load<u32>(s + f32off(e)));
  }
}
