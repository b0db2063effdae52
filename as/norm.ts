// Normalisation kernels: batch norm in inference mode (per-channel affine with running statistics,
// evaluated in float64 as the reference does: bit-exact) and layer norm over contiguous rows (float32,
// reductions in 4 lane-partial sums combined as (s0 + s1) + (s2 + s3), then the tail in order). Each
// __f32x4 variant does its scalar twin's operations in the same order lane by lane: bit-identical.

import { f32off } from './lib/lanes';

/**
 * y[n, c, ·] = f32(((x − mean[c])·inv[c])·gamma[c] + beta[c]) evaluated in float64 (scalar variant), with
 * inv = 1/√(σ² + ε) computed in float64 by the caller: the reference's float64 expression, operation for
 * operation, rounded once to float32 — so bit for bit ts/ref/norm.ts batchNorm2d.
 *
 * Paper:    Ioffe & Szegedy 2015, arXiv:1502.03167, Alg. 2 (inference).
 * Memory:   x, y: byte offsets of N·C·HW float32 (y may equal x); mean, gamma, beta: C float32 each;
 *           inv: C float64 (8-byte elements).
 * Writes:   y[0 .. N·C·HW).
 * Numerics: float64 sub, mul, mul, add, one rounding to float32 (bit-identical to batch_norm__f32x4).
 * Contract: N, C, HW ≥ 0.   Cost: 4 FLOPs per element.
 */
export function batch_norm__scalar(x: usize, y: usize, N: i32, C: i32, HW: i32, mean: usize, inv: usize, gamma: usize, beta: usize): void {
  assert(N >= 0 && C >= 0 && HW >= 0);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const m = <f64>load<f32>(mean + f32off(c)), s = load<f64>(inv + (<usize>c << 3));
      const g = <f64>load<f32>(gamma + f32off(c)), b = <f64>load<f32>(beta + f32off(c));
      const base = f32off((n * C + c) * HW);
      for (let i = 0; i < HW; i++) store<f32>(y + base + f32off(i), <f32>((<f64>load<f32>(x + base + f32off(i)) - m) * s * g + b));
    }
  }
}

/** ((v − m)·s)·g + b on two float64 lanes. */
// @ts-ignore: decorator
@inline function affine2(v: v128, m: v128, s: v128, g: v128, b: v128): v128 {
  return f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(v, m), s), g), b);
}

/** f32x4 variant of batch_norm__scalar: two f64x2 halves per 4 floats (bit-identical). */
export function batch_norm__f32x4(x: usize, y: usize, N: i32, C: i32, HW: i32, mean: usize, inv: usize, gamma: usize, beta: usize): void {
  assert(N >= 0 && C >= 0 && HW >= 0);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const m = <f64>load<f32>(mean + f32off(c)), s = load<f64>(inv + (<usize>c << 3));
      const g = <f64>load<f32>(gamma + f32off(c)), b = <f64>load<f32>(beta + f32off(c));
      const mv = f64x2.splat(m), sv = f64x2.splat(s), gv = f64x2.splat(g), bv = f64x2.splat(b);
      const xp = x + f32off((n * C + c) * HW), yp = y + f32off((n * C + c) * HW);
      let i = 0;
      for (; i + 4 <= HW; i += 4) {
        const v = v128.load(xp + f32off(i));
        const lo = f32x4.demote_f64x2_zero(affine2(f64x2.promote_low_f32x4(v), mv, sv, gv, bv));
        const hi = f32x4.demote_f64x2_zero(affine2(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), mv, sv, gv, bv));
        v128.store(yp + f32off(i), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
      }
      for (; i < HW; i++) store<f32>(yp + f32off(i), <f32>((<f64>load<f32>(xp + f32off(i)) - m) * s * g + b));
    }
  }
}

/**
 * Layer norm of `rows` contiguous rows of n floats (scalar variant), biased variance, two passes:
 *   mean = S(x) / n,  var = S((x − mean)²) / n,  inv = 1 / √(var + eps),
 *   y = ((x − mean)·inv)·gamma + beta,
 * where S is the sum in 4 lane-partial sums ((s0 + s1) + (s2 + s3), then the tail in order).
 *
 * Paper:    Ba, Kiros & Hinton 2016, arXiv:1607.06450, Eq. (4).
 * Memory:   x, y: byte offsets of rows·n float32 (y may equal x); gamma, beta: n float32 each.
 * Writes:   y[0 .. rows·n).
 * Numerics: float32 throughout (bit-identical to layer_norm_rows__f32x4); bound in ts/wasm/layer_norm.ts.
 * Contract: rows ≥ 0, n ≥ 1.   Cost: ~7 FLOPs per element.
 */
export function layer_norm_rows__scalar(x: usize, y: usize, rows: i32, n: i32, gamma: usize, beta: usize, eps: f32): void {
  assert(rows >= 0 && n >= 1);
  const n4 = n & ~3, nf = <f32>n;
  for (let r = 0; r < rows; r++) {
    const xr = x + f32off(r * n), yr = y + f32off(r * n);
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let j = 0; j < n4; j += 4) {
      s0 = s0 + load<f32>(xr + f32off(j)); s1 = s1 + load<f32>(xr + f32off(j + 1));
      s2 = s2 + load<f32>(xr + f32off(j + 2)); s3 = s3 + load<f32>(xr + f32off(j + 3));
    }
    let s = (s0 + s1) + (s2 + s3);
    for (let j = n4; j < n; j++) s = s + load<f32>(xr + f32off(j));
    const mean = s / nf;
    s0 = 0; s1 = 0; s2 = 0; s3 = 0;
    for (let j = 0; j < n4; j += 4) {
      const d0 = load<f32>(xr + f32off(j)) - mean, d1 = load<f32>(xr + f32off(j + 1)) - mean;
      const d2 = load<f32>(xr + f32off(j + 2)) - mean, d3 = load<f32>(xr + f32off(j + 3)) - mean;
      s0 = s0 + d0 * d0; s1 = s1 + d1 * d1; s2 = s2 + d2 * d2; s3 = s3 + d3 * d3;
    }
    let v = (s0 + s1) + (s2 + s3);
    for (let j = n4; j < n; j++) { const d = load<f32>(xr + f32off(j)) - mean; v = v + d * d; }
    const inv: f32 = 1.0 / sqrt<f32>(v / nf + eps);
    for (let j = 0; j < n; j++) {
      store<f32>(yr + f32off(j), (load<f32>(xr + f32off(j)) - mean) * inv * load<f32>(gamma + f32off(j)) + load<f32>(beta + f32off(j)));
    }
  }
}

/** f32x4 variant of layer_norm_rows__scalar (lane-partial sums, vector normalisation; bit-identical). */
export function layer_norm_rows__f32x4(x: usize, y: usize, rows: i32, n: i32, gamma: usize, beta: usize, eps: f32): void {
  assert(rows >= 0 && n >= 1);
  const n4 = n & ~3, nf = <f32>n;
  for (let r = 0; r < rows; r++) {
    const xr = x + f32off(r * n), yr = y + f32off(r * n);
    let sv = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) sv = f32x4.add(sv, v128.load(xr + f32off(j)));
    let s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    for (let j = n4; j < n; j++) s = s + load<f32>(xr + f32off(j));
    const mean = s / nf;
    const mv = f32x4.splat(mean);
    sv = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const d = f32x4.sub(v128.load(xr + f32off(j)), mv);
      sv = f32x4.add(sv, f32x4.mul(d, d));
    }
    let v = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    for (let j = n4; j < n; j++) { const d = load<f32>(xr + f32off(j)) - mean; v = v + d * d; }
    const inv: f32 = 1.0 / sqrt<f32>(v / nf + eps);
    const iv = f32x4.splat(inv);
    let j = 0;
    for (; j < n4; j += 4) {
      const t = f32x4.mul(f32x4.mul(f32x4.sub(v128.load(xr + f32off(j)), mv), iv), v128.load(gamma + f32off(j)));
      v128.store(yr + f32off(j), f32x4.add(t, v128.load(beta + f32off(j))));
    }
    for (; j < n; j++) {
      store<f32>(yr + f32off(j), (load<f32>(xr + f32off(j)) - mean) * inv * load<f32>(gamma + f32off(j)) + load<f32>(beta + f32off(j)));
    }
  }
}
