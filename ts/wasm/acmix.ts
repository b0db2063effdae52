/**
 * ACmix on WASM SIMD: the official module's forward fused into one arena scope, so the input is read
 * once by stage I and no intermediate leaves WebAssembly memory until the result is copied out.
 * Same semantics as the composition in ts/ref/acmix.ts (the spec), which delegates here when called
 * with the wasm Ops (`Ops.acmixForward`).
 *
 * Paper: Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022, arXiv:2111.14556.
 * @see ts/ref/acmix.ts · as/acmix_fc.ts · as/local_attention.ts · as/gemm.ts · spec/acmix.test.ts
 */
import { Tensor } from '../core/tensor.js';
import { checkACmix, checkAcmixFc, acmixConfigFromWeights, acmixPosition, type ACmixConfig, type ACmixOptions, type ACmixResult, type ACmixWeights } from '../core/check/acmix.js';
import { localAttentionGeometry } from '../core/check/local_attention.js';
import { fmtContext } from '../core/errors.js';
import type { ACmixHooks } from '../core/ops.js';
import { withArena, type Arena } from './arena.js';
import { kernels, f32, type Kernels, type Ptr } from './kernels.js';
import { gemmColumnBlock, gemmPackedAFloats } from './conv2d.js';
import { localAttentionInArena } from './local_attention.js';

/**
 * Uploads q, k, v of N images as one stacked buffer [N, 3·C, H·W] (image n: q_n, k_n, v_n), the
 * layout stage I writes: map m < 3·head of channel d is row m·head_dim + d of an image's block.
 */
function uploadStacked(a: Arena, q: Tensor, k: Tensor, v: Tensor): Ptr {
  const [N, C, H, W] = q.shape, block = C * H * W;
  const z = a.alloc(3 * N * block);
  const view = a.view(z, 3 * N * block);
  for (let n = 0; n < N; n++) {
    view.set(q.data.subarray(n * block, (n + 1) * block), (3 * n) * block);
    view.set(k.data.subarray(n * block, (n + 1) * block), (3 * n + 1) * block);
    view.set(v.data.subarray(n * block, (n + 1) * block), (3 * n + 2) * block);
  }
  return z;
}

/** pack_a of an [M, K] row-major matrix already in memory; returns the packed block pointer. */
function packA(a: Arena, k: Kernels, M: number, K: number, ptr: Ptr): Ptr {
  const packed = a.alloc(gemmPackedAFloats(M, K));
  k.pack_a__f32x4(M, K, ptr, K, packed);
  return packed;
}

/**
 * ACmix's light fc of the convolution path on WASM SIMD: same signature and semantics as `acmixFc` in
 * ts/ref/acmix.ts.
 *
 * Paper:   ACmix §4.1, "convolution path"; official fc = Conv2d(3·head, k², 1, bias=False) on cat(q, k, v)
 *          viewed as [N, 3·head, head_dim, H·W], permuted to [N, head_dim, k², H·W].
 * Composition: per image and head_dim channel d, acmix_fc__f32x4 (a 4×8-tiled GEMM [T, 3·head] ×
 *          [3·head, H·W] whose B rows are read in place from the stacked q, k, v).
 * Shapes:  q, k, v [N, C, H, W], fc_weight [T, 3·head, 1, 1] → [N, head_dim·T, H, W].
 * Numerics: float32, 3·head products summed in order from +0: within 2·(3·head)·u·Σ|terms| of the reference.
 * Cost:    2·N·T·3·head·head_dim·H·W FLOPs.
 * @throws ShapeError / ParameterError as the reference (checkAcmixFc). @throws BackendError before `init()`.
 */
export function acmixFc(q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, options: { head: number }): Tensor {
  const { N, C, H, W, T, head_dim, head } = checkAcmixFc('acmix_fc', q, k, v, fc_weight, options);
  const kern = kernels();
  const HW = H * W, K = 3 * head, size = N * head_dim * T * HW;
  const out = withArena((a) => {
    const z = uploadStacked(a, q, k, v);
    const packedFc = packA(a, kern, T, K, a.upload(fc_weight.data));
    const y = a.alloc(size);
    for (let n = 0; n < N; n++) for (let d = 0; d < head_dim; d++) {
      kern.acmix_fc__f32x4(f32(z, 3 * n * C * HW + d * HW), head_dim * HW, packedFc,
        f32(y, (n * head_dim + d) * T * HW), HW, W, T, K, H, W);
    }
    return a.download(y, size);
  });
  return new Tensor(out, [N, head_dim * T, H, W]);
}

/** Options of the fused forward: which results to copy out of WASM memory. */
interface ForwardWork { detailed: boolean; hooks?: ACmixHooks }

/**
 * One ACmix forward on WASM SIMD, fused (the composition of ts/ref/acmix.ts `acmixForward`, step by step):
 *
 *   Stage I (§4.1, Eq. 10):  [q; k; v] = [W1; W2; W3] · x + [b1; b2; b3] — the three 1x1 projections as ONE
 *                            GEMM per image over the stacked [3·C_out, C_in] weights (gemm__f32x4_4x8), so
 *                            the input is read once: the projection shared by both paths.
 *   Stage II, attention (§3.2, Eq. 8-9): pe = conv_p(position grid) (gemm, K = 2), then the fused local
 *                            attention kernel (as/local_attention.ts) reading q, k, v in place.
 *   Stage II, convolution (§4.1, §4.2 Eq. 13-15): per image and head_dim channel d, acmix_fc writes the
 *                            k_conv² fc maps into a zero-padded slab, and dep_conv__f32x4_4x8 runs that
 *                            group of the grouped dep_conv (groups = head_dim) directly on it.
 *   Output (Eq. 12):         acmix_mix: rate1·F_att + rate2·F_conv.
 *
 * Every intermediate lives in one arena scope (scratch in nested scopes, reused phase to phase; the
 * input's memory takes the conv path's output when it fits, Eq. 12 runs in place); q, k, v, pe and both
 * paths are copied out only for the detailed result. Bit-identical to composing the wasm ops for stage I and pe (same GEMM order);
 * within the reference's chain bound overall (spec/acmix.test.ts).
 * Shapes:  input [N, in_planes, H, W] → [N, out_planes, H/stride, W/stride].
 * Cost:    2·N·H·W·(3·C_out·C_in) + 4·N·C_out·k_att²·H_out·W_out + 2·N·k_conv²·3·head·head_dim·H·W
 *          + 2·N·C_out·k_conv⁴·H_out·W_out FLOPs (stage I, attention, fc, dep_conv).
 * @throws as checkACmix (everything is validated before the first kernel runs); BackendError before `init()`.
 */
function forwardFused(input: Tensor, weights: ACmixWeights, c: ACmixConfig, work: ForwardWork): ACmixResult {
  checkACmix('acmix', input, weights, c, work.hooks);
  const w = (key: string) => weights[key] as Tensor;
  const kern = kernels();
  const [N, C_in, H, W] = input.shape;
  const C = c.out_planes, hd = c.head_dim, head = c.head, HW = H * W;
  const g = localAttentionGeometry('acmix', [N, C, H, W], c, () => fmtContext({ input, ...c }));
  const { H_out, W_out } = g, HWo = H_out * W_out;
  const kc = c.kernel_conv, T = kc * kc, s = c.stride;
  const onStage = work.hooks?.onStage;

  return withArena((a) => {
    // Stage I: one GEMM [3C, C_in] · [C_in, H·W] per image, stacked bias.
    const x = a.upload(input.data);
    const wStack = a.alloc(3 * C * C_in), bStack = a.alloc(3 * C);
    ['conv1', 'conv2', 'conv3'].forEach((name, i) => {
      a.view(wStack, 3 * C * C_in).set(w(`${name}.weight`).data, i * C * C_in);
      a.view(bStack, 3 * C).set(w(`${name}.bias`).data, i * C);
    });
    const qkv = a.alloc(N * 3 * C * HW);
    withArena((scratch) => {                                             // nested scopes: scratch is reused
      const nc = gemmColumnBlock(C_in, HW);
      const packedA = scratch.alloc(gemmPackedAFloats(3 * C, C_in)), packedB = scratch.alloc(C_in * nc);
      for (let n = 0; n < N; n++) {
        kern.gemm__f32x4_4x8(3 * C, HW, C_in, wStack, C_in, f32(x, n * C_in * HW), HW,
          f32(qkv, n * 3 * C * HW), HW, bStack, 0, packedA, packedB, nc);
      }
    });
    onStage?.('stage_i');

    // Stage II, attention path: pe = conv_p(grid) as a K = 2 GEMM, then the fused kernel on q, k, v in place.
    const pe = a.alloc(hd * HW);
    withArena((scratch) => {
      const grid = scratch.upload(acmixPosition(H, W).data);
      const nc = gemmColumnBlock(2, HW);
      const packedA = scratch.alloc(gemmPackedAFloats(hd, 2)), packedB = scratch.alloc(2 * nc);
      kern.gemm__f32x4_4x8(hd, HW, 2, scratch.upload(w('conv_p.weight').data), 2, grid, HW, pe, HW,
        scratch.upload(w('conv_p.bias').data), 0, packedA, packedB, nc);
    });
    const outAtt = a.alloc(N * C * HWo);
    withArena((scratch) => localAttentionInArena(scratch, g, qkv, f32(qkv, C * HW), f32(qkv, 2 * C * HW), pe, outAtt, 3 * C * HW));
    onStage?.('stage_ii_attention');

    // Stage II, convolution path: per (image, channel d) fc into a zero-padded slab, then group d of dep_conv.
    // the input is dead after stage I: its memory takes the conv path's output when that fits
    const outConv = N * C * HWo <= N * C_in * HW ? x : a.alloc(N * C * HWo);
    withArena((scratch) => {
      const K = 3 * head, Kdep = T * kc * kc;
      const packedFc = packA(scratch, kern, T, K, scratch.upload(w('fc.weight').data));
      const depW = scratch.upload(w('dep_conv.weight').data);           // [C, T, kc, kc]: group d = rows d·head ..
      const blockFloats = gemmPackedAFloats(head, Kdep);
      const packedDep = scratch.alloc(hd * blockFloats);
      for (let d = 0; d < hd; d++) kern.pack_a__f32x4(head, Kdep, f32(depW, d * head * Kdep), Kdep, f32(packedDep, d * blockFloats));
      const depBias = weights['dep_conv.bias'] ? scratch.upload((weights['dep_conv.bias'] as Tensor).data) : 0;
      const pad = 1;                                                     // the official dep_conv pads by 1
      const Hp = H + 2 * pad, Wp = W + 2 * pad, planeP = Hp * Wp;
      // dep_conv reads whole 8-pixel tiles: slack past the last row for the lanes it does not store
      const slab = scratch.zeros(T * planeP + 16 * s + 2 * kc + 16);
      const offsets = scratch.alloc(Kdep);
      for (let n = 0; n < N; n++) for (let d = 0; d < hd; d++) {
        kern.acmix_fc__f32x4(f32(qkv, 3 * n * C * HW + d * HW), hd * HW, packedFc,
          f32(slab, pad * Wp + pad), planeP, Wp, T, K, H, W);
        kern.dep_conv__f32x4_4x8(slab, planeP, Wp, T, kc, kc, s, f32(packedDep, d * blockFloats),
          depBias ? f32(depBias, d * head) : 0, head, f32(outConv, (n * C + d * head) * HWo), HWo, H_out, W_out, offsets);
      }
    });
    onStage?.('stage_ii_conv');

    // the intermediates are copied out first, so Eq. (12) can overwrite outAtt in place
    const outShape = [N, C, H_out, W_out];
    let detail: Omit<ACmixResult, 'output'> | null = null;
    if (work.detailed) {
      const part = (offset: number) => {                                 // q, k or v of every image
        const data = new Float32Array(N * C * HW);
        for (let n = 0; n < N; n++) data.set(a.view(f32(qkv, 3 * n * C * HW + offset * C * HW), C * HW), n * C * HW);
        return new Tensor(data, [N, C, H, W]);
      };
      detail = {
        q: part(0), k: part(1), v: part(2), pe: new Tensor(a.download(pe, hd * HW), [1, hd, H, W]),
        outAtt: new Tensor(a.download(outAtt, N * C * HWo), outShape),
        outConv: new Tensor(a.download(outConv, N * C * HWo), outShape),
      };
    }
    // Eq. (12)
    kern.acmix_mix__f32x4(outAtt, outConv, outAtt, N * C * HWo, w('rate1').data[0], w('rate2').data[0]);
    const output = new Tensor(a.download(outAtt, N * C * HWo), outShape);
    onStage?.('mix');
    return { output, ...detail } as ACmixResult;
  });
}

/**
 * The fused ACmix forward with every intermediate (the wasm backend's `Ops.acmixForward`; the reference
 * composition is ts/ref/acmix.ts `acmixForward`): returns output, outAtt, outConv, q, k, v, pe and calls
 * `hooks.onStage` after stage I (the projection GEMM), the attention path (pe + local attention), the conv
 * path (fc + dep_conv) and the mix (Eq. 12).
 * @throws as checkACmix; BackendError before `init()`.
 */
export function acmixForward(input: Tensor, weights: ACmixWeights, c: ACmixConfig, hooks: ACmixHooks = {}): ACmixResult {
  return forwardFused(input, weights, c, { detailed: true, hooks });
}

/**
 * Functional ACmix block on WASM SIMD, output only (nothing but the output is copied out of WASM
 * memory). Same as `acmix` of ts/ref/acmix.ts; `in_planes`/`out_planes` are read from conv1.weight.
 * Shapes: input [N, in_planes, H, W] → [N, out_planes, H/stride, W/stride].
 * @throws as checkACmix; BackendError before `init()`.
 */
export function acmix(input: Tensor, weights: ACmixWeights, options: ACmixOptions = {}): Tensor {
  return forwardFused(input, weights, acmixConfigFromWeights('acmix', weights, options), { detailed: false }).output;
}
