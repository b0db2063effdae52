// local_attention: ACmix's local sliding-window multi-head attention (the attention path of stage
// II) as one fused kernel per image: logits over the k_att × k_att window with the official
// relative position term, max-subtracted softmax, and the weighted sum of v, streaming over the
// window. Nothing k_att²-fold is ever built: per head the kernel copies k − pe and v once into a
// reflection-padded, column-phase-split slab (the border rule of the official code's
// ReflectionPad2d, so every window read, at any stride, is a contiguous row load: no border tests and
// no index arithmetic in the hot loops) and q·scaling into a dense slab; the window then streams
// through 8·k_att² floats of logits per 8 output pixels (one f32x4 lane per pixel).
// Layout choice (measured on the 28x28 d128 h4 and 56x56 d64 h4 shapes): tiles of 8 pixels × 4 taps
// (logits) and 8 pixels × 4 channels (weighted sum) beat 4 pixels × 8 taps and 4 × 4 by 5-15%; the
// tiles used now, 8 pixels × 3 taps and 8 pixels × 3 channels, beat 8 × 4 by another ~10% (V8 11.3
// issues a basic block's loads before its arithmetic, so 8 accumulators + 10 loaded vectors spilled 3
// of the 15 allocatable xmm registers per trip; 6 + 8 fit: checked with node --print-wasm-code).
//
// Paper: Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022,
// arXiv:2111.14556, §3.2 Eq. (8)-(9); the relative position term and reflection padding follow the
// official ResNet code (see ts/ref/local_attention.ts, the spec).
//
// Per query pixel (i, j), head h and window tap t = (a, b), with s = stride, P = padding,
// (y, x) = (reflect(s·i + a − P, H), reflect(s·j + b − P, W)), qs = fl(q · scaling):
//   kp[d, y, x] = fl(k[h·hd + d, y, x] − pe[d, y, x])                       (prep, per head)
//   cq          = Σ_d qs[d] · pe[d, s·i, s·j]   in d order, float32         (prep, per pixel)
//   l_t         = fl( (Σ_d qs[d] · kp[d, y_t, x_t], d in order, from +0) + cq )
//   m           = max(l_0, l_1, …, l_{T−1})   (pmax tree per group of 8 taps, see max8)
//   e_t         = exp(l_t − m)                 (expf below: ≤ 2 ulp, measured in the kernel spec)
//   S           = Σ_t e_t                      (t in order, from +0)
//   out[h·hd+d] = fl( (Σ_t e_t · v[h·hd + d, y_t, x_t], t in order, from +0) / S )
// Real arithmetic gives the official logit q·s·(k_ab + pe_ij − pe_ab) = l_t; the query's own term cq
// is kept (rather than dropped as a window constant) so infinities in pe propagate as in PyTorch.
// Every f32x4 lane is one output pixel and follows exactly this order, so local_attention__scalar ≡
// local_attention__f32x4 bit for bit (standard WASM SIMD is IEEE-deterministic, no FMA).

import { f32off, storeLanes } from './lib/lanes';
import { loadStrided } from './lib/ranges';

// ---------------------------------------------------------------------------------------------
// expf: exp on float32, range reduction + degree-6 polynomial, scalar and f32x4 twins
//
// x is clamped to [−104, 88.8] (exp(−104) < 2^-150 rounds to +0, exp(88.8) overflows to +∞); then
// n = round(x·log2 e) by the 1.5·2^23 magic add (round-to-nearest-even, no float→int conversion, so
// NaN needs no special case), r = x − n·ln2_hi − n·ln2_lo (Cody–Waite: ln2_hi = 0.693359375 has 9
// significant bits, so n·ln2_hi and x − n·ln2_hi are exact for |n| ≤ 150), |r| ≤ 0.3466,
//   exp(r) ≈ 1 + r·(1 + r·(c2 + r·(c3 + r·(c4 + r·(c5 + r·c6)))))
// (coefficients: a minimax fit of the relative error on [−ln2/2, ln2/2], computed for this project by
// Lawson-weighted least squares and rounded to float32; fit error 0.03·2^-24), and the result is
// scaled by 2^n as 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) (two exact power-of-two factors, so subnormal results round
// once). Measured max error against Math.exp over a dense sweep: see spec/kernels/local_attention.test.ts.

// @ts-ignore: decorator
@inline const EXP_LO: f32 = -104.0;
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.8;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269502162933349609375;   // fl(log2 e)
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12582912.0;                   // 1.5·2^23: t = v + MAGIC rounds v to an integer
// @ts-ignore: decorator
@inline const MAGIC_BITS: i32 = 0x4b400000;              // bits of MAGIC
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.121944400e-4;             // fl(ln 2 − LN2_HI)
// @ts-ignore: decorator
@inline const C2: f32 = 0.4999999403953552;              // 0x1.fffffcp-2
// @ts-ignore: decorator
@inline const C3: f32 = 0.16666430234909058;             // 0x1.555418p-3
// @ts-ignore: decorator
@inline const C4: f32 = 0.041668009012937546;            // 0x1.555826p-5
// @ts-ignore: decorator
@inline const C5: f32 = 0.008374234661459923;            // 0x1.12682cp-7
// @ts-ignore: decorator
@inline const C6: f32 = 0.0013843541964888573;           // 0x1.6ae670p-10

/** exp(x) in float32, scalar (same operations as expf4, lane by lane). */
// @ts-ignore: decorator
@inline export function expf1(x: f32): f32 {
  x = x < EXP_LO ? EXP_LO : x;                            // NaN compares false: passes through
  x = EXP_HI < x ? EXP_HI : x;
  const t: f32 = x * LOG2E + MAGIC;
  const n: f32 = t - MAGIC;
  let r: f32 = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p: f32 = C6;
  p = p * r + C5;
  p = p * r + C4;
  p = p * r + C3;
  p = p * r + C2;
  p = p * r + 1.0;
  const y: f32 = r * p + 1.0;
  const ni = reinterpret<i32>(t) - MAGIC_BITS;
  const n1 = ni >> 1, n2 = ni - n1;
  return y * reinterpret<f32>((n1 + 127) << 23) * reinterpret<f32>((n2 + 127) << 23);
}

// The f32x4 constants of expf4, in linear memory and read with v128.load32_splat (one broadcast load on
// x64): an f32x4.splat of a constant becomes a v128.const, which V8 (11.3) rebuilds from immediates at
// every use inside a loop (as/lib/math.ts measured expf 1.6x faster this way).
// @ts-ignore: decorator
@lazy const EXPK = memory.data<f32>([EXP_LO, EXP_HI, LOG2E, MAGIC, LN2_HI, LN2_LO, C6, C5, C4, C3, C2, 1.0]);
// @ts-ignore: decorator
@lazy const EXPKI = memory.data<i32>([MAGIC_BITS, 127]);

/** The constant at index i of EXPK on all 4 lanes. */
// @ts-ignore: decorator
@inline function ek(i: i32): v128 {
  return v128.load32_splat(EXPK + (<usize>i << 2));
}

/** exp(x) in float32 on four lanes (the operations of expf1, in the same order). */
// @ts-ignore: decorator
@inline export function expf4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, ek(0)), ek(1));           // pmax(a, b) = a < b ? b : a
  const magic = ek(3);
  const t = f32x4.add(f32x4.mul(x, ek(2)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, ek(4)));
  r = f32x4.sub(r, f32x4.mul(n, ek(5)));
  let p = ek(6);
  p = f32x4.add(f32x4.mul(p, r), ek(7));
  p = f32x4.add(f32x4.mul(p, r), ek(8));
  p = f32x4.add(f32x4.mul(p, r), ek(9));
  p = f32x4.add(f32x4.mul(p, r), ek(10));
  const one = ek(11);
  p = f32x4.add(f32x4.mul(p, r), one);
  const y = f32x4.add(f32x4.mul(r, p), one);
  const ni = i32x4.sub(t, v128.load32_splat(EXPKI));
  const n1 = i32x4.shr_s(ni, 1), n2 = i32x4.sub(ni, n1);
  const bias = v128.load32_splat(EXPKI, 4);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/**
 * dst[i] = exp(src[i]) for i < n (the kernel's exp, exported for its accuracy spec).
 * Memory: src, dst byte offsets of n floats (may be equal). Numerics: as expf1 (≡ exp__f32x4).
 */
export function local_attention_exp__scalar(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + f32off(i), expf1(load<f32>(src + f32off(i))));
}

/** f32x4 twin of local_attention_exp__scalar (bit-identical; scalar tail). */
export function local_attention_exp__f32x4(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + f32off(i), expf4(v128.load(src + f32off(i))));
  for (; i < n; i++) store<f32>(dst + f32off(i), expf1(load<f32>(src + f32off(i))));
}

// ---------------------------------------------------------------------------------------------
// scratch layout (floats), per call; the same for both variants
//
//   taps   T i32 byte offsets of tap (a, b) inside a slab, relative to the slab row of output row i:
//          ((a·s + b mod s)·hd·Ls + ⌊b/s⌋)·4            (rounded up to 4 entries)
//   kp     slab [Hp][s][hd][Ls]: padded row y' = 0..Hp−1, column phase ph = x' mod s, channel d,
//          x'' = ⌊x'/s⌋ (x' the padded column) — for stride s the window column s·j + b of output
//          j lands at phase b mod s, position j + ⌊b/s⌋: contiguous in j for every stride.
//          Ls = W_out4 + ⌊(k_att − 1)/s⌋ (W_out4 = W_out rounded up to 4; unused entries are +0).
//   vs     the same slab for v
//   qs     [H_out][hd][W_out4]   q·scaling at the query pixels (+0 past W_out)
//   cq     [H_out][W_out4]       Σ_d qs·pe at the query pixels
//   L      [T][8]                logits, then exp(logit − max), of 8 (or 4) pixels

// @ts-ignore: decorator
@inline function roundUp4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** Reflection of s into [0, n) (ReflectionPad2d: the edge is not repeated); needs −n < s < 2n − 1. */
// @ts-ignore: decorator
@inline function reflect(s: i32, n: i32): i32 {
  return s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s;
}

/**
 * Floats of scratch local_attention__scalar / __f32x4 need for one call (their layout, above).
 * Contract: as local_attention__f32x4.
 */
export function local_attention_scratch_floats(C: i32, H: i32, W: i32, head: i32, kernel_att: i32, stride: i32, padding: i32): i32 {
  const hd = C / head, T = kernel_att * kernel_att;
  const H_out = H / stride, W_out4 = roundUp4(W / stride);
  const Ls = W_out4 + (kernel_att - 1) / stride;
  const slab = (H + 2 * padding) * stride * hd * Ls;
  return roundUp4(T) + 2 * slab + H_out * hd * W_out4 + H_out * W_out4 + 8 * T;
}


/**
 * Fills the slabs of one head (layout above). `simd` selects f32x4 copies of the interior columns;
 * both paths write the same bits (data movement, and the same fl(k − pe), fl(q·scaling), Σ qs·pe).
 */
function prepareHead(
  q: usize, k: usize, v: usize, pe: usize, scratch: usize,
  C: i32, H: i32, W: i32, head: i32, h: i32, kernel_att: i32, s: i32, P: i32, scaling: f32, simd: bool,
): void {
  const hd = C / head, T = kernel_att * kernel_att, plane = H * W;
  const Hp = H + 2 * P, Wp = W + 2 * P;
  const H_out = H / s, W_out = W / s, W_out4 = roundUp4(W_out);
  const Ls = W_out4 + (kernel_att - 1) / s;
  const slab = Hp * s * hd * Ls;
  const taps = scratch;
  const kp = taps + f32off(roundUp4(T));
  const vs = kp + f32off(slab);
  const qs = vs + f32off(slab);
  const cq = qs + f32off(H_out * hd * W_out4);
  const hBase = h * hd;

  // k − pe and v, reflection-padded and phase-split
  for (let yp = 0; yp < Hp; yp++) {
    const sy = reflect(yp - P, H);
    for (let ph = 0; ph < s; ph++) {
      // x'' whose source column c = s·x'' + ph − P lies in [0, W) with room for a 4-wide strided load
      const first = ph >= P ? 0 : (P - ph + s - 1) / s;
      for (let d = 0; d < hd; d++) {
        const dstK = kp + f32off(((yp * s + ph) * hd + d) * Ls);
        const dstV = vs + f32off(((yp * s + ph) * hd + d) * Ls);
        const srcK = k + f32off((hBase + d) * plane + sy * W);
        const srcV = v + f32off((hBase + d) * plane + sy * W);
        const srcP = pe != 0 ? pe + f32off(d * plane + sy * W) : 0;
        let x = 0;
        if (simd) {
          for (; x < first; x++) {
            const c = reflect(s * x + ph - P, W);
            store<f32>(dstK + f32off(x), pe != 0 ? load<f32>(srcK + f32off(c)) - load<f32>(srcP + f32off(c)) : load<f32>(srcK + f32off(c)));
            store<f32>(dstV + f32off(x), load<f32>(srcV + f32off(c)));
          }
          for (; x + 4 <= Ls && s * x + ph - P + 4 * s <= W; x += 4) {
            const c = f32off(s * x + ph - P);
            const kv = loadStrided(srcK + c, s);
            v128.store(dstK + f32off(x), pe != 0 ? f32x4.sub(kv, loadStrided(srcP + c, s)) : kv);
            v128.store(dstV + f32off(x), loadStrided(srcV + c, s));
          }
        }
        for (; x < Ls; x++) {
          const xp = s * x + ph;
          if (xp < Wp) {
            const c = reflect(xp - P, W);
            store<f32>(dstK + f32off(x), pe != 0 ? load<f32>(srcK + f32off(c)) - load<f32>(srcP + f32off(c)) : load<f32>(srcK + f32off(c)));
            store<f32>(dstV + f32off(x), load<f32>(srcV + f32off(c)));
          } else {
            store<f32>(dstK + f32off(x), 0);
            store<f32>(dstV + f32off(x), 0);
          }
        }
      }
    }
  }

  // q·scaling and Σ_d qs·pe at the query pixels (s·i, s·j)
  for (let i = 0; i < H_out; i++) {
    const cRow = cq + f32off(i * W_out4);
    for (let j = 0; j < W_out4; j++) store<f32>(cRow + f32off(j), 0);
    for (let d = 0; d < hd; d++) {
      const dst = qs + f32off((i * hd + d) * W_out4);
      const src = q + f32off((hBase + d) * plane + s * i * W);
      const srcP = pe != 0 ? pe + f32off(d * plane + s * i * W) : 0;
      let j = 0;
      if (simd) {
        for (; j + 4 <= W_out && s * j + 4 * s <= W; j += 4) {
          const qv = f32x4.mul(loadStrided(src + f32off(s * j), s), f32x4.splat(scaling));
          v128.store(dst + f32off(j), qv);
          if (pe != 0) {
            const cp = cRow + f32off(j);
            v128.store(cp, f32x4.add(v128.load(cp), f32x4.mul(qv, loadStrided(srcP + f32off(s * j), s))));
          }
        }
      }
      for (; j < W_out4; j++) {
        if (j < W_out) {
          const qv: f32 = load<f32>(src + f32off(s * j)) * scaling;
          store<f32>(dst + f32off(j), qv);
          if (pe != 0) {
            const cp = cRow + f32off(j);
            store<f32>(cp, load<f32>(cp) + qv * load<f32>(srcP + f32off(s * j)));
          }
        } else {
          store<f32>(dst + f32off(j), 0);
        }
      }
    }
  }

  // tap offsets (bytes) relative to the slab row of an output row
  for (let a = 0; a < kernel_att; a++) for (let b = 0; b < kernel_att; b++) {
    store<i32>(taps + f32off(a * kernel_att + b), <i32>f32off(((a * s + b % s) * hd) * Ls + b / s));
  }
}

// The running max of the window uses pmax(a, b) = a < b ? b : a (one maxps on x86, where the
// NaN-propagating f32x4.max costs eight instructions), folded into the logit loop as a max tree per
// group of 3 taps. Both twins use the same grouping; the outputs would not depend on it anyway: for
// logits without NaN any order gives the maximum (a ±0 maximum gives the same l − m up to the sign
// of zero, and exp(±0) = 1), and a NaN logit makes exp(NaN − m), S and every output of that pixel
// NaN whatever m is, as in the reference.

/** pmax on one lane: a < b ? b : a (f32x4.pmax's definition). */
// @ts-ignore: decorator
@inline function pmax1(a: f32, b: f32): f32 {
  return a < b ? b : a;
}

/** The max tree of one group of 3 logits (the same shape in both twins). */
// @ts-ignore: decorator
@inline function max3(a0: v128, a1: v128, a2: v128): v128 {
  return f32x4.pmax(f32x4.pmax(a0, a1), a2);
}

// @ts-ignore: decorator
@inline function max3s(a0: f32, a1: f32, a2: f32): f32 {
  return pmax1(pmax1(a0, a1), a2);
}

// ---------------------------------------------------------------------------------------------
// f32x4 pixel groups: 8 output pixels (two vectors) or 4 (one vector, partial store)
//
// Pointers: kRow, vRow: the slab row of output row i, plus 4·j; qRow, cRow: the qs / cq rows plus
// 4·j; oRow: out + 4·((h·hd)·H_out·W_out + i·W_out + j); L: 8·T floats of scratch.

/** 8 pixels j .. j+7 (all < W_out) of one output row and head. */
function pixels8(
  kRow: usize, vRow: usize, qRow: usize, cRow: usize, oRow: usize, taps: usize, L: usize,
  T: i32, hd: i32, LsB: usize, qRowB: usize, planeOutB: usize,
): void {
  const c0 = v128.load(cRow), c1 = v128.load(cRow, 16);
  let m0 = f32x4.splat(-Infinity), m1 = f32x4.splat(-Infinity);
  // logits: 3 taps × 8 pixels = 6 accumulators; per channel 2 q loads, 6 k loads (V8 issues a block's
  // loads before its arithmetic, so 4 taps = 8 accumulators + 10 loaded vectors spilled 3 registers)
  let t = 0;
  for (; t + 3 <= T; t += 3) {
    const tp = taps + f32off(t);
    const o0 = <usize>load<i32>(tp), o1 = <usize>load<i32>(tp, 4), o2 = <usize>load<i32>(tp, 8);
    let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
    let a20 = f32x4.splat(0), a21 = f32x4.splat(0);
    let pk = kRow, pq = qRow;
    for (let d = 0; d < hd; d++) {
      const q0 = v128.load(pq), q1 = v128.load(pq, 16);
      const k0 = pk + o0, k1 = pk + o1, k2 = pk + o2;
      a00 = f32x4.add(a00, f32x4.mul(q0, v128.load(k0)));
      a01 = f32x4.add(a01, f32x4.mul(q1, v128.load(k0, 16)));
      a10 = f32x4.add(a10, f32x4.mul(q0, v128.load(k1)));
      a11 = f32x4.add(a11, f32x4.mul(q1, v128.load(k1, 16)));
      a20 = f32x4.add(a20, f32x4.mul(q0, v128.load(k2)));
      a21 = f32x4.add(a21, f32x4.mul(q1, v128.load(k2, 16)));
      pk += LsB;
      pq += qRowB;
    }
    a00 = f32x4.add(a00, c0); a01 = f32x4.add(a01, c1); a10 = f32x4.add(a10, c0); a11 = f32x4.add(a11, c1);
    a20 = f32x4.add(a20, c0); a21 = f32x4.add(a21, c1);
    const lp = L + f32off(8 * t);
    v128.store(lp, a00); v128.store(lp, a01, 16);
    v128.store(lp, a10, 32); v128.store(lp, a11, 48);
    v128.store(lp, a20, 64); v128.store(lp, a21, 80);
    m0 = f32x4.pmax(m0, max3(a00, a10, a20));
    m1 = f32x4.pmax(m1, max3(a01, a11, a21));
  }
  for (; t < T; t++) {                                  // T mod 3 taps
    let a00 = f32x4.splat(0), a01 = f32x4.splat(0);
    let pk = kRow + <usize>load<i32>(taps + f32off(t)), pq = qRow;
    for (let d = 0; d < hd; d++) {
      a00 = f32x4.add(a00, f32x4.mul(v128.load(pq), v128.load(pk)));
      a01 = f32x4.add(a01, f32x4.mul(v128.load(pq, 16), v128.load(pk, 16)));
      pk += LsB;
      pq += qRowB;
    }
    a00 = f32x4.add(a00, c0); a01 = f32x4.add(a01, c1);
    const lp = L + f32off(8 * t);
    v128.store(lp, a00); v128.store(lp, a01, 16);
    m0 = f32x4.pmax(m0, a00);
    m1 = f32x4.pmax(m1, a01);
  }
  // softmax: e = exp(l − m) in place, S = Σ e (t in order)
  let S0 = f32x4.splat(0), S1 = f32x4.splat(0);
  for (let u = 0; u < T; u++) {
    const lp = L + f32off(8 * u);
    const e0 = expf4(f32x4.sub(v128.load(lp), m0)), e1 = expf4(f32x4.sub(v128.load(lp, 16), m1));
    v128.store(lp, e0); v128.store(lp, e1, 16);
    S0 = f32x4.add(S0, e0);
    S1 = f32x4.add(S1, e1);
  }
  // weighted sum of v: 3 channels × 8 pixels = 6 accumulators (as the logits: 8 spilled), then ÷ S
  let d = 0;
  for (; d + 3 <= hd; d += 3) {
    let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
    let a20 = f32x4.splat(0), a21 = f32x4.splat(0);
    const pv = vRow + <usize>d * LsB;
    for (let u = 0; u < T; u++) {
      const lp = L + f32off(8 * u);
      const e0 = v128.load(lp), e1 = v128.load(lp, 16);
      const p0 = pv + <usize>load<i32>(taps + f32off(u)), p1 = p0 + LsB, p2 = p1 + LsB;
      a00 = f32x4.add(a00, f32x4.mul(e0, v128.load(p0)));
      a01 = f32x4.add(a01, f32x4.mul(e1, v128.load(p0, 16)));
      a10 = f32x4.add(a10, f32x4.mul(e0, v128.load(p1)));
      a11 = f32x4.add(a11, f32x4.mul(e1, v128.load(p1, 16)));
      a20 = f32x4.add(a20, f32x4.mul(e0, v128.load(p2)));
      a21 = f32x4.add(a21, f32x4.mul(e1, v128.load(p2, 16)));
    }
    const o0 = oRow + <usize>d * planeOutB, o1 = o0 + planeOutB, o2 = o1 + planeOutB;
    v128.store(o0, f32x4.div(a00, S0)); v128.store(o0, f32x4.div(a01, S1), 16);
    v128.store(o1, f32x4.div(a10, S0)); v128.store(o1, f32x4.div(a11, S1), 16);
    v128.store(o2, f32x4.div(a20, S0)); v128.store(o2, f32x4.div(a21, S1), 16);
  }
  if (d + 2 <= hd) {                                    // hd mod 3 = 2: both remaining channels at once
    let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
    const pv = vRow + <usize>d * LsB;
    for (let u = 0; u < T; u++) {
      const lp = L + f32off(8 * u);
      const e0 = v128.load(lp), e1 = v128.load(lp, 16);
      const p0 = pv + <usize>load<i32>(taps + f32off(u)), p1 = p0 + LsB;
      a00 = f32x4.add(a00, f32x4.mul(e0, v128.load(p0)));
      a01 = f32x4.add(a01, f32x4.mul(e1, v128.load(p0, 16)));
      a10 = f32x4.add(a10, f32x4.mul(e0, v128.load(p1)));
      a11 = f32x4.add(a11, f32x4.mul(e1, v128.load(p1, 16)));
    }
    const o0 = oRow + <usize>d * planeOutB, o1 = o0 + planeOutB;
    v128.store(o0, f32x4.div(a00, S0)); v128.store(o0, f32x4.div(a01, S1), 16);
    v128.store(o1, f32x4.div(a10, S0)); v128.store(o1, f32x4.div(a11, S1), 16);
    d += 2;
  }
  for (; d < hd; d++) {                                 // hd mod 3 = 1: the last channel
    let a00 = f32x4.splat(0), a01 = f32x4.splat(0);
    const pv = vRow + <usize>d * LsB;
    for (let u = 0; u < T; u++) {
      const lp = L + f32off(8 * u);
      const p0 = pv + <usize>load<i32>(taps + f32off(u));
      a00 = f32x4.add(a00, f32x4.mul(v128.load(lp), v128.load(p0)));
      a01 = f32x4.add(a01, f32x4.mul(v128.load(lp, 16), v128.load(p0, 16)));
    }
    const o0 = oRow + <usize>d * planeOutB;
    v128.store(o0, f32x4.div(a00, S0)); v128.store(o0, f32x4.div(a01, S1), 16);
  }
}

/** 4 pixels j .. j+3 of one output row and head, of which the first nj (1 ≤ nj ≤ 4) are stored. */
function pixels4(
  kRow: usize, vRow: usize, qRow: usize, cRow: usize, oRow: usize, taps: usize, L: usize,
  T: i32, hd: i32, LsB: usize, qRowB: usize, planeOutB: usize, nj: i32,
): void {
  const cv = v128.load(cRow);
  let m = f32x4.splat(-Infinity);
  // logits: 3 taps = 3 accumulators (the tap grouping of pixels8)
  let t = 0;
  for (; t + 3 <= T; t += 3) {
    const tp = taps + f32off(t);
    const o0 = <usize>load<i32>(tp), o1 = <usize>load<i32>(tp, 4), o2 = <usize>load<i32>(tp, 8);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
    let pk = kRow, pq = qRow;
    for (let d = 0; d < hd; d++) {
      const qv = v128.load(pq);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(pk + o0)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(pk + o1)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(pk + o2)));
      pk += LsB;
      pq += qRowB;
    }
    a0 = f32x4.add(a0, cv); a1 = f32x4.add(a1, cv); a2 = f32x4.add(a2, cv);
    const lp = L + f32off(4 * t);
    v128.store(lp, a0); v128.store(lp, a1, 16); v128.store(lp, a2, 32);
    m = f32x4.pmax(m, max3(a0, a1, a2));
  }
  for (; t < T; t++) {
    let a0 = f32x4.splat(0);
    let pk = kRow + <usize>load<i32>(taps + f32off(t)), pq = qRow;
    for (let d = 0; d < hd; d++) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(pq), v128.load(pk)));
      pk += LsB;
      pq += qRowB;
    }
    a0 = f32x4.add(a0, cv);
    v128.store(L + f32off(4 * t), a0);
    m = f32x4.pmax(m, a0);
  }
  let S = f32x4.splat(0);
  for (let u = 0; u < T; u++) {
    const lp = L + f32off(4 * u);
    const e = expf4(f32x4.sub(v128.load(lp), m));
    v128.store(lp, e);
    S = f32x4.add(S, e);
  }
  let d = 0;
  for (; d + 4 <= hd; d += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    const pv = vRow + <usize>d * LsB;
    for (let u = 0; u < T; u++) {
      const e = v128.load(L + f32off(4 * u));
      const p0 = pv + <usize>load<i32>(taps + f32off(u)), p1 = p0 + LsB, p2 = p1 + LsB, p3 = p2 + LsB;
      a0 = f32x4.add(a0, f32x4.mul(e, v128.load(p0)));
      a1 = f32x4.add(a1, f32x4.mul(e, v128.load(p1)));
      a2 = f32x4.add(a2, f32x4.mul(e, v128.load(p2)));
      a3 = f32x4.add(a3, f32x4.mul(e, v128.load(p3)));
    }
    const o0 = oRow + <usize>d * planeOutB;
    storeLanes(o0, f32x4.div(a0, S), nj);
    storeLanes(o0 + planeOutB, f32x4.div(a1, S), nj);
    storeLanes(o0 + 2 * planeOutB, f32x4.div(a2, S), nj);
    storeLanes(o0 + 3 * planeOutB, f32x4.div(a3, S), nj);
  }
  for (; d < hd; d++) {
    let a0 = f32x4.splat(0);
    const pv = vRow + <usize>d * LsB;
    for (let u = 0; u < T; u++) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(L + f32off(4 * u)), v128.load(pv + <usize>load<i32>(taps + f32off(u)))));
    }
    storeLanes(oRow + <usize>d * planeOutB, f32x4.div(a0, S), nj);
  }
}

// ---------------------------------------------------------------------------------------------
// kernels

/**
 * ACmix local attention of one image, f32x4 over 8 (then 4) output pixels along W.
 *
 * Paper:   Pan et al., CVPR 2022, arXiv:2111.14556, §3.2 Eq. (8)-(9) with the official relative
 *          position term and reflection-padded windows (spec: ts/ref/local_attention.ts).
 * Memory:  q, k, v: byte offsets of [C, H, W] float32 (one image); pe: byte offset of [hd, H, W] or 0
 *          for none; out: byte offset of [C, H/stride, W/stride]; scratch: byte offset of
 *          local_attention_scratch_floats(…) floats. No alignment required; out and scratch must not
 *          overlap the inputs or each other.
 * Writes:  out[0 .. C·H_out·W_out) and the scratch only.
 * Numerics: float32, the order in the file header; bit-identical to local_attention__scalar.
 *          scaling is passed in (the caller's fl(head_dim^−½)).
 * Contract: head | C; kernel_att odd ≥ 1; padding = (kernel_att − 1)/2 < H, W; stride | H, W —
 *          asserted in debug builds only (checkLocalAttention validates them).
 * Cost:    4·C·k_att²·H_out·W_out FLOPs (+ one exp per tap, pixel and head); scratch
 *          ≈ 2·(C/head)·(H + 2P)·(W + 2P) floats per call: never k_att²-fold.
 */
export function local_attention__f32x4(
  q: usize, k: usize, v: usize, pe: usize, out: usize, scratch: usize,
  C: i32, H: i32, W: i32, head: i32, kernel_att: i32, stride: i32, padding: i32, scaling: f32,
): void {
  assert(head > 0 && C % head == 0 && (kernel_att & 1) == 1 && padding == (kernel_att - 1) >> 1);
  assert(padding < H && padding < W && stride > 0 && H % stride == 0 && W % stride == 0);
  const hd = C / head, T = kernel_att * kernel_att, s = stride;
  const H_out = H / s, W_out = W / s, W_out4 = roundUp4(W_out);
  const Ls = W_out4 + (kernel_att - 1) / s;
  const slab = (H + 2 * padding) * s * hd * Ls;
  const taps = scratch;
  const kp = taps + f32off(roundUp4(T));
  const vs = kp + f32off(slab);
  const qs = vs + f32off(slab);
  const cq = qs + f32off(H_out * hd * W_out4);
  const L = cq + f32off(H_out * W_out4);
  const LsB = f32off(Ls), qRowB = f32off(W_out4);
  const rowB = f32off(s * s * hd * Ls);                 // slab bytes between output rows
  const planeOut = H_out * W_out, planeOutB = f32off(planeOut);

  for (let h = 0; h < head; h++) {
    prepareHead(q, k, v, pe, scratch, C, H, W, head, h, kernel_att, s, padding, scaling, true);
    for (let i = 0; i < H_out; i++) {
      const kRow = kp + <usize>i * rowB, vRow = vs + <usize>i * rowB;
      const qRow = qs + f32off(i * hd * W_out4), cRow = cq + f32off(i * W_out4);
      const oRow = out + f32off((h * hd) * planeOut + i * W_out);
      let j = 0;
      for (; j + 8 <= W_out; j += 8) {
        const jB = f32off(j);
        pixels8(kRow + jB, vRow + jB, qRow + jB, cRow + jB, oRow + jB, taps, L, T, hd, LsB, qRowB, planeOutB);
      }
      for (; j < W_out; j += 4) {
        const jB = f32off(j);
        pixels4(kRow + jB, vRow + jB, qRow + jB, cRow + jB, oRow + jB, taps, L, T, hd, LsB, qRowB, planeOutB, min<i32>(4, W_out - j));
      }
    }
  }
}

/**
 * Scalar twin of local_attention__f32x4: one output pixel at a time, the same operations in the
 * same order (header), so the two are bit-identical.
 *
 * Memory, Writes, Contract, Cost: as local_attention__f32x4.
 */
export function local_attention__scalar(
  q: usize, k: usize, v: usize, pe: usize, out: usize, scratch: usize,
  C: i32, H: i32, W: i32, head: i32, kernel_att: i32, stride: i32, padding: i32, scaling: f32,
): void {
  assert(head > 0 && C % head == 0 && (kernel_att & 1) == 1 && padding == (kernel_att - 1) >> 1);
  assert(padding < H && padding < W && stride > 0 && H % stride == 0 && W % stride == 0);
  const hd = C / head, T = kernel_att * kernel_att, s = stride;
  const H_out = H / s, W_out = W / s, W_out4 = roundUp4(W_out);
  const Ls = W_out4 + (kernel_att - 1) / s;
  const slab = (H + 2 * padding) * s * hd * Ls;
  const taps = scratch;
  const kp = taps + f32off(roundUp4(T));
  const vs = kp + f32off(slab);
  const qs = vs + f32off(slab);
  const cq = qs + f32off(H_out * hd * W_out4);
  const L = cq + f32off(H_out * W_out4);
  const LsB = f32off(Ls), qRowB = f32off(W_out4);
  const rowB = f32off(s * s * hd * Ls);
  const planeOut = H_out * W_out;

  for (let h = 0; h < head; h++) {
    prepareHead(q, k, v, pe, scratch, C, H, W, head, h, kernel_att, s, padding, scaling, false);
    for (let i = 0; i < H_out; i++) {
      const kRow = kp + <usize>i * rowB, vRow = vs + <usize>i * rowB;
      const qRow = qs + f32off(i * hd * W_out4), cRow = cq + f32off(i * W_out4);
      const oRow = out + f32off((h * hd) * planeOut + i * W_out);
      for (let j = 0; j < W_out; j++) {
        const jB = f32off(j);
        const cv = load<f32>(cRow + jB);
        for (let t = 0; t < T; t++) {
          let acc: f32 = 0;
          let pk = kRow + jB + <usize>load<i32>(taps + f32off(t)), pq = qRow + jB;
          for (let d = 0; d < hd; d++) {
            acc = acc + load<f32>(pq) * load<f32>(pk);
            pk += LsB;
            pq += qRowB;
          }
          store<f32>(L + f32off(t), acc + cv);
        }
        let m: f32 = -Infinity;                         // the running max in the f32x4 grouping
        let t = 0;
        for (; t + 3 <= T; t += 3) {
          const lp = L + f32off(t);
          m = pmax1(m, max3s(load<f32>(lp), load<f32>(lp, 4), load<f32>(lp, 8)));
        }
        for (; t < T; t++) m = pmax1(m, load<f32>(L + f32off(t)));
        let S: f32 = 0;
        for (let u = 0; u < T; u++) {
          const e = expf1(load<f32>(L + f32off(u)) - m);
          store<f32>(L + f32off(u), e);
          S = S + e;
        }
        const vb = vRow + jB;
        for (let d = 0; d < hd; d++) {
          let acc: f32 = 0;
          const pv = vb + <usize>d * LsB;
          for (let u = 0; u < T; u++) acc = acc + load<f32>(L + f32off(u)) * load<f32>(pv + <usize>load<i32>(taps + f32off(u)));
          store<f32>(oRow + f32off(d * planeOut) + jB, acc / S);
        }
      }
    }
  }
}
