/**
 * The parallel kernels: with a pool (ts/wasm/pool.ts), `kernels()` hands out these in place of the single-thread
 * exports for the kernels below; every op that calls them runs on all threads without a change to its file.
 *
 * | kernel | split over (an output dimension only) | per-executor scratch |
 * | --- | --- | --- |
 * | gemm__f32x4_4x8 | column panels of C (N ≥ M; multiples of 8) or row blocks (multiples of 4) | packed A + packed B |
 * | gemm_packed__f32x4_4x8 | column panels (8 per packed panel) or row blocks (4 per packed block) | none |
 * | depthwise_conv2d__f32x4, _3x3s1, _3x3s1p1, _3x3s2 | channel groups | none |
 * | im2col__f32x4 | input channels (their rows of the column matrix) | none |
 * | bilinear_gather__f32x4 | channels (their rows of the deformable column matrix) | none |
 * | local_attention__f32x4 | heads | the kernel's slab scratch |
 * | window_attention__f32x4 | windows (never across a period of the mask) | window_attention_scratch_floats(N, hd) |
 *
 * Each chunk calls the same kernel on a sub-range of the output with pointers offset to it; an output element's
 * arithmetic (its accumulation order, and in the relaxed variant its fused steps) does not depend on which chunk
 * computes it, so results are bit-identical for every thread count. Calls below parallelTuning.minFlops run on the
 * calling thread (waking workers costs more than they save). Every other kernel — softmax, norms, elementwise,
 * pooling, pad, shift, transpose, pack_a / pack_b, sdpa, acmix_fc, dep_conv, the scalar twins — runs on the calling
 * thread.
 * @see ts/wasm/pool.ts · spec/threads.test.ts
 */
import type { Kernels } from './kernels.generated.js';
import type { Call, Pool } from './pool.js';

/**
 * When a call is split: below `minFlops` FLOPs (2 × multiply-adds) it runs on the calling thread; GEMM chunks are at
 * least `minColumns` columns or `minRows` rows. Tuning only (results do not depend on it): spec/threads.test.ts sets
 * everything to its minimum so that small generated cases are split too.
 */
export const parallelTuning = { minFlops: 1 << 20, minColumns: 32, minRows: 16 };

const F = 4;                                   // bytes per float
const up = (n: number, m: number) => Math.ceil(n / m) * m;

/** [start, end) ranges covering [0, total) in steps of `size` (the last may be shorter). */
function ranges(total: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = 0; s < total; s += size) out.push([s, Math.min(total, s + size)]);
  return out;
}

/** About 3 chunks per thread (slack for a busy core), each at least `min` units of `unit`. */
function chunkSize(total: number, threads: number, unit: number, min: number): number {
  return Math.max(min, up(Math.ceil(total / (3 * threads)), unit));
}

/** `k` with the kernels of the table above replaced by parallel versions running on `pool`. */
export function parallelKernels(k: Kernels, pool: Pool): Kernels {
  const T = pool.threads;
  const out: Kernels = { ...k };

  const gemmId = pool.id('gemm__f32x4_4x8');
  out.gemm__f32x4_4x8 = (M, N, K, a, lda, b, ldb, c, ldc, bias, accumulate, packedA, packedB, nc) => {
    if (2 * M * N * K < parallelTuning.minFlops) return k.gemm__f32x4_4x8(M, N, K, a, lda, b, ldb, c, ldc, bias, accumulate, packedA, packedB, nc);
    const chunks: Call[][] = [];
    let scratch: number;
    if (N >= M) {
      const w = chunkSize(N, T, 8, up(parallelTuning.minColumns, 8));
      if (w >= N) return k.gemm__f32x4_4x8(M, N, K, a, lda, b, ldb, c, ldc, bias, accumulate, packedA, packedB, nc);
      const ncc = Math.min(nc, w);
      const aFloats = up(M, 4) * K;
      scratch = aFloats + K * ncc;
      for (const [n0, n1] of ranges(N, w)) {
        chunks.push([{ fn: gemmId, scratch: (1 << 11) | (1 << 12),
          args: [M, n1 - n0, K, a, lda, b + F * n0, ldb, c + F * n0, ldc, bias, accumulate, 0, F * aFloats, ncc] }]);
      }
    } else {
      const h = chunkSize(M, T, 4, up(parallelTuning.minRows, 4));
      if (h >= M) return k.gemm__f32x4_4x8(M, N, K, a, lda, b, ldb, c, ldc, bias, accumulate, packedA, packedB, nc);
      const aFloats = up(h, 4) * K;
      scratch = aFloats + K * nc;
      for (const [m0, m1] of ranges(M, h)) {
        chunks.push([{ fn: gemmId, scratch: (1 << 11) | (1 << 12),
          args: [m1 - m0, N, K, a + F * m0 * lda, lda, b, ldb, c + F * m0 * ldc, ldc, bias ? bias + F * m0 : 0, accumulate, 0, F * aFloats, nc] }]);
      }
    }
    pool.run(chunks, scratch);
  };

  const packedId = pool.id('gemm_packed__f32x4_4x8');
  out.gemm_packed__f32x4_4x8 = (M, N, K, packedA, packedB, c, ldc, bias, accumulate) => {
    if (2 * M * N * K < parallelTuning.minFlops) return k.gemm_packed__f32x4_4x8(M, N, K, packedA, packedB, c, ldc, bias, accumulate);
    const chunks: Call[][] = [];
    if (N >= M) {
      const w = chunkSize(N, T, 8, up(parallelTuning.minColumns / 2, 8));
      if (w >= N) return k.gemm_packed__f32x4_4x8(M, N, K, packedA, packedB, c, ldc, bias, accumulate);
      for (const [n0, n1] of ranges(N, w)) {
        chunks.push([{ fn: packedId, scratch: 0, args: [M, n1 - n0, K, packedA, packedB + F * K * n0, c + F * n0, ldc, bias, accumulate] }]);
      }
    } else {
      const h = chunkSize(M, T, 4, up(parallelTuning.minRows / 2, 4));
      if (h >= M) return k.gemm_packed__f32x4_4x8(M, N, K, packedA, packedB, c, ldc, bias, accumulate);
      for (const [m0, m1] of ranges(M, h)) {
        chunks.push([{ fn: packedId, scratch: 0,
          args: [m1 - m0, N, K, packedA + F * K * m0, packedB, c + F * m0 * ldc, ldc, bias ? bias + F * m0 : 0, accumulate] }]);
      }
    }
    pool.run(chunks, 0);
  };

  for (const name of ['depthwise_conv2d__f32x4', 'depthwise_conv2d__f32x4_3x3s1', 'depthwise_conv2d__f32x4_3x3s1p1', 'depthwise_conv2d__f32x4_3x3s2'] as const) {
    const direct = k[name], id = pool.id(name);
    out[name] = (x, w, bias, y, C_out, cinPerGroup, coutPerGroup, H, W, k_h, k_w, sh, sw, dh, dw, pt, pl, H_out, W_out) => {
      const G = C_out / coutPerGroup;
      if (2 * C_out * cinPerGroup * k_h * k_w * H_out * W_out < parallelTuning.minFlops || G < 2 || !Number.isInteger(G)) {
        return direct(x, w, bias, y, C_out, cinPerGroup, coutPerGroup, H, W, k_h, k_w, sh, sw, dh, dw, pt, pl, H_out, W_out);
      }
      const chunks: Call[][] = [];
      for (const [g0, g1] of ranges(G, chunkSize(G, T, 1, 1))) {
        const c0 = g0 * coutPerGroup;
        chunks.push([{ fn: id, scratch: 0, args: [
          x + F * g0 * cinPerGroup * H * W, w + F * c0 * cinPerGroup * k_h * k_w, bias ? bias + F * c0 : 0, y + F * c0 * H_out * W_out,
          (g1 - g0) * coutPerGroup, cinPerGroup, coutPerGroup, H, W, k_h, k_w, sh, sw, dh, dw, pt, pl, H_out, W_out] }]);
      }
      pool.run(chunks, 0);
    };
  }

  const im2colId = pool.id('im2col__f32x4');
  out.im2col__f32x4 = (x, col, C, H, W, k_h, k_w, sh, sw, dh, dw, pt, pl, H_out, W_out) => {
    const per = k_h * k_w * H_out * W_out;
    if (C * per < parallelTuning.minFlops / 4 || C < 2) return k.im2col__f32x4(x, col, C, H, W, k_h, k_w, sh, sw, dh, dw, pt, pl, H_out, W_out);
    const chunks: Call[][] = [];
    for (const [c0, c1] of ranges(C, chunkSize(C, T, 1, 1))) {
      chunks.push([{ fn: im2colId, scratch: 0, args: [x + F * c0 * H * W, col + F * c0 * per, c1 - c0, H, W, k_h, k_w, sh, sw, dh, dw, pt, pl, H_out, W_out] }]);
    }
    pool.run(chunks, 0);
  };

  const gatherId = pool.id('bilinear_gather__f32x4');
  out.bilinear_gather__f32x4 = (xp, table, col, C, Tt, P, Wp, planeFloats) => {
    if (C * Tt * P * 8 < parallelTuning.minFlops || C < 2) return k.bilinear_gather__f32x4(xp, table, col, C, Tt, P, Wp, planeFloats);
    const chunks: Call[][] = [];
    for (const [c0, c1] of ranges(C, chunkSize(C, T, 1, 1))) {
      chunks.push([{ fn: gatherId, scratch: 0, args: [xp + F * c0 * planeFloats, table, col + F * c0 * Tt * P, c1 - c0, Tt, P, Wp, planeFloats] }]);
    }
    pool.run(chunks, 0);
  };

  const localId = pool.id('local_attention__f32x4');
  out.local_attention__f32x4 = (q, kk, v, pe, o, scratch, C, H, W, head, kernel_att, stride, padding, scaling) => {
    const hd = C / head, planeOut = (H / stride) * (W / stride);
    if (head < 2 || 4 * C * planeOut * kernel_att * kernel_att < parallelTuning.minFlops) {
      return k.local_attention__f32x4(q, kk, v, pe, o, scratch, C, H, W, head, kernel_att, stride, padding, scaling);
    }
    const per = chunkSize(head, T, 1, 1);
    const chunks: Call[][] = [];
    for (const [h0, h1] of ranges(head, per)) {
      const off = h0 * hd;
      chunks.push([{ fn: localId, scratch: 1 << 5, args: [
        q + F * off * H * W, kk + F * off * H * W, v + F * off * H * W, pe, o + F * off * planeOut, 0,
        (h1 - h0) * hd, H, W, h1 - h0, kernel_att, stride, padding, scaling] }]);
    }
    pool.run(chunks, k.local_attention_scratch_floats(per * hd, H, W, per, kernel_att, stride, padding));
  };

  const windowId = pool.id('window_attention__f32x4');
  out.window_attention__f32x4 = (qkv, bias, mask, o, scratch, B_, N, heads, hd, nW, scale) => {
    if (B_ < 2 || 4 * B_ * heads * N * N * hd < parallelTuning.minFlops) return k.window_attention__f32x4(qkv, bias, mask, o, scratch, B_, N, heads, hd, nW, scale);
    const C = heads * hd, size = chunkSize(B_, T, 1, 1);
    const chunks: Call[][] = [];
    for (let b0 = 0; b0 < B_;) {
      // a chunk never crosses a multiple of nW and is given nW' = its own length (so nW' | B_'): window b − b0 of the
      // chunk reads mask[(b0 mod nW) + (b − b0)] = mask[b mod nW], the mask of window b
      const b1 = Math.min(B_, b0 + size, nW > 0 ? (Math.floor(b0 / nW) + 1) * nW : B_);
      chunks.push([{ fn: windowId, scratch: 1 << 4, args: [
        qkv + F * b0 * N * 3 * C, bias, nW > 0 ? mask + F * (b0 % nW) * N * N : mask, o + F * b0 * N * C, 0, b1 - b0, N, heads, hd,
        nW > 0 ? b1 - b0 : 0, scale] }]);
      b0 = b1;
    }
    // the kernel's own scratch size where the module exports it, else its documented (hd + 1)·N + hd
    const sizeFn = (k as unknown as Record<string, unknown>).window_attention_scratch_floats;
    pool.run(chunks, typeof sizeFn === 'function' ? (sizeFn as (n: number, d: number) => number)(N, hd) : (hd + 1) * N + hd);
  };

  return out;
}
