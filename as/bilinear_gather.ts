// Deformable im2col (torchvision.ops.deform_conv2d's `deformable_im2col`), split into three kernels so that
// the sampling geometry is computed once per offset group and reused by every channel of that group:
//
//   pad_border1          x[C, H, W] → xp[C, H+2, W+2]: a one-pixel zero border, so every corner a valid
//                        sample can touch (rows −1 .. H, columns −1 .. W) is addressable and reads 0 outside
//                        the map — exactly torchvision's per-corner validity rule, with no branch per corner.
//   deform_sample_table  per (tap t, output position): the top-left corner index in the padded plane and the
//                        four bilinear weights, in float32 as torchvision's CPU kernel computes them:
//                          py = f32(i·s_h − p_h + p·d_h) + Δy   (one rounding)     px likewise
//                          outside (py ≤ −1 ∨ py ≥ H ∨ px ≤ −1 ∨ px ≥ W): index 0 (a border zero), weights 0
//                          y0 = ⌊py⌋, ly = py − y0, hy = 1 − ly (same for x);  w00 = hy·hx, w01 = hy·lx, w10 = ly·hx, w11 = ly·lx
//                        and the mask value m (1 without mask).
//   bilinear_gather      col[c·T + t, pos] = m · (((w00·v00 + w01·v01) + w10·v10) + w11·v11)   (torchvision's order)
//
// The deformable conv is then weight[g] · col (gemm), as in ts/wasm/deform_conv2d.ts.
// Table layout (6 arrays of T·P words, P = H_out·W_out): [idx i32 | w00 | w01 | w10 | w11 | m].
// Every __f32x4 variant performs the same IEEE operations in the same order as its __scalar twin, so the two
// are bit-identical (spec/kernels/bilinear_gather.test.ts).

import { f32off } from './lib/lanes';
import { madd } from './lib/fma';   // c + a·b: strict or fused by build (as/lib/fma.ts)

/**
 * Copies C planes of H×W floats into planes of (H+2)×(W+2) with a one-pixel +0 border.
 *
 * Memory:   x: byte offset of x[0, 0, 0]; xp: byte offset of C·(H+2)·(W+2) floats; no overlap; no alignment.
 * Writes:   xp[0 .. C·(H+2)·(W+2)) only, every element once.
 * Numerics: data movement (32-bit words), bit-exact.
 * Contract: C, H, W ≥ 0 — asserted in debug builds only.
 */
export function pad_border1__scalar(x: usize, xp: usize, C: i32, H: i32, W: i32): void {
  assert(C >= 0 && H >= 0 && W >= 0);
  const Wp = W + 2, Hp = H + 2;
  let dst = xp, src = x;
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < Hp; r++) {
      for (let q = 0; q < Wp; q++) {
        const inside = r >= 1 && r <= H && q >= 1 && q <= W;
        store<u32>(dst, inside ? load<u32>(src + f32off((r - 1) * W + q - 1)) : 0);
        dst += 4;
      }
    }
    src += f32off(H * W);
  }
}

/** f32x4 twin of pad_border1__scalar (interior rows copied 4 words per v128). Same contract, same bits. */
export function pad_border1__f32x4(x: usize, xp: usize, C: i32, H: i32, W: i32): void {
  assert(C >= 0 && H >= 0 && W >= 0);
  const Wp = W + 2, Hp = H + 2;
  const zero = i32x4.splat(0);
  let dst = xp, src = x;
  for (let c = 0; c < C; c++) {
    let q = 0;
    for (; q + 4 <= Wp; q += 4) v128.store(dst + f32off(q), zero);              // top border row
    for (; q < Wp; q++) store<u32>(dst + f32off(q), 0);
    dst += f32off(Wp);
    for (let r = 0; r < H; r++) {
      store<u32>(dst, 0);
      const s = src + f32off(r * W), d = dst + 4;
      let j = 0;
      for (; j + 4 <= W; j += 4) v128.store(d + f32off(j), v128.load(s + f32off(j)));
      for (; j < W; j++) store<u32>(d + f32off(j), load<u32>(s + f32off(j)));
      store<u32>(dst + f32off(W + 1), 0);
      dst += f32off(Wp);
    }
    q = 0;
    for (; q + 4 <= Wp; q += 4) v128.store(dst + f32off(q), zero);              // bottom border row
    for (; q < Wp; q++) store<u32>(dst + f32off(q), 0);
    dst += f32off(Wp);
    src += f32off(H * W);
  }
}

/**
 * The sampling table of one image and one offset group (see the file comment).
 *
 * Memory:   offset: byte offset of this group's 2·T planes [2T, H_out, W_out] (Δy of tap t at plane 2t, Δx at 2t+1);
 *           mask: byte offset of its T planes [T, H_out, W_out], or 0 for none (m = 1);
 *           table: byte offset of 6·T·P words (P = H_out·W_out). No overlap; no alignment.
 * Writes:   table[0 .. 6·T·P) only.
 * Numerics: float32, the operations and order of torchvision's CPU bilinear_interpolate (see the file comment);
 *           the padded-plane index is (y0 + 1)·(W + 2) + (x0 + 1).
 * Contract: k_h, k_w, strides, dilations, H_out, W_out ≥ 1, H, W ≥ 1 — asserted in debug builds only.
 */
export function deform_sample_table__scalar(
  offset: usize, mask: usize, table: usize, k_h: i32, k_w: i32, H: i32, W: i32, H_out: i32, W_out: i32,
  stride_h: i32, stride_w: i32, pad_h: i32, pad_w: i32, dilation_h: i32, dilation_w: i32,
): void {
  assert(k_h > 0 && k_w > 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0);
  const P = H_out * W_out, T = k_h * k_w, TP = T * P, Wp = W + 2;
  const fH = <f32>H, fW = <f32>W;
  for (let t = 0; t < T; t++) {
    const p = t / k_w, q = t % k_w;
    const dyPlane = offset + f32off(2 * t * P), dxPlane = dyPlane + f32off(P);
    for (let i = 0; i < H_out; i++) {
      const gy = <f32>(i * stride_h - pad_h + p * dilation_h);
      for (let j = 0; j < W_out; j++) {
        const pos = i * W_out + j, e = t * P + pos;
        const py: f32 = gy + load<f32>(dyPlane + f32off(pos));
        const px: f32 = <f32>(j * stride_w - pad_w + q * dilation_w) + load<f32>(dxPlane + f32off(pos));
        let idx = 0;
        let w00: f32 = 0, w01: f32 = 0, w10: f32 = 0, w11: f32 = 0;
        if (py > -1 && py < fH && px > -1 && px < fW) {            // NaN coordinates fail every test: outside
          const y0 = Mathf.floor(py), x0 = Mathf.floor(px);
          const ly: f32 = py - y0, lx: f32 = px - x0;
          const hy: f32 = 1 - ly, hx: f32 = 1 - lx;
          w00 = hy * hx; w01 = hy * lx; w10 = ly * hx; w11 = ly * lx;
          idx = (<i32>y0 + 1) * Wp + (<i32>x0 + 1);
        }
        store<i32>(table + f32off(e), idx);
        store<f32>(table + f32off(TP + e), w00);
        store<f32>(table + f32off(2 * TP + e), w01);
        store<f32>(table + f32off(3 * TP + e), w10);
        store<f32>(table + f32off(4 * TP + e), w11);
        store<f32>(table + f32off(5 * TP + e), mask ? load<f32>(mask + f32off(e)) : <f32>1);
      }
    }
  }
}

/**
 * f32x4 twin of deform_sample_table__scalar: 4 output columns per step (floor, compares and bit-selects in
 * lanes), a scalar tail for W_out mod 4. Memory, Writes, Numerics, Contract: as the scalar twin (same bits).
 */
export function deform_sample_table__f32x4(
  offset: usize, mask: usize, table: usize, k_h: i32, k_w: i32, H: i32, W: i32, H_out: i32, W_out: i32,
  stride_h: i32, stride_w: i32, pad_h: i32, pad_w: i32, dilation_h: i32, dilation_w: i32,
): void {
  assert(k_h > 0 && k_w > 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0);
  const P = H_out * W_out, T = k_h * k_w, TP = T * P, Wp = W + 2;
  const fH = <f32>H, fW = <f32>W;
  const vH = f32x4.splat(fH), vW = f32x4.splat(fW), vm1 = f32x4.splat(-1), one = f32x4.splat(1);
  const vWp = i32x4.splat(Wp), vone = i32x4.splat(1), lanes = i32x4(0, 1, 2, 3), vsw = i32x4.splat(stride_w);
  for (let t = 0; t < T; t++) {
    const p = t / k_w, q = t % k_w;
    const dyPlane = offset + f32off(2 * t * P), dxPlane = dyPlane + f32off(P);
    const gx0 = q * dilation_w - pad_w;
    for (let i = 0; i < H_out; i++) {
      const gy = <f32>(i * stride_h - pad_h + p * dilation_h);
      const vgy = f32x4.splat(gy);
      let j = 0;
      for (; j + 4 <= W_out; j += 4) {
        const pos = i * W_out + j, e = t * P + pos;
        const py = f32x4.add(vgy, v128.load(dyPlane + f32off(pos)));
        const gx = i32x4.add(i32x4.mul(i32x4.add(i32x4.splat(j), lanes), vsw), i32x4.splat(gx0));
        const px = f32x4.add(f32x4.convert_i32x4_s(gx), v128.load(dxPlane + f32off(pos)));
        const inside = v128.and(v128.and(f32x4.gt(py, vm1), f32x4.lt(py, vH)), v128.and(f32x4.gt(px, vm1), f32x4.lt(px, vW)));
        const y0 = f32x4.floor(py), x0 = f32x4.floor(px);
        const ly = f32x4.sub(py, y0), lx = f32x4.sub(px, x0);
        const hy = f32x4.sub(one, ly), hx = f32x4.sub(one, lx);
        // lanes outside: the conversions may saturate; they are replaced by 0 below
        const idx = i32x4.add(i32x4.mul(i32x4.add(i32x4.trunc_sat_f32x4_s(y0), vone), vWp), i32x4.add(i32x4.trunc_sat_f32x4_s(x0), vone));
        v128.store(table + f32off(e), v128.and(idx, inside));
        v128.store(table + f32off(TP + e), v128.and(f32x4.mul(hy, hx), inside));
        v128.store(table + f32off(2 * TP + e), v128.and(f32x4.mul(hy, lx), inside));
        v128.store(table + f32off(3 * TP + e), v128.and(f32x4.mul(ly, hx), inside));
        v128.store(table + f32off(4 * TP + e), v128.and(f32x4.mul(ly, lx), inside));
        v128.store(table + f32off(5 * TP + e), mask ? v128.load(mask + f32off(e)) : one);
      }
      for (; j < W_out; j++) {                                        // scalar tail: the scalar twin's body
        const pos = i * W_out + j, e = t * P + pos;
        const py: f32 = gy + load<f32>(dyPlane + f32off(pos));
        const px: f32 = <f32>(j * stride_w + gx0) + load<f32>(dxPlane + f32off(pos));
        let idx = 0;
        let w00: f32 = 0, w01: f32 = 0, w10: f32 = 0, w11: f32 = 0;
        if (py > -1 && py < fH && px > -1 && px < fW) {
          const y0 = Mathf.floor(py), x0 = Mathf.floor(px);
          const ly: f32 = py - y0, lx: f32 = px - x0;
          const hy: f32 = 1 - ly, hx: f32 = 1 - lx;
          w00 = hy * hx; w01 = hy * lx; w10 = ly * hx; w11 = ly * lx;
          idx = (<i32>y0 + 1) * Wp + (<i32>x0 + 1);
        }
        store<i32>(table + f32off(e), idx);
        store<f32>(table + f32off(TP + e), w00);
        store<f32>(table + f32off(2 * TP + e), w01);
        store<f32>(table + f32off(3 * TP + e), w10);
        store<f32>(table + f32off(4 * TP + e), w11);
        store<f32>(table + f32off(5 * TP + e), mask ? load<f32>(mask + f32off(e)) : <f32>1);
      }
    }
  }
}

/**
 * Bilinear sampling of C padded planes through a sampling table into im2col rows:
 *   col[c·T + t, pos] = m · (((w00·xp[c, idx] + w01·xp[c, idx+1]) + w10·xp[c, idx+Wp]) + w11·xp[c, idx+Wp+1])
 *
 * Memory:   xp: byte offset of C planes of planeFloats = (H+2)·(W+2) floats (pad_border1's output); table: a
 *           deform_sample_table of T·P entries; col: byte offset of C·T·P floats (row-major [C·T, P]). No overlap.
 * Writes:   col[0 .. C·T·P) only.
 * Numerics: float32, torchvision's order (above); an outside sample reads the border zero with weight 0, so it is
 *           m·0 (NaN only if m is NaN, as torchvision).
 * Contract: C ≥ 0, T, P ≥ 1, Wp = W + 2, every idx a valid top-left corner — asserted in debug builds only.
 * Cost:     8·C·T·P FLOPs, 4 gathered loads per element.
 */
export function bilinear_gather__scalar(xp: usize, table: usize, col: usize, C: i32, T: i32, P: i32, Wp: i32, planeFloats: i32): void {
  assert(C >= 0 && T > 0 && P > 0 && Wp >= 3 && planeFloats >= 3 * Wp);
  const TP = T * P;
  let dst = col;
  for (let c = 0; c < C; c++) {
    const plane = xp + f32off(c * planeFloats);
    for (let e = 0; e < TP; e++) {
      const base = plane + f32off(load<i32>(table + f32off(e)));
      const v00 = load<f32>(base), v01 = load<f32>(base, 4);
      const v10 = load<f32>(base + f32off(Wp)), v11 = load<f32>(base + f32off(Wp), 4);
      const val: f32 = load<f32>(table + f32off(TP + e)) * v00 + load<f32>(table + f32off(2 * TP + e)) * v01
        + load<f32>(table + f32off(3 * TP + e)) * v10 + load<f32>(table + f32off(4 * TP + e)) * v11;
      store<f32>(dst, load<f32>(table + f32off(5 * TP + e)) * val);
      dst += 4;
    }
  }
}

/** f32x4 twin of bilinear_gather__scalar: 4 table entries per step (gathered lanes, vector products and sums in
 *  the same order), scalar tail for T·P mod 4. Memory, Writes, Numerics, Contract: as the scalar twin (same bits). */
export function bilinear_gather__f32x4(xp: usize, table: usize, col: usize, C: i32, T: i32, P: i32, Wp: i32, planeFloats: i32): void {
  assert(C >= 0 && T > 0 && P > 0 && Wp >= 3 && planeFloats >= 3 * Wp);
  const TP = T * P, rowBytes = f32off(Wp);
  let dst = col;
  for (let c = 0; c < C; c++) {
    const plane = xp + f32off(c * planeFloats);
    let e = 0;
    for (; e + 4 <= TP; e += 4) {
      const idx = v128.load(table + f32off(e));
      const b0 = plane + f32off(i32x4.extract_lane(idx, 0)), b1 = plane + f32off(i32x4.extract_lane(idx, 1));
      const b2 = plane + f32off(i32x4.extract_lane(idx, 2)), b3 = plane + f32off(i32x4.extract_lane(idx, 3));
      let v00 = f32x4.splat(load<f32>(b0)), v01 = f32x4.splat(load<f32>(b0, 4));
      let v10 = f32x4.splat(load<f32>(b0 + rowBytes)), v11 = f32x4.splat(load<f32>(b0 + rowBytes, 4));
      v00 = f32x4.replace_lane(v00, 1, load<f32>(b1)); v01 = f32x4.replace_lane(v01, 1, load<f32>(b1, 4));
      v10 = f32x4.replace_lane(v10, 1, load<f32>(b1 + rowBytes)); v11 = f32x4.replace_lane(v11, 1, load<f32>(b1 + rowBytes, 4));
      v00 = f32x4.replace_lane(v00, 2, load<f32>(b2)); v01 = f32x4.replace_lane(v01, 2, load<f32>(b2, 4));
      v10 = f32x4.replace_lane(v10, 2, load<f32>(b2 + rowBytes)); v11 = f32x4.replace_lane(v11, 2, load<f32>(b2 + rowBytes, 4));
      v00 = f32x4.replace_lane(v00, 3, load<f32>(b3)); v01 = f32x4.replace_lane(v01, 3, load<f32>(b3, 4));
      v10 = f32x4.replace_lane(v10, 3, load<f32>(b3 + rowBytes)); v11 = f32x4.replace_lane(v11, 3, load<f32>(b3 + rowBytes, 4));
      let val = f32x4.mul(v128.load(table + f32off(TP + e)), v00);
      val = madd(v128.load(table + f32off(2 * TP + e)), v01, val);
      val = madd(v128.load(table + f32off(3 * TP + e)), v10, val);
      val = madd(v128.load(table + f32off(4 * TP + e)), v11, val);
      v128.store(dst, f32x4.mul(v128.load(table + f32off(5 * TP + e)), val));
      dst += 16;
    }
    for (; e < TP; e++) {                                             // scalar tail
      const base = plane + f32off(load<i32>(table + f32off(e)));
      const v00 = load<f32>(base), v01 = load<f32>(base, 4);
      const v10 = load<f32>(base + rowBytes), v11 = load<f32>(base + rowBytes, 4);
      const val: f32 = load<f32>(table + f32off(TP + e)) * v00 + load<f32>(table + f32off(2 * TP + e)) * v01
        + load<f32>(table + f32off(3 * TP + e)) * v10 + load<f32>(table + f32off(4 * TP + e)) * v11;
      store<f32>(dst, load<f32>(table + f32off(5 * TP + e)) * val);
      dst += 4;
    }
  }
}
