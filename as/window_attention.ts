// Swin window attention, fused: for every window b and head h, the logits (q·scale)·kᵀ + bias (+ mask), a
// max-subtracted softmax with the float32 exp of as/lib/math.ts, and the weighted sum of v, without the N×N
// weights ever leaving a few rows of scratch (one row in the scalar variant, a block of 4 in the f32x4 one).
//
// Per (b, h, row i), in float32 and in this order (both variants), with pm(a, b) = a < b ? b : a:
//   qs_d = q_d · scale;
//   ℓ_j = ((Σ_d qs_d·k_jd, summed in d order from +0) + bias[h, i, j]) + mask[b mod nW, i, j]   (mask if nW > 0)
//   m_l = pm over ℓ[4t + l] (t < ⌊N/4⌋) from −Inf; m = pm(pm(m0, m1), pm(m2, m3)); m = pm(m, ℓ_j) over the tail;
//   x_j = ℓ_j − m;  e_j = x_j < −87 ? +0 : expf(x_j)   (flush, below);
//   s_l = Σ_t e[4t + l];  s = (s0 + s1) + (s2 + s3), then + e_j over the tail in order;
//   y_d = (Σ_j e_j·v_jd, in j order from +0) / s.
// The f32x4 variant runs both products on the 4x8 GEMM tile of as/lib/tile_4x8.ts (8 independent accumulator
// chains): the logits of 4 query rows × 8 keys (keys transposed per (b, h) into Kᵀ, zero-padded to a multiple of 8
// keys), and the weighted sums of 4 rows × 8 channels (the numerators packed key-major, v read in place), then
// y / s; bias, mask, max, exp and sums run four keys per vector. Lane by lane these are the same operations in the
// same order, so the twins are bit-identical.
// NaN: a NaN logit gives s = NaN and the row is NaN (PyTorch); an all −Inf row gives NaN (PyTorch).
// Flush: a numerator below e^−87 ≈ 1.6·10⁻³⁸ (just above the smallest normal float32, 2⁻¹²⁶ ≈ 1.18·10⁻³⁸) is +0, so
// no subnormal numerator enters the sums: Wasm has no flush-to-zero mode, and subnormal operands cost the x86 FPU
// a microcode assist each (measured here: the −100 of Swin's shifted-window mask, e^−100 ≈ 3.7·10⁻⁴⁴, on 20% of the
// logits made the whole kernel 1.27x slower). s ≥ 1 (the maximum's e = 1) is unchanged by it; y moves by at most
// N·e^−87·max|v| / s (ts/wasm/window_attention.ts states the bound). The exp is evaluated at max(x_j, −87), which
// keeps its own intermediates normal, and a NaN x_j stays NaN (−87 is not > NaN).

import { f32off } from './lib/lanes';
import { expf_nonpos_scalar, expf_nonpos_f32x4, expf_nonpos_f32x4_store2 } from './lib/math';
import { tile_4x8, B_ROWS, B_ROWS_PARTIAL } from './lib/tile_4x8';   // its k loop uses madd (as/lib/fma.ts)

// @ts-ignore: decorator
@inline function pm(a: f32, b: f32): f32 {
  return a < b ? b : a;
}

/** Numerators e_j = expf(x_j) with x_j below this are flushed to +0 (see the file header). */
const FLUSH: f32 = -87.0;

/** x < FLUSH ? +0 : expf(x) for x ≤ 0 or NaN (the scalar form of the flushed numerator). */
// @ts-ignore: decorator
@inline function numerator_scalar(x: f32): f32 {
  return x < FLUSH ? 0 : expf_nonpos_scalar(x);
}

/** numerator_scalar on each lane: the exp at pmax(x, FLUSH) (x itself where x ≥ FLUSH or NaN), lanes x < FLUSH +0. */
// @ts-ignore: decorator
@inline function numerator_f32x4(x: v128): v128 {
  const t = f32x4.splat(FLUSH);
  return v128.andnot(expf_nonpos_f32x4(f32x4.pmax(x, t)), f32x4.lt(x, t));
}

/** numerator_f32x4 of x0 and x1, stored to dst[0 .. 4) and dst[4 .. 8) (the two exp chains interleaved). */
// @ts-ignore: decorator
@inline function numerators2_f32x4(x0: v128, x1: v128, dst: usize): void {
  const t = f32x4.splat(FLUSH);
  expf_nonpos_f32x4_store2(f32x4.pmax(x0, t), f32x4.pmax(x1, t), dst);
  v128.store(dst, v128.andnot(v128.load(dst), f32x4.lt(x0, t)));
  v128.store(dst, v128.andnot(v128.load(dst, 16), f32x4.lt(x1, t)), 16);
}

/** pm(pm(v0, v1), pm(v2, v3)) of the lanes of v (the order of the file header). */
// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  return pm(pm(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), pm(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** (v0 + v1) + (v2 + v3) of the lanes of v (the order of the file header). */
// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Window attention over a fused qkv (scalar variant).
 *
 * Paper:    Swin Transformer (arXiv:2103.14030) §3.2 Eq. (4); ts/ref/window_attention.ts.
 * Memory:   qkv [B_, N, 3·heads·hd] (channels (3, heads, hd)); bias [heads, N, N] (the gathered table);
 *           mask [nW, N, N] (read only if nW > 0); out [B_, N, heads·hd]; scratch ≥ (hd + 1)·N + hd floats.
 *           Byte offsets, no alignment; out must not overlap the inputs.
 * Writes:   out[0 .. B_·N·heads·hd) and scratch.
 * Numerics: the order in the file header (bit-identical to window_attention__f32x4).
 * Contract: B_, N, heads, hd ≥ 1; nW = 0 or nW | B_ — asserted in debug builds only.
 * Cost:     4·N·hd + ≈ 25 FLOPs per (window, head, row) and key.
 */
export function window_attention__scalar(qkv: usize, bias: usize, mask: usize, out: usize, scratch: usize,
    B_: i32, N: i32, heads: i32, hd: i32, nW: i32, scale: f32): void {
  assert(B_ > 0 && N > 0 && heads > 0 && hd > 0 && nW >= 0);
  const C = heads * hd, C3 = 3 * C, N4 = N & ~3;
  const qs = scratch + f32off(hd * N), e = qs + f32off(hd);
  for (let b = 0; b < B_; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < N; i++) {
    const qr = qkv + f32off((b * N + i) * C3 + h * hd);
    for (let d = 0; d < hd; d++) store<f32>(qs + f32off(d), load<f32>(qr + f32off(d)) * scale);
    const br = bias + f32off((h * N + i) * N);
    const mr = nW > 0 ? mask + f32off(((b % nW) * N + i) * N) : 0;
    for (let j = 0; j < N; j++) {
      const kr = qkv + f32off((b * N + j) * C3 + C + h * hd);
      let acc: f32 = 0;
      for (let d = 0; d < hd; d++) acc = acc + load<f32>(qs + f32off(d)) * load<f32>(kr + f32off(d));
      acc = acc + load<f32>(br + f32off(j));
      if (nW > 0) acc = acc + load<f32>(mr + f32off(j));
      store<f32>(e + f32off(j), acc);
    }
    let m0 = -Infinity as f32, m1 = -Infinity as f32, m2 = -Infinity as f32, m3 = -Infinity as f32;
    for (let j = 0; j < N4; j += 4) {
      m0 = pm(m0, load<f32>(e + f32off(j))); m1 = pm(m1, load<f32>(e + f32off(j + 1)));
      m2 = pm(m2, load<f32>(e + f32off(j + 2))); m3 = pm(m3, load<f32>(e + f32off(j + 3)));
    }
    let m = pm(pm(m0, m1), pm(m2, m3));
    for (let j = N4; j < N; j++) m = pm(m, load<f32>(e + f32off(j)));
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let j = 0; j < N4; j += 4) {
      const e0 = numerator_scalar(load<f32>(e + f32off(j)) - m), e1 = numerator_scalar(load<f32>(e + f32off(j + 1)) - m);
      const e2 = numerator_scalar(load<f32>(e + f32off(j + 2)) - m), e3 = numerator_scalar(load<f32>(e + f32off(j + 3)) - m);
      store<f32>(e + f32off(j), e0); store<f32>(e + f32off(j + 1), e1); store<f32>(e + f32off(j + 2), e2); store<f32>(e + f32off(j + 3), e3);
      s0 = s0 + e0; s1 = s1 + e1; s2 = s2 + e2; s3 = s3 + e3;
    }
    let s = (s0 + s1) + (s2 + s3);
    for (let j = N4; j < N; j++) {
      const ej = numerator_scalar(load<f32>(e + f32off(j)) - m);
      store<f32>(e + f32off(j), ej);
      s = s + ej;
    }
    const orow = out + f32off((b * N + i) * C + h * hd);
    for (let d = 0; d < hd; d++) {
      let acc: f32 = 0;
      for (let j = 0; j < N; j++) acc = acc + load<f32>(e + f32off(j)) * load<f32>(qkv + f32off((b * N + j) * C3 + 2 * C + h * hd + d));
      store<f32>(orow + f32off(d), acc / s);
    }
  }
}

/**
 * Floats of scratch window_attention__scalar and window_attention__f32x4 take for N tokens per window and head_dim hd:
 * the f32x4 layout (Kᵀ [hd, Np], the packed scaled query block [hd, 4], the logits row block [4, Np], the packed
 * numerators [N, 4], Np = N rounded up to a multiple of 8), or the scalar one ((hd + 1)·N + hd), whichever is larger.
 */
export function window_attention_scratch_floats(N: i32, hd: i32): i32 {
  const Np = (N + 7) & ~7;
  return max<i32>(hd * Np + 4 * hd + 4 * Np + 4 * N, (hd + 1) * N + hd);
}

/** kT[d·Np + j] = k[j·C3 + d] for j < N, d < hd (4×4 shuffle transposes; word moves, bit-exact). */
// @ts-ignore: decorator
@inline function transposeKeys(k: usize, C3B: usize, kT: usize, NpB: usize, N: i32, hd: i32): void {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const r0 = k + <usize>j * C3B, r1 = r0 + C3B, r2 = r1 + C3B, r3 = r2 + C3B;
    let d = 0;
    for (; d + 4 <= hd; d += 4) {
      const o = f32off(d);
      const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      const dst = kT + <usize>d * NpB + f32off(j);
      v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(dst + NpB, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(dst + 2 * NpB, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(dst + 3 * NpB, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (; d < hd; d++) {
      const o = f32off(d), dst = kT + <usize>d * NpB + f32off(j);
      store<u32>(dst, load<u32>(r0 + o)); store<u32>(dst, load<u32>(r1 + o), 4);
      store<u32>(dst, load<u32>(r2 + o), 8); store<u32>(dst, load<u32>(r3 + o), 12);
    }
  }
  for (; j < N; j++) {
    const r = k + <usize>j * C3B;
    for (let d = 0; d < hd; d++) store<u32>(kT + <usize>d * NpB + f32off(j), load<u32>(r + f32off(d)));
  }
}

/**
 * qp[d·4 + r] = fl(q[r·C3 + d] · scale) for r < mr, +0 for mr ≤ r < 4 (the pack_a layout of as/gemm.ts): 4×4
 * shuffle transposes of the scaled rows (one f32 multiply per element, as the scalar twin's qs).
 */
// @ts-ignore: decorator
@inline function packScaledQ(q: usize, C3B: usize, qp: usize, mr: i32, hd: i32, scale: f32): void {
  if (mr == 4) {
    const sc = f32x4.splat(scale), r0 = q, r1 = r0 + C3B, r2 = r1 + C3B, r3 = r2 + C3B;
    let d = 0;
    for (; d + 4 <= hd; d += 4) {
      const o = f32off(d);
      const x0 = f32x4.mul(v128.load(r0 + o), sc), x1 = f32x4.mul(v128.load(r1 + o), sc);
      const x2 = f32x4.mul(v128.load(r2 + o), sc), x3 = f32x4.mul(v128.load(r3 + o), sc);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      const dst = qp + f32off(d * 4);
      v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
      v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
      v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
    }
    for (; d < hd; d++) {
      const o = f32off(d), dst = qp + f32off(d * 4);
      store<f32>(dst, load<f32>(r0 + o) * scale); store<f32>(dst, load<f32>(r1 + o) * scale, 4);
      store<f32>(dst, load<f32>(r2 + o) * scale, 8); store<f32>(dst, load<f32>(r3 + o) * scale, 12);
    }
  } else {
    for (let d = 0; d < hd; d++) for (let r = 0; r < 4; r++) {
      store<f32>(qp + f32off(d * 4 + r), r < mr ? load<f32>(q + <usize>r * C3B + f32off(d)) * scale : 0);
    }
  }
}

/**
 * Window attention over a fused qkv (f32x4 variant), on the 4x8 GEMM tile of as/lib/tile_4x8.ts. Per (window,
 * head): the keys transposed into Kᵀ [hd, Np] (columns N..Np zero); then per block of 4 query rows: the scaled rows
 * packed (pack_a layout), the logits row block [4 × Np] by the tile (4 rows × 8 keys, k = d), + bias (+ mask), max,
 * exp and sums four keys per vector, the numerators packed key-major (pp[j·4 + r]), P·V by the tile (4 rows × 8
 * channels, k = j, v read in place with the qkv row stride) into out, then out / s per row.
 *
 * Paper, Writes, Numerics, Contract, Cost: as window_attention__scalar (bit-identical: the tile sums each dot
 * product from +0 in d, then j, order, as the scalar loops do).
 * Memory:   as window_attention__scalar, with scratch ≥ window_attention_scratch_floats(N, hd) floats.
 */
export function window_attention__f32x4(qkv: usize, bias: usize, mask: usize, out: usize, scratch: usize,
    B_: i32, N: i32, heads: i32, hd: i32, nW: i32, scale: f32): void {
  assert(B_ > 0 && N > 0 && heads > 0 && hd > 0 && nW >= 0);
  const C = heads * hd, C3 = 3 * C, N4 = N & ~3, Np = (N + 7) & ~7, hd4 = hd & ~3;
  const NpB = f32off(Np), C3B = f32off(C3), CB = f32off(C);
  const kT = scratch, qp = kT + f32off(hd * Np), lg = qp + f32off(4 * hd), pp = lg + f32off(4 * Np);
  for (let d = 0; d < hd; d++) for (let j = N; j < Np; j++) store<f32>(kT + <usize>d * NpB + f32off(j), 0);  // padding keys
  for (let b = 0; b < B_; b++) for (let h = 0; h < heads; h++) {
    const win = qkv + <usize>(b * N) * C3B + f32off(h * hd);          // q of token 0; k at + C, v at + 2C
    transposeKeys(win + f32off(C), C3B, kT, NpB, N, hd);
    const vbase = win + f32off(2 * C);
    for (let i0 = 0; i0 < N; i0 += 4) {
      const mr = min<i32>(4, N - i0);
      packScaledQ(win + <usize>i0 * C3B, C3B, qp, mr, hd, scale);
      for (let j0 = 0; j0 < Np; j0 += 8) tile_4x8(B_ROWS, hd, qp, kT + f32off(j0), NpB, 0, 1, mr, 8, lg + f32off(j0), NpB, 0, 0);
      // per row: + bias (+ mask) with the running max, then exp and the sum
      let s0: f32 = 1, s1: f32 = 1, s2: f32 = 1, s3: f32 = 1;
      for (let r = 0; r < mr; r++) {
        const i = i0 + r, lr = lg + <usize>r * NpB, br = bias + f32off((h * N + i) * N);
        const mrow = nW > 0 ? mask + f32off(((b % nW) * N + i) * N) : 0;
        let mv = f32x4.splat(-Infinity);
        let j = 0;
        for (; j < N4; j += 4) {
          let a = f32x4.add(v128.load(lr + f32off(j)), v128.load(br + f32off(j)));
          if (nW > 0) a = f32x4.add(a, v128.load(mrow + f32off(j)));
          v128.store(lr + f32off(j), a);
          mv = f32x4.pmax(mv, a);
        }
        let m = hmax(mv);
        for (; j < N; j++) {
          let a = load<f32>(lr + f32off(j)) + load<f32>(br + f32off(j));
          if (nW > 0) a = a + load<f32>(mrow + f32off(j));
          store<f32>(lr + f32off(j), a);
          m = pm(m, a);
        }
        const mm = f32x4.splat(m);
        let sv = f32x4.splat(0);
        j = 0;
        for (; j + 8 <= N4; j += 8) {                                  // two vectors per step: interleaved exp chains
          const p = lr + f32off(j);
          numerators2_f32x4(f32x4.sub(v128.load(p), mm), f32x4.sub(v128.load(p, 16), mm), p);
          sv = f32x4.add(sv, v128.load(p));
          sv = f32x4.add(sv, v128.load(p, 16));
        }
        for (; j < N4; j += 4) {
          const ev = numerator_f32x4(f32x4.sub(v128.load(lr + f32off(j)), mm));
          v128.store(lr + f32off(j), ev);
          sv = f32x4.add(sv, ev);
        }
        let s = hsum(sv);
        for (; j < N; j++) {
          const ej = numerator_scalar(load<f32>(lr + f32off(j)) - m);
          store<f32>(lr + f32off(j), ej);
          s = s + ej;
        }
        if (r == 0) s0 = s; else if (r == 1) s1 = s; else if (r == 2) s2 = s; else s3 = s;
      }
      // numerators packed key-major for the P·V tile (rows ≥ mr: +0), four keys per 4×4 transpose
      {
        const zero = f32x4.splat(0);
        const r0 = lg, r1 = r0 + NpB, r2 = r1 + NpB, r3 = r2 + NpB;
        let j = 0;
        for (; j < N4; j += 4) {
          const o = f32off(j);
          const x0 = v128.load(r0 + o);
          const x1 = mr > 1 ? v128.load(r1 + o) : zero, x2 = mr > 2 ? v128.load(r2 + o) : zero, x3 = mr > 3 ? v128.load(r3 + o) : zero;
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          const dst = pp + f32off(j * 4);
          v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        }
        for (; j < N; j++) {
          const dst = pp + f32off(j * 4), o = f32off(j);
          store<f32>(dst, load<f32>(r0 + o));
          store<f32>(dst, mr > 1 ? load<f32>(r1 + o) : 0, 4);
          store<f32>(dst, mr > 2 ? load<f32>(r2 + o) : 0, 8);
          store<f32>(dst, mr > 3 ? load<f32>(r3 + o) : 0, 12);
        }
      }
      // out rows [mr × hd] = numerators · v, 8 channels per tile, then / s per row
      const orow = out + <usize>(b * N + i0) * CB + f32off(h * hd);
      let c0 = 0;
      for (; c0 + 8 <= hd; c0 += 8) tile_4x8(B_ROWS, N, pp, vbase + f32off(c0), C3B, 0, 1, mr, 8, orow + f32off(c0), CB, 0, 0);
      if (c0 < hd) tile_4x8(B_ROWS_PARTIAL, N, pp, vbase + f32off(c0), C3B, 0, 1, mr, hd - c0, orow + f32off(c0), CB, 0, 0);
      for (let r = 0; r < mr; r++) {
        const s = r == 0 ? s0 : r == 1 ? s1 : r == 2 ? s2 : s3, ss = f32x4.splat(s), o = orow + <usize>r * CB;
        let d = 0;
        for (; d < hd4; d += 4) v128.store(o + f32off(d), f32x4.div(v128.load(o + f32off(d)), ss));
        for (; d < hd; d++) store<f32>(o + f32off(d), load<f32>(o + f32off(d)) / s);
      }
    }
  }
}
