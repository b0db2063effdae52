// @inline float32 maths shared by kernels, each as a scalar function and an f32x4 twin that performs
// the same IEEE operations in the same order lane by lane (pmin/pmax as `b < a ? b : a`, mul, add, sub,
// div, sqrt, bit casts and integer shifts are all deterministic in standard Wasm SIMD), so a kernel's
// __scalar and __f32x4 variants stay bit-identical when they call these.
//
// expf:  Cody-Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2 (n rounded to nearest-even by the
//        1.5·2²³ "magic" addition, which also leaves n's integer in the mantissa bits: no float→int
//        conversion), with ln2 split in a 9-bit head and a
//        tail (so n·LN2_HI is exact), the Cephes expf polynomial for e^r (S. L. Moshier, Cephes Math
//        Library, expf.c: degree 7 with leading 1 + r + r²·P(r)), then 2^n applied as two exact powers
//        2^⌊n/2⌋·2^(n−⌊n/2⌋) so results in the subnormal range are rounded once and x > 88.72 overflows
//        to +Inf. The library's one exp: softmax, sigmoid, gelu (erf and tanh forms) and local_attention
//        all call it (expf_nonpos: the same bits for x ≤ 0 or NaN, without the upper clamp), so they round
//        alike. Measured against float64 Math.exp: max 0.982 ulp over every float32 of [−87.3, 0] (1.12e9
//        values), 0.962 ulp over every 7th float32 of [0, 88]; always within 1 ulp of the correctly rounded
//        value (correctly rounded for 99.16%); spec/kernels/softmax_rows.test.ts sweeps it. (Chosen over
//        the degree-6 fit local_attention had: ~5% faster in isolation, but max 1.35 ulp and 99.05%.)
//        Special values: NaN → NaN, −Inf → +0, +Inf → +Inf, x < −103.97 → +0.
// erf:   two pieces fitted by scripts/fit-erf.py (weighted least squares on Chebyshev nodes, float64,
//        rounded to float32): |x| < 0.875: x + x·(k + z·PA(z)), z = x²; 0.875 ≤ |x| < 3.92:
//        1 − exp(−x²)·PB(|x| − 2) (the smooth erfc(x)·e^{x²}); ±1 beyond; odd by copysign.
//        Measured ≈ 1.1 ulp (spec/kernels/gelu.test.ts); the erfc piece itself is within (x² + 3)·u
//        relative (x² from the rounded argument of exp). NaN → NaN, ±0 → ±0, ±Inf → ±1.

// Cephes expf constants
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_P0: f32 = 1.9875691500e-4;
const EXP_P1: f32 = 1.3981999507e-3;
const EXP_P2: f32 = 8.3334519073e-3;
const EXP_P3: f32 = 4.1665795894e-2;
const EXP_P4: f32 = 1.6666665459e-1;
const EXP_P5: f32 = 5.0000001201e-1;
/** Below: e^x < 2^-150, rounds to +0 (and n stays ≥ −150). Above: e^x overflows (n ≤ 128). */
const EXP_LO: f32 = -104.0;
const EXP_HI: f32 = 88.8;

/** 1.5·2²³: x + MAGIC rounds x to an integer (ties to even) for |x| < 2²², held in the low mantissa bits. */
const MAGIC: f32 = 12582912.0;

/** e^x in float32 (see the file header for the method and accuracy). */
// @ts-ignore: decorator
@inline export function expf_scalar(x: f32): f32 {
  // clamp with the pseudo-min/max of f32x4.pmin/pmax (b < a ? b : a), which keep a NaN x
  x = x < EXP_LO ? EXP_LO : x;
  x = EXP_HI < x ? EXP_HI : x;
  return expfClamped_scalar(x);
}

/**
 * expf_scalar for x ≤ 0 or NaN (e.g. x − max in a softmax): the same bits without the upper clamp, which is
 * the identity there.
 */
// @ts-ignore: decorator
@inline export function expf_nonpos_scalar(x: f32): f32 {
  x = x < EXP_LO ? EXP_LO : x;
  return expfClamped_scalar(x);
}

/** expf after the clamps: x ∈ [EXP_LO, EXP_HI] or NaN. */
// @ts-ignore: decorator
@inline function expfClamped_scalar(x: f32): f32 {
  const big = x * LOG2E + MAGIC;                        // n = nearest(x·log2 e) in the low mantissa bits
  const n = big - MAGIC;
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  const z = r * r;
  let y = EXP_P0;
  y = y * r + EXP_P1;
  y = y * r + EXP_P2;
  y = y * r + EXP_P3;
  y = y * r + EXP_P4;
  y = y * r + EXP_P5;
  y = y * z + r + 1.0;
  const ni = reinterpret<i32>(big) - reinterpret<i32>(MAGIC);   // n as an integer, |n| ≤ 150
  const n1 = ni >> 1;
  const n2 = ni - n1;
  return y * reinterpret<f32>((n1 + 127) << 23) * reinterpret<f32>((n2 + 127) << 23);
}

/** expf_scalar on each lane (same operations, same order). */
// @ts-ignore: decorator
@inline export function expf_f32x4(x: v128): v128 {
  x = f32x4.pmax(x, kf(0));              // x < LO ? LO : x  (one maxps on x64)
  x = f32x4.pmin(x, kf(1));              // HI < x ? HI : x
  return expfClamped_f32x4(x);
}

/** expf_nonpos_scalar on each lane: expf_f32x4 for lanes x ≤ 0 or NaN, without the upper clamp (same bits). */
// @ts-ignore: decorator
@inline export function expf_nonpos_f32x4(x: v128): v128 {
  return expfClamped_f32x4(f32x4.pmax(x, kf(0)));
}

/**
 * expf_nonpos_f32x4 of two vectors, stored to dst[0 .. 4) and dst[4 .. 8): the same operations on every
 * lane (so the same bits), the two chains interleaved so that each constant is broadcast once for both
 * (a softmax over 8 pixels per step: local_attention's 8-pixel tile).
 */
// @ts-ignore: decorator
@inline export function expf_nonpos_f32x4_store2(x0: v128, x1: v128, dst: usize): void {
  let c = kf(0);
  const a = f32x4.pmax(x0, c), b = f32x4.pmax(x1, c);
  const magic = kf(3);
  c = kf(2);
  const bigA = f32x4.add(f32x4.mul(a, c), magic), bigB = f32x4.add(f32x4.mul(b, c), magic);
  const nA = f32x4.sub(bigA, magic), nB = f32x4.sub(bigB, magic);
  c = kf(4);
  let rA = f32x4.sub(a, f32x4.mul(nA, c)), rB = f32x4.sub(b, f32x4.mul(nB, c));
  c = kf(5);
  rA = f32x4.sub(rA, f32x4.mul(nA, c)); rB = f32x4.sub(rB, f32x4.mul(nB, c));
  const zA = f32x4.mul(rA, rA), zB = f32x4.mul(rB, rB);
  c = kf(6);
  let yA = c, yB = c;
  c = kf(7); yA = f32x4.add(f32x4.mul(yA, rA), c); yB = f32x4.add(f32x4.mul(yB, rB), c);
  c = kf(8); yA = f32x4.add(f32x4.mul(yA, rA), c); yB = f32x4.add(f32x4.mul(yB, rB), c);
  c = kf(9); yA = f32x4.add(f32x4.mul(yA, rA), c); yB = f32x4.add(f32x4.mul(yB, rB), c);
  c = kf(10); yA = f32x4.add(f32x4.mul(yA, rA), c); yB = f32x4.add(f32x4.mul(yB, rB), c);
  c = kf(11); yA = f32x4.add(f32x4.mul(yA, rA), c); yB = f32x4.add(f32x4.mul(yB, rB), c);
  c = kf(12);
  yA = f32x4.add(f32x4.add(f32x4.mul(yA, zA), rA), c); yB = f32x4.add(f32x4.add(f32x4.mul(yB, zB), rB), c);
  const niA = i32x4.sub(bigA, magic), niB = i32x4.sub(bigB, magic);
  const n1A = i32x4.shr_s(niA, 1), n1B = i32x4.shr_s(niB, 1);
  const n2A = i32x4.sub(niA, n1A), n2B = i32x4.sub(niB, n1B);
  const bias = v128.load32_splat(KI);
  const s1A = i32x4.shl(i32x4.add(n1A, bias), 23), s1B = i32x4.shl(i32x4.add(n1B, bias), 23);
  const s2A = i32x4.shl(i32x4.add(n2A, bias), 23), s2B = i32x4.shl(i32x4.add(n2B, bias), 23);
  v128.store(dst, f32x4.mul(f32x4.mul(yA, s1A), s2A));
  v128.store(dst, f32x4.mul(f32x4.mul(yB, s1B), s2B), 16);
}

/** expfClamped_scalar on each lane. */
// @ts-ignore: decorator
@inline function expfClamped_f32x4(x: v128): v128 {
  const magic = kf(3);
  const big = f32x4.add(f32x4.mul(x, kf(2)), magic);
  const n = f32x4.sub(big, magic);
  let r = f32x4.sub(x, f32x4.mul(n, kf(4)));
  r = f32x4.sub(r, f32x4.mul(n, kf(5)));
  const z = f32x4.mul(r, r);
  let y = kf(6);
  y = f32x4.add(f32x4.mul(y, r), kf(7));
  y = f32x4.add(f32x4.mul(y, r), kf(8));
  y = f32x4.add(f32x4.mul(y, r), kf(9));
  y = f32x4.add(f32x4.mul(y, r), kf(10));
  y = f32x4.add(f32x4.mul(y, r), kf(11));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), r), kf(12));
  const ni = i32x4.sub(big, magic);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = v128.load32_splat(KI);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

// erf constants (scripts/fit-erf.py)
export const ERF_A_END: f32 = 0.875;
export const ERF_B_END: f32 = 3.92;
const ERF_B_MID: f32 = 2.0;
const ERF_K: f32 = 0.12837916612625122;                // 2/√π − 1
const ERF_A0: f32 = -0.37612637877464294;
const ERF_A1: f32 = 0.11283782869577408;
const ERF_A2: f32 = -0.026864653453230858;
const ERF_A3: f32 = 0.005215061828494072;
const ERF_A4: f32 = -0.0008312996942549944;
const ERF_A5: f32 = 9.137906454270706e-05;
const ERF_B0: f32 = 0.25539568066596985;
const ERF_B1: f32 = -0.10679648071527481;
const ERF_B2: f32 = 0.04180270805954933;
const ERF_B3: f32 = -0.015460411086678505;
const ERF_B4: f32 = 0.005440921988338232;
const ERF_B5: f32 = -0.0018325907876715064;
const ERF_B6: f32 = 0.0005924409488216043;
const ERF_B7: f32 = -0.0001832814305089414;
const ERF_B8: f32 = 5.512224379344843e-05;
const ERF_B9: f32 = -1.721199441817589e-05;
const ERF_B10: f32 = 5.35663275513798e-06;
const ERF_B11: f32 = -1.2392873713906738e-06;
const ERF_B12: f32 = 1.355707865968725e-07;

// The constants of the f32x4 paths, in linear memory and read with v128.load32_splat (one broadcast load on
// x64). An f32x4.splat of a constant becomes a v128.const, which V8 (11.3) rebuilds from immediates at every
// use inside a loop — 18 of them made expf_f32x4 3x slower (measured).
// @ts-ignore: decorator
@lazy const KF = memory.data<f32>([
  EXP_LO, EXP_HI, LOG2E, MAGIC, LN2_HI, LN2_LO, EXP_P0, EXP_P1, EXP_P2, EXP_P3, EXP_P4, EXP_P5, 1.0,
  ERF_A_END, ERF_B_END, ERF_B_MID, ERF_K,
  ERF_A0, ERF_A1, ERF_A2, ERF_A3, ERF_A4, ERF_A5,
  ERF_B0, ERF_B1, ERF_B2, ERF_B3, ERF_B4, ERF_B5, ERF_B6, ERF_B7, ERF_B8, ERF_B9, ERF_B10, ERF_B11, ERF_B12,
]);
// @ts-ignore: decorator
@lazy const KI = memory.data<i32>([127, 0x80000000]);

/** The constant at index i of KF on all 4 lanes. */
// @ts-ignore: decorator
@inline function kf(i: i32): v128 {
  return v128.load32_splat(KF + (<usize>i << 2));
}

/** erf(a) for 0 ≤ a < 0.875: a + a·(k + z·PA(z)), z = a². */
// @ts-ignore: decorator
@inline export function erf_small_scalar(a: f32): f32 {
  const z = a * a;
  let p = ERF_A5;
  p = p * z + ERF_A4;
  p = p * z + ERF_A3;
  p = p * z + ERF_A2;
  p = p * z + ERF_A1;
  p = p * z + ERF_A0;
  return a + a * (ERF_K + z * p);
}

// @ts-ignore: decorator
@inline export function erf_small_f32x4(a: v128): v128 {
  const z = f32x4.mul(a, a);
  let p = kf(22);
  p = f32x4.add(f32x4.mul(p, z), kf(21));
  p = f32x4.add(f32x4.mul(p, z), kf(20));
  p = f32x4.add(f32x4.mul(p, z), kf(19));
  p = f32x4.add(f32x4.mul(p, z), kf(18));
  p = f32x4.add(f32x4.mul(p, z), kf(17));
  return f32x4.add(a, f32x4.mul(a, f32x4.add(kf(16), f32x4.mul(z, p))));
}

/** erfc(a) for 0.875 ≤ a < 3.92: exp(−a²)·PB(a − 2). (NaN → NaN.) */
// @ts-ignore: decorator
@inline export function erfc_mid_scalar(a: f32): f32 {
  const t = a - ERF_B_MID;
  let g = ERF_B12;
  g = g * t + ERF_B11;
  g = g * t + ERF_B10;
  g = g * t + ERF_B9;
  g = g * t + ERF_B8;
  g = g * t + ERF_B7;
  g = g * t + ERF_B6;
  g = g * t + ERF_B5;
  g = g * t + ERF_B4;
  g = g * t + ERF_B3;
  g = g * t + ERF_B2;
  g = g * t + ERF_B1;
  g = g * t + ERF_B0;
  return expf_scalar(-(a * a)) * g;
}

// @ts-ignore: decorator
@inline export function erfc_mid_f32x4(a: v128): v128 {
  const t = f32x4.sub(a, kf(15));
  let g = kf(35);
  g = f32x4.add(f32x4.mul(g, t), kf(34));
  g = f32x4.add(f32x4.mul(g, t), kf(33));
  g = f32x4.add(f32x4.mul(g, t), kf(32));
  g = f32x4.add(f32x4.mul(g, t), kf(31));
  g = f32x4.add(f32x4.mul(g, t), kf(30));
  g = f32x4.add(f32x4.mul(g, t), kf(29));
  g = f32x4.add(f32x4.mul(g, t), kf(28));
  g = f32x4.add(f32x4.mul(g, t), kf(27));
  g = f32x4.add(f32x4.mul(g, t), kf(26));
  g = f32x4.add(f32x4.mul(g, t), kf(25));
  g = f32x4.add(f32x4.mul(g, t), kf(24));
  g = f32x4.add(f32x4.mul(g, t), kf(23));
  return f32x4.mul(expf_f32x4(f32x4.neg(f32x4.mul(a, a))), g);
}

/** erf(x) in float32 (see the file header). */
// @ts-ignore: decorator
@inline export function erf_scalar(x: f32): f32 {
  const a = abs<f32>(x);
  let r: f32;
  if (a < ERF_A_END) r = erf_small_scalar(a);
  else if (a >= ERF_B_END) r = 1.0;
  else r = 1.0 - erfc_mid_scalar(a);                    // NaN lands here and stays NaN
  return copysign<f32>(r, x);
}

/** erf_scalar on each lane: both pieces computed only if some lane needs them, then selected per lane. */
// @ts-ignore: decorator
@inline export function erf_f32x4(x: v128): v128 {
  const a = f32x4.abs(x);
  const inSmall = f32x4.lt(a, kf(13));
  const inOne = f32x4.ge(a, kf(14));
  const one = kf(12);
  let r = one;
  if (v128.any_true(v128.andnot(v128.not(inSmall), inOne))) {           // some lane in the middle piece (or NaN)
    r = v128.bitselect(one, f32x4.sub(one, erfc_mid_f32x4(a)), inOne);
  }
  if (v128.any_true(inSmall)) r = v128.bitselect(erf_small_f32x4(a), r, inSmall);
  const sign = v128.load32_splat(KI, 4);
  return v128.or(v128.andnot(r, sign), v128.and(x, sign));
}

// ---- the logistic sigmoid and the hard (ReLU6) gate, shared by sigmoid, silu, hardsigmoid and hardswish

/**
 * σ(v) = v ≥ 0 ? 1 / (1 + e) : e / (1 + e) with e = expf(−|v|) ∈ (0, 1], so the exponential never overflows.
 * NaN → NaN, +Inf → 1, −Inf → +0. Used by as/sigmoid.ts and silu (as/activations_extra.ts).
 */
// @ts-ignore: decorator
@inline export function sigmoid_scalar(v: f32): f32 {
  const e = expf_scalar(-Mathf.abs(v));
  const d: f32 = 1 + e;
  return v >= 0 ? <f32>1 / d : e / d;
}

/** f32x4 twin of sigmoid_scalar (the branch as a bitselect on v ≥ 0): same operations per lane, same bits.
 *  `one` = splat(1), `zero` = splat(0), hoisted by the caller out of its loop (V8 rebuilds a v128.const per use). */
// @ts-ignore: decorator
@inline export function sigmoid_f32x4(v: v128, one: v128, zero: v128): v128 {
  const e = expf_f32x4(f32x4.neg(f32x4.abs(v)));
  const d = f32x4.add(one, e);
  return v128.bitselect(f32x4.div(one, d), f32x4.div(e, d), f32x4.ge(v, zero));
}

/**
 * ReLU6(v + 3) = min(max(v + 3, 0), 6) in PyTorch's CPU order (the add rounds once, the clamp is exact); NaN kept
 * (t ≤ 0 and lo ≥ 6 are false for NaN). The gate of hardsigmoid (·/6) and hardswish (v·/6).
 */
// @ts-ignore: decorator
@inline export function relu6_plus3_scalar(v: f32): f32 {
  const t: f32 = v + 3;
  const lo: f32 = t <= 0 ? 0 : t;
  return lo >= 6 ? 6 : lo;
}

/** f32x4 twin of relu6_plus3_scalar (selects by bitselect): same bits. Constants hoisted by the caller. */
// @ts-ignore: decorator
@inline export function relu6_plus3_f32x4(v: v128, three: v128, zero: v128, six: v128): v128 {
  const t = f32x4.add(v, three);
  const lo = v128.bitselect(zero, t, f32x4.le(t, zero));
  return v128.bitselect(six, lo, f32x4.ge(lo, six));
}
