// The aggregation of involution / inhomogeneous dynamic depthwise convolution for one channel:
//   y[pos] = Σ_t kernel[t, pos] · col[t, pos]      (t = 0 .. T−1 in order, one float32 accumulator per pos)
// where col is the channel's im2col [T, P] (as/im2col.ts with C = 1) and kernel the generated per-position taps of
// its group. The f32x4 variant runs 4 positions per step with the same per-element order: bit-identical.

import { f32off } from './lib/lanes';

/**
 * y[pos] = Σ_t kernel[t·P + pos] · col[t·P + pos] for pos < P.
 * Memory:   col, kernel: byte offsets of T·P floats (row-major [T, P]); y: P floats (no overlap).
 * Writes:   y[0 .. P) only.
 * Numerics: float32, t in order from +0: within T·u·Σ_t|k·x| of the exact sum.
 * Contract: T ≥ 1, P ≥ 0 — asserted in debug builds only.
 * Cost:     2·T·P FLOPs.
 */
export function weighted_tap_sum__scalar(col: usize, kernel: usize, y: usize, T: i32, P: i32): void {
  assert(T >= 1 && P >= 0);
  for (let pos = 0; pos < P; pos++) {
    let acc: f32 = 0;
    for (let t = 0; t < T; t++) acc += load<f32>(kernel + f32off(t * P + pos)) * load<f32>(col + f32off(t * P + pos));
    store<f32>(y + f32off(pos), acc);
  }
}

/** f32x4 twin of weighted_tap_sum__scalar (4 positions per step, scalar tail). Same contract, same bits. */
export function weighted_tap_sum__f32x4(col: usize, kernel: usize, y: usize, T: i32, P: i32): void {
  assert(T >= 1 && P >= 0);
  let pos = 0;
  for (; pos + 4 <= P; pos += 4) {
    let acc = f32x4.splat(0);
    for (let t = 0; t < T; t++) acc = f32x4.add(acc, f32x4.mul(v128.load(kernel + f32off(t * P + pos)), v128.load(col + f32off(t * P + pos))));
    v128.store(y + f32off(pos), acc);
  }
  for (; pos < P; pos++) {
    let acc: f32 = 0;
    for (let t = 0; t < T; t++) acc += load<f32>(kernel + f32off(t * P + pos)) * load<f32>(col + f32off(t * P + pos));
    store<f32>(y + f32off(pos), acc);
  }
}
