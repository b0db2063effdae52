// ACmix's convolution path (Pan et al., CVPR 2022, arXiv:2111.14556, §4.1 "convolution path" and
// §4.2 Eq. 13-15), fused for the wasm backend, plus the Eq. (12) mix:
//
//   acmix_fc   the light fully connected layer: for one head_dim channel d, maps the 3·head projected
//              maps z_m (m < 3·head: q, k, v of every head, channel d) to k_conv² maps
//                f[t, y, x] = Σ_{m < K} fc[t, m] · z_m[y, x]          (K = 3·head, t < T = k_conv²)
//              written straight into a zero-padded slab, so dep_conv never tests a border.
//   dep_conv   dep_conv's grouped convolution (groups = head_dim) on one group, as a direct conv over
//              that padded slab: an implicit-im2col GEMM whose A is the group's weights packed by
//              pack_a (4 output channels interleaved per tap) and whose B columns are gathered on the
//              fly (8 output pixels per tile), never materialising the [C·k², H·W] column matrix.
//                y[o, i, j] = (Σ_{c, p, q in order} w[o, c, p, q] · x[c, s·i + p, s·j + q]) + bias[o]
//   acmix_mix  F_out = rate1·F_att + rate2·F_conv (Eq. 12), fl(fl(r1·a) + fl(r2·c)) per element.
//
// Per output element every variant computes in float32, in the order written above (sums from +0, no
// FMA), so __scalar ≡ __f32x4 bit for bit; dep_conv's order is gemm's over im2col's rows, so it gives
// the same bits as ts/wasm/conv2d.ts on the padded input. Both f32x4 kernels are gemm's 4x8 tile
// (as/lib/tile_4x8.ts) with B read in place: acmix_fc's B rows are the z maps (B_ROWS), dep_conv's are
// gathered from the slab through a tap-offset table (B_GATHER).

import { f32off } from './lib/lanes';
import { tile_4x8, B_ROWS, B_ROWS_PARTIAL, B_GATHER } from './lib/tile_4x8';

// ---------------------------------------------------------------------------------------------
// acmix_fc

/**
 * The ACmix conv-path fc for one head_dim channel: out[t, y, x] = Σ_{m<K} fc[t, m] · z_m[y, x].
 *
 * Memory:   z: byte offset of z_0[0, 0]; map m starts zStride floats after map m − 1, each an H×W plane
 *           (row-major, dense); packedFc: fc [T, K] packed by pack_a__f32x4 (⌈T/4⌉ blocks of K×4);
 *           out: byte offset of out[0, 0, 0]; plane t starts outPlane floats after plane t − 1, rows
 *           are outRow floats apart (so out may point inside a padded slab). No alignment required.
 * Writes:   out[t, y, x] for t < T, y < H, x < W only (padding between rows untouched).
 * Numerics: float32, m = 0..K−1 in order from +0 (gemm's order); bit-identical to acmix_fc__scalar.
 * Contract: T, K, H, W ≥ 1; outRow ≥ W — asserted in debug builds only.
 * Cost:     2·T·K·H·W FLOPs.
 */
export function acmix_fc__f32x4(
  z: usize, zStride: i32, packedFc: usize, out: usize, outPlane: i32, outRow: i32,
  T: i32, K: i32, H: i32, W: i32,
): void {
  assert(T > 0 && K > 0 && H > 0 && W > 0 && outRow >= W);
  const zStrideB = f32off(zStride), outPlaneB = f32off(outPlane);
  for (let t0 = 0; t0 < T; t0 += 4) {
    const mr = min<i32>(4, T - t0);
    const pa = packedFc + f32off(t0 * K);
    for (let y = 0; y < H; y++) {
      const zRow = z + f32off(y * W);
      const oRow = out + f32off(t0 * outPlane + y * outRow);
      let x = 0;
      for (; x + 8 <= W; x += 8) {
        tile_4x8(B_ROWS, K, pa, zRow + f32off(x), zStrideB, 0, 1, mr, 8, oRow + f32off(x), outPlaneB, 0, 0);
      }
      if (x < W) {                                        // W mod 8 tail: partial loads and stores
        tile_4x8(B_ROWS_PARTIAL, K, pa, zRow + f32off(x), zStrideB, 0, 1, mr, W - x, oRow + f32off(x), outPlaneB, 0, 0);
      }
    }
  }
}

/**
 * Scalar twin of acmix_fc__f32x4 (same arguments, same bits; reads fc from the packed layout).
 * Memory, Writes, Contract, Cost: as acmix_fc__f32x4.
 */
export function acmix_fc__scalar(
  z: usize, zStride: i32, packedFc: usize, out: usize, outPlane: i32, outRow: i32,
  T: i32, K: i32, H: i32, W: i32,
): void {
  assert(T > 0 && K > 0 && H > 0 && W > 0 && outRow >= W);
  for (let t = 0; t < T; t++) {
    const pw = packedFc + f32off((t >> 2) * 4 * K + (t & 3));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let acc: f32 = 0;
        for (let m = 0; m < K; m++) {
          acc = acc + load<f32>(pw + f32off(4 * m)) * load<f32>(z + f32off(m * zStride + y * W + x));
        }
        store<f32>(out + f32off(t * outPlane + y * outRow + x), acc);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dep_conv


/**
 * One group of a grouped 2-D convolution, direct, over an already padded input:
 *   y[o, i, j] = (Σ_{c<Cin, p<k_h, q<k_w} w[o, c, p, q] · x[c, s·i + p, s·j + q]) (+ bias[o])
 * f32x4 tiles of 4 output channels × 8 output pixels.
 *
 * Memory:   x: byte offset of x[0, 0, 0] (the padded slab: plane c starts xPlane floats after plane
 *           c − 1, rows xRow floats apart). The tile reads 8 pixels at a time, so the slab must be
 *           readable up to (Cin − 1)·xPlane + (s·(H_out − 1) + k_h − 1)·xRow + s·⌈W_out/8⌉·8 + k_w + 4·s
 *           floats from x (values past the row end only reach lanes that are not stored).
 *           packedW: w [Cout, Cin·k_h·k_w] packed by pack_a__f32x4; bias: byte offset of Cout floats
 *           or 0; out: byte offset of y[0, 0, 0], channel planes outPlane floats apart, rows W_out;
 *           offsets: scratch of Cin·k_h·k_w i32 (written). No alignment required.
 * Writes:   y[o, i, j] for o < Cout, i < H_out, j < W_out, and offsets.
 * Numerics: float32; taps (c, p, q) in lexicographic order from +0, bias added last (gemm's order on
 *           im2col rows); bit-identical to dep_conv__scalar.
 * Contract: Cin, Cout, k_h, k_w, stride, H_out, W_out ≥ 1 — asserted in debug builds only.
 * Cost:     2·Cout·Cin·k_h·k_w·H_out·W_out FLOPs.
 */
export function dep_conv__f32x4_4x8(
  x: usize, xPlane: i32, xRow: i32, Cin: i32, k_h: i32, k_w: i32, stride: i32,
  packedW: usize, bias: usize, Cout: i32, out: usize, outPlane: i32, H_out: i32, W_out: i32, offsets: usize,
): void {
  assert(Cin > 0 && Cout > 0 && k_h > 0 && k_w > 0 && stride > 0 && H_out > 0 && W_out > 0);
  const K = Cin * k_h * k_w, s = stride;
  for (let c = 0; c < Cin; c++) for (let p = 0; p < k_h; p++) for (let q = 0; q < k_w; q++) {
    store<i32>(offsets + f32off((c * k_h + p) * k_w + q), <i32>f32off(c * xPlane + p * xRow + q));
  }
  const outPlaneB = f32off(outPlane), blockB = f32off(4 * K);
  for (let o0 = 0; o0 < Cout; o0 += 4) {
    const mr = min<i32>(4, Cout - o0);
    const pa = packedW + <usize>(o0 >> 2) * blockB;
    const bo = bias != 0 ? bias + f32off(o0) : 0;
    for (let i = 0; i < H_out; i++) {
      const xRowI = x + f32off(s * i * xRow);
      const oRow = out + f32off(o0 * outPlane + i * W_out);
      for (let j = 0; j < W_out; j += 8) {
        tile_4x8(B_GATHER, K, pa, xRowI + f32off(s * j), 0, offsets, s, mr, min<i32>(8, W_out - j), oRow + f32off(j), outPlaneB, bo, 0);
      }
    }
  }
}

/**
 * Scalar twin of dep_conv__f32x4_4x8 (same arguments, same bits; reads only the pixels it needs).
 * Memory, Writes, Contract, Cost: as dep_conv__f32x4_4x8.
 */
export function dep_conv__scalar(
  x: usize, xPlane: i32, xRow: i32, Cin: i32, k_h: i32, k_w: i32, stride: i32,
  packedW: usize, bias: usize, Cout: i32, out: usize, outPlane: i32, H_out: i32, W_out: i32, offsets: usize,
): void {
  assert(Cin > 0 && Cout > 0 && k_h > 0 && k_w > 0 && stride > 0 && H_out > 0 && W_out > 0);
  const K = Cin * k_h * k_w;
  for (let c = 0; c < Cin; c++) for (let p = 0; p < k_h; p++) for (let q = 0; q < k_w; q++) {
    store<i32>(offsets + f32off((c * k_h + p) * k_w + q), <i32>f32off(c * xPlane + p * xRow + q));
  }
  for (let o = 0; o < Cout; o++) {
    const pw = packedW + f32off((o >> 2) * 4 * K + (o & 3));
    for (let i = 0; i < H_out; i++) {
      for (let j = 0; j < W_out; j++) {
        const base = x + f32off(stride * i * xRow + stride * j);
        let acc: f32 = 0;
        for (let kk = 0; kk < K; kk++) {
          acc = acc + load<f32>(pw + f32off(4 * kk)) * load<f32>(base + <usize>load<i32>(offsets + f32off(kk)));
        }
        if (bias != 0) acc = acc + load<f32>(bias + f32off(o));
        store<f32>(out + f32off(o * outPlane + i * W_out + j), acc);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// acmix_mix (Eq. 12)

/**
 * out[i] = fl(fl(rate1 · att[i]) + fl(rate2 · conv[i])) for i < n: ACmix's Eq. (12).
 * Memory: att, conv, out: byte offsets of n floats (out may equal att or conv). Numerics: exactly the
 * reference's float32 rounding (ts/ref/activations.ts axpby); ≡ acmix_mix__scalar. Cost: 3·n FLOPs.
 */
export function acmix_mix__f32x4(att: usize, conv: usize, out: usize, n: i32, rate1: f32, rate2: f32): void {
  const r1 = f32x4.splat(rate1), r2 = f32x4.splat(rate2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = f32off(i);
    v128.store(out + o, f32x4.add(f32x4.mul(r1, v128.load(att + o)), f32x4.mul(r2, v128.load(conv + o))));
  }
  for (; i < n; i++) {
    const o = f32off(i);
    store<f32>(out + o, rate1 * load<f32>(att + o) + rate2 * load<f32>(conv + o));
  }
}

/** Scalar twin of acmix_mix__f32x4. */
export function acmix_mix__scalar(att: usize, conv: usize, out: usize, n: i32, rate1: f32, rate2: f32): void {
  for (let i = 0; i < n; i++) {
    const o = f32off(i);
    store<f32>(out + o, rate1 * load<f32>(att + o) + rate2 * load<f32>(conv + o));
  }
}
