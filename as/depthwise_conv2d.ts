// Depthwise and small-group convolution, direct (no im2col, no padding copies): one image,
// every output plane. Output plane o belongs to group g = ⌊o / coutPerGroup⌋ and reads the
// cinPerGroup input planes g·cinPerGroup .. g·cinPerGroup + cinPerGroup − 1 (depthwise:
// cinPerGroup = 1; depth multiplier coutPerGroup ≥ 1).
//
// Per output element y[o, i, j] both variants compute, in float32 and in this order:
//   acc = +0
//   for c < cinPerGroup, p < k_h, q < k_w, skipping taps whose input pixel is outside the map:
//     acc = acc + w[o, c, p, q] · x[g·cinPerGroup + c, i·stride_h + p·dilation_h − pad_top,
//                                                     j·stride_w + q·dilation_w − pad_left]
//   if bias ≠ 0: acc = acc + bias[o]
// (the reference's order, with taps outside skipped as the reference does, not multiplied by a
// padding zero), so depthwise_conv2d__scalar ≡ depthwise_conv2d__f32x4 bit for bit.
//
// The f32x4 variant vectorises along W_out: the column range [jA, jB) where every tap is inside
// is computed once per call, the row range of valid taps once per output row; interior vectors
// use plain loads (stride 1), two loads and a shuffle (stride 2) or lane gathers (stride ≥ 3),
// four vectors (16 outputs) at a time for independent add chains; the few border vectors gather
// from clamped columns and keep acc where a tap is outside (bitselect), which is the skip.

import { f32off, storeLanes } from './lib/lanes';
import { validBegin, validEnd, loadStrided } from './lib/ranges';

/**
 * Direct grouped convolution of one image (scalar variant).
 *
 * Memory:   x: byte offset of x[C_in, H, W]; w: byte offset of weight[C_out, cinPerGroup, k_h, k_w];
 *           bias: byte offset of C_out floats, or 0 for none; y: byte offset of y[C_out, H_out, W_out].
 *           All row-major float32, no alignment required; y must not overlap x, w or bias.
 * Writes:   y[0 .. C_out·H_out·W_out) only, every element once.
 * Numerics: float32, the order in the file header (bit-identical to depthwise_conv2d__f32x4).
 * Contract: C_out, cinPerGroup, coutPerGroup, H, W, k_h, k_w, strides, dilations, H_out, W_out ≥ 1,
 *           pads ≥ 0 — asserted in debug builds only (ts/core/geometry.ts validates them).
 * Cost:     2·C_out·H_out·W_out·cinPerGroup·k_h·k_w FLOPs (taps outside the map are skipped).
 */
export function depthwise_conv2d__scalar(
  x: usize, w: usize, bias: usize, y: usize,
  C_out: i32, cinPerGroup: i32, coutPerGroup: i32, H: i32, W: i32, k_h: i32, k_w: i32,
  stride_h: i32, stride_w: i32, dilation_h: i32, dilation_w: i32, pad_top: i32, pad_left: i32,
  H_out: i32, W_out: i32,
): void {
  assert(C_out > 0 && cinPerGroup > 0 && coutPerGroup > 0 && H > 0 && W > 0 && k_h > 0 && k_w > 0);
  assert(stride_h > 0 && stride_w > 0 && dilation_h > 0 && dilation_w > 0 && pad_top >= 0 && pad_left >= 0);
  assert(H_out > 0 && W_out > 0);
  const plane = H * W, taps = k_h * k_w;
  let yp = y;
  for (let o = 0; o < C_out; o++) {
    const xg = x + f32off((o / coutPerGroup) * cinPerGroup * plane);
    const wo = w + f32off(o * cinPerGroup * taps);
    for (let i = 0; i < H_out; i++) {
      for (let j = 0; j < W_out; j++) {
        let acc: f32 = 0;
        for (let c = 0; c < cinPerGroup; c++) {
          for (let p = 0; p < k_h; p++) {
            const row = i * stride_h + p * dilation_h - pad_top;
            if (row < 0 || row >= H) continue;
            for (let q = 0; q < k_w; q++) {
              const col = j * stride_w + q * dilation_w - pad_left;
              if (col < 0 || col >= W) continue;
              acc = acc + load<f32>(wo + f32off((c * k_h + p) * k_w + q)) * load<f32>(xg + f32off(c * plane + row * W + col));
            }
          }
        }
        if (bias != 0) acc = acc + load<f32>(bias + f32off(o));
        store<f32>(yp, acc);
        yp += 4;
      }
    }
  }
}

/**
 * Direct grouped convolution of one image (f32x4 variant along W_out).
 *
 * Memory, Writes, Numerics, Contract, Cost: as depthwise_conv2d__scalar (bit-identical output).
 * Reads:    only elements of x inside the map (border vectors gather from clamped columns).
 */
export function depthwise_conv2d__f32x4(
  x: usize, w: usize, bias: usize, y: usize,
  C_out: i32, cinPerGroup: i32, coutPerGroup: i32, H: i32, W: i32, k_h: i32, k_w: i32,
  stride_h: i32, stride_w: i32, dilation_h: i32, dilation_w: i32, pad_top: i32, pad_left: i32,
  H_out: i32, W_out: i32,
): void {
  assert(C_out > 0 && cinPerGroup > 0 && coutPerGroup > 0 && H > 0 && W > 0 && k_h > 0 && k_w > 0);
  assert(stride_h > 0 && stride_w > 0 && dilation_h > 0 && dilation_w > 0 && pad_top >= 0 && pad_left >= 0);
  assert(H_out > 0 && W_out > 0);
  const plane = H * W, taps = k_h * k_w;
  const planeBytes = f32off(plane), rowBytes = f32off(W);
  const tapBytes = f32off(dilation_w), rowStepBytes = f32off(dilation_h * W);
  // Columns j in [jA, jB) have every tap q inside: j·s_w − pad_left ≥ 0 and j·s_w + (k_w−1)·d_w − pad_left ≤ W − 1.
  const jA = min<i32>(W_out, validBegin(-pad_left, stride_w));
  const jB = validEnd((k_w - 1) * dilation_w - pad_left, stride_w, W, W_out, jA);
  const vecBytes = f32off(4 * stride_w);
  const zero = f32x4.splat(0);
  for (let o = 0; o < C_out; o++) {
    const xg = x + f32off((o / coutPerGroup) * cinPerGroup * plane);
    const wo = w + f32off(o * cinPerGroup * taps);
    const yo = y + f32off(o * H_out * W_out);
    const b = bias != 0 ? v128.load32_splat(bias + f32off(o)) : zero;
    for (let i = 0; i < H_out; i++) {
      const row0 = i * stride_h - pad_top;                     // input row of tap p: row0 + p·d_h
      const pBeg = min<i32>(k_h, validBegin(row0, dilation_h));
      const pEnd = validEnd(row0, dilation_h, H, k_h, pBeg);
      const yRow = yo + f32off(i * W_out);
      const xRow0 = xg + <usize>(row0 + pBeg * dilation_h) * rowBytes;   // row of tap pBeg (valid if pBeg < pEnd)

      let j0 = 0;
      while (j0 < W_out && !(j0 >= jA && j0 + 4 <= jB)) {      // left border vectors
        edgeVector(xg, wo, yRow, j0, row0, pBeg, pEnd, cinPerGroup, k_h, k_w, W, W_out,
          stride_w, dilation_h, dilation_w, pad_left, plane, bias != 0, b);
        j0 += 4;
      }
      // interior: 4 vectors at a time, independent accumulators
      for (; j0 + 16 <= jB; j0 += 16) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        let xc = xRow0 + <usize>(j0 * stride_w - pad_left) * 4;
        let wc = wo + f32off(pBeg * k_w);
        for (let c = 0; c < cinPerGroup; c++) {
          let xp = xc, wp = wc;
          for (let p = pBeg; p < pEnd; p++) {
            let xq = xp;
            for (let q = 0; q < k_w; q++) {
              const wv = v128.load32_splat(wp + f32off(q));
              a0 = f32x4.add(a0, f32x4.mul(wv, loadStrided(xq, stride_w)));
              a1 = f32x4.add(a1, f32x4.mul(wv, loadStrided(xq + vecBytes, stride_w)));
              a2 = f32x4.add(a2, f32x4.mul(wv, loadStrided(xq + 2 * vecBytes, stride_w)));
              a3 = f32x4.add(a3, f32x4.mul(wv, loadStrided(xq + 3 * vecBytes, stride_w)));
              xq += tapBytes;
            }
            xp += rowStepBytes;
            wp += f32off(k_w);
          }
          xc += planeBytes;
          wc += f32off(taps);
        }
        if (bias != 0) {
          a0 = f32x4.add(a0, b); a1 = f32x4.add(a1, b); a2 = f32x4.add(a2, b); a3 = f32x4.add(a3, b);
        }
        const d = yRow + f32off(j0);
        v128.store(d, a0); v128.store(d, a1, 16); v128.store(d, a2, 32); v128.store(d, a3, 48);
      }
      for (; j0 + 4 <= jB; j0 += 4) {                            // interior, one vector
        let a0 = zero;
        let xc = xRow0 + <usize>(j0 * stride_w - pad_left) * 4;
        let wc = wo + f32off(pBeg * k_w);
        for (let c = 0; c < cinPerGroup; c++) {
          let xp = xc, wp = wc;
          for (let p = pBeg; p < pEnd; p++) {
            let xq = xp;
            for (let q = 0; q < k_w; q++) {
              a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(wp + f32off(q)), loadStrided(xq, stride_w)));
              xq += tapBytes;
            }
            xp += rowStepBytes;
            wp += f32off(k_w);
          }
          xc += planeBytes;
          wc += f32off(taps);
        }
        if (bias != 0) a0 = f32x4.add(a0, b);
        v128.store(yRow + f32off(j0), a0);
      }
      for (; j0 < W_out; j0 += 4) {                              // right border vectors (last one partial)
        edgeVector(xg, wo, yRow, j0, row0, pBeg, pEnd, cinPerGroup, k_h, k_w, W, W_out,
          stride_w, dilation_h, dilation_w, pad_left, plane, bias != 0, b);
      }
    }
  }
}

/**
 * Output lanes j0 .. min(j0 + 4, W_out) − 1 of one row where some tap falls outside the map:
 * each lane reads a clamped (always valid) column and keeps its accumulator where the tap's real
 * column is outside — the same skip as the scalar variant, lane by lane.
 */
// @ts-ignore: decorator
@inline function edgeVector(
  xg: usize, wo: usize, yRow: usize, j0: i32, row0: i32, pBeg: i32, pEnd: i32,
  cinPerGroup: i32, k_h: i32, k_w: i32, W: i32, W_out: i32,
  stride_w: i32, dilation_h: i32, dilation_w: i32, pad_left: i32, plane: i32, hasBias: bool, b: v128,
): void {
  const lanes = i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(
    i32x4.splat(0), 1, stride_w), 2, 2 * stride_w), 3, 3 * stride_w);   // lane l reads column col0 + l·stride_w
  const wMax = W - 1;
  let acc = f32x4.splat(0);
  for (let c = 0; c < cinPerGroup; c++) {
    for (let p = pBeg; p < pEnd; p++) {
      const xRow = xg + f32off(c * plane + (row0 + p * dilation_h) * W);
      const wp = wo + f32off((c * k_h + p) * k_w);
      for (let q = 0; q < k_w; q++) {
        const col0 = j0 * stride_w + q * dilation_w - pad_left;
        const cols = i32x4.add(i32x4.splat(col0), lanes);
        const inside = v128.and(i32x4.ge_s(cols, i32x4.splat(0)), i32x4.le_s(cols, i32x4.splat(wMax)));
        let v = v128.load32_zero(xRow + f32off(clampCol(col0, wMax)));
        v = v128.load32_lane(xRow + f32off(clampCol(col0 + stride_w, wMax)), v, 1);
        v = v128.load32_lane(xRow + f32off(clampCol(col0 + 2 * stride_w, wMax)), v, 2);
        v = v128.load32_lane(xRow + f32off(clampCol(col0 + 3 * stride_w, wMax)), v, 3);
        const sum = f32x4.add(acc, f32x4.mul(v128.load32_splat(wp + f32off(q)), v));
        acc = v128.bitselect(sum, acc, inside);
      }
    }
  }
  if (hasBias) acc = f32x4.add(acc, b);
  storeLanes(yRow + f32off(j0), acc, min<i32>(4, W_out - j0));
}

// @ts-ignore: decorator
@inline function clampCol(col: i32, wMax: i32): i32 {
  return min<i32>(max<i32>(col, 0), wMax);
}
