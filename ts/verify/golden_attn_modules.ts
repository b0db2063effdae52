/**
 * Golden runner for the attention modules (spec/fixtures/attn_modules.safetensors, written by
 * spec/fixtures/generate_attn_modules.py and cross-checked there against apple/ml-cvnets, lucidrains/axial-attention
 * and microsoft/CvT), called by `runCase` in ts/verify/golden.ts. Each case returns the module's output on the
 * backend, PyTorch's, and the chain bound 4·K·u·(|y| + mean|y|) (ts/core/numerics.ts) with K the summed reduction
 * lengths along the module's longest path (each listed below; softmax counts its row length twice: the sum of exps
 * and the weighted sum it feeds).
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import { LinearSelfAttention } from '../nn/separable_attention.js';
import { AxialAttention } from '../nn/axial_attention.js';
import { ConvProjectionAttention } from '../nn/cvt.js';
import { ACmixGlobal } from '../nn/acmix_global.js';
import { fixtureTensor, chainBound, type Bound, type FixtureCaseLike } from './bounds.js';

const T = fixtureTensor;

/** Chain-bound K of LinearSelfAttention on [B, d, P, N]: qkv_proj (d + 1), softmax + context sum (2N), gate (1), out_proj (d + 1). */
export const separableChainK = (d: number, N: number): number => 2 * (d + 1) + 2 * N + 1;

/** Chain-bound K of AxialAttention: per layer to_q / to_kv (dim), logits (dim_heads), softmax + aggregation (2L, L the
 *  longer axis), to_out (heads·dim_heads + 1); two layers in sequence, or one plus the final add. */
export function axialChainK(m: AxialAttention, shape: readonly number[]): number {
  const L = Math.max(...[1, 2, 3].filter((a) => a !== m.dim_index).map((a) => shape[a]));
  const layer = m.dim + m.dim_heads + 2 * L + m.heads * m.dim_heads + 1;
  return m.sum_axial_out ? layer + 1 : 2 * layer;
}

/** Chain-bound K of ConvProjectionAttention on an h × w map: [kernel generator of 'dynamic_dw_bn': GAP (h·w), conv1
 *  (dim_in), BN (2), conv2 (hidden + 1)] + projection (k²) + BN (2), proj_q (dim_in + 1), logits (head_dim), softmax +
 *  aggregation (2·T_kv ≤ 2·(h·w + 1)), proj (dim_out + 1). */
export function cvtChainK(m: ConvProjectionAttention, h: number, w: number): number {
  const gen = m.method === 'dynamic_dw_bn' ? h * w + m.dim_in + 2 + Math.floor(m.dim_in / m.reduction) + 1 : 0;
  return gen + m.kernel_size ** 2 + 2 + m.dim_in + 1 + m.dim_out / m.num_heads + 2 * (h * w + 1) + m.dim_out + 1;
}

/** Chain-bound K of ACmixGlobal on an H × W map: conv1 (in + 1), k − pe (2; conv_p 3), logits (head_dim), softmax +
 *  aggregation (2·H·W), mix (2), plus the conv path (fc 3·head, dep_conv 9·9) for safety. */
export const acmixGlobalChainK = (m: ACmixGlobal, H: number, W: number): number =>
  m.in_planes + 1 + 5 + m.head_dim + 2 * H * W + 2 + 3 * m.head + 81;

/** Runs one attention-module fixture case on `ops`, or returns null if the op is not one of them. */
export function runAttnModulesCase(c: FixtureCaseLike, ops: Ops): { got: Tensor; expected: Tensor; bound: Bound }[] | null {
  const p = c.params, backend = ops, x = T(c, 'input'), y = T(c, 'output');
  switch (c.op) {
    case 'linear_self_attention': {
      const m = new LinearSelfAttention(p.embed_dim, { bias: p.bias });
      m.loadStateDict(c.state);
      return [{ got: m.forward(x, { backend }), expected: y, bound: chainBound(separableChainK(x.shape[1], x.shape[3]), y.data) }];
    }
    case 'axial_attention': {
      const m = new AxialAttention(p.dim, { heads: p.heads, dim_heads: p.dim_heads, dim_index: p.dim_index, sum_axial_out: p.sum_axial_out });
      m.loadStateDict(c.state);
      return [{ got: m.forward(x, { backend }), expected: y, bound: chainBound(axialChainK(m, x.shape), y.data) }];
    }
    case 'conv_projection_attention': {
      const m = new ConvProjectionAttention(p.dim_in, p.dim_out, p.num_heads, {
        qkv_bias: p.qkv_bias, method: p.method, stride_kv: p.stride_kv, with_cls_token: p.with_cls_token,
        ...(p.method === 'dynamic_dw_bn' ? { reduction: p.reduction } : {}),
      });
      m.loadStateDict(c.state);
      return [{ got: m.forwardTokens(x, p.h, p.w, { backend }), expected: y, bound: chainBound(cvtChainK(m, p.h, p.w), y.data) }];
    }
    case 'acmix_global': {
      const m = new ACmixGlobal(p.in_planes, p.out_planes, { head: p.head });
      m.loadStateDict(c.state);
      const r = m.forwardDetailed(x, { backend });
      const K = acmixGlobalChainK(m, x.shape[2], x.shape[3]);
      return [
        { got: r.output, expected: y, bound: chainBound(K, y.data) },
        { got: r.outAtt, expected: T(c, 'out_att'), bound: chainBound(K, T(c, 'out_att').data) },
        { got: r.outConv, expected: T(c, 'out_conv'), bound: chainBound(K, T(c, 'out_conv').data) },
      ];
    }
    default:
      return null;
  }
}
