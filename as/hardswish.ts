// Hard swish y = x · min(max(x + 3, 0), 6) / 6 (MobileNetV3, arXiv:1905.02244, Eq. 2), element-wise in float32,
// in PyTorch's own operation order (aten/src/ATen/native/cpu/Activation.cpp, hardswish_kernel: add, max, min,
// multiply, divide), so the result equals torch.nn.functional.hardswish on CPU bit for bit. Both variants do
// the same IEEE operations in the same order (bit-identical twins).

import { f32off } from './lib/lanes';
import { relu6_plus3_scalar, relu6_plus3_f32x4 } from './lib/math';

/**
 * y[i] = x[i] · min(max(x[i] + 3, 0), 6) / 6 for i < n (scalar variant).
 * Memory:   x, y: byte offsets of n floats (y may equal x); no alignment.
 * Writes:   y[0 .. n) only.
 * Numerics: 3 roundings (x + 3, the product, the division; the clamp is exact): within 3·u·|y| of the exact
 *           value, and x + 3 is exact for x ∈ [−6, −1.5] (Sterbenz), so no cancellation near −3.
 *           NaN → NaN (the comparisons below keep NaN, as PyTorch's std::max/std::min order does).
 * Contract: n ≥ 0 — asserted in debug builds only.
 * Cost:     4 FLOPs per element.
 */
export function hardswish__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + f32off(i));
    store<f32>(y + f32off(i), hardswish1(v));
  }
}

/** f32x4 twin of hardswish__scalar (4 lanes per step, scalar tail). Same contract, same bits. */
export function hardswish__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  const three = f32x4.splat(3), zero = f32x4.splat(0), six = f32x4.splat(6);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + f32off(i));
    v128.store(y + f32off(i), f32x4.div(f32x4.mul(v, relu6_plus3_f32x4(v, three, zero, six)), six));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + f32off(i));
    store<f32>(y + f32off(i), hardswish1(v));
  }
}

// @ts-ignore: decorator
@inline function hardswish1(v: f32): f32 {
  return (v * relu6_plus3_scalar(v)) / <f32>6;
}
