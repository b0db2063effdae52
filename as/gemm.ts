// GEMM: C[M×N] (+)= A[M×K] · B[K×N] (+ bias per row), row-major float32 with leading dimensions.
//
// The hot core of the library: 1x1 conv, im2col conv, the ACmix stage-I projections and linear
// layers all land here. The f32x4 path is an XNNPACK-style register-blocked micro-kernel: a
// 4-row × 8-column tile of C lives in 8 f32x4 accumulators while k runs over a packed B panel
// (K rows of 8 contiguous floats), each A element is broadcast once per k (v128.load32_splat).
//
// Per output element every variant computes, in float32 and in this order:
//   acc = accumulate ? C[m,n] : +0
//   for k = 0 .. K-1:  acc = acc + A[m,k] · B[k,n]      (one rounding for ×, one for +; no FMA)
//   if bias ≠ 0:       acc = acc + bias[m]
//   C[m,n] = acc
// so gemm__scalar ≡ gemm__f32x4_4x8 ≡ gemm_packed__f32x4_4x8 bit for bit (standard Wasm SIMD is
// IEEE-deterministic), whatever the blocking. The caller may split K into consecutive blocks
// (accumulate on every block after the first, bias on the last only) and still get the same bits.

import { f32off, loadLo8, loadHi8, store8 } from './lib/lanes';

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
 * One tile: C[0..mr)[0..nr) (+)= A[0..mr)[0..K) · panel[0..K)[0..nr) (+ bias), mr ≤ 4, nr ≤ 8.
 * Rows mr..3 alias row mr-1 (XNNPACK's clamp): they compute and store the same values to the
 * same place, after all loads, so a short tile needs no separate code.
 */
function ukernel_4x8(
  mr: i32, nr: i32, K: i32,
  a: usize, lda: usize, w: usize,
  c: usize, ldc: usize, bias: usize, accumulate: i32,
): void {
  const a0 = a;
  const a1 = mr > 1 ? a0 + lda : a0;
  const a2 = mr > 2 ? a1 + lda : a1;
  const a3 = mr > 3 ? a2 + lda : a2;
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

  // k loop: 4 splat loads of A, 2 loads of B, 8 mul, 8 add per k; 8 accumulators + 2 B vectors
  // + 1 broadcast A (+1 product) live: no spills. Not unrolled on purpose: Binaryen turns an
  // unrolled body into one expression tree per accumulator, which keeps every B vector and
  // broadcast of the body live at once and makes V8 spill (checked with --print-wasm-code).
  let pa0 = a0, pa1 = a1, pa2 = a2, pa3 = a3, pw = w;
  for (let k = K; k > 0; k--) {
    const b0 = v128.load(pw), b1 = v128.load(pw, 16);
    let x = v128.load32_splat(pa0);
    acc0l = f32x4.add(acc0l, f32x4.mul(x, b0)); acc0h = f32x4.add(acc0h, f32x4.mul(x, b1));
    x = v128.load32_splat(pa1);
    acc1l = f32x4.add(acc1l, f32x4.mul(x, b0)); acc1h = f32x4.add(acc1h, f32x4.mul(x, b1));
    x = v128.load32_splat(pa2);
    acc2l = f32x4.add(acc2l, f32x4.mul(x, b0)); acc2h = f32x4.add(acc2h, f32x4.mul(x, b1));
    x = v128.load32_splat(pa3);
    acc3l = f32x4.add(acc3l, f32x4.mul(x, b0)); acc3h = f32x4.add(acc3h, f32x4.mul(x, b1));
    pa0 += 4; pa1 += 4; pa2 += 4; pa3 += 4; pw += 32;
  }

  if (bias != 0) { // bias after the k sum, as the scalar twin (and the reference) do
    const b0 = v128.load32_splat(bias);
    const b1 = mr > 1 ? v128.load32_splat(bias, 4) : b0;
    const b2 = mr > 2 ? v128.load32_splat(bias, 8) : b1;
    const b3 = mr > 3 ? v128.load32_splat(bias, 12) : b2;
    acc0l = f32x4.add(acc0l, b0); acc0h = f32x4.add(acc0h, b0);
    acc1l = f32x4.add(acc1l, b1); acc1h = f32x4.add(acc1h, b1);
    acc2l = f32x4.add(acc2l, b2); acc2h = f32x4.add(acc2h, b2);
    acc3l = f32x4.add(acc3l, b3); acc3h = f32x4.add(acc3h, b3);
  }

  // Stores in reverse row order so aliased rows (mr < 4) end with row mr-1's own values
  // (they are identical anyway).
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

// ---------------------------------------------------------------------------------------------
// drivers

/**
 * C[M×N] (+)= A[M×K] · B[K×N] (+ bias[m] per row), with B already packed by pack_b__f32x4.
 *
 * Memory:   a: byte offset of A[0,0], row stride lda floats; packed: ⌈N/8⌉ panels of K×8 floats
 *           (pack_b layout); c: byte offset of C[0,0], row stride ldc floats; bias: byte offset
 *           of M floats, or 0 for none. No alignment required. C must not overlap A, packed, bias.
 * Writes:   C[m, n] for m < M, n < N only (the padding of a row beyond N is not touched).
 * Numerics: float32, per element k = 0..K-1 in order into one accumulator started at C (accumulate
 *           ≠ 0) or +0, bias added after the sum; bit-identical to gemm__scalar.
 * Contract: M, N, K ≥ 0, lda ≥ K, ldc ≥ N — asserted in debug builds only.
 * Cost:     2·M·N·K FLOPs.
 */
export function gemm_packed__f32x4_4x8(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32, packed: usize,
  c: usize, ldc: i32, bias: usize, accumulate: i32,
): void {
  assert(M >= 0 && N >= 0 && K >= 0 && lda >= K && ldc >= N);
  const ldaBytes = f32off(lda), ldcBytes = f32off(ldc);
  const panelBytes = f32off(K << 3);
  // Row blocks outer, panels inner: the 4 rows of A (4·K floats) stay in L1 while the packed
  // panels stream from L2.
  for (let m = 0; m < M; m += 4) {
    const mr = min<i32>(4, M - m);
    const am = a + <usize>m * ldaBytes;
    const cm = c + <usize>m * ldcBytes;
    const bm = bias != 0 ? bias + f32off(m) : 0;
    let w = packed;
    for (let n = 0; n < N; n += 8) {
      ukernel_4x8(mr, min<i32>(8, N - n), K, am, ldaBytes, w, cm + f32off(n), ldcBytes, bm, accumulate);
      w += panelBytes;
    }
  }
}

/**
 * C[M×N] (+)= A[M×K] · B[K×N] (+ bias[m] per row): packs B in column blocks of nc into
 * `packed` (pack_b__f32x4) and runs gemm_packed__f32x4_4x8 on each block.
 *
 * Memory:   a, b, c: byte offsets of A[0,0], B[0,0], C[0,0] with row strides lda, ldb, ldc
 *           floats; bias: byte offset of M floats or 0; packed: scratch of K·nc floats.
 *           No alignment required. C and packed must not overlap A, B, bias or each other.
 * Writes:   C[m, n] for m < M, n < N, and packed[0 .. K·nc).
 * Numerics: as gemm_packed__f32x4_4x8: bit-identical to gemm__scalar.
 * Contract: M, N, K ≥ 0, lda ≥ K, ldb ≥ N, ldc ≥ N, nc a positive multiple of 8 — asserted in
 *           debug builds only. Pick nc so that K·nc floats sit in L2 (e.g. ≤ 256 KiB).
 * Cost:     2·M·N·K FLOPs.
 */
export function gemm__f32x4_4x8(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, accumulate: i32,
  packed: usize, nc: i32,
): void {
  assert(M >= 0 && N >= 0 && K >= 0 && lda >= K && ldb >= N && ldc >= N);
  assert(nc > 0 && (nc & 7) == 0);
  if (M == 0) return;
  for (let n0 = 0; n0 < N; n0 += nc) {
    const nb = min<i32>(nc, N - n0);
    pack_b__f32x4(K, nb, b + f32off(n0), ldb, packed);
    gemm_packed__f32x4_4x8(M, nb, K, a, lda, packed, c + f32off(n0), ldc, bias, accumulate);
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
