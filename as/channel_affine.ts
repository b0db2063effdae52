// Per-channel affine map of C planes, y[c, i] = x[c, i] · scale[c] (+ shift[c]): the factorised fast paths of
// weight modulation (dynconv-spec §4.5): γ_in on the input map instead of the kernel's input axis, γ_out (and
// StyleGAN2's demodulation coefficients) on the output instead of the kernel's output axis, bias after.
// Both variants compute (x·s) then (+ b) in float32 per element: bit-identical.

import { f32off } from './lib/lanes';

/**
 * y[c·plane + i] = x[c·plane + i]·scale[c] (+ shift[c] when shift ≠ 0), for c < C, i < plane.
 *
 * Memory:   x, y: byte offsets of C·plane floats (y may equal x: in place); scale: C floats; shift: C floats or 0.
 * Writes:   y[0 .. C·plane) only.
 * Numerics: one float32 multiply (and one add) per element, in that order.
 * Contract: C, plane ≥ 0 — asserted in debug builds only.
 * Cost:     1 or 2 FLOPs per element.
 */
export function channel_affine__scalar(x: usize, y: usize, scale: usize, shift: usize, C: i32, plane: i32): void {
  assert(C >= 0 && plane >= 0);
  for (let c = 0; c < C; c++) {
    const s = load<f32>(scale + f32off(c)), b: f32 = shift ? load<f32>(shift + f32off(c)) : 0;
    const xs = x + f32off(c * plane), ys = y + f32off(c * plane);
    if (shift) for (let i = 0; i < plane; i++) store<f32>(ys + f32off(i), load<f32>(xs + f32off(i)) * s + b);
    else for (let i = 0; i < plane; i++) store<f32>(ys + f32off(i), load<f32>(xs + f32off(i)) * s);
  }
}

/** f32x4 twin of channel_affine__scalar (4 lanes per step, scalar tail). Same contract, same bits. */
export function channel_affine__f32x4(x: usize, y: usize, scale: usize, shift: usize, C: i32, plane: i32): void {
  assert(C >= 0 && plane >= 0);
  for (let c = 0; c < C; c++) {
    const s = load<f32>(scale + f32off(c)), b: f32 = shift ? load<f32>(shift + f32off(c)) : 0;
    const vs = f32x4.splat(s), vb = f32x4.splat(b);
    const xs = x + f32off(c * plane), ys = y + f32off(c * plane);
    let i = 0;
    if (shift) {
      for (; i + 4 <= plane; i += 4) v128.store(ys + f32off(i), f32x4.add(f32x4.mul(v128.load(xs + f32off(i)), vs), vb));
      for (; i < plane; i++) store<f32>(ys + f32off(i), load<f32>(xs + f32off(i)) * s + b);
    } else {
      for (; i + 4 <= plane; i += 4) v128.store(ys + f32off(i), f32x4.mul(v128.load(xs + f32off(i)), vs));
      for (; i < plane; i++) store<f32>(ys + f32off(i), load<f32>(xs + f32off(i)) * s);
    }
  }
}
