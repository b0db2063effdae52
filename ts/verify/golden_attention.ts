/**
 * Golden runners for the global-attention fixtures (spec/fixtures/attention.safetensors, written by
 * spec/fixtures/generate_attention.py from PyTorch 1.13), called by `runCase` in ts/verify/golden.ts, and the
 * per-element error bound of scaled dot-product attention (ts/wasm/scaled_dot_product_attention.ts states it;
 * spec/support/cases.ts and the goldens check it).
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import { checkScaledDotProductAttention, type ScaledDotProductAttentionOptions, type AttnMask } from '../core/check/scaled_dot_product_attention.js';
import { scaledDotProductAttention as refSdpa } from '../ref/scaled_dot_product_attention.js';
import { MultiheadAttention } from '../nn/multihead_attention.js';
import { U, abs, fixtureTensor, chainBound, type Bound, type FixtureCaseLike } from './bounds.js';

const T = fixtureTensor;

/**
 * The bound of a float32 scaled dot-product attention against the float64 reference, per output element (b, i, c):
 *   2·u·(2·(E + 4)·Λ_i + 2·S + 5)·A_ic + S·2⁻¹⁴⁹·max|v|,
 *   Λ_i = max over the kept keys j of Σ_e |fl(q·scale)_e·k_je| + |mask_ij|,  A_ic = Σ_j P_ij|v_jc| (the reference on |v|).
 * Derivation: ts/wasm/scaled_dot_product_attention.ts (any float32 order of the two reductions meets it: it is
 * the γ_n form, so it also bounds PyTorch's own float32 result).
 */
export function sdpaBound(query: Tensor, key: Tensor, value: Tensor, options?: ScaledDotProductAttentionOptions): Float64Array {
  const g = checkScaledDotProductAttention('scaled_dot_product_attention', query, key, value, options);
  const { B, L, S, E, Ev, mask } = g;
  const scale = Math.fround(g.scale);
  const A = refSdpa(query, key, abs(value), options).data;
  let vmax = 0;
  for (const x of value.data) vmax = Math.max(vmax, Math.abs(x));
  const atol = S * 2 ** -149 * vmax;
  const bound = new Float64Array(B * L * Ev);
  for (let b = 0; b < B; b++) {
    const q0 = g.qSlice[b] * L * E, k0 = g.kSlice[b] * S * E, m0 = g.maskOffset[b];
    for (let i = 0; i < L; i++) {
      let lambda = 0;
      for (let j = 0; j < S; j++) {
        const mv = mask ? mask[m0 + i * g.maskRowStride + j * g.maskColStride] : 0;
        if (!Number.isFinite(mv) || (g.is_causal && j > i)) continue;
        let s = Math.abs(mv);
        for (let e = 0; e < E; e++) s += Math.abs(Math.fround(query.data[q0 + i * E + e] * scale) * key.data[k0 + j * E + e]);
        lambda = Math.max(lambda, s);
      }
      const factor = 2 * U * (2 * (E + 4) * lambda + 2 * S + 5);
      for (let c = 0; c < Ev; c++) bound[(b * L + i) * Ev + c] = factor * A[(b * L + i) * Ev + c] + atol;
    }
  }
  return bound;
}

/** A mask stored in a fixture: `<name>` as float, or `<name>_bool` (0/1 floats) as a bool mask. */
function fixtureMask(c: FixtureCaseLike, name: string): AttnMask | null {
  const f = c.tensors.get(name);
  if (f) return f;
  const b = c.tensors.get(`${name}_bool`);
  if (b) return { bool: Uint8Array.from(b.data, (x) => (x !== 0 ? 1 : 0)), shape: b.shape };
  return null;
}

/** Runs a global-attention fixture case on `ops`, or returns null if the op is not one of them. */
export function runAttentionCase(c: FixtureCaseLike, ops: Ops): { got: Tensor; expected: Tensor; bound: Bound }[] | null {
  const p = c.params;
  switch (c.op) {
    case 'scaled_dot_product_attention': {
      const q = T(c, 'query'), k = T(c, 'key'), v = T(c, 'value');
      const options: ScaledDotProductAttentionOptions = { attn_mask: fixtureMask(c, 'attn_mask'), is_causal: !!p.is_causal, ...(p.scale != null ? { scale: p.scale } : {}) };
      const b = sdpaBound(q, k, v, options);
      return [{ got: ops.scaledDotProductAttention(q, k, v, options), expected: T(c, 'output'),
        bound: { bound: (i) => b[i], describe: '2·u·(2(E+4)·Λ + 2S + 5)·Σ P|v|' } }];
    }
    case 'multihead_attention': {
      const m = new MultiheadAttention(p.embed_dim, p.num_heads, { bias: p.bias, batch_first: p.batch_first, kdim: p.kdim, vdim: p.vdim });
      m.loadStateDict(c.state);
      const r = m.forward(T(c, 'query'), T(c, 'key'), T(c, 'value'), {
        key_padding_mask: fixtureMask(c, 'key_padding_mask'), attn_mask: fixtureMask(c, 'attn_mask'),
        need_weights: p.need_weights, average_attn_weights: p.average_attn_weights, backend: ops,
      });
      // the chain: in-projection (embed_dim/kdim/vdim + 1), logits (head_dim), softmax and aggregation over S,
      // out-projection (embed_dim + 1)
      const S = T(c, 'key').shape[p.batch_first ? 1 : 0];
      const K = Math.max(p.embed_dim, p.kdim ?? 0, p.vdim ?? 0) + 1 + p.embed_dim / p.num_heads + 2 * S + p.embed_dim + 1;
      const outs = [{ got: r.output, expected: T(c, 'output'), bound: chainBound(K, T(c, 'output').data) }];
      if (p.need_weights) outs.push({ got: r.weights!, expected: T(c, 'weights'), bound: chainBound(K, T(c, 'weights').data) });
      return outs;
    }
    default:
      return null;
  }
}
