// GELU (Hendrycks & Gimpel 2016, arXiv:1606.08415) in both of PyTorch's forms, and the float32 erf
// behind it (as/lib/math.ts), elementwise over n floats.
//
//   gelu (approximate='none'):  y = (x·½)·(1 + erf(t)),  t = x·(1/√2)   (Eq. 1)
//     1 + erf(t) is formed without cancellation: for |t| < 0.875 as 1 ± erf(|t|); for
//     0.875 ≤ |t| < 3.92 as 2 − erfc(|t|) (t ≥ 0) or erfc(|t|) itself (t < 0), erfc from the same
//     exp(−t²)·PB piece as erf; beyond 3.92: 2 (t > 0) or 0 (t < 0: |gelu| < 1.1e-8·|x| there).
//   gelu_tanh (approximate='tanh'):  y = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
//     evaluated as x / (1 + exp(−2√(2/π)·(x + 0.044715·x³)))  (1 + tanh z = 2/(1 + e^{−2z}): no cancellation).
// Each __f32x4 variant performs its scalar twin's operations in the same order lane by lane (pieces a
// vector needs are computed for all 4 lanes and selected), so __scalar ≡ __f32x4 bit for bit.

import { f32off } from './lib/lanes';
import {
  expf_scalar, expf_f32x4, erf_scalar, erf_f32x4, erf_small_scalar, erf_small_f32x4,
  erfc_mid_scalar, erfc_mid_f32x4, ERF_A_END, ERF_B_END,
} from './lib/math';

const SQRT1_2: f32 = 0.7071067811865476;
const TANH_K2: f32 = 1.5957691216057308;          // 2·√(2/π)
const TANH_C: f32 = 0.044715;

// The f32x4 paths' constants, read with v128.load32_splat (see KF in as/lib/math.ts for why not f32x4.splat).
// @ts-ignore: decorator
@lazy const KG = memory.data<f32>([SQRT1_2, ERF_A_END, ERF_B_END, 1.0, 2.0, 0.5, TANH_C, TANH_K2]);

// @ts-ignore: decorator
@inline function kg(i: i32): v128 {
  return v128.load32_splat(KG + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function gelu_scalar(x: f32): f32 {
  const t = x * SQRT1_2;
  const a = abs<f32>(t);
  let onePlus: f32;
  if (a < ERF_A_END) {
    const e = erf_small_scalar(a);
    onePlus = t < 0 ? 1.0 - e : 1.0 + e;
  } else if (a >= ERF_B_END) {
    onePlus = t < 0 ? 0.0 : 2.0;
  } else {                                         // NaN lands here and stays NaN
    const c = erfc_mid_scalar(a);
    onePlus = t < 0 ? c : 2.0 - c;
  }
  return (x * 0.5) * onePlus;
}

// @ts-ignore: decorator
@inline function gelu_f32x4(x: v128): v128 {
  const t = f32x4.mul(x, kg(0));
  const a = f32x4.abs(t);
  const neg = f32x4.lt(t, f32x4.splat(0));
  const small = f32x4.lt(a, kg(1));
  const big = f32x4.ge(a, kg(2));
  const one = kg(3), two = kg(4);
  let onePlus = v128.bitselect(f32x4.splat(0), two, neg);
  if (v128.any_true(v128.andnot(v128.not(small), big))) {
    const c = erfc_mid_f32x4(a);
    onePlus = v128.bitselect(onePlus, v128.bitselect(c, f32x4.sub(two, c), neg), big);
  }
  if (v128.any_true(small)) {
    const e = erf_small_f32x4(a);
    onePlus = v128.bitselect(v128.bitselect(f32x4.sub(one, e), f32x4.add(one, e), neg), onePlus, small);
  }
  return f32x4.mul(f32x4.mul(x, kg(5)), onePlus);
}

// @ts-ignore: decorator
@inline function gelu_tanh_scalar(x: f32): f32 {
  const x3 = x * x * x;
  const inner = x + TANH_C * x3;
  return x / (1.0 + expf_scalar(-(TANH_K2 * inner)));
}

// @ts-ignore: decorator
@inline function gelu_tanh_f32x4(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const inner = f32x4.add(x, f32x4.mul(kg(6), x3));
  const e = expf_f32x4(f32x4.neg(f32x4.mul(kg(7), inner)));
  return f32x4.div(x, f32x4.add(kg(3), e));
}

/**
 * y = gelu(x) (approximate='none', erf form) elementwise (scalar variant).
 *
 * Paper:    Hendrycks & Gimpel 2016, arXiv:1606.08415, Eq. (1).  Matches: torch.nn.functional.gelu.
 * Memory:   x, y: byte offsets of n float32 (no alignment; y may equal x).
 * Writes:   y[0 .. n).
 * Numerics: float32 as in the file header (bit-identical to gelu__f32x4); error bound in
 *           ts/wasm/gelu.ts, measured in spec/kernels/gelu.test.ts.
 * Contract: n ≥ 0.   Cost: ~40 FLOPs per element (not counted as GEMM work).
 */
export function gelu__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), gelu_scalar(load<f32>(x + f32off(i))));
}

/** f32x4 variant of gelu__scalar (bit-identical). */
export function gelu__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + f32off(i), gelu_f32x4(v128.load(x + f32off(i))));
  for (; i < n; i++) store<f32>(y + f32off(i), gelu_scalar(load<f32>(x + f32off(i))));
}

/**
 * y = gelu(x, approximate='tanh') elementwise (scalar variant), as x / (1 + exp(−2√(2/π)(x + 0.044715x³))).
 * Paper, Memory, Writes, Contract: as gelu__scalar.  Numerics: bit-identical to gelu_tanh__f32x4.
 * Cost: ~25 FLOPs per element.
 */
export function gelu_tanh__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), gelu_tanh_scalar(load<f32>(x + f32off(i))));
}

/** f32x4 variant of gelu_tanh__scalar (bit-identical). */
export function gelu_tanh__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + f32off(i), gelu_tanh_f32x4(v128.load(x + f32off(i))));
  for (; i < n; i++) store<f32>(y + f32off(i), gelu_tanh_scalar(load<f32>(x + f32off(i))));
}

/**
 * y = erf(x) elementwise with the float32 erf of as/lib/math.ts (scalar variant).
 * Memory, Writes, Contract: as gelu__scalar.  Numerics: ≈ 1.1 ulp (measured against a float64 erf in
 * spec/kernels/gelu.test.ts); bit-identical to erf__f32x4.  Cost: ~30 FLOPs per element.
 */
export function erf__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), erf_scalar(load<f32>(x + f32off(i))));
}

/** f32x4 variant of erf__scalar (bit-identical). */
export function erf__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + f32off(i), erf_f32x4(v128.load(x + f32off(i))));
  for (; i < n; i++) store<f32>(y + f32off(i), erf_scalar(load<f32>(x + f32off(i))));
}
