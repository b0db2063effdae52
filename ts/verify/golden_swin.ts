/**
 * Golden runner for the Swin fixtures (spec/fixtures/swin.safetensors, written by spec/fixtures/generate_swin.py and
 * cross-checked there against the official microsoft/Swin-Transformer and LeapLabTHU/ACmix code), called by
 * `runCase` in ts/verify/golden.ts. Each case returns the backend's output, PyTorch's, and a per-element bound:
 * bit-exact for the data movement (window_partition, window_reverse, roll), the derived window-attention bound
 * (ts/wasm/window_attention.ts) for the op, the chain bound for the modules.
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import { checkWindowAttention, type WindowAttentionOptions } from '../core/check/window_attention.js';
import {
  WindowAttention, SwinTransformerBlock, SwinTransformerBlockACmix, WindowAttentionACmix, PatchMerging, PatchEmbed,
} from '../nn/swin.js';
import { U, fixtureTensor, chainBound, type Bound, type FixtureCaseLike } from './bounds.js';

const T = fixtureTensor;
const exact: Bound = { bound: () => 0, describe: 'bit-exact' };

/**
 * The bound of a float32 window attention against the exact (float64) one, per output element [B_, N, C]
 * (derivation in ts/wasm/window_attention.ts):
 *   2·[Σ_j w_j·((hd + 2)·u·Λ_j + u·|ℓ_j − m| + 2u)·(|v_jd| + |y_d|) + (2N + 3)·u·Σ_j w_j|v_jd|] + 2⁻¹²⁵·N·max|v|,
 *   Λ_j = Σ_d |qs_d·k_jd| + |bias_ij| + |mask_ij|, w the float64 softmax weights.
 * Non-finite logits (NaN / ±∞ inputs) give an infinite bound there (the comparison then checks NaN ≡ NaN).
 */
export function windowAttentionBound(qkv: Tensor, table: Tensor, index: Tensor, mask: Tensor | null, options: WindowAttentionOptions): Float64Array {
  const g = checkWindowAttention('window_attention', qkv, table, index, mask, options);
  const { B_, N, C, heads, head_dim: hd, nW } = g;
  const scale = Math.fround(g.scale), x = qkv.data, C3 = 3 * C;
  const out = new Float64Array(B_ * N * C), l = new Float64Array(N), lam = new Float64Array(N), w = new Float64Array(N);
  let maxV = 0;
  for (let b = 0; b < B_; b++) for (let j = 0; j < N; j++) for (let c = 0; c < C; c++) maxV = Math.max(maxV, Math.abs(x[(b * N + j) * C3 + 2 * C + c]));
  const atol = 2 ** -125 * N * maxV;   // the kernel's flush of numerators below e⁻⁸⁷ < 2⁻¹²⁵ (and subnormal rounding)
  for (let b = 0; b < B_; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) {
      let dot = 0, mag = 0;
      for (let d = 0; d < hd; d++) {
        const t = Math.fround(x[(b * N + i) * C3 + h * hd + d] * scale) * x[(b * N + j) * C3 + C + h * hd + d];
        dot += t; mag += Math.abs(t);
      }
      const bias = table.data[index.data[i * N + j] * heads + h], mk = mask ? mask.data[((b % nW) * N + i) * N + j] : 0;
      l[j] = dot + bias + mk; lam[j] = mag + Math.abs(bias) + Math.abs(mk);
      if (l[j] > m) m = l[j];
    }
    let S = 0;
    for (let j = 0; j < N; j++) { w[j] = Math.exp(l[j] - m); S += w[j]; }
    for (let j = 0; j < N; j++) w[j] /= S;
    for (let d = 0; d < hd; d++) {
      let y = 0, A = 0;
      for (let j = 0; j < N; j++) { const v = x[(b * N + j) * C3 + 2 * C + h * hd + d]; y += w[j] * v; A += w[j] * Math.abs(v); }
      let e = 0;
      for (let j = 0; j < N; j++) {
        const v = x[(b * N + j) * C3 + 2 * C + h * hd + d];
        e += w[j] * ((hd + 2) * U * lam[j] + U * Math.abs(l[j] - m) + 2 * U) * (Math.abs(v) + Math.abs(y));
      }
      const bound = 2 * (e + (2 * N + 3) * U * A) + atol;
      out[(b * N + i) * C + h * hd + d] = Number.isFinite(bound) ? bound : Infinity;
    }
  }
  return out;
}

/** Chain-bound reduction length of a Swin block (norms, qkv, attention, proj, mlp) with dim, heads, window N, hidden. */
function blockK(dim: number, heads: number, N: number, hidden: number, acmix: boolean): number {
  const hd = dim / heads;
  const attention = (dim + 1) + (hd + 2 * N + 8) + (dim + 1);
  const conv = acmix ? (3 * heads + 1) + 81 + 4 : 0;
  return dim + attention + conv + 4 + dim + (dim + 1) + 8 + (hidden + 1) + 4;
}

/** Runs one Swin fixture case on `ops`, or returns null if the op is not a Swin case. */
export function runSwinCase(c: FixtureCaseLike, ops: Ops): { got: Tensor; expected: Tensor; bound: Bound }[] | null {
  const p = c.params, backend = ops;
  switch (c.op) {
    case 'window_partition':
      return [{ got: ops.windowPartition(T(c, 'input'), p.window_size), expected: T(c, 'output'), bound: exact }];
    case 'window_reverse':
      return [{ got: ops.windowReverse(T(c, 'input'), p.window_size, p.H, p.W), expected: T(c, 'output'), bound: exact }];
    case 'roll':
      return [{ got: ops.roll(T(c, 'input'), p.shifts, p.dims), expected: T(c, 'output'), bound: exact }];
    case 'window_attention': {
      const mask = p.masked ? T(c, 'mask') : null, o = { num_heads: p.num_heads, scale: p.scale };
      const b = windowAttentionBound(T(c, 'qkv'), T(c, 'table'), T(c, 'index'), mask, o);
      // PyTorch's float32 and ours are each within the bound of the exact value: twice the bound between them
      return [{ got: ops.windowAttention(T(c, 'qkv'), T(c, 'table'), T(c, 'index'), mask, o), expected: T(c, 'output'),
        bound: { bound: (i) => 2 * b[i], describe: '2·window-attention bound (ts/wasm/window_attention.ts)' } }];
    }
    case 'window_attention_module': {
      const m = new WindowAttention(p.dim, p.window_size, p.num_heads, { qkv_bias: p.qkv_bias });
      m.loadStateDict(c.state);
      const y = T(c, 'output'), N = p.window_size ** 2;
      return [{ got: m.forward(T(c, 'input'), { backend, mask: T(c, 'mask') }), expected: y, bound: chainBound(3 * p.dim + 2 * N + p.dim / p.num_heads + 12, y.data) }];
    }
    case 'window_attention_acmix': {
      const m = new WindowAttentionACmix(p.dim, p.window_size, p.num_heads);
      m.loadStateDict(c.state);
      const y = T(c, 'output'), N = p.window_size ** 2;
      return [{ got: m.forward(T(c, 'input'), { backend }), expected: y, bound: chainBound(3 * p.dim + 2 * N + 3 * p.num_heads + 100, y.data) }];
    }
    case 'swin_block':
    case 'swin_acmix_block': {
      const acmix = c.op === 'swin_acmix_block';
      const opts = { window_size: p.window_size, shift_size: p.shift_size, mlp_ratio: p.mlp_ratio, qkv_bias: p.qkv_bias };
      const m = acmix ? new SwinTransformerBlockACmix(p.dim, p.input_resolution, p.num_heads, opts)
        : new SwinTransformerBlock(p.dim, p.input_resolution, p.num_heads, opts);
      if (m.window_size !== p.effective_window_size || m.shift_size !== p.effective_shift_size) {
        throw new Error(`${c.name}: window/shift ${m.window_size}/${m.shift_size}, official ${p.effective_window_size}/${p.effective_shift_size}`);
      }
      m.loadStateDict(c.state);
      const y = T(c, 'output');
      const K = blockK(p.dim, p.num_heads, m.window_size ** 2, Math.floor(p.dim * p.mlp_ratio), acmix);
      return [{ got: m.forward(T(c, 'input'), { backend }), expected: y, bound: chainBound(K, y.data) }];
    }
    case 'patch_merging': {
      const m = new PatchMerging(p.input_resolution, p.dim);
      m.loadStateDict(c.state);
      const y = T(c, 'output');
      return [{ got: m.forward(T(c, 'input'), { backend }), expected: y, bound: chainBound(8 * p.dim + 8, y.data) }];
    }
    case 'patch_embed': {
      const m = new PatchEmbed({ img_size: p.img_size, patch_size: p.patch_size, in_chans: p.in_chans, embed_dim: p.embed_dim, patch_norm: p.patch_norm });
      m.loadStateDict(c.state);
      const y = T(c, 'output');
      return [{ got: m.forward(T(c, 'input'), { backend }), expected: y, bound: chainBound(p.in_chans * p.patch_size ** 2 + 1 + p.embed_dim + 8, y.data) }];
    }
    default:
      return null;
  }
}
