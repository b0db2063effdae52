// local_attention, part 2 of 3: the tiles — one output row segment of one head, from the prepared slabs
// (as/local_attention_slab.ts) to the outputs, in the order of the file header of as/local_attention.ts:
//
//   pixels8   f32x4, 8 output pixels (two vectors): logits 3 taps × 8 pixels, then 3 channels × 8 pixels
//   pixels4   f32x4, 4 output pixels (one vector), the first nj stored: the W_out mod 8 tail
//   pixel1    scalar, 1 output pixel: local_attention__scalar's tile (the reference order, lane by lane)
//
// Layout choice (measured on the 28x28 d128 h4 and 56x56 d64 h4 shapes): tiles of 8 pixels × 4 taps
// (logits) and 8 pixels × 4 channels (weighted sum) beat 4 pixels × 8 taps and 4 × 4 by 5-15%; the
// tiles used now, 8 pixels × 3 taps and 8 pixels × 3 channels, beat 8 × 4 by another ~10% (V8 11.3
// issues a basic block's loads before its arithmetic, so 8 accumulators + 10 loaded vectors spilled 3
// of the 15 allocatable xmm registers per trip; 6 + 8 fit: checked with node --print-wasm-code).
//
// Pointers (all tiles): kRow, vRow: the slab row of output row i, plus 4·j; qRow, cRow: the QS / CQ rows
// plus 4·j; oRow: out + 4·((h·hd)·H_out·W_out + i·W_out + j); taps: the TAPS table; L: the LOGITS region.
// LsB: bytes between slab rows (channels); qRowB: bytes between QS rows; planeOutB: bytes between output
// channel planes.

import { f32off, storeLanes } from './lib/lanes';
import { expf_nonpos_scalar, expf_nonpos_f32x4, expf_nonpos_f32x4_store2 } from './lib/math';
import { madd } from './lib/fma';   // c + a·b: strict or fused by build (as/lib/fma.ts)

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
// f32x4 tiles

/** 8 pixels j .. j+7 (all < W_out) of one output row and head. */
export function pixels8(
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
      a00 = madd(q0, v128.load(k0), a00);
      a01 = madd(q1, v128.load(k0, 16), a01);
      a10 = madd(q0, v128.load(k1), a10);
      a11 = madd(q1, v128.load(k1, 16), a11);
      a20 = madd(q0, v128.load(k2), a20);
      a21 = madd(q1, v128.load(k2, 16), a21);
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
      a00 = madd(v128.load(pq), v128.load(pk), a00);
      a01 = madd(v128.load(pq, 16), v128.load(pk, 16), a01);
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
    expf_nonpos_f32x4_store2(f32x4.sub(v128.load(lp), m0), f32x4.sub(v128.load(lp, 16), m1), lp);
    S0 = f32x4.add(S0, v128.load(lp));
    S1 = f32x4.add(S1, v128.load(lp, 16));
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
      a00 = madd(e0, v128.load(p0), a00);
      a01 = madd(e1, v128.load(p0, 16), a01);
      a10 = madd(e0, v128.load(p1), a10);
      a11 = madd(e1, v128.load(p1, 16), a11);
      a20 = madd(e0, v128.load(p2), a20);
      a21 = madd(e1, v128.load(p2, 16), a21);
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
      a00 = madd(e0, v128.load(p0), a00);
      a01 = madd(e1, v128.load(p0, 16), a01);
      a10 = madd(e0, v128.load(p1), a10);
      a11 = madd(e1, v128.load(p1, 16), a11);
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
      a00 = madd(v128.load(lp), v128.load(p0), a00);
      a01 = madd(v128.load(lp, 16), v128.load(p0, 16), a01);
    }
    const o0 = oRow + <usize>d * planeOutB;
    v128.store(o0, f32x4.div(a00, S0)); v128.store(o0, f32x4.div(a01, S1), 16);
  }
}

/** 4 pixels j .. j+3 of one output row and head, of which the first nj (1 ≤ nj ≤ 4) are stored. */
export function pixels4(
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
      a0 = madd(qv, v128.load(pk + o0), a0);
      a1 = madd(qv, v128.load(pk + o1), a1);
      a2 = madd(qv, v128.load(pk + o2), a2);
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
      a0 = madd(v128.load(pq), v128.load(pk), a0);
      pk += LsB;
      pq += qRowB;
    }
    a0 = f32x4.add(a0, cv);
    v128.store(L + f32off(4 * t), a0);
    m = f32x4.pmax(m, a0);
  }
  // softmax: taps u, u + 1 (adjacent in L) through one paired exp, then S = Σ e in t order
  let S = f32x4.splat(0);
  let u = 0;
  for (; u + 2 <= T; u += 2) {
    const lp = L + f32off(4 * u);
    expf_nonpos_f32x4_store2(f32x4.sub(v128.load(lp), m), f32x4.sub(v128.load(lp, 16), m), lp);
    S = f32x4.add(S, v128.load(lp));
    S = f32x4.add(S, v128.load(lp, 16));
  }
  if (u < T) {
    const lp = L + f32off(4 * u);
    const e = expf_nonpos_f32x4(f32x4.sub(v128.load(lp), m));
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
      a0 = madd(e, v128.load(p0), a0);
      a1 = madd(e, v128.load(p1), a1);
      a2 = madd(e, v128.load(p2), a2);
      a3 = madd(e, v128.load(p3), a3);
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
      a0 = madd(v128.load(L + f32off(4 * u)), v128.load(pv + <usize>load<i32>(taps + f32off(u))), a0);
    }
    storeLanes(oRow + <usize>d * planeOutB, f32x4.div(a0, S), nj);
  }
}

// ---------------------------------------------------------------------------------------------
// scalar tile

/** 1 pixel j of one output row and head: the operations of one f32x4 lane, in the same order. */
// @ts-ignore: decorator
@inline export function pixel1(
  kRow: usize, vRow: usize, qRow: usize, cRow: usize, oRow: usize, taps: usize, L: usize,
  T: i32, hd: i32, LsB: usize, qRowB: usize, planeOutB: usize,
): void {
  const cv = load<f32>(cRow);
  for (let t = 0; t < T; t++) {
    let acc: f32 = 0;
    let pk = kRow + <usize>load<i32>(taps + f32off(t)), pq = qRow;
    for (let d = 0; d < hd; d++) {
      acc = acc + load<f32>(pq) * load<f32>(pk);
      pk += LsB;
      pq += qRowB;
    }
    store<f32>(L + f32off(t), acc + cv);
  }
  let m: f32 = -Infinity;                               // the running max in the f32x4 grouping
  let t = 0;
  for (; t + 3 <= T; t += 3) {
    const lp = L + f32off(t);
    m = pmax1(m, max3s(load<f32>(lp), load<f32>(lp, 4), load<f32>(lp, 8)));
  }
  for (; t < T; t++) m = pmax1(m, load<f32>(L + f32off(t)));
  let S: f32 = 0;
  for (let u = 0; u < T; u++) {
    const e = expf_nonpos_scalar(load<f32>(L + f32off(u)) - m);
    store<f32>(L + f32off(u), e);
    S = S + e;
  }
  for (let d = 0; d < hd; d++) {
    let acc: f32 = 0;
    const pv = vRow + <usize>d * LsB;
    for (let u = 0; u < T; u++) acc = acc + load<f32>(L + f32off(u)) * load<f32>(pv + <usize>load<i32>(taps + f32off(u)));
    store<f32>(oRow + <usize>d * planeOutB, acc / S);
  }
}
