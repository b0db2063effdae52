// The 4x8 f32x4 GEMM tile, written once: gemm's micro-kernel (as/gemm.ts), acmix_fc and dep_conv
// (as/acmix_fc.ts) all expand this @inline function. A 4-row × 8-column tile of C lives in 8 f32x4
// accumulators while k runs over a packed A block (pack_a layout: K groups of the 4 rows' A[·, k]; each A
// element is broadcast once per k with v128.load32_splat at immediate offsets 0, 4, 8, 12) and 8 B values
// per k, read one of four ways (`bKind`, a constant at every call site, so after inlining the optimizer
// folds the other three branches away and each caller gets its own straight loop):
//
//   B_PANEL         packed panel (pack_b layout): 8 contiguous floats per k, the panel advances 32 bytes
//   B_ROWS          8 contiguous floats per k, the next k bStep bytes further (rows of planes read in place)
//   B_ROWS_PARTIAL  as B_ROWS, but only the first nr < 8 floats are read (loadLo8 / loadHi8): a W mod 8 tail
//   B_GATHER        implicit im2col: 8 pixels at stride s from b + offsets[k] (an i32 byte-offset table)
//
// Per output element, in float32 and in this order (strict builds: no FMA; the relaxed build fuses each
// `acc + A·B` step with relaxed_madd, as/lib/fma.ts):
//   acc = accumulate ? C[m, n] : +0
//   for k = 0 .. K−1:  acc = acc + A[m, k] · B[k, n]
//   if bias ≠ 0:       acc = acc + bias[m]
// which is the order of every scalar twin (gemm__scalar, acmix_fc__scalar, dep_conv__scalar), so each
// f32x4 kernel built on this tile is bit-identical to its twin (standard Wasm SIMD is IEEE-deterministic).
//
// Rows mr..3 of a partial tile (mr < 4) are the zero rows of the packed A block: their C pointers alias row
// mr − 1 (XNNPACK's clamp) and are stored first, so row mr − 1's own values land last.
//
// Register budget of the k loop: 8 accumulators + 2 B vectors + 1 broadcast A (+1 product) = 12 of V8's
// ~15 usable xmm registers, no spills. Not unrolled on purpose: an unrolled body is scheduled one
// accumulator chain at a time by V8, which keeps every B vector and broadcast of the body live at once
// and spills (checked with node --no-liftoff --print-wasm-code). The bias is loaded after the k loop for
// the same reason (4 more live vectors across the loop would spill).

import { loadLo8, loadHi8, store8 } from './lanes';
import { loadStrided } from './ranges';
import { madd } from './fma';   // c + a·b: strict or fused by build (as/lib/fma.ts)

/** Packed pack_b panel: 8 contiguous floats per k, 32 bytes per k. */
export const B_PANEL: i32 = 0;
/** 8 contiguous floats per k, bStep bytes between consecutive k. */
export const B_ROWS: i32 = 1;
/** The first nr (< 8) of 8 contiguous floats per k, bStep bytes between consecutive k. */
export const B_ROWS_PARTIAL: i32 = 2;
/** 8 pixels at stride s from b + offsets[k] (offsets: K i32 byte offsets). */
export const B_GATHER: i32 = 3;

/**
 * One 4x8 tile: C[0..mr)[0..nr) (+)= Ablock ᵀ· B (+ bias), mr ≤ 4, nr ≤ 8.
 *
 * Memory:  pa: the packed A block (K groups of 4 floats); b, bStep, offsets, s: the B operand as `bKind`
 *          says (see the file header; unused ones are ignored); c: byte offset of C[0, 0], rows ldc bytes
 *          apart; bias: byte offset of the tile's first row bias (mr floats), or 0 for none.
 * Writes:  C[m, n] for m < mr, n < nr only.
 * Numerics: the order in the file header.
 * Contract: bKind a compile-time constant; 1 ≤ mr ≤ 4; 1 ≤ nr ≤ 8 (nr < 8 only with B_PANEL, B_ROWS_PARTIAL
 *          or B_GATHER); K ≥ 0.
 */
// @ts-ignore: decorator
@inline export function tile_4x8(
  bKind: i32, K: i32, pa: usize, b: usize, bStep: usize, offsets: usize, s: i32,
  mr: i32, nr: i32, c: usize, ldc: usize, bias: usize, accumulate: i32,
): void {
  const c0 = c;
  const c1 = mr > 1 ? c0 + ldc : c0;
  const c2 = mr > 2 ? c1 + ldc : c1;
  const c3 = mr > 3 ? c2 + ldc : c2;

  let acc0l = f32x4.splat(0), acc0h = f32x4.splat(0);
  let acc1l = f32x4.splat(0), acc1h = f32x4.splat(0);
  let acc2l = f32x4.splat(0), acc2h = f32x4.splat(0);
  let acc3l = f32x4.splat(0), acc3h = f32x4.splat(0);
  if (accumulate) {
    if (nr == 8) {
      acc0l = v128.load(c0); acc0h = v128.load(c0, 16);
      acc1l = v128.load(c1); acc1h = v128.load(c1, 16);
      acc2l = v128.load(c2); acc2h = v128.load(c2, 16);
      acc3l = v128.load(c3); acc3h = v128.load(c3, 16);
    } else {
      acc0l = loadLo8(c0, nr); acc0h = loadHi8(c0, nr);
      acc1l = loadLo8(c1, nr); acc1h = loadHi8(c1, nr);
      acc2l = loadLo8(c2, nr); acc2h = loadHi8(c2, nr);
      acc3l = loadLo8(c3, nr); acc3h = loadHi8(c3, nr);
    }
  }

  // k loop: 2 B vectors, 4 splat loads of A, 8 mul, 8 add per k
  let pb = b, po = offsets;
  const hiB = <usize>(s << 4);                            // B_GATHER: lanes 4..7 start 4·s floats further
  for (let k = K; k > 0; k--) {
    let b0: v128, b1: v128;
    if (bKind == B_PANEL) {
      b0 = v128.load(pb); b1 = v128.load(pb, 16);
      pb += 32;
    } else if (bKind == B_ROWS) {
      b0 = v128.load(pb); b1 = v128.load(pb, 16);
      pb += bStep;
    } else if (bKind == B_ROWS_PARTIAL) {
      b0 = loadLo8(pb, nr); b1 = loadHi8(pb, nr);
      pb += bStep;
    } else {                                              // B_GATHER
      const px = b + <usize>load<i32>(po);
      if (s == 1) { b0 = v128.load(px); b1 = v128.load(px, 16); } else { b0 = loadStrided(px, s); b1 = loadStrided(px + hiB, s); }
      po += 4;
    }
    let x = v128.load32_splat(pa);
    acc0l = madd(x, b0, acc0l); acc0h = madd(x, b1, acc0h);
    x = v128.load32_splat(pa, 4);
    acc1l = madd(x, b0, acc1l); acc1h = madd(x, b1, acc1h);
    x = v128.load32_splat(pa, 8);
    acc2l = madd(x, b0, acc2l); acc2h = madd(x, b1, acc2h);
    x = v128.load32_splat(pa, 12);
    acc3l = madd(x, b0, acc3l); acc3h = madd(x, b1, acc3h);
    pa += 16;
  }

  if (bias != 0) {                                        // bias after the k sum, as the scalar twins do
    const b0 = v128.load32_splat(bias);
    const b1 = mr > 1 ? v128.load32_splat(bias, 4) : b0;
    const b2 = mr > 2 ? v128.load32_splat(bias, 8) : b1;
    const b3 = mr > 3 ? v128.load32_splat(bias, 12) : b2;
    acc0l = f32x4.add(acc0l, b0); acc0h = f32x4.add(acc0h, b0);
    acc1l = f32x4.add(acc1l, b1); acc1h = f32x4.add(acc1h, b1);
    acc2l = f32x4.add(acc2l, b2); acc2h = f32x4.add(acc2h, b2);
    acc3l = f32x4.add(acc3l, b3); acc3h = f32x4.add(acc3h, b3);
  }

  // stores in reverse row order: aliased rows (mr < 4) hold the zero rows' results and are overwritten by
  // row mr − 1's own values, which are stored last
  if (nr == 8) {
    v128.store(c3, acc3l); v128.store(c3, acc3h, 16);
    v128.store(c2, acc2l); v128.store(c2, acc2h, 16);
    v128.store(c1, acc1l); v128.store(c1, acc1h, 16);
    v128.store(c0, acc0l); v128.store(c0, acc0h, 16);
  } else {
    store8(c3, acc3l, acc3h, nr);
    store8(c2, acc2l, acc2h, nr);
    store8(c1, acc1l, acc1h, nr);
    store8(c0, acc0l, acc0h, nr);
  }
}
