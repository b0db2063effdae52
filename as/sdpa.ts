// Scaled dot-product attention of one (batch, head) slice as one fused kernel: Q·Kᵀ, scale, additive mask,
// causal mask, max-subtracted softmax (the library's one float32 exp, as/lib/math.ts) and P·V, all in WASM
// memory. Tiled by query rows: a block of 4 query rows at a time, whose logits row block [4 × S] lives in the
// scratch (not a flash-style online softmax: a row block of logits is 4·S floats, in L1 for any practical S,
// and it keeps PyTorch's order — softmax normalised first, then P·V — so there is no rescaling of partial sums).
// The L × S matrix is never formed: scratch is E·S (Kᵀ) + 4·E + 8·S floats per call.
//
// Per slice, in float32 and in this order (both variants):
//   kT[e, j]  = k[j, e]                                        (data movement, once per slice)
//   qs[i, e]  = fl(q[i, e] · scale)
//   l[i, j]   = Σ_e qs[i, e]·kT[e, j]   (e in order, from +0)  (the 4x8 GEMM tile of as/lib/tile_4x8.ts)
//   l[i, j]   = fl(l[i, j] + mask[i·maskRow + j·maskCol])       (if mask ≠ 0)
//   l[i, j]   = l[i, j] + (−∞)   for j > i                       (if causal: PyTorch adds the converted bool mask)
//   m_i       = pm-max over l[i, ·] (4 lanes over j < 4⌊S/4⌋, pm(pm(m0, m1), pm(m2, m3)), then the tail in order)
//   e[i, j]   = expf(l[i, j] − m_i);  s_i = Σ lanes then (s0 + s1) + (s2 + s3), then the tail in order
//   r_i       = fl(1 / s_i);  P[i, j] = fl(e[i, j] · r_i)       (one division per row)
//   out[i, c] = Σ_j P[i, j]·v[j, c]   (j in order, from +0)      (the 4x8 GEMM tile)
// pm(a, b) = a < b ? b : a (f32x4.pmax). A NaN logit gives a NaN row (e NaN → s NaN); a row with every
// position at −∞ gives −∞ − (−∞) = NaN everywhere (PyTorch 2.0-2.4). sdpa__scalar ≡ sdpa__f32x4 bit for bit.

import { f32off } from './lib/lanes';
import { expf_nonpos_scalar, expf_nonpos_f32x4, expf_nonpos_f32x4_store2 } from './lib/math';
import { tile_4x8, B_ROWS, B_ROWS_PARTIAL } from './lib/tile_4x8';

/** a < b ? b : a — f32x4.pmax on one lane. */
// @ts-ignore: decorator
@inline function pm(a: f32, b: f32): f32 {
  return a < b ? b : a;
}

// @ts-ignore: decorator
@inline function r4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** kT[e·S + j] = k[j·E + e] (both variants). */
// @ts-ignore: decorator
@inline function transposeK(k: usize, kT: usize, S: i32, E: i32): void {
  for (let j = 0; j < S; j++) {
    const kr = k + f32off(j * E);
    for (let e = 0; e < E; e++) store<f32>(kT + f32off(e * S + j), load<f32>(kr + f32off(e)));
  }
}

/** qp[e·4 + r] = fl(q[(i0 + r)·E + e] · scale) for r < mr, +0 for mr ≤ r < 4 (the pack_a layout). */
// @ts-ignore: decorator
@inline function packQ(q: usize, qp: usize, i0: i32, mr: i32, E: i32, scale: f32): void {
  for (let e = 0; e < E; e++) {
    for (let r = 0; r < 4; r++) {
      store<f32>(qp + f32off(e * 4 + r), r < mr ? load<f32>(q + f32off((i0 + r) * E + e)) * scale : 0);
    }
  }
}

/** Adds the float mask row and the causal −∞ to the logits row lr of query i (scalar; the same ops as the f32x4 path). */
// @ts-ignore: decorator
@inline function maskRow_scalar(lr: usize, S: i32, i: i32, mask: usize, maskRow: i32, maskCol: i32, causal: i32): void {
  if (mask != 0) {
    const mr = mask + f32off(i * maskRow);
    for (let j = 0; j < S; j++) store<f32>(lr + f32off(j), load<f32>(lr + f32off(j)) + load<f32>(mr + f32off(j * maskCol)));
  }
  if (causal) {
    for (let j = i + 1; j < S; j++) store<f32>(lr + f32off(j), load<f32>(lr + f32off(j)) + <f32>(-Infinity));
  }
}

/**
 * Softmax numerators of one logits row in place (e_j = expf(l_j − m)), returning s = Σ e_j in the lane order of
 * the file header (scalar variant: four running lane values, as the f32x4 variant's lanes).
 */
// @ts-ignore: decorator
@inline function expRow_scalar(lr: usize, S: i32): f32 {
  const S4 = S & ~3;
  let m0 = -Infinity as f32, m1 = -Infinity as f32, m2 = -Infinity as f32, m3 = -Infinity as f32;
  for (let j = 0; j < S4; j += 4) {
    m0 = pm(m0, load<f32>(lr + f32off(j))); m1 = pm(m1, load<f32>(lr + f32off(j + 1)));
    m2 = pm(m2, load<f32>(lr + f32off(j + 2))); m3 = pm(m3, load<f32>(lr + f32off(j + 3)));
  }
  let m = pm(pm(m0, m1), pm(m2, m3));
  for (let j = S4; j < S; j++) m = pm(m, load<f32>(lr + f32off(j)));
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  for (let j = 0; j < S4; j += 4) {
    const e0 = expf_nonpos_scalar(load<f32>(lr + f32off(j)) - m), e1 = expf_nonpos_scalar(load<f32>(lr + f32off(j + 1)) - m);
    const e2 = expf_nonpos_scalar(load<f32>(lr + f32off(j + 2)) - m), e3 = expf_nonpos_scalar(load<f32>(lr + f32off(j + 3)) - m);
    store<f32>(lr + f32off(j), e0); store<f32>(lr + f32off(j + 1), e1);
    store<f32>(lr + f32off(j + 2), e2); store<f32>(lr + f32off(j + 3), e3);
    s0 = s0 + e0; s1 = s1 + e1; s2 = s2 + e2; s3 = s3 + e3;
  }
  let s = (s0 + s1) + (s2 + s3);
  for (let j = S4; j < S; j++) {
    const e = expf_nonpos_scalar(load<f32>(lr + f32off(j)) - m);
    store<f32>(lr + f32off(j), e);
    s = s + e;
  }
  return s;
}

/**
 * Fused scaled dot-product attention of one slice (scalar variant): out = softmax(fl(q·scale)·kᵀ + mask)·v.
 *
 * Paper:    Vaswani et al. 2017 §3.2.1 Eq. (1); spec: ts/ref/scaled_dot_product_attention.ts.
 * Memory:   q [L, E], k [S, E], v [S, Ev], out [L, Ev]: byte offsets of row-major float32; mask: byte offset of
 *           the additive mask element [0, 0] of this slice (element [i, j] at i·maskRow + j·maskCol floats), or 0
 *           for none; scratch: r4(E·S) + 4·E + 8·r4(S) floats, r4(n) = n rounded up to a multiple of 4 (Kᵀ, the
 *           packed scaled query block, the logits row block, the packed probabilities; ts/wasm's sdpaScratchFloats). No alignment required; out and scratch must not
 *           overlap the inputs or each other.
 * Writes:   out[0 .. L·Ev) and the scratch only.
 * Numerics: float32, the order of the file header; bit-identical to sdpa__f32x4.
 * Contract: L, S, E, Ev ≥ 0; maskCol ∈ {0, 1}; maskRow ≥ 0 — asserted in debug builds only.
 * Cost:     2·L·S·(E + Ev) FLOPs + L·S exps.
 */
export function sdpa__scalar(
  q: usize, k: usize, v: usize, mask: usize, out: usize, scratch: usize,
  L: i32, S: i32, E: i32, Ev: i32, scale: f32, maskRow: i32, maskCol: i32, causal: i32,
): void {
  assert(L >= 0 && S >= 0 && E >= 0 && Ev >= 0 && (maskCol == 0 || maskCol == 1) && maskRow >= 0);
  const kT = scratch, qp = kT + f32off(r4(E * S)), lg = qp + f32off(4 * E), pp = lg + f32off(4 * r4(S));
  transposeK(k, kT, S, E);
  for (let i0 = 0; i0 < L; i0 += 4) {
    const mr = min<i32>(4, L - i0);
    packQ(q, qp, i0, mr, E, scale);
    for (let r = 0; r < mr; r++) {
      const lr = lg + f32off(r * S);
      for (let j = 0; j < S; j++) {
        let acc: f32 = 0;
        for (let e = 0; e < E; e++) acc = acc + load<f32>(qp + f32off(e * 4 + r)) * load<f32>(kT + f32off(e * S + j));
        store<f32>(lr + f32off(j), acc);
      }
      maskRow_scalar(lr, S, i0 + r, mask, maskRow, maskCol, causal);
      const s = expRow_scalar(lr, S);
      const rs: f32 = <f32>1 / s;
      for (let j = 0; j < S; j++) store<f32>(pp + f32off(j * 4 + r), load<f32>(lr + f32off(j)) * rs);
    }
    for (let r = 0; r < mr; r++) {
      const orow = out + f32off((i0 + r) * Ev);
      for (let c = 0; c < Ev; c++) {
        let acc: f32 = 0;
        for (let j = 0; j < S; j++) acc = acc + load<f32>(pp + f32off(j * 4 + r)) * load<f32>(v + f32off(j * Ev + c));
        store<f32>(orow + f32off(c), acc);
      }
    }
  }
}

/**
 * f32x4 twin of sdpa__scalar: the logits row block and P·V by the 4x8 GEMM tile (4 query rows × 8 keys, then
 * 4 query rows × 8 value channels), the mask, max, exp and sum 4 keys per vector, the probabilities normalised
 * and packed for the second GEMM by 4×4 transposes.
 *
 * Paper, Memory, Writes, Numerics, Contract, Cost: as sdpa__scalar (bit-identical).
 */
export function sdpa__f32x4(
  q: usize, k: usize, v: usize, mask: usize, out: usize, scratch: usize,
  L: i32, S: i32, E: i32, Ev: i32, scale: f32, maskRow: i32, maskCol: i32, causal: i32,
): void {
  assert(L >= 0 && S >= 0 && E >= 0 && Ev >= 0 && (maskCol == 0 || maskCol == 1) && maskRow >= 0);
  const kT = scratch, qp = kT + f32off(r4(E * S)), lg = qp + f32off(4 * E), pp = lg + f32off(4 * r4(S));
  transposeK(k, kT, S, E);
  const S4 = S & ~3, SB = f32off(S), EvB = f32off(Ev);
  for (let i0 = 0; i0 < L; i0 += 4) {
    const mr = min<i32>(4, L - i0);
    packQ(q, qp, i0, mr, E, scale);
    // logits row block [mr × S] = qp ᵀ· kT, 8 keys per tile
    let j0 = 0;
    for (; j0 + 8 <= S; j0 += 8) tile_4x8(B_ROWS, E, qp, kT + f32off(j0), SB, 0, 1, mr, 8, lg + f32off(j0), SB, 0, 0);
    if (j0 < S) tile_4x8(B_ROWS_PARTIAL, E, qp, kT + f32off(j0), SB, 0, 1, mr, S - j0, lg + f32off(j0), SB, 0, 0);
    // mask, causal, exp and sums per row
    let s0: f32 = 1, s1: f32 = 1, s2: f32 = 1, s3: f32 = 1;
    for (let r = 0; r < mr; r++) {
      const lr = lg + <usize>r * SB, i = i0 + r;
      if (mask != 0) {
        const mrow = mask + f32off(i * maskRow);
        let j = 0;
        if (maskCol == 1) {
          for (; j < S4; j += 4) v128.store(lr + f32off(j), f32x4.add(v128.load(lr + f32off(j)), v128.load(mrow + f32off(j))));
        } else {
          const mv = v128.load32_splat(mrow);
          for (; j < S4; j += 4) v128.store(lr + f32off(j), f32x4.add(v128.load(lr + f32off(j)), mv));
        }
        for (; j < S; j++) store<f32>(lr + f32off(j), load<f32>(lr + f32off(j)) + load<f32>(mrow + f32off(j * maskCol)));
      }
      if (causal) {
        for (let j = i + 1; j < S; j++) store<f32>(lr + f32off(j), load<f32>(lr + f32off(j)) + <f32>(-Infinity));
      }
      let mv = f32x4.splat(-Infinity);
      for (let j = 0; j < S4; j += 4) mv = f32x4.pmax(mv, v128.load(lr + f32off(j)));
      let m = pm(pm(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), pm(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      for (let j = S4; j < S; j++) m = pm(m, load<f32>(lr + f32off(j)));
      const msplat = f32x4.splat(m);
      let sv = f32x4.splat(0);
      let j4 = 0;
      for (; j4 + 8 <= S4; j4 += 8) {                   // two vectors per step: the interleaved exp chains
        const p = lr + f32off(j4);
        expf_nonpos_f32x4_store2(f32x4.sub(v128.load(p), msplat), f32x4.sub(v128.load(p, 16), msplat), p);
        sv = f32x4.add(sv, v128.load(p));
        sv = f32x4.add(sv, v128.load(p, 16));
      }
      for (; j4 < S4; j4 += 4) {
        const e = expf_nonpos_f32x4(f32x4.sub(v128.load(lr + f32off(j4)), msplat));
        v128.store(lr + f32off(j4), e);
        sv = f32x4.add(sv, e);
      }
      let s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
      for (let j = S4; j < S; j++) {
        const e = expf_nonpos_scalar(load<f32>(lr + f32off(j)) - m);
        store<f32>(lr + f32off(j), e);
        s = s + e;
      }
      if (r == 0) s0 = s; else if (r == 1) s1 = s; else if (r == 2) s2 = s; else s3 = s;
    }
    // P = e · (1/s), packed k-major for the P·V tile (rows ≥ mr: +0), four keys per 4×4 transpose
    {
      const zero = f32x4.splat(0);
      const i0s: f32 = <f32>1 / s0, i1s: f32 = <f32>1 / s1, i2s: f32 = <f32>1 / s2, i3s: f32 = <f32>1 / s3;
      const d0 = f32x4.splat(i0s), d1 = f32x4.splat(i1s), d2 = f32x4.splat(i2s), d3 = f32x4.splat(i3s);
      const r0 = lg, r1 = mr > 1 ? r0 + SB : r0, r2 = mr > 2 ? r0 + 2 * SB : r0, r3 = mr > 3 ? r0 + 3 * SB : r0;
      let j = 0;
      for (; j < S4; j += 4) {
        const o = f32off(j);
        const x0 = f32x4.mul(v128.load(r0 + o), d0);
        const x1 = mr > 1 ? f32x4.mul(v128.load(r1 + o), d1) : zero;
        const x2 = mr > 2 ? f32x4.mul(v128.load(r2 + o), d2) : zero;
        const x3 = mr > 3 ? f32x4.mul(v128.load(r3 + o), d3) : zero;
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        const dst = pp + f32off(j * 4);
        v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
      }
      for (; j < S; j++) {
        const dst = pp + f32off(j * 4), o = f32off(j);
        store<f32>(dst, load<f32>(r0 + o) * i0s);
        store<f32>(dst, mr > 1 ? load<f32>(r1 + o) * i1s : 0, 4);
        store<f32>(dst, mr > 2 ? load<f32>(r2 + o) * i2s : 0, 8);
        store<f32>(dst, mr > 3 ? load<f32>(r3 + o) * i3s : 0, 12);
      }
    }
    // out rows [mr × Ev] = P ·V, 8 channels per tile
    const orow = out + f32off(i0 * Ev);
    let c0 = 0;
    for (; c0 + 8 <= Ev; c0 += 8) tile_4x8(B_ROWS, S, pp, v + f32off(c0), EvB, 0, 1, mr, 8, orow + f32off(c0), EvB, 0, 0);
    if (c0 < Ev) tile_4x8(B_ROWS_PARTIAL, S, pp, v + f32off(c0), EvB, 0, 1, mr, Ev - c0, orow + f32off(c0), EvB, 0, 0);
  }
}
