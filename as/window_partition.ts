// Swin's data movement: window_partition / window_reverse (one kernel, a direction flag) and torch.roll along one
// dimension. Pure 32-bit word copies (bit patterns kept, NaN payloads included): the __scalar and __f32x4 twins
// write the same bits.

import { f32off } from './lib/lanes';

// @ts-ignore: decorator
@inline function copyWords__scalar(src: usize, dst: usize, n: i32): void {
  for (let t = 0; t < n; t++) store<u32>(dst + f32off(t), load<u32>(src + f32off(t)));
}

// @ts-ignore: decorator
@inline function copyWords__f32x4(src: usize, dst: usize, n: i32): void {
  let t = 0;
  for (; t + 16 <= n; t += 16) {
    const s = src + f32off(t), d = dst + f32off(t);
    v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
    v128.store(d, v128.load(s, 32), 32); v128.store(d, v128.load(s, 48), 48);
  }
  for (; t + 4 <= n; t += 4) v128.store(dst + f32off(t), v128.load(src + f32off(t)));
  for (; t < n; t++) store<u32>(dst + f32off(t), load<u32>(src + f32off(t)));
}

/**
 * window_partition (reverse = 0): x [B, H, W, C] → windows [B·(H/ws)·(W/ws), ws, ws, C]; window_reverse
 * (reverse = 1): the inverse. One contiguous run of ws·C words per (window, window row).
 * Paper:    Swin Transformer (arXiv:2103.14030) §3.2; ts/ref/window_attention.ts windowPartition / windowReverse.
 * Memory:   src, dst: byte offsets of B·H·W·C floats; must not overlap; no alignment.
 * Writes:   dst[0 .. B·H·W·C).   Numerics: bit-exact copies (bit-identical twins).
 * Contract: ws ≥ 1 divides H and W; B, C ≥ 0 — asserted in debug builds only.
 */
export function window_partition__scalar(src: usize, dst: usize, B: i32, H: i32, W: i32, C: i32, ws: i32, reverse: i32): void {
  assert(ws > 0 && H % ws == 0 && W % ws == 0 && B >= 0 && C >= 0);
  const nH = H / ws, nW = W / ws, run = ws * C;
  let o = 0;
  for (let b = 0; b < B; b++) for (let p = 0; p < nH; p++) for (let q = 0; q < nW; q++) for (let i = 0; i < ws; i++) {
    const x = ((b * H + p * ws + i) * W + q * ws) * C;
    if (reverse) copyWords__scalar(src + f32off(o), dst + f32off(x), run);
    else copyWords__scalar(src + f32off(x), dst + f32off(o), run);
    o += run;
  }
}

/** f32x4 twin of window_partition__scalar (16 then 4 words per step, word tail). Same contract, same bits. */
export function window_partition__f32x4(src: usize, dst: usize, B: i32, H: i32, W: i32, C: i32, ws: i32, reverse: i32): void {
  assert(ws > 0 && H % ws == 0 && W % ws == 0 && B >= 0 && C >= 0);
  const nH = H / ws, nW = W / ws, run = ws * C;
  let o = 0;
  for (let b = 0; b < B; b++) for (let p = 0; p < nH; p++) for (let q = 0; q < nW; q++) for (let i = 0; i < ws; i++) {
    const x = ((b * H + p * ws + i) * W + q * ws) * C;
    if (reverse) copyWords__f32x4(src + f32off(o), dst + f32off(x), run);
    else copyWords__f32x4(src + f32off(x), dst + f32off(o), run);
    o += run;
  }
}

/**
 * torch.roll along one dimension of x viewed as [outer, n, inner]: y[o, (i + shift) mod n, :] = x[o, i, :], as two
 * contiguous runs per o. Memory: src, dst of outer·n·inner floats, not overlapping. Writes: dst[0 .. outer·n·inner).
 * Numerics: bit-exact copies.   Contract: 0 ≤ shift < n (or n = 0) — asserted in debug builds only.
 */
export function roll_dim__scalar(src: usize, dst: usize, outer: i32, n: i32, inner: i32, shift: i32): void {
  assert(outer >= 0 && n >= 0 && inner >= 0 && shift >= 0 && (n == 0 || shift < n));
  const plane = n * inner, head = (n - shift) * inner, tail = shift * inner;
  for (let o = 0; o < outer; o++) {
    const s = src + f32off(o * plane), d = dst + f32off(o * plane);
    copyWords__scalar(s, d + f32off(tail), head);
    copyWords__scalar(s + f32off(head), d, tail);
  }
}

/** f32x4 twin of roll_dim__scalar. Same contract, same bits. */
export function roll_dim__f32x4(src: usize, dst: usize, outer: i32, n: i32, inner: i32, shift: i32): void {
  assert(outer >= 0 && n >= 0 && inner >= 0 && shift >= 0 && (n == 0 || shift < n));
  const plane = n * inner, head = (n - shift) * inner, tail = shift * inner;
  for (let o = 0; o < outer; o++) {
    const s = src + f32off(o * plane), d = dst + f32off(o * plane);
    copyWords__f32x4(s, d + f32off(tail), head);
    copyWords__f32x4(s + f32off(head), d, tail);
  }
}
