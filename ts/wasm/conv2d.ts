import { Tensor } from '../core/tensor.js';
import type { Conv2dGeometry } from '../core/geometry.js';
import { type Conv2dOptions } from '../core/geometry.js';
import { checkConv2d } from '../core/check/conv2d.js';
import { withArena } from './arena.js';
import { kernels, f32, F32_BYTES, type Kernels, type Ptr } from './kernels.js';

export type { Conv2dOptions };

/** Bytes of packed B panel block the GEMM keeps hot (sits in L2 on every CPU we target). */
const PACKED_BLOCK_BYTES = 256 * 1024;

/**
 * Column block width `nc` for gemm__f32x4_4x8: a multiple of 8 with K·nc floats ≤ 256 KiB,
 * and no wider than N rounded up to 8. The packedB scratch needs K·nc floats.
 */
export function gemmColumnBlock(K: number, N: number): number {
  const fit = Math.floor(PACKED_BLOCK_BYTES / F32_BYTES / Math.max(K, 1)) & ~7;
  const full = (N + 7) & ~7;
  return Math.max(8, Math.min(fit, full));
}

/** Floats of the packedA scratch of gemm__f32x4_4x8: ⌈M/4⌉·4·K. */
export function gemmPackedAFloats(M: number, K: number): number {
  return ((M + 3) & ~3) * K;
}

/**
 * 2-D convolution (cross-correlation) with zero padding, stride, dilation and groups, on the WASM
 * SIMD kernels: same signature and semantics as the reference `conv2d` in ts/ref/conv2d.ts.
 *
 * Matches: torch.nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups),
 *          including padding='valid' / 'same' (extra 'same' padding on the bottom/right) and [h, w] pairs.
 * Composition (per image n and group g, XNNPACK-operator style):
 *   1x1, stride 1, no padding:  y[n, g] = weight[g] [C_out/groups × C_in/groups] · x[n, g] [C_in/groups × H·W]   (gemm)
 *   depthwise / small groups (useDirect): the direct kernel over all planes of image n, vectorised
 *                               along W_out, taps outside the map skipped    (depthwise_conv2d; depthwiseKernel
 *                               picks the 3x3 stride-1 / 'same' / stride-2 kernel or the generic one)
 *   otherwise:                  col = im2col(x[n, g])  [C_in/groups·k_h·k_w × H_out·W_out]
 *                               y[n, g] = weight[g] [C_out/groups × C_in/groups·k_h·k_w] · col               (gemm)
 *                               computed in bands of output rows (im2col, pack_b, gemm_packed per band, the
 *                               weight packed once per group), so col is never built whole (convIm2col)
 *   bias enters through the GEMM's per-row bias pointer (the direct kernel adds it after the sum too).
 * Shapes:  input [N, C_in, H, W]   weight [C_out, C_in/groups, k_h, k_w]   bias [C_out] | null
 *          output [N, C_out, H_out, W_out], H_out = floor((H + pad_top + pad_bottom − dilation_h·(k_h − 1) − 1) / stride_h) + 1
 * Units:   stride, padding, dilation in input pixels.
 * Numerics: float32; per output element the (c, p, q) products are summed in order into one float32
 *          accumulator, then the bias is added (gemm__f32x4_4x8, depthwise_conv2d__f32x4*). Within
 *          2 · (C_in/groups·k_h·k_w + 1) · 2^-24 · Σ|terms| of the float64 reference (spec/conv2d.test.ts).
 * Cost:    2 · N · C_out · H_out · W_out · (C_in/groups) · k_h · k_w FLOPs; im2col moves
 *          N · C_in · k_h · k_w · H_out · W_out floats when the conv is not 1x1/stride 1/unpadded (plus as
 *          many for pack_b), through a scratch of C_in/groups · k_h · k_w · ⌊nc/W_out⌋ · W_out floats.
 * @throws ShapeError / ParameterError exactly as the reference (checkConv2d runs before any WASM work).
 * @throws BackendError if `await wasm.init()` has not completed.
 * @see ts/ref/conv2d.ts · as/gemm.ts · as/im2col.ts · as/depthwise_conv2d.ts · spec/conv2d.test.ts
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2d('conv2d', input, weight, bias, options);
  const k = kernels();
  const { N, C_out, H_out, W_out } = g;
  const out = withArena((a) => {
    const x = a.upload(input.data);
    const w = a.upload(weight.data);
    const b = bias ? a.upload(bias.data) : 0;
    const y = a.alloc(N * C_out * H_out * W_out);
    if (isPointwise(g)) conv1x1(k, a, g, x, w, b, y);
    else if (useDirect(g)) convDirect(k, g, depthwiseKernel(k, g, weight), x, w, b, y);
    else convIm2col(k, a, g, x, w, b, y);
    return a.download(y, N * C_out * H_out * W_out);
  });
  return new Tensor(out, [N, C_out, H_out, W_out]);
}

function isPointwise(g: Conv2dGeometry): boolean {
  return g.k_h === 1 && g.k_w === 1 && g.stride_h === 1 && g.stride_w === 1 &&
    g.pad_top === 0 && g.pad_left === 0 && g.pad_bottom === 0 && g.pad_right === 0;
}

/**
 * Whether the direct grouped kernel (depthwise_conv2d__f32x4) beats im2col + GEMM. Measured with
 * bench/kernels-quick.ts (3x3, 28x28 and 56x56): the direct kernel wins 2-5x for depthwise (C_in/groups = 1,
 * any multiplier: the GEMM would have K = k_h·k_w and pay an im2col copy per tap) and ~2x when each group has
 * one output channel (the GEMM's 4-row tile a quarter used); they tie at 2 in / 2 out per group; from 4
 * outputs per group on, the GEMM wins (2x at 4 / 4, 4x at 8 / 16; ACmix's dep_conv, 9 in / 4 out: 1.5x).
 */
export function useDirect(g: Conv2dGeometry): boolean {
  if (g.groups === 1) return false;
  return g.cinPerGroup === 1 || g.coutPerGroup === 1 || (g.coutPerGroup === 2 && g.cinPerGroup <= 2);
}

type A = Parameters<Parameters<typeof withArena>[0]>[0];
type DepthwiseKernel = Kernels['depthwise_conv2d__f32x4'];

/**
 * Which depthwise_conv2d kernel runs a direct conv (all of them compute the same bits: their scalar twin's
 * order; they differ in speed): depthwise 3x3 (C_in/groups = 1) gets a kernel with the 9 weights hoisted
 * and the taps unrolled — 'same' rows at stride 1 (padding 1, dilation 1, W_out = W ≥ 8, finite weights:
 * columns outside read as +0, no masks) take `_3x3s1p1`, other stride-1 rows with W ≥ 4 `_3x3s1` (masked
 * border vectors), stride 2 along W `_3x3s2`; everything else the generic `depthwise_conv2d__f32x4`.
 * Non-finite weights leave the 'same' kernel: w·(+0) would be NaN where the tap must be skipped.
 */
export function depthwiseKernel(k: Kernels, g: Conv2dGeometry, weight: Tensor): DepthwiseKernel {
  if (g.cinPerGroup === 1 && g.k_h === 3 && g.k_w === 3) {
    if (g.stride_w === 1 && g.W >= 4) {
      const same = g.dilation_w === 1 && g.pad_left === 1 && g.W_out === g.W && g.W >= 8;
      return same && allFinite(weight.data) ? k.depthwise_conv2d__f32x4_3x3s1p1 : k.depthwise_conv2d__f32x4_3x3s1;
    }
    if (g.stride_w === 2) return k.depthwise_conv2d__f32x4_3x3s2;
  }
  return k.depthwise_conv2d__f32x4;
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

/** 1x1 stride-1 unpadded conv: one GEMM per (image, group) straight on the input planes. */
function conv1x1(k: Kernels, a: A, g: Conv2dGeometry, x: Ptr, w: Ptr, b: Ptr, y: Ptr): void {
  const { N, C_in, C_out, H, W, groups, cinPerGroup, coutPerGroup } = g;
  const HW = H * W;
  const nc = gemmColumnBlock(cinPerGroup, HW);
  const packedA = a.alloc(gemmPackedAFloats(coutPerGroup, cinPerGroup));
  const packedB = a.alloc(cinPerGroup * nc);
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < groups; grp++) {
      k.gemm__f32x4_4x8(
        coutPerGroup, HW, cinPerGroup,
        f32(w, grp * coutPerGroup * cinPerGroup), cinPerGroup,
        f32(x, (n * C_in + grp * cinPerGroup) * HW), HW,
        f32(y, (n * C_out + grp * coutPerGroup) * HW), HW,
        b ? f32(b, grp * coutPerGroup) : 0, 0,
        packedA, packedB, nc);
    }
  }
}

/** Depthwise / small-group conv: one direct-kernel call per image (no im2col, no padding copies). */
function convDirect(k: Kernels, g: Conv2dGeometry, run: DepthwiseKernel, x: Ptr, w: Ptr, b: Ptr, y: Ptr): void {
  const { N, C_in, C_out, H, W, k_h, k_w, H_out, W_out, cinPerGroup, coutPerGroup } = g;
  for (let n = 0; n < N; n++) {
    run(f32(x, n * C_in * H * W), w, b, f32(y, n * C_out * H_out * W_out),
      C_out, cinPerGroup, coutPerGroup, H, W, k_h, k_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w,
      g.pad_top, g.pad_left, H_out, W_out);
  }
}

/**
 * General conv, banded: the weight of a group is packed once (pack_a), then the output rows are
 * taken in bands of ⌊nc / W_out⌋ rows (nc from gemmColumnBlock: the band's packed panels fit in L2);
 * per band, im2col writes the band's [Kred × rows·W_out] columns into a small buffer (pad_top
 * shifted by the band's first row, so the kernel sees the band as a whole image), pack_b
 * packs it and gemm_packed runs on the band's output columns. The column matrix and its packed
 * copy stay in L2 instead of streaming the whole [Kred × H_out·W_out] matrix through memory twice
 * (measured with bench/conv3x3-quick.ts: 3x3 64→64 56x56 1.10x faster). Each output element is summed
 * exactly as with one im2col + gemm__f32x4_4x8 over the whole image (same bits). When a band's width
 * is not a multiple of 8 (e.g. 14x14 maps with K = 2304: bands of one 14-column row), every band ends
 * in a partial panel and re-streams the packed weight; that measured ~8% slower than the whole-image
 * path, which is kept for those shapes (convIm2colWhole).
 */
function convIm2col(k: Kernels, a: A, g: Conv2dGeometry, x: Ptr, w: Ptr, b: Ptr, y: Ptr): void {
  const { N, C_in, C_out, H, W, k_h, k_w, H_out, W_out, groups, cinPerGroup, coutPerGroup } = g;
  const Kred = cinPerGroup * k_h * k_w;         // reduction length: rows of col, columns of weight[g]
  const P = H_out * W_out;                      // output columns of one (image, group)
  const nc = gemmColumnBlock(Kred, P);
  const rows = Math.max(1, Math.min(H_out, Math.floor(nc / W_out)));
  const nb = rows * W_out;                      // columns of one full band
  if (rows < H_out && (nb & 7) !== 0) {         // bands would end in partial panels: whole image (measured)
    convIm2colWhole(k, a, g, x, w, b, y, nc);
    return;
  }
  const col = a.alloc(Kred * nb);
  const packedA = a.alloc(gemmPackedAFloats(coutPerGroup, Kred));
  const packedB = a.alloc(Kred * ((nb + 7) & ~7));
  for (let grp = 0; grp < groups; grp++) {
    k.pack_a__f32x4(coutPerGroup, Kred, f32(w, grp * coutPerGroup * Kred), Kred, packedA);
    const bg = b ? f32(b, grp * coutPerGroup) : 0;
    for (let n = 0; n < N; n++) {
      const xg = f32(x, (n * C_in + grp * cinPerGroup) * H * W);
      const yg = f32(y, (n * C_out + grp * coutPerGroup) * P);
      for (let i0 = 0; i0 < H_out; i0 += rows) {
        const r = Math.min(rows, H_out - i0), cols = r * W_out;
        // the band as an image whose output row 0 is row i0 (pad_top may go < 0)
        k.im2col__f32x4(xg, col, cinPerGroup, H, W, k_h, k_w, g.stride_h, g.stride_w,
          g.dilation_h, g.dilation_w, g.pad_top - i0 * g.stride_h, g.pad_left, r, W_out);
        k.pack_b__f32x4(Kred, cols, col, cols, packedB);
        k.gemm_packed__f32x4_4x8(coutPerGroup, cols, Kred, packedA, packedB, f32(yg, i0 * W_out), P, bg, 0);
      }
    }
  }
}

/** Whole-image im2col of one (image, group) into a [Kred × H_out·W_out] buffer, then one gemm__f32x4_4x8. */
function convIm2colWhole(k: Kernels, a: A, g: Conv2dGeometry, x: Ptr, w: Ptr, b: Ptr, y: Ptr, nc: number): void {
  const { N, C_in, C_out, H, W, k_h, k_w, H_out, W_out, groups, cinPerGroup, coutPerGroup } = g;
  const Kred = cinPerGroup * k_h * k_w, P = H_out * W_out;
  const col = a.alloc(Kred * P);
  const packedA = a.alloc(gemmPackedAFloats(coutPerGroup, Kred));
  const packedB = a.alloc(Kred * nc);
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < groups; grp++) {
      k.im2col__f32x4(
        f32(x, (n * C_in + grp * cinPerGroup) * H * W), col, cinPerGroup, H, W, k_h, k_w,
        g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_top, g.pad_left, H_out, W_out);
      k.gemm__f32x4_4x8(
        coutPerGroup, P, Kred, f32(w, grp * coutPerGroup * Kred), Kred, col, P,
        f32(y, (n * C_out + grp * coutPerGroup) * P), P, b ? f32(b, grp * coutPerGroup) : 0, 0,
        packedA, packedB, nc);
    }
  }
}
