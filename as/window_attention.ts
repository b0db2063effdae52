// Swin window attention, fused: for every window b and head h, the logits (q·scale)·kᵀ + bias (+ mask), a
// max-subtracted softmax with the float32 exp of as/lib/math.ts, and the weighted sum of v, without the N×N
// weights ever leaving one row's scratch.
//
// Per (b, h, row i), in float32 and in this order (both variants), with pm(a, b) = a < b ? b : a:
//   qs_d = q_d · scale;
//   ℓ_j = ((Σ_d qs_d·k_jd, summed in d order from +0) + bias[h, i, j]) + mask[b mod nW, i, j]   (mask if nW > 0)
//   m_l = pm over ℓ[4t + l] (t < ⌊N/4⌋) from −Inf; m = pm(pm(m0, m1), pm(m2, m3)); m = pm(m, ℓ_j) over the tail;
//   e_j = expf(ℓ_j − m);  s_l = Σ_t e[4t + l];  s = (s0 + s1) + (s2 + s3), then + e_j over the tail in order;
//   y_d = (Σ_j e_j·v_jd, in j order from +0) / s.
// The f32x4 variant runs four keys j per vector for the logits (keys packed transposed per (b, h); sixteen keys
// per step as four independent chains, then four), and four channels d per vector for the weighted sum: lane by lane the same operations, so the twins are bit-identical.
// NaN: a NaN logit gives s = NaN and the row is NaN (PyTorch); an all −Inf row gives NaN (PyTorch).

import { f32off } from './lib/lanes';
import { expf_nonpos_scalar, expf_nonpos_f32x4 } from './lib/math';

// @ts-ignore: decorator
@inline function pm(a: f32, b: f32): f32 {
  return a < b ? b : a;
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
      const e0 = expf_nonpos_scalar(load<f32>(e + f32off(j)) - m), e1 = expf_nonpos_scalar(load<f32>(e + f32off(j + 1)) - m);
      const e2 = expf_nonpos_scalar(load<f32>(e + f32off(j + 2)) - m), e3 = expf_nonpos_scalar(load<f32>(e + f32off(j + 3)) - m);
      store<f32>(e + f32off(j), e0); store<f32>(e + f32off(j + 1), e1); store<f32>(e + f32off(j + 2), e2); store<f32>(e + f32off(j + 3), e3);
      s0 = s0 + e0; s1 = s1 + e1; s2 = s2 + e2; s3 = s3 + e3;
    }
    let s = (s0 + s1) + (s2 + s3);
    for (let j = N4; j < N; j++) {
      const ej = expf_nonpos_scalar(load<f32>(e + f32off(j)) - m);
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
 * Window attention over a fused qkv (f32x4 variant): keys packed transposed per (window, head) into scratch,
 * logits four keys per vector (16 per step), exp four per vector, the weighted sum sixteen then four channels per step.
 *
 * Paper, Memory, Writes, Numerics, Contract, Cost: as window_attention__scalar (bit-identical).
 */
export function window_attention__f32x4(qkv: usize, bias: usize, mask: usize, out: usize, scratch: usize,
    B_: i32, N: i32, heads: i32, hd: i32, nW: i32, scale: f32): void {
  assert(B_ > 0 && N > 0 && heads > 0 && hd > 0 && nW >= 0);
  const C = heads * hd, C3 = 3 * C, N4 = N & ~3, hd4 = hd & ~3, hd16 = hd & ~15;
  const kT = scratch, qs = scratch + f32off(hd * N), e = qs + f32off(hd);
  for (let b = 0; b < B_; b++) for (let h = 0; h < heads; h++) {
    for (let j = 0; j < N; j++) {                                      // kT[d, j] = k[j, d]
      const kr = qkv + f32off((b * N + j) * C3 + C + h * hd);
      for (let d = 0; d < hd; d++) store<f32>(kT + f32off(d * N + j), load<f32>(kr + f32off(d)));
    }
    for (let i = 0; i < N; i++) {
      const qr = qkv + f32off((b * N + i) * C3 + h * hd);
      for (let d = 0; d < hd; d++) store<f32>(qs + f32off(d), load<f32>(qr + f32off(d)) * scale);
      const br = bias + f32off((h * N + i) * N);
      const mr = nW > 0 ? mask + f32off(((b % nW) * N + i) * N) : 0;
      let j = 0;
      for (; j + 16 <= N; j += 16) {                                   // 16 keys: four independent chains
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        for (let d = 0; d < hd; d++) {
          const qd = v128.load32_splat(qs + f32off(d)), kr = kT + f32off(d * N + j);
          a0 = f32x4.add(a0, f32x4.mul(qd, v128.load(kr)));
          a1 = f32x4.add(a1, f32x4.mul(qd, v128.load(kr, 16)));
          a2 = f32x4.add(a2, f32x4.mul(qd, v128.load(kr, 32)));
          a3 = f32x4.add(a3, f32x4.mul(qd, v128.load(kr, 48)));
        }
        const bj = br + f32off(j);
        a0 = f32x4.add(a0, v128.load(bj)); a1 = f32x4.add(a1, v128.load(bj, 16));
        a2 = f32x4.add(a2, v128.load(bj, 32)); a3 = f32x4.add(a3, v128.load(bj, 48));
        if (nW > 0) {
          const mj = mr + f32off(j);
          a0 = f32x4.add(a0, v128.load(mj)); a1 = f32x4.add(a1, v128.load(mj, 16));
          a2 = f32x4.add(a2, v128.load(mj, 32)); a3 = f32x4.add(a3, v128.load(mj, 48));
        }
        const ej = e + f32off(j);
        v128.store(ej, a0); v128.store(ej, a1, 16); v128.store(ej, a2, 32); v128.store(ej, a3, 48);
      }
      for (; j < N4; j += 4) {
        let acc = f32x4.splat(0);
        for (let d = 0; d < hd; d++) {
          acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(qs + f32off(d)), v128.load(kT + f32off(d * N + j))));
        }
        acc = f32x4.add(acc, v128.load(br + f32off(j)));
        if (nW > 0) acc = f32x4.add(acc, v128.load(mr + f32off(j)));
        v128.store(e + f32off(j), acc);
      }
      for (; j < N; j++) {
        let acc: f32 = 0;
        for (let d = 0; d < hd; d++) acc = acc + load<f32>(qs + f32off(d)) * load<f32>(kT + f32off(d * N + j));
        acc = acc + load<f32>(br + f32off(j));
        if (nW > 0) acc = acc + load<f32>(mr + f32off(j));
        store<f32>(e + f32off(j), acc);
      }
      let mv = f32x4.splat(-Infinity);
      for (j = 0; j < N4; j += 4) mv = f32x4.pmax(mv, v128.load(e + f32off(j)));
      let m = pm(pm(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), pm(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      for (j = N4; j < N; j++) m = pm(m, load<f32>(e + f32off(j)));
      const mm = f32x4.splat(m);
      let sv = f32x4.splat(0);
      for (j = 0; j < N4; j += 4) {
        const ev = expf_nonpos_f32x4(f32x4.sub(v128.load(e + f32off(j)), mm));
        v128.store(e + f32off(j), ev);
        sv = f32x4.add(sv, ev);
      }
      let s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
      for (j = N4; j < N; j++) {
        const ej = expf_nonpos_scalar(load<f32>(e + f32off(j)) - m);
        store<f32>(e + f32off(j), ej);
        s = s + ej;
      }
      const orow = out + f32off((b * N + i) * C + h * hd), vbase = qkv + f32off(2 * C + h * hd), ss = f32x4.splat(s);
      let d = 0;
      for (; d < hd16; d += 16) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        for (j = 0; j < N; j++) {
          const w = v128.load32_splat(e + f32off(j)), vr = vbase + f32off((b * N + j) * C3 + d);
          a0 = f32x4.add(a0, f32x4.mul(w, v128.load(vr)));
          a1 = f32x4.add(a1, f32x4.mul(w, v128.load(vr, 16)));
          a2 = f32x4.add(a2, f32x4.mul(w, v128.load(vr, 32)));
          a3 = f32x4.add(a3, f32x4.mul(w, v128.load(vr, 48)));
        }
        v128.store(orow + f32off(d), f32x4.div(a0, ss));
        v128.store(orow + f32off(d), f32x4.div(a1, ss), 16);
        v128.store(orow + f32off(d), f32x4.div(a2, ss), 32);
        v128.store(orow + f32off(d), f32x4.div(a3, ss), 48);
      }
      for (; d < hd4; d += 4) {
        let a0 = f32x4.splat(0);
        for (j = 0; j < N; j++) a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(e + f32off(j)), v128.load(vbase + f32off((b * N + j) * C3 + d))));
        v128.store(orow + f32off(d), f32x4.div(a0, ss));
      }
      for (; d < hd; d++) {
        let acc: f32 = 0;
        for (j = 0; j < N; j++) acc = acc + load<f32>(e + f32off(j)) * load<f32>(vbase + f32off((b * N + j) * C3 + d));
        store<f32>(orow + f32off(d), acc / s);
      }
    }
  }
}
