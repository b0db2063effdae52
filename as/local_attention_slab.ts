// local_attention, part 1 of 3: the scratch layout (defined once, in scratchOffset) and the per-head slab
// preparation shared by local_attention__scalar and local_attention__f32x4 (as/local_attention.ts).
//
// Scratch layout (floats), per call; the same for both variants:
//
//   TAPS    T i32 byte offsets of tap (a, b) inside a slab, relative to the slab row of output row i:
//           ((a·s + b mod s)·hd·Ls + ⌊b/s⌋)·4            (rounded up to 4 entries)
//   KP      slab [Hp][s][hd][Ls]: padded row y' = 0..Hp−1, column phase ph = x' mod s, channel d,
//           x'' = ⌊x'/s⌋ (x' the padded column) — for stride s the window column s·j + b of output
//           j lands at phase b mod s, position j + ⌊b/s⌋: contiguous in j for every stride.
//           Ls = W_out4 + ⌊(k_att − 1)/s⌋ (W_out4 = W_out rounded up to 4; unused entries are +0).
//   VS      the same slab for v
//   QS      [H_out][hd][W_out4]   q·scaling at the query pixels (+0 past W_out)
//   CQ      [H_out][W_out4]       Σ_d qs·pe at the query pixels
//   LOGITS  [T][8]                logits, then exp(logit − max), of 8 (or 4, or 1) pixels
//
// Slab preparation, per head h (both twins, same bits: data movement, and the same fl(k − pe),
// fl(q·scaling), Σ_d qs·pe in d order):
//   kp[d, y', x'] = fl(k[h·hd + d, y, x] − pe[d, y, x])   (y, x) = (reflect(y' − P, H), reflect(x' − P, W))
//   vs[d, y', x'] = v[h·hd + d, y, x]
//   qs[d, i, j]   = fl(q[h·hd + d, s·i, s·j] · scaling)
//   cq[i, j]      = Σ_d qs[d, i, j] · pe[d, s·i, s·j]   in d order, float32, from +0

import { f32off } from './lib/lanes';
import { loadStrided } from './lib/ranges';
import { madd } from './lib/fma';   // c + a·b: strict or fused by build (as/lib/fma.ts)

// ---------------------------------------------------------------------------------------------
// scratch layout

/** Regions of the scratch, in order (the layout above); END's offset is the scratch size. */
export const TAPS: i32 = 0;
export const KP: i32 = 1;
export const VS: i32 = 2;
export const QS: i32 = 3;
export const CQ: i32 = 4;
export const LOGITS: i32 = 5;
export const END: i32 = 6;

// @ts-ignore: decorator
@inline export function roundUp4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** Ls: floats per (padded row, phase, channel) row of a slab: W_out4 + ⌊(k_att − 1)/s⌋. */
// @ts-ignore: decorator
@inline export function slabRowFloats(W: i32, kernel_att: i32, stride: i32): i32 {
  return roundUp4(W / stride) + (kernel_att - 1) / stride;
}

/**
 * Float offset of `region` (TAPS … LOGITS, or END for the size) in the scratch of one call: the only
 * definition of the layout (the kernels, prepareHead and local_attention_scratch_floats read it here).
 * `region` is a constant at every call site, so the chain folds to the one sum needed.
 */
// @ts-ignore: decorator
@inline export function scratchOffset(
  region: i32, C: i32, H: i32, W: i32, head: i32, kernel_att: i32, stride: i32, padding: i32,
): i32 {
  const hd = C / head, T = kernel_att * kernel_att;
  const H_out = H / stride, W_out4 = roundUp4(W / stride);
  const slab = (H + 2 * padding) * stride * hd * slabRowFloats(W, kernel_att, stride);
  let o = 0;
  if (region == TAPS) return o;
  o += roundUp4(T);
  if (region == KP) return o;
  o += slab;
  if (region == VS) return o;
  o += slab;
  if (region == QS) return o;
  o += H_out * hd * W_out4;
  if (region == CQ) return o;
  o += H_out * W_out4;
  if (region == LOGITS) return o;
  return o + 8 * T;
}

// ---------------------------------------------------------------------------------------------
// slab preparation

/** Reflection of s into [0, n) (ReflectionPad2d: the edge is not repeated); needs −n < s < 2n − 1. */
// @ts-ignore: decorator
@inline function reflect(s: i32, n: i32): i32 {
  return s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s;
}

/**
 * Fills the TAPS, KP, VS, QS and CQ regions of `scratch` for head h (layout above). `simd` selects
 * f32x4 copies of the interior columns; both paths write the same bits.
 * Contract: as local_attention__f32x4.
 */
export function prepareHead(
  q: usize, k: usize, v: usize, pe: usize, scratch: usize,
  C: i32, H: i32, W: i32, head: i32, h: i32, kernel_att: i32, s: i32, P: i32, scaling: f32, simd: bool,
): void {
  const hd = C / head, plane = H * W;
  const Hp = H + 2 * P, Wp = W + 2 * P;
  const H_out = H / s, W_out = W / s, W_out4 = roundUp4(W_out);
  const Ls = slabRowFloats(W, kernel_att, s);
  const taps = scratch + f32off(scratchOffset(TAPS, C, H, W, head, kernel_att, s, P));
  const kp = scratch + f32off(scratchOffset(KP, C, H, W, head, kernel_att, s, P));
  const vs = scratch + f32off(scratchOffset(VS, C, H, W, head, kernel_att, s, P));
  const qs = scratch + f32off(scratchOffset(QS, C, H, W, head, kernel_att, s, P));
  const cq = scratch + f32off(scratchOffset(CQ, C, H, W, head, kernel_att, s, P));
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
            v128.store(cp, madd(qv, loadStrided(srcP + f32off(s * j), s), v128.load(cp)));
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
