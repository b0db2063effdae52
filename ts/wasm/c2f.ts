import { Tensor } from '../core/tensor.js';
import { checkC2f, foldedConv, type C2fOpOptions, type C2fWeights } from '../core/check/c2f.js';
import { withArena, type Arena } from './arena.js';
import { kernels, f32, type Kernels, type Ptr } from './kernels.js';
import { gemmColumnBlock, gemmPackedAFloats } from './conv2d.js';

/**
 * YOLOv8's C2f block on the WASM kernels, every intermediate resident in one arena scope: same signature and
 * semantics as ts/ref/c2f.ts (Ultralytics' `C2f.forward`, batch norms folded into the convolutions).
 *
 * Composition (per image; the concatenation buffer cat [(2+n)·c, H·W] is written in place, so chunk and cat move
 * no data):
 *   cat[0 : 2c]            = SiLU(W'_cv1 · x + b'_cv1)                       gemm__f32x4_4x8 (1x1), silu__f32x4 in place
 *   for i < n:  t          = SiLU(conv3x3(cat[(1+i)c : (2+i)c], W'_{m.i.cv1}) + b')    banded im2col → pack_b → gemm_packed
 *               cat[(2+i)c : (3+i)c] = SiLU(conv3x3_g(t, W'_{m.i.cv2}) + b') (+ cat[(1+i)c : (2+i)c] if shortcut)   add__f32x4
 *   out                    = SiLU(W'_cv2 · cat + b'_cv2)                      gemm__f32x4_4x8 (1x1), silu__f32x4
 *   W', b': foldBatchNorm (float64, rounded once) in TypeScript before the upload, as the reference.
 * The 1x1 convolutions make the same kernel calls as ts/wasm/conv2d.ts's pointwise path, and the activation the same
 * as ts/wasm/silu.ts, so C2f with n = 0 equals cv2(cv1(x)) through conv2d + silu bit for bit. The 3x3 convolutions
 * follow conv2d.ts's banded im2col path (bands of output rows whose packed panels fit in 256 KiB), per group.
 * Shapes:  input [N, c1, H, W] → [N, c2, H, W] (as ts/ref/c2f.ts).
 * Numerics: float32. Each conv output is one dot product of K = C_in/groups·k_h·k_w terms plus the bias, summed in the
 *          GEMM's order (within 2·(K + 1)·u·Σ|terms| of the float64 reference's conv on the same input), SiLU within
 *          8·u·|y|, the add exact; along the block the chain bound 4·K_chain·u·(|y| + mean|y|) with
 *          K_chain = c1 + n·(9c + 9c/g) + (2+n)·c + 8 per Conv (spec/c2f.test.ts, spec/support/cases.ts).
 * Memory:  input, output, the folded weights, cat [(2+n)·c·H·W] and t [c·H·W] per image, the im2col band and packed
 *          panels (≤ 256 KiB each).
 * Cost:    as ts/ref/c2f.ts.
 * @throws as checkC2f (before any WASM work); BackendError before `init()`.
 * @see ts/ref/c2f.ts · as/gemm.ts · as/im2col.ts · as/activations_extra.ts · as/elementwise.ts · spec/c2f.test.ts
 */
export function c2f(input: Tensor, weights: C2fWeights, options?: C2fOpOptions): Tensor {
  const g = checkC2f('c2f', input, weights, options);
  const k = kernels();
  const { N, H, W, c1, c, c2, n } = g;
  const HW = H * W, catC = (2 + n) * c;
  const folded = (prefix: string) => foldedConv(weights, prefix, g.eps);
  const out = withArena((a) => {
    const x = a.upload(input.data);
    const up = (prefix: string) => { const f = folded(prefix); return { w: a.upload(f.weight.data), b: a.upload(f.bias.data) }; };
    const cv1 = up('cv1'), cv2 = up('cv2');
    const blocks = Array.from({ length: n }, (_, i) => ({ cv1: up(`m.${i}.cv1`), cv2: up(`m.${i}.cv2`) }));
    const y = a.alloc(N * c2 * HW);
    const cat = a.alloc(catC * HW);
    const t = n > 0 ? a.alloc(c * HW) : 0;
    const scratch = n > 0 ? conv3x3Scratch(a, c, H, W) : null;
    for (let img = 0; img < N; img++) {
      pointwise(k, a, cv1.w, cv1.b, f32(x, img * c1 * HW), cat, 2 * c, c1, HW);
      k.silu__f32x4(cat, cat, 2 * c * HW);
      for (let i = 0; i < n; i++) {
        const prev = f32(cat, (1 + i) * c * HW), next = f32(cat, (2 + i) * c * HW);
        conv3x3(k, scratch!, blocks[i].cv1.w, blocks[i].cv1.b, prev, t, c, c, 1, H, W);
        k.silu__f32x4(t, t, c * HW);
        conv3x3(k, scratch!, blocks[i].cv2.w, blocks[i].cv2.b, t, next, c, c, g.g, H, W);
        k.silu__f32x4(next, next, c * HW);
        if (g.shortcut) k.add__f32x4(prev, next, next, c * HW);
      }
      const yi = f32(y, img * c2 * HW);
      pointwise(k, a, cv2.w, cv2.b, cat, yi, c2, catC, HW);
      k.silu__f32x4(yi, yi, c2 * HW);
    }
    return a.download(y, N * c2 * HW);
  });
  return new Tensor(out, [N, c2, H, W]);
}

/** y [M, HW] = w [M, K] · x [K, HW] + b: ts/wasm/conv2d.ts's pointwise call (same column block, same bits). */
function pointwise(k: Kernels, a: Arena, w: Ptr, b: Ptr, x: Ptr, y: Ptr, M: number, K: number, HW: number): void {
  const nc = gemmColumnBlock(K, HW);
  const packedA = a.alloc(gemmPackedAFloats(M, K)), packedB = a.alloc(K * nc);
  k.gemm__f32x4_4x8(M, HW, K, w, K, x, HW, y, HW, b, 0, packedA, packedB, nc);
}

interface Conv3x3Scratch { col: Ptr; packedA: Ptr; packedB: Ptr; rows: number }

/** Scratch of conv3x3 for C_in ≤ c (groups 1 is the largest reduction, 9c): one band of im2col and its packed panels. */
function conv3x3Scratch(a: Arena, c: number, H: number, W: number): Conv3x3Scratch {
  const Kred = 9 * c, nc = gemmColumnBlock(Kred, H * W);
  const rows = Math.max(1, Math.min(H, Math.floor(nc / W))), nb = rows * W;
  return { col: a.alloc(Kred * nb), packedA: a.alloc(gemmPackedAFloats(c, Kred)), packedB: a.alloc(Kred * ((nb + 7) & ~7)), rows };
}

/**
 * 3x3, stride 1, padding 1 convolution of one image, C_in → C_out in `groups` groups, plus bias: per group the weight is
 * packed once (pack_a), then bands of `rows` output rows go through im2col → pack_b → gemm_packed (conv2d.ts's banded
 * path). Bands may end in a partial 8-column panel (handled by the kernels).
 */
function conv3x3(k: Kernels, s: Conv3x3Scratch, w: Ptr, b: Ptr, x: Ptr, y: Ptr, C_in: number, C_out: number, groups: number, H: number, W: number): void {
  const cin = C_in / groups, cout = C_out / groups, Kred = cin * 9, P = H * W;
  for (let grp = 0; grp < groups; grp++) {
    k.pack_a__f32x4(cout, Kred, f32(w, grp * cout * Kred), Kred, s.packedA);
    const xg = f32(x, grp * cin * P), yg = f32(y, grp * cout * P), bg = f32(b, grp * cout);
    for (let i0 = 0; i0 < H; i0 += s.rows) {
      const r = Math.min(s.rows, H - i0), cols = r * W;
      k.im2col__f32x4(xg, s.col, cin, H, W, 3, 3, 1, 1, 1, 1, 1 - i0, 1, r, W);
      k.pack_b__f32x4(Kred, cols, s.col, cols, s.packedB);
      k.gemm_packed__f32x4_4x8(cout, cols, Kred, s.packedA, s.packedB, f32(yg, i0 * W), P, bg, 0);
    }
  }
}
