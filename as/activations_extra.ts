// Element-wise activations beside sigmoid and hardswish: silu, hardsigmoid, tanh, leaky_relu, in float32. hardsigmoid
// and leaky_relu follow PyTorch's CPU operation order (aten/src/ATen/native/cpu/Activation.cpp: hardsigmoid_kernel
// min(max(x + 3, 0), 6) / 6; leaky_relu_kernel x > 0 ? x : x·slope), so they equal PyTorch bit for bit; silu uses the
// library's expf (as/lib/math.ts) as as/sigmoid.ts does; tanh uses AssemblyScript's Mathf.tanh (a port of musl's tanhf)
// lane by lane. Each __f32x4 variant does the same operations per element as its __scalar twin: bit-identical.

import { f32off } from './lib/lanes';
import { sigmoid_scalar, sigmoid_f32x4, relu6_plus3_scalar, relu6_plus3_f32x4 } from './lib/math';

// @ts-ignore: decorator
@inline function silu1(v: f32): f32 {
  return v * sigmoid_scalar(v);
}

/**
 * y[i] = x[i]·σ(x[i]) for i < n, σ as as/sigmoid.ts (e = expf(−|x|); σ = x ≥ 0 ? 1/(1+e) : e/(1+e)).
 * Memory:   x, y: byte offsets of n floats (y may equal x).   Writes: y[0 .. n).
 * Numerics: σ within ~3 ulp, one more product: within 8·u·|y| (+ subnormal slack). −∞ → NaN (−∞·0), as PyTorch.
 * Contract: n ≥ 0.   Cost: ~26 FLOPs per element.
 */
export function silu__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), silu1(load<f32>(x + f32off(i))));
}

/** f32x4 twin of silu__scalar. Same contract, same bits. */
export function silu__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + f32off(i));
    v128.store(y + f32off(i), f32x4.mul(v, sigmoid_f32x4(v, one, zero)));
  }
  for (; i < n; i++) store<f32>(y + f32off(i), silu1(load<f32>(x + f32off(i))));
}

// @ts-ignore: decorator
@inline function hardsigmoid1(v: f32): f32 {
  return relu6_plus3_scalar(v) / <f32>6;
}

/**
 * y[i] = min(max(x[i] + 3, 0), 6) / 6 for i < n (PyTorch's order: two roundings, the clamp exact).
 * Memory:   x, y: byte offsets of n floats (y may equal x).   Writes: y[0 .. n).
 * Numerics: within 2·u·|y| of the exact value; equal to PyTorch 1.13 CPU bit for bit. NaN → NaN.
 * Contract: n ≥ 0.   Cost: 3 FLOPs per element.
 */
export function hardsigmoid__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), hardsigmoid1(load<f32>(x + f32off(i))));
}

/** f32x4 twin of hardsigmoid__scalar. Same contract, same bits. */
export function hardsigmoid__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  const three = f32x4.splat(3), zero = f32x4.splat(0), six = f32x4.splat(6);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y + f32off(i), f32x4.div(relu6_plus3_f32x4(v128.load(x + f32off(i)), three, zero, six), six));
  }
  for (; i < n; i++) store<f32>(y + f32off(i), hardsigmoid1(load<f32>(x + f32off(i))));
}

/**
 * y[i] = tanh(x[i]) for i < n (Mathf.tanh: musl's tanhf, expm1f-based, < 2 ulp).
 * Memory:   x, y: byte offsets of n floats (y may equal x).   Writes: y[0 .. n).
 * Numerics: within 4·u·|y| + 2⁻¹⁴⁹ of the exact value. ±∞ → ±1, NaN → NaN, −0 → −0.
 * Contract: n ≥ 0.   Cost: ~20 FLOPs per element.
 */
export function tanh__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), Mathf.tanh(load<f32>(x + f32off(i))));
}

/** f32x4 twin of tanh__scalar: vector loads and stores, Mathf.tanh per lane. Same contract, same bits. */
export function tanh__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + f32off(i));
    let r = f32x4.splat(Mathf.tanh(f32x4.extract_lane(v, 0)));
    r = f32x4.replace_lane(r, 1, Mathf.tanh(f32x4.extract_lane(v, 1)));
    r = f32x4.replace_lane(r, 2, Mathf.tanh(f32x4.extract_lane(v, 2)));
    r = f32x4.replace_lane(r, 3, Mathf.tanh(f32x4.extract_lane(v, 3)));
    v128.store(y + f32off(i), r);
  }
  for (; i < n; i++) store<f32>(y + f32off(i), Mathf.tanh(load<f32>(x + f32off(i))));
}

/**
 * y[i] = x[i] > 0 ? x[i] : x[i]·slope for i < n (slope a float32, as PyTorch converts negative_slope).
 * Memory:   x, y: byte offsets of n floats (y may equal x).   Writes: y[0 .. n).
 * Numerics: one correctly rounded product: exact w.r.t. the reference and PyTorch. NaN → NaN, −0 → −0·slope.
 * Contract: n ≥ 0.   Cost: 1 FLOP per element.
 */
export function leaky_relu__scalar(x: usize, y: usize, n: i32, slope: f32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + f32off(i));
    store<f32>(y + f32off(i), v > 0 ? v : v * slope);
  }
}

/** f32x4 twin of leaky_relu__scalar. Same contract, same bits. */
export function leaky_relu__f32x4(x: usize, y: usize, n: i32, slope: f32): void {
  assert(n >= 0);
  const s = f32x4.splat(slope), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + f32off(i));
    v128.store(y + f32off(i), v128.bitselect(v, f32x4.mul(v, s), f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + f32off(i));
    store<f32>(y + f32off(i), v > 0 ? v : v * slope);
  }
}
