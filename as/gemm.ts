// GEMM: C[M×N] (+)= A[M×K] · B[K×N] (+ bias per row), row-major float32 with leading dimensions.
//
// The hot core of the library: 1x1 conv, im2col conv, the ACmix stage-I projections and linear
// layers all land here. The f32x4 path is an XNNPACK-style register-blocked micro-kernel: the 4x8
// tile of as/lib/tile_4x8.ts (shared with acmix_fc and dep_conv), a 4-row × 8-column tile of C in 8
// f32x4 accumulators while k runs over a packed B panel (K rows of 8 contiguous floats) and a packed
// A block (K groups of the 4 rows' A[·, k]); each A element is broadcast once per k
// (v128.load32_splat with immediate offsets 0, 4, 8, 12), so the k loop advances two pointers only
// (measured +5-12% over four unpacked A row pointers).
//
// Per output element every variant computes, in float32 and in this order:
//   acc = accumulate ? C[m,n] : +0
//   for k = 0 .. K-1:  acc = acc + A[m,k] · B[k,n]      (one rounding for ×, one for +; no FMA)
//   if bias ≠ 0:       acc = acc + bias[m]
//   C[m,n] = acc
// so gemm__scalar ≡ gemm__f32x4_4x8 ≡ gemm_packed__f32x4_4x8 bit for bit (standard Wasm SIMD is
// IEEE-deterministic), whatever the blocking. The caller may split K into consecutive blocks
// (accumulate on every block after the first, bias on the last only) and still get the same bits.

import { f32off, loadLo8, loadHi8 } from './lib/lanes';
import { tile_4x8, B_PANEL } from './lib/tile_4x8';

// ---------------------------------------------------------------------------------------------
// pack_a: M×K block of A → ⌈M/4⌉ blocks of K×4 (row-interleaved, zero rows past M)

/**
 * Packs A[0..M)[0..K) into ⌈M/4⌉ blocks: block r holds, for k = 0..K-1, the 4 floats
 * A[4r, k], A[4r+1, k], A[4r+2, k], A[4r+3, k] contiguously (rows ≥ M written as +0).
 *
 * Memory:   a: byte offset of A[0,0], row stride lda floats; packed: byte offset of a scratch
 *           buffer of ⌈M/4⌉·4·K floats. No alignment required. packed must not overlap A.
 * Writes:   packed[0 .. ⌈M/4⌉·4·K) only.
 * Numerics: data movement (4×4 transposes by shuffles), bit-exact (same bits as pack_a__scalar).
 * Contract: M ≥ 0, K ≥ 0, lda ≥ K — asserted in debug builds only.
 */
export function pack_a__f32x4(M: i32, K: i32, a: usize, lda: i32, packed: usize): void {
  assert(M >= 0 && K >= 0 && lda >= K);
  const rowBytes = f32off(lda);
  let dst = packed;
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const r0 = a + <usize>m * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    let k = 0;
    for (; k + 4 <= K; k += 4) { // 4×4 transpose: rows (r0..r3) × (k..k+3) → k-major groups of 4
      const o = f32off(k);
      const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);   // a0k0 a1k0 a0k1 a1k1
      const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);   // a2k0 a3k0 a2k1 a3k1
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);   // a0k2 a1k2 a0k3 a1k3
      const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);   // a2k2 a3k2 a2k3 a3k3
      v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
      v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
      v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
      dst += 64;
    }
    for (; k < K; k++) { // K % 4 tail
      const o = f32off(k);
      store<u32>(dst, load<u32>(r0 + o));
      store<u32>(dst, load<u32>(r1 + o), 4);
      store<u32>(dst, load<u32>(r2 + o), 8);
      store<u32>(dst, load<u32>(r3 + o), 12);
      dst += 16;
    }
  }
  if (m < M) { // M % 4 tail block: the missing rows are +0
    const mr = M - m;
    const r0 = a + <usize>m * rowBytes;
    for (let k = 0; k < K; k++) {
      for (let r = 0; r < 4; r++) {
        store<u32>(dst + f32off(r), r < mr ? load<u32>(r0 + <usize>r * rowBytes + f32off(k)) : 0);
      }
      dst += 16;
    }
  }
}

/**
 * Scalar twin of pack_a__f32x4 (same layout, same bits; moves 32-bit words).
 *
 * Memory, Writes, Contract: as pack_a__f32x4.
 */
export function pack_a__scalar(M: i32, K: i32, a: usize, lda: i32, packed: usize): void {
  assert(M >= 0 && K >= 0 && lda >= K);
  let dst = packed;
  for (let m0 = 0; m0 < M; m0 += 4) {
    for (let k = 0; k < K; k++) {
      for (let r = 0; r < 4; r++) {
        store<u32>(dst + f32off(r), m0 + r < M ? load<u32>(a + f32off((m0 + r) * lda + k)) : 0);
      }
      dst += 16;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// pack_b: K×N column block of B → ⌈N/8⌉ panels of K×8 (zero-padded on the right)

/**
 * Packs B[0..K)[0..N) into ⌈N/8⌉ column panels: panel p holds, for k = 0..K-1, the 8 floats
 * B[k, 8p .. 8p+8) contiguously (columns ≥ N written as +0).
 *
 * Memory:   b: byte offset of B[0,0], row stride ldb floats; packed: byte offset of a scratch
 *           buffer of ⌈N/8⌉·8·K floats. No alignment required. packed must not overlap B.
 * Writes:   packed[0 .. ⌈N/8⌉·8·K) only.
 * Numerics: data movement, bit-exact (same bits as pack_b__scalar).
 * Contract: K ≥ 0, N ≥ 0, ldb ≥ N — asserted in debug builds only.
 */
export function pack_b__f32x4(K: i32, N: i32, b: usize, ldb: i32, packed: usize): void {
  assert(K >= 0 && N >= 0 && ldb >= N);
  const rowBytes = f32off(ldb);
  let dst = packed;
  for (let n0 = 0; n0 < N; n0 += 8) {
    const nr = min<i32>(8, N - n0);
    let src = b + f32off(n0);
    if (nr == 8) {
      for (let k = 0; k < K; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += rowBytes;
        dst += 32;
      }
    } else {
      for (let k = 0; k < K; k++) { // tail panel: read only the nr valid columns
        v128.store(dst, loadLo8(src, nr));
        v128.store(dst, loadHi8(src, nr), 16);
        src += rowBytes;
        dst += 32;
      }
    }
  }
}

/**
 * Scalar twin of pack_b__f32x4 (same layout, same bits; moves 32-bit words).
 *
 * Memory, Writes, Contract: as pack_b__f32x4.
 */
export function pack_b__scalar(K: i32, N: i32, b: usize, ldb: i32, packed: usize): void {
  assert(K >= 0 && N >= 0 && ldb >= N);
  let dst = packed;
  for (let n0 = 0; n0 < N; n0 += 8) {
    for (let k = 0; k < K; k++) {
      const src = b + f32off(k * ldb + n0);
      for (let j = 0; j < 8; j++) {
        store<u32>(dst + f32off(j), n0 + j < N ? load<u32>(src + f32off(j)) : 0);
      }
      dst += 32;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// micro-kernel

/**
 * One tile: C[0..mr)[0..nr) (+)= Ablock[0..K)[0..4) ᵀ· panel[0..K)[0..nr) (+ bias), mr ≤ 4, nr ≤ 8,
 * with A packed by pack_a (4 rows interleaved per k) and B packed by pack_b (8 columns per k): the
 * shared 4x8 tile (as/lib/tile_4x8.ts) on a packed panel.
 */
function ukernel_4x8(
  mr: i32, nr: i32, K: i32,
  pa: usize, w: usize,
  c: usize, ldc: usize, bias: usize, accumulate: i32,
): void {
  tile_4x8(B_PANEL, K, pa, w, 32, 0, 1, mr, nr, c, ldc, bias, accumulate);
}

// ---------------------------------------------------------------------------------------------
// drivers

/**
 * C[M×N] (+)= A[M×K] · B[K×N] (+ bias[m] per row), with A packed by pack_a__f32x4 and B packed
 * by pack_b__f32x4 (for operands reused across calls, e.g. a weight or a B shared by many A).
 *
 * Memory:   packedA: ⌈M/4⌉ blocks of K×4 floats (pack_a layout); packedB: ⌈N/8⌉ panels of K×8
 *           floats (pack_b layout); c: byte offset of C[0,0], row stride ldc floats; bias: byte
 *           offset of M floats, or 0 for none. No alignment required. C must not overlap the rest.
 * Writes:   C[m, n] for m < M, n < N only (the padding of a row beyond N is not touched).
 * Numerics: float32, per element k = 0..K-1 in order into one accumulator started at C (accumulate
 *           ≠ 0) or +0, bias added after the sum; bit-identical to gemm__scalar.
 * Contract: M, N, K ≥ 0, ldc ≥ N — asserted in debug builds only.
 * Cost:     2·M·N·K FLOPs.
 */
export function gemm_packed__f32x4_4x8(
  M: i32, N: i32, K: i32,
  packedA: usize, packedB: usize,
  c: usize, ldc: i32, bias: usize, accumulate: i32,
): void {
  assert(M >= 0 && N >= 0 && K >= 0 && ldc >= N);
  const ldcBytes = f32off(ldc);
  const blockBytes = f32off(K << 2), panelBytes = f32off(K << 3);
  // Row blocks outer, panels inner: the packed A block (4·K floats) stays in L1 while the B
  // panels stream from L2 (measured faster than panels outer).
  let pa = packedA;
  for (let m = 0; m < M; m += 4) {
    const mr = min<i32>(4, M - m);
    const cm = c + <usize>m * ldcBytes;
    const bm = bias != 0 ? bias + f32off(m) : 0;
    let w = packedB;
    for (let n = 0; n < N; n += 8) {
      ukernel_4x8(mr, min<i32>(8, N - n), K, pa, w, cm + f32off(n), ldcBytes, bm, accumulate);
      w += panelBytes;
    }
    pa += blockBytes;
  }
}

/**
 * C[M×N] (+)= A[M×K] · B[K×N] (+ bias[m] per row): packs A once into `packedA`
 * (pack_a__f32x4), then B in column blocks of nc into `packedB` (pack_b__f32x4), running
 * gemm_packed__f32x4_4x8 on each block.
 *
 * Memory:   a, b, c: byte offsets of A[0,0], B[0,0], C[0,0] with row strides lda, ldb, ldc
 *           floats; bias: byte offset of M floats or 0; packedA: scratch of ⌈M/4⌉·4·K floats;
 *           packedB: scratch of K·nc floats. No alignment required. C and the scratch buffers
 *           must not overlap A, B, bias or each other.
 * Writes:   C[m, n] for m < M, n < N; packedA[0 .. ⌈M/4⌉·4·K); packedB[0 .. K·nc).
 * Numerics: as gemm_packed__f32x4_4x8: bit-identical to gemm__scalar.
 * Contract: M, N, K ≥ 0, lda ≥ K, ldb ≥ N, ldc ≥ N, nc a positive multiple of 8 — asserted in
 *           debug builds only. Pick nc so that K·nc floats sit in L2 (e.g. ≤ 256 KiB).
 * Cost:     2·M·N·K FLOPs, plus M·K + K·N float moves for packing.
 */
export function gemm__f32x4_4x8(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, accumulate: i32,
  packedA: usize, packedB: usize, nc: i32,
): void {
  assert(M >= 0 && N >= 0 && K >= 0 && lda >= K && ldb >= N && ldc >= N);
  assert(nc > 0 && (nc & 7) == 0);
  if (M == 0 || N == 0) return;
  pack_a__f32x4(M, K, a, lda, packedA);
  for (let n0 = 0; n0 < N; n0 += nc) {
    const nb = min<i32>(nc, N - n0);
    pack_b__f32x4(K, nb, b + f32off(n0), ldb, packedB);
    gemm_packed__f32x4_4x8(M, nb, K, packedA, packedB, c + f32off(n0), ldc, bias, accumulate);
  }
}

/**
 * Scalar twin of gemm__f32x4_4x8 (no packing): C[M×N] (+)= A[M×K] · B[K×N] (+ bias[m]).
 *
 * Memory:   a, b, c, bias as gemm__f32x4_4x8 (bias 0 = none); no scratch.
 * Writes:   C[m, n] for m < M, n < N only.
 * Numerics: float32; per element acc = (accumulate ? C : +0), then acc + A[m,k]·B[k,n] for
 *           k = 0..K-1, then acc + bias[m] — the order every GEMM variant follows.
 * Contract: M, N, K ≥ 0, lda ≥ K, ldb ≥ N, ldc ≥ N — asserted in debug builds only.
 * Cost:     2·M·N·K FLOPs.
 */
export function gemm__scalar(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, accumulate: i32,
): void {
  assert(M >= 0 && N >= 0 && K >= 0 && lda >= K && ldb >= N && ldc >= N);
  const ldbBytes = f32off(ldb);
  for (let m = 0; m < M; m++) {
    const am = a + f32off(m * lda);
    const cm = c + f32off(m * ldc);
    for (let n = 0; n < N; n++) {
      let acc: f32 = accumulate ? load<f32>(cm + f32off(n)) : 0;
      let pb = b + f32off(n);
      for (let k = 0; k < K; k++) {
        acc = acc + load<f32>(am + f32off(k)) * load<f32>(pb);
        pb += ldbBytes;
      }
      if (bias != 0) acc = acc + load<f32>(bias + f32off(m));
      store<f32>(cm + f32off(n), acc);
    }
  }
}
