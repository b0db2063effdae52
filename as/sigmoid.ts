// Logistic sigmoid σ(x) = 1 / (1 + e^−x), element-wise, in float32 with the library's expf (as/lib/math.ts):
//   e = expf(−|x|) ∈ (0, 1];  σ = x ≥ 0 ? 1 / (1 + e) : e / (1 + e)
// so the exponential never overflows. Both variants perform the same operations in the same order (the f32x4
// one selects lanes with bitselect), so they are bit-identical. NaN → NaN, +Inf → 1, −Inf → +0.

import { f32off } from './lib/lanes';
import { sigmoid_scalar, sigmoid_f32x4 } from './lib/math';

/**
 * y[i] = σ(x[i]) for i < n.
 * Memory:   x, y: byte offsets of n floats (y may equal x); no alignment.
 * Writes:   y[0 .. n) only.
 * Numerics: expf (< 1 ulp) then one add and one division: within ~3 ulp of σ (CondConv routing, DCNv2 masks).
 * Contract: n ≥ 0 — asserted in debug builds only.
 * Cost:     ~25 FLOPs per element.
 */
export function sigmoid__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), sigmoid_scalar(load<f32>(x + f32off(i))));
}

/** f32x4 twin of sigmoid__scalar (4 lanes per step, scalar tail). Same contract, same bits. */
export function sigmoid__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + f32off(i), sigmoid_f32x4(v128.load(x + f32off(i)), one, zero));
  for (; i < n; i++) store<f32>(y + f32off(i), sigmoid_scalar(load<f32>(x + f32off(i))));
}
