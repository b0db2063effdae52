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
// padding zero), so every f32x4 kernel below ≡ depthwise_conv2d__scalar bit for bit (one scalar twin
// for the family: the special cases differ in speed, not in arithmetic).
//
// The kernels (one signature; ts/wasm/conv2d.ts `depthwiseKernel` picks one per call):
//   depthwise_conv2d__scalar          any grouping, kernel, stride, dilation, padding (the twin)
//   depthwise_conv2d__f32x4           the same, f32x4 along W_out (generic)
//   depthwise_conv2d__f32x4_3x3s1     depthwise 3x3, stride_w 1, W ≥ 4
//   depthwise_conv2d__f32x4_3x3s1p1   depthwise 3x3 'same': stride_w 1, dilation_w 1, pad_left 1, W_out = W ≥ 8,
//                                     finite weights
//   depthwise_conv2d__f32x4_3x3s2     depthwise 3x3, stride_w 2
//
// The f32x4 kernels vectorise along W_out: the column range [jA, jB) where every tap is inside is
// computed once per call, the row range of valid taps once per output row; interior vectors use plain
// loads (stride 1), two loads and a shuffle (stride 2) or lane gathers (stride ≥ 3), four vectors (16
// outputs) at a time for independent add chains (generic). The 3x3 kernels hoist the plane's 9 weight
// splats and unroll the taps (2 vectors per step); in their border vectors, taps inside for all 4 lanes
// load plainly, the others read 4 valid columns moved into place by a byte swizzle (or gather from
// clamped columns) and keep acc where the tap is outside (bitselect): the skip. 'same' rows (3x3s1p1)
// with finite weights read the column outside as +0 through a shuffle with zero instead: acc + w·(+0) =
// acc exactly when w is finite (acc starts at +0, and a float32 sum that starts at +0 is never −0 in
// round-to-nearest), so that is the skip too, without masks.
// Measured (bench/tuning/kernels-quick.ts): depthwise 3x3 C256 28x28 'same' ≈ 22 GFLOP/s, 1.7x tfjs-wasm's
// XNNPACK NHWC kernel in the same process.

import { f32off, storeLanes } from './lib/lanes';
import { validBegin, validEnd, loadStrided } from './lib/ranges';
import { madd } from './lib/fma';   // c + a·b: strict or fused by build (as/lib/fma.ts)

/**
 * Direct grouped convolution of one image (scalar variant).
 *
 * Memory:   x: byte offset of x[C_in, H, W]; w: byte offset of weight[C_out, cinPerGroup, k_h, k_w];
 *           bias: byte offset of C_out floats, or 0 for none; y: byte offset of y[C_out, H_out, W_out].
 *           All row-major float32, no alignment required; y must not overlap x, w or bias.
 * Writes:   y[0 .. C_out·H_out·W_out) only, every element once.
 * Numerics: float32, the order in the file header (bit-identical to every depthwise_conv2d__f32x4* kernel).
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
 * Direct grouped convolution of one image (f32x4 along W_out, generic: any grouping, kernel, stride,
 * dilation and padding).
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
      // taps p with 0 ≤ row0 + p·d_h < H (no division for d_h = 1: this runs once per output row)
      const pBeg = dilation_h == 1 ? min<i32>(k_h, max<i32>(0, -row0)) : min<i32>(k_h, validBegin(row0, dilation_h));
      const pEnd = dilation_h == 1 ? max<i32>(pBeg, min<i32>(k_h, H - row0)) : validEnd(row0, dilation_h, H, k_h, pBeg);
      const yRow = yo + f32off(i * W_out);
      const xRow0 = xg + <usize>(row0 + pBeg * dilation_h) * rowBytes;   // row of tap pBeg (valid if pBeg < pEnd)
      let j0 = 0;
      while (j0 < W_out && !(j0 >= jA && j0 + 4 <= jB)) {      // left border vectors
        edgeVector(xg, wo, yRow, j0, row0, pBeg, pEnd, cinPerGroup, k_h, k_w, W, W_out,
          stride_w, dilation_h, dilation_w, pad_left, plane, bias != 0, b);
        j0 += 4;
      }
      if (stride_w == 1 && k_w == 3) {
        // interior, 3-tap rows at stride 1 (3x3 and k_h x 3 kernels): 4 vectors at a time, the row's three
        // weights splatted once per (c, p), plain loads with immediate offsets
        for (; j0 + 16 <= jB; j0 += 16) {
          let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
          let xc = xRow0 + <usize>(j0 - pad_left) * 4;
          let wc = wo + f32off(pBeg * 3);
          for (let c = 0; c < cinPerGroup; c++) {
            let xp = xc, wp = wc;
            for (let p = pBeg; p < pEnd; p++) {
              const w0 = v128.load32_splat(wp), w1 = v128.load32_splat(wp, 4), w2 = v128.load32_splat(wp, 8);
              const x1 = xp + tapBytes, x2 = x1 + tapBytes;
              a0 = madd(w0, v128.load(xp), a0);
              a1 = madd(w0, v128.load(xp, 16), a1);
              a2 = madd(w0, v128.load(xp, 32), a2);
              a3 = madd(w0, v128.load(xp, 48), a3);
              a0 = madd(w1, v128.load(x1), a0);
              a1 = madd(w1, v128.load(x1, 16), a1);
              a2 = madd(w1, v128.load(x1, 32), a2);
              a3 = madd(w1, v128.load(x1, 48), a3);
              a0 = madd(w2, v128.load(x2), a0);
              a1 = madd(w2, v128.load(x2, 16), a1);
              a2 = madd(w2, v128.load(x2, 32), a2);
              a3 = madd(w2, v128.load(x2, 48), a3);
              xp += rowStepBytes;
              wp += 12;
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
      }
      // interior, any kernel width and stride: 4 vectors at a time, independent accumulators
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
              a0 = madd(wv, loadStrided(xq, stride_w), a0);
              a1 = madd(wv, loadStrided(xq + vecBytes, stride_w), a1);
              a2 = madd(wv, loadStrided(xq + 2 * vecBytes, stride_w), a2);
              a3 = madd(wv, loadStrided(xq + 3 * vecBytes, stride_w), a3);
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
      if (stride_w == 1 && k_w == 3) {
        for (; j0 + 4 <= jB; j0 += 4) {                          // interior, one vector, 3-tap rows at stride 1
          let a0 = zero;
          let xc = xRow0 + <usize>(j0 - pad_left) * 4;
          let wc = wo + f32off(pBeg * 3);
          for (let c = 0; c < cinPerGroup; c++) {
            let xp = xc, wp = wc;
            for (let p = pBeg; p < pEnd; p++) {
              a0 = madd(v128.load32_splat(wp), v128.load(xp), a0);
              a0 = madd(v128.load32_splat(wp, 4), v128.load(xp + tapBytes), a0);
              a0 = madd(v128.load32_splat(wp, 8), v128.load(xp + 2 * tapBytes), a0);
              xp += rowStepBytes;
              wp += 12;
            }
            xc += planeBytes;
            wc += f32off(taps);
          }
          if (bias != 0) a0 = f32x4.add(a0, b);
          v128.store(yRow + f32off(j0), a0);
        }
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
              a0 = madd(v128.load32_splat(wp + f32off(q)), loadStrided(xq, stride_w), a0);
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

// ---------------------------------------------------------------------------------------------
// depthwise 3x3 kernels (cinPerGroup = 1, k_h = k_w = 3): the plane's 9 weights splatted once per plane,
// the taps unrolled. Same signature as the generic kernels (one family); ts/wasm/conv2d.ts picks one.

/**
 * Depthwise 3x3, stride 1 along W (f32x4): border vectors by byte swizzles of 4 valid columns with the
 * taps outside masked (edgeVector3x3), interior vectors on the hoisted weights (dw3Interior, 2 vectors
 * per step). Any stride_h, dilation, padding and depth multiplier.
 *
 * Memory, Writes, Numerics, Cost: as depthwise_conv2d__scalar (bit-identical output).
 * Contract: as depthwise_conv2d__scalar, and cinPerGroup = 1, k_h = k_w = 3, stride_w = 1, W ≥ 4 —
 *           asserted in debug builds only.
 */
export function depthwise_conv2d__f32x4_3x3s1(
  x: usize, w: usize, bias: usize, y: usize,
  C_out: i32, cinPerGroup: i32, coutPerGroup: i32, H: i32, W: i32, k_h: i32, k_w: i32,
  stride_h: i32, stride_w: i32, dilation_h: i32, dilation_w: i32, pad_top: i32, pad_left: i32,
  H_out: i32, W_out: i32,
): void {
  assert(C_out > 0 && coutPerGroup > 0 && H > 0 && W >= 4 && stride_h > 0 && dilation_h > 0 && dilation_w > 0);
  assert(cinPerGroup == 1 && k_h == 3 && k_w == 3 && stride_w == 1 && pad_top >= 0 && pad_left >= 0 && H_out > 0 && W_out > 0);
  const rowBytes = f32off(W), tapBytes = f32off(dilation_w), rowStepBytes = f32off(dilation_h * W);
  // columns j in [jA, jB) have all 3 taps inside: j − pad_left ≥ 0 and j + 2·d_w − pad_left ≤ W − 1
  const jA = min<i32>(W_out, validBegin(-pad_left, 1));
  const jB = validEnd(2 * dilation_w - pad_left, 1, W, W_out, jA);
  for (let o = 0; o < C_out; o++) {
    const xg = x + f32off((o / coutPerGroup) * H * W), wo = w + f32off(o * 9), yo = y + f32off(o * H_out * W_out);
    const b = bias != 0 ? v128.load32_splat(bias + f32off(o)) : f32x4.splat(0);
    const w0 = v128.load32_splat(wo), w1 = v128.load32_splat(wo, 4), w2 = v128.load32_splat(wo, 8);
    const w3 = v128.load32_splat(wo, 12), w4 = v128.load32_splat(wo, 16), w5 = v128.load32_splat(wo, 20);
    const w6 = v128.load32_splat(wo, 24), w7 = v128.load32_splat(wo, 28), w8 = v128.load32_splat(wo, 32);
    for (let i = 0; i < H_out; i++) {
      const row0 = i * stride_h - pad_top;                     // input row of tap p: row0 + p·d_h
      const pBeg = rowBegin(row0, dilation_h), pEnd = rowEnd(row0, dilation_h, H, pBeg);
      const xA = xg + <usize>row0 * rowBytes, yRow = yo + f32off(i * W_out);
      // the all-rows-inside case is its own (constant-folded) copy, so the common rows carry no row flags
      if (pBeg == 0 && pEnd == 3) {
        dw3s1Row(xA, rowStepBytes, tapBytes, yRow, W, W_out, jA, jB, dilation_w, pad_left, true, true, true,
          w0, w1, w2, w3, w4, w5, w6, w7, w8, bias != 0, b);
      } else {
        dw3s1Row(xA, rowStepBytes, tapBytes, yRow, W, W_out, jA, jB, dilation_w, pad_left, pBeg == 0 && pEnd > 0, pBeg <= 1 && pEnd > 1, pBeg <= 2 && pEnd > 2,
          w0, w1, w2, w3, w4, w5, w6, w7, w8, bias != 0, b);
      }
    }
  }
}

/**
 * Depthwise 3x3 'same' at stride 1 along W (f32x4): padding 1 on the left, dilation_w 1, W_out = W ≥ 8, and
 * finite weights, so a column outside the map can be read as +0 and multiplied (acc + w·0 = acc exactly for
 * finite w: acc starts at +0 and a float32 sum from +0 is never −0): each row is a left vector, the interior
 * and a right vector, with no masks (same3Row). Any stride_h, dilation_h, pad_top and depth multiplier.
 *
 * Memory, Writes, Numerics, Cost: as depthwise_conv2d__scalar (bit-identical output).
 * Contract: as depthwise_conv2d__f32x4_3x3s1, and dilation_w = 1, pad_left = 1, W_out = W ≥ 8, every weight
 *           finite (the host checks; non-finite weights take depthwise_conv2d__f32x4_3x3s1) — asserted in
 *           debug builds only.
 */
export function depthwise_conv2d__f32x4_3x3s1p1(
  x: usize, w: usize, bias: usize, y: usize,
  C_out: i32, cinPerGroup: i32, coutPerGroup: i32, H: i32, W: i32, k_h: i32, k_w: i32,
  stride_h: i32, stride_w: i32, dilation_h: i32, dilation_w: i32, pad_top: i32, pad_left: i32,
  H_out: i32, W_out: i32,
): void {
  assert(C_out > 0 && coutPerGroup > 0 && H > 0 && W >= 8 && stride_h > 0 && dilation_h > 0 && pad_top >= 0 && H_out > 0);
  assert(cinPerGroup == 1 && k_h == 3 && k_w == 3 && stride_w == 1 && dilation_w == 1 && pad_left == 1 && W_out == W);
  const rowBytes = f32off(W), rowStepBytes = f32off(dilation_h * W);
  const jB = W - 1;                                            // columns 1 .. W − 2 have all 3 taps inside
  for (let o = 0; o < C_out; o++) {
    const xg = x + f32off((o / coutPerGroup) * H * W), wo = w + f32off(o * 9), yo = y + f32off(o * H_out * W);
    assert(finite9(wo));
    const b = bias != 0 ? v128.load32_splat(bias + f32off(o)) : f32x4.splat(0);
    const w0 = v128.load32_splat(wo), w1 = v128.load32_splat(wo, 4), w2 = v128.load32_splat(wo, 8);
    const w3 = v128.load32_splat(wo, 12), w4 = v128.load32_splat(wo, 16), w5 = v128.load32_splat(wo, 20);
    const w6 = v128.load32_splat(wo, 24), w7 = v128.load32_splat(wo, 28), w8 = v128.load32_splat(wo, 32);
    for (let i = 0; i < H_out; i++) {
      const row0 = i * stride_h - pad_top;
      const pBeg = rowBegin(row0, dilation_h), pEnd = rowEnd(row0, dilation_h, H, pBeg);
      const xA = xg + <usize>row0 * rowBytes, yRow = yo + f32off(i * W);
      if (pBeg == 0 && pEnd == 3) {
        same3Row(xA, rowStepBytes, yRow, W, jB, true, true, true, w0, w1, w2, w3, w4, w5, w6, w7, w8, bias != 0, b);
      } else {
        same3Row(xA, rowStepBytes, yRow, W, jB, pBeg == 0 && pEnd > 0, pBeg <= 1 && pEnd > 1, pBeg <= 2 && pEnd > 2,
          w0, w1, w2, w3, w4, w5, w6, w7, w8, bias != 0, b);
      }
    }
  }
}

/**
 * Depthwise 3x3, stride 2 along W (f32x4): interior vectors on the hoisted weights with loadStrided's two
 * loads and a shuffle (dw3Interior, 2 vectors per step), border vectors lane by lane from clamped columns
 * (edgeVector). Any stride_h, dilation, padding and depth multiplier.
 *
 * Memory, Writes, Numerics, Cost: as depthwise_conv2d__scalar (bit-identical output).
 * Reads:    only elements of x inside the map.
 * Contract: as depthwise_conv2d__scalar, and cinPerGroup = 1, k_h = k_w = 3, stride_w = 2 — asserted in
 *           debug builds only.
 */
export function depthwise_conv2d__f32x4_3x3s2(
  x: usize, w: usize, bias: usize, y: usize,
  C_out: i32, cinPerGroup: i32, coutPerGroup: i32, H: i32, W: i32, k_h: i32, k_w: i32,
  stride_h: i32, stride_w: i32, dilation_h: i32, dilation_w: i32, pad_top: i32, pad_left: i32,
  H_out: i32, W_out: i32,
): void {
  assert(C_out > 0 && coutPerGroup > 0 && H > 0 && W > 0 && stride_h > 0 && dilation_h > 0 && dilation_w > 0);
  assert(cinPerGroup == 1 && k_h == 3 && k_w == 3 && stride_w == 2 && pad_top >= 0 && pad_left >= 0 && H_out > 0 && W_out > 0);
  const plane = H * W, rowBytes = f32off(W), tapBytes = f32off(dilation_w), rowStepBytes = f32off(dilation_h * W);
  // columns j in [jA, jB) have all 3 taps inside: 2j − pad_left ≥ 0 and 2j + 2·d_w − pad_left ≤ W − 1
  const jA = min<i32>(W_out, validBegin(-pad_left, 2));
  const jB = validEnd(2 * dilation_w - pad_left, 2, W, W_out, jA);
  for (let o = 0; o < C_out; o++) {
    const xg = x + f32off((o / coutPerGroup) * plane), wo = w + f32off(o * 9), yo = y + f32off(o * H_out * W_out);
    const b = bias != 0 ? v128.load32_splat(bias + f32off(o)) : f32x4.splat(0);
    const w0 = v128.load32_splat(wo), w1 = v128.load32_splat(wo, 4), w2 = v128.load32_splat(wo, 8);
    const w3 = v128.load32_splat(wo, 12), w4 = v128.load32_splat(wo, 16), w5 = v128.load32_splat(wo, 20);
    const w6 = v128.load32_splat(wo, 24), w7 = v128.load32_splat(wo, 28), w8 = v128.load32_splat(wo, 32);
    for (let i = 0; i < H_out; i++) {
      const row0 = i * stride_h - pad_top;
      const pBeg = rowBegin(row0, dilation_h), pEnd = rowEnd(row0, dilation_h, H, pBeg);
      const xA = xg + <usize>row0 * rowBytes, yRow = yo + f32off(i * W_out);
      let j0 = 0;
      while (j0 < W_out && !(j0 >= jA && j0 + 4 <= jB)) {      // left border vectors
        edgeVector(xg, wo, yRow, j0, row0, pBeg, pEnd, 1, 3, 3, W, W_out, 2, dilation_h, dilation_w, pad_left, plane, bias != 0, b);
        j0 += 4;
      }
      if (pBeg == 0 && pEnd == 3) {
        j0 = dw3Interior(xA, rowStepBytes, tapBytes, yRow, j0, jB, pad_left, 2, true, true, true, w0, w1, w2, w3, w4, w5, w6, w7, w8, bias != 0, b);
      } else {
        j0 = dw3Interior(xA, rowStepBytes, tapBytes, yRow, j0, jB, pad_left, 2, pBeg == 0 && pEnd > 0, pBeg <= 1 && pEnd > 1, pBeg <= 2 && pEnd > 2,
          w0, w1, w2, w3, w4, w5, w6, w7, w8, bias != 0, b);
      }
      for (; j0 < W_out; j0 += 4) {                              // right border vectors (last one partial)
        edgeVector(xg, wo, yRow, j0, row0, pBeg, pEnd, 1, 3, 3, W, W_out, 2, dilation_h, dilation_w, pad_left, plane, bias != 0, b);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** First tap p of a 3-tap column with input row row0 + p·d_h ≥ 0 (no division for d_h = 1). */
// @ts-ignore: decorator
@inline function rowBegin(row0: i32, dilation_h: i32): i32 {
  return dilation_h == 1 ? min<i32>(3, max<i32>(0, -row0)) : min<i32>(3, validBegin(row0, dilation_h));
}

/** One past the last tap p of a 3-tap column with input row row0 + p·d_h < H. */
// @ts-ignore: decorator
@inline function rowEnd(row0: i32, dilation_h: i32, H: i32, pBeg: i32): i32 {
  return dilation_h == 1 ? max<i32>(pBeg, min<i32>(3, H - row0)) : validEnd(row0, dilation_h, H, 3, pBeg);
}

/**
 * One output row of depthwise_conv2d__f32x4_3x3s1: left border vectors (j0 < jA or j0 + 4 > jB), the
 * interior, the right border vectors (the last one partial). Input rows p = 0, 1, 2 at xA + p·rowStepBytes
 * where hasA, hasB, hasC; w0..w8 the plane's weights, b its bias splat (added if hasBias).
 */
// @ts-ignore: decorator
@inline function dw3s1Row(
  xA: usize, rowStepBytes: usize, tapBytes: usize, yRow: usize, W: i32, W_out: i32, jA: i32, jB: i32,
  dilation_w: i32, pad_left: i32, hasA: bool, hasB: bool, hasC: bool,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128, hasBias: bool, b: v128,
): void {
  let j0 = 0;
  while (j0 < W_out && !(j0 >= jA && j0 + 4 <= jB)) {
    edgeVector3x3(xA, rowStepBytes, hasA, hasB, hasC, yRow, j0, W, W_out, dilation_w, pad_left, w0, w1, w2, w3, w4, w5, w6, w7, w8, hasBias, b);
    j0 += 4;
  }
  j0 = dw3Interior(xA, rowStepBytes, tapBytes, yRow, j0, jB, pad_left, 1, hasA, hasB, hasC, w0, w1, w2, w3, w4, w5, w6, w7, w8, hasBias, b);
  for (; j0 < W_out; j0 += 4) {
    edgeVector3x3(xA, rowStepBytes, hasA, hasB, hasC, yRow, j0, W, W_out, dilation_w, pad_left, w0, w1, w2, w3, w4, w5, w6, w7, w8, hasBias, b);
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
        const wq = v128.load32_splat(wp + f32off(q));
        if (col0 >= 0 && col0 + 3 * stride_w <= wMax) {          // this tap is inside for all 4 lanes
          acc = madd(wq, loadStrided(xRow + f32off(col0), stride_w), acc);
          continue;
        }
        if (stride_w == 1 && W >= 4) {
          // 4 valid columns from base, moved into place by a byte swizzle: lanes whose column is outside
          // get index bytes ≥ 16, which the swizzle turns into 0 — and the same swizzle of all-ones is the mask
          const base = min<i32>(max<i32>(col0, 0), W - 4), shift = col0 - base;
          if (shift <= -4 || shift >= 4) continue;                    // no lane inside: the tap adds nothing
          const idx = i8x16.add(i8x16.splat(<i8>(shift << 2)), IOTA);
          const v = i8x16.swizzle(v128.load(xRow + f32off(base)), idx);
          acc = v128.bitselect(madd(wq, v, acc), acc, i8x16.swizzle(i8x16.splat(-1), idx));
          continue;
        }
        const cols = i32x4.add(i32x4.splat(col0), lanes);
        const inside = v128.and(i32x4.ge_s(cols, i32x4.splat(0)), i32x4.le_s(cols, i32x4.splat(wMax)));
        let v = v128.load32_zero(xRow + f32off(clampCol(col0, wMax)));
        v = v128.load32_lane(xRow + f32off(clampCol(col0 + stride_w, wMax)), v, 1);
        v = v128.load32_lane(xRow + f32off(clampCol(col0 + 2 * stride_w, wMax)), v, 2);
        v = v128.load32_lane(xRow + f32off(clampCol(col0 + 3 * stride_w, wMax)), v, 3);
        const sum = madd(wq, v, acc);
        acc = v128.bitselect(sum, acc, inside);
      }
    }
  }
  if (hasBias) acc = f32x4.add(acc, b);
  storeLanes(yRow + f32off(j0), acc, min<i32>(4, W_out - j0));
}

/**
 * Interior vectors j0, j0 + 4, ... (while j0 + 4 ≤ jB) of a depthwise 3x3 row at stride s (1: plain loads;
 * 2: loadStrided's two loads and a shuffle; s is a constant at each call site): the 9 taps unrolled on the
 * hoisted weights, input rows p = 0, 1, 2 at xA + p·rowStepBytes where hasA, hasB, hasC (rows
 * outside the map skipped), 2 vectors per step (independent add chains), then one. Returns the next j0.
 */
// @ts-ignore: decorator
@inline function dw3Interior(
  xA: usize, rowStepBytes: usize, tapBytes: usize, yRow: usize, j0: i32, jB: i32, pad_left: i32, s: i32,
  hasA: bool, hasB: bool, hasC: bool,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128, hasBias: bool, b: v128,
): i32 {
  const zero = f32x4.splat(0);
  const t1 = tapBytes, t2 = tapBytes << 1, off = <usize>(j0 * s - pad_left) * 4, vb = <usize>(16 * s);
  let d = yRow + f32off(j0), pa = xA + off, pb = pa + rowStepBytes, pc = pb + rowStepBytes;
  for (; j0 + 8 <= jB; j0 += 8) {
    let a0 = zero, a1 = zero;
    if (hasA) {
      a0 = madd(w0, loadStrided(pa, s), a0); a1 = madd(w0, loadStrided(pa + vb, s), a1);
      a0 = madd(w1, loadStrided(pa + t1, s), a0); a1 = madd(w1, loadStrided(pa + t1 + vb, s), a1);
      a0 = madd(w2, loadStrided(pa + t2, s), a0); a1 = madd(w2, loadStrided(pa + t2 + vb, s), a1);
    }
    if (hasB) {
      a0 = madd(w3, loadStrided(pb, s), a0); a1 = madd(w3, loadStrided(pb + vb, s), a1);
      a0 = madd(w4, loadStrided(pb + t1, s), a0); a1 = madd(w4, loadStrided(pb + t1 + vb, s), a1);
      a0 = madd(w5, loadStrided(pb + t2, s), a0); a1 = madd(w5, loadStrided(pb + t2 + vb, s), a1);
    }
    if (hasC) {
      a0 = madd(w6, loadStrided(pc, s), a0); a1 = madd(w6, loadStrided(pc + vb, s), a1);
      a0 = madd(w7, loadStrided(pc + t1, s), a0); a1 = madd(w7, loadStrided(pc + t1 + vb, s), a1);
      a0 = madd(w8, loadStrided(pc + t2, s), a0); a1 = madd(w8, loadStrided(pc + t2 + vb, s), a1);
    }
    if (hasBias) { a0 = f32x4.add(a0, b); a1 = f32x4.add(a1, b); }
    v128.store(d, a0); v128.store(d, a1, 16);
    d += 32; pa += 2 * vb; pb += 2 * vb; pc += 2 * vb;
  }
  if (j0 + 4 <= jB) {
    let a0 = zero;
    if (hasA) {
      a0 = madd(w0, loadStrided(pa, s), a0);
      a0 = madd(w1, loadStrided(pa + t1, s), a0);
      a0 = madd(w2, loadStrided(pa + t2, s), a0);
    }
    if (hasB) {
      a0 = madd(w3, loadStrided(pb, s), a0);
      a0 = madd(w4, loadStrided(pb + t1, s), a0);
      a0 = madd(w5, loadStrided(pb + t2, s), a0);
    }
    if (hasC) {
      a0 = madd(w6, loadStrided(pc, s), a0);
      a0 = madd(w7, loadStrided(pc + t1, s), a0);
      a0 = madd(w8, loadStrided(pc + t2, s), a0);
    }
    if (hasBias) a0 = f32x4.add(a0, b);
    v128.store(d, a0);
    j0 += 4;
  }
  return j0;
}

/** True if the 9 floats at w are finite (w − w is 0 for finite w, NaN for ±Inf and NaN). */
// @ts-ignore: decorator
@inline function finite9(w: usize): bool {
  let s: f32 = 0;
  for (let i = 0; i < 9; i++) { const v = load<f32>(w + f32off(i)); s = s + (v - v); }
  return s == 0;
}

/**
 * One output row of a 'same' depthwise 3x3 stride-1 conv (padding 1, W_out = W ≥ 8) with finite weights:
 * the left vector (columns 0..3; column −1 read as +0 by a shuffle with zero), the interior vectors
 * (dw3Interior), and the right vector (columns W − 4 .. W − 1, column W read as +0), which may overlap
 * the interior: its overlapping lanes repeat the same operations, so they store the same bits.
 */
// @ts-ignore: decorator
@inline function same3Row(
  xA: usize, rowStepBytes: usize, yRow: usize, W: i32, jB: i32,
  hasA: bool, hasB: bool, hasC: bool,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128, hasBias: bool, b: v128,
): void {
  const zero = f32x4.splat(0);
  const xB = xA + rowStepBytes, xC = xB + rowStepBytes;
  // left vector, columns 0..3: taps read columns −1..2, 0..3, 1..4
  let acc = zero;
  if (hasA) {
    const v = v128.load(xA);
    acc = madd(w0, v128.shuffle<f32>(zero, v, 3, 4, 5, 6), acc);
    acc = madd(w1, v, acc);
    acc = madd(w2, v128.load(xA, 4), acc);
  }
  if (hasB) {
    const v = v128.load(xB);
    acc = madd(w3, v128.shuffle<f32>(zero, v, 3, 4, 5, 6), acc);
    acc = madd(w4, v, acc);
    acc = madd(w5, v128.load(xB, 4), acc);
  }
  if (hasC) {
    const v = v128.load(xC);
    acc = madd(w6, v128.shuffle<f32>(zero, v, 3, 4, 5, 6), acc);
    acc = madd(w7, v, acc);
    acc = madd(w8, v128.load(xC, 4), acc);
  }
  if (hasBias) acc = f32x4.add(acc, b);
  v128.store(yRow, acc);
  dw3Interior(xA, rowStepBytes, 4, yRow, 4, jB, 1, 1, hasA, hasB, hasC, w0, w1, w2, w3, w4, w5, w6, w7, w8, hasBias, b);
  // right vector, columns W − 4 .. W − 1: taps read W − 5 .. W − 2, W − 4 .. W − 1, W − 3 .. W
  const r = f32off(W - 4);
  acc = zero;
  if (hasA) {
    const v = v128.load(xA + r);
    acc = madd(w0, v128.load(xA + r - 4), acc);
    acc = madd(w1, v, acc);
    acc = madd(w2, v128.shuffle<f32>(v, zero, 1, 2, 3, 4), acc);
  }
  if (hasB) {
    const v = v128.load(xB + r);
    acc = madd(w3, v128.load(xB + r - 4), acc);
    acc = madd(w4, v, acc);
    acc = madd(w5, v128.shuffle<f32>(v, zero, 1, 2, 3, 4), acc);
  }
  if (hasC) {
    const v = v128.load(xC + r);
    acc = madd(w6, v128.load(xC + r - 4), acc);
    acc = madd(w7, v, acc);
    acc = madd(w8, v128.shuffle<f32>(v, zero, 1, 2, 3, 4), acc);
  }
  if (hasBias) acc = f32x4.add(acc, b);
  v128.store(yRow + r, acc);
}

/**
 * Tap q of a 3-wide row at stride 1 for output lanes j0 .. j0 + 3, as (acc + w·v) where the tap's column is
 * inside and acc where it is outside: 4 valid columns from a clamped base, moved into place by a byte
 * swizzle (lanes whose column is outside get index bytes ≥ 16 → 0; the same swizzle of all-ones is the mask).
 * Needs W ≥ 4.
 */
// @ts-ignore: decorator
@inline function tapShifted(acc: v128, row: usize, col0: i32, W: i32, wq: v128): v128 {
  if (col0 >= 0 && col0 + 3 < W) return madd(wq, v128.load(row + f32off(col0)), acc);   // all 4 inside
  const base = min<i32>(max<i32>(col0, 0), W - 4);
  const idx = i8x16.add(i8x16.splat(<i8>(max<i32>(-4, min<i32>(4, col0 - base)) << 2)), IOTA);
  const v = i8x16.swizzle(v128.load(row + f32off(base)), idx);
  return v128.bitselect(madd(wq, v, acc), acc, i8x16.swizzle(i8x16.splat(-1), idx));
}

/**
 * A border vector of a depthwise 3x3 stride-1 row (edgeVector's result, lane for lane, on the hoisted
 * weights): input rows p = 0, 1, 2 at xA + p·rowStepBytes where hasA, hasB, hasC (rows outside the map skipped).
 */
// @ts-ignore: decorator
@inline function edgeVector3x3(
  xA: usize, rowStepBytes: usize, hasA: bool, hasB: bool, hasC: bool, yRow: usize, j0: i32, W: i32, W_out: i32, dilation_w: i32, pad_left: i32,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128, hasBias: bool, b: v128,
): void {
  const c0 = j0 - pad_left, c1 = c0 + dilation_w, c2 = c1 + dilation_w;
  const xB = xA + rowStepBytes, xC = xB + rowStepBytes;
  let acc = f32x4.splat(0);
  if (hasA) { acc = tapShifted(acc, xA, c0, W, w0); acc = tapShifted(acc, xA, c1, W, w1); acc = tapShifted(acc, xA, c2, W, w2); }
  if (hasB) { acc = tapShifted(acc, xB, c0, W, w3); acc = tapShifted(acc, xB, c1, W, w4); acc = tapShifted(acc, xB, c2, W, w5); }
  if (hasC) { acc = tapShifted(acc, xC, c0, W, w6); acc = tapShifted(acc, xC, c1, W, w7); acc = tapShifted(acc, xC, c2, W, w8); }
  if (hasBias) acc = f32x4.add(acc, b);
  storeLanes(yRow + f32off(j0), acc, min<i32>(4, W_out - j0));
}

/** Byte indices 0..15: lane l's bytes 4l .. 4l + 3 (swizzle base for shifting 32-bit lanes). */
const IOTA = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

// @ts-ignore: decorator
@inline function clampCol(col: i32, wMax: i32): i32 {
  return min<i32>(max<i32>(col, 0), wMax);
}
