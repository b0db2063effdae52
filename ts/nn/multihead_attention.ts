import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext, fmtShape } from '../core/errors.js';
import { positiveInt } from '../core/geometry.js';
import { maskArg, type AttnMask, type BoolMask } from '../core/check/scaled_dot_product_attention.js';
import { tensorArg, booleanArg, optionsArg, checkElements } from '../core/validate.js';
import type { Ops } from '../core/ops.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { uniform } from './init.js';

/** Options of MultiheadAttention (torch.nn.MultiheadAttention's keyword names; dropout, add_bias_kv and add_zero_attn are not offered). */
export interface MultiheadAttentionOptions {
  /** in_proj_bias and out_proj.bias; default true */
  bias?: boolean;
  /** inputs and output [N, L, E] instead of [L, N, E]; default false */
  batch_first?: boolean;
  /** key features; default embed_dim */
  kdim?: number;
  /** value features; default embed_dim */
  vdim?: number;
}
const MHA_KEYS = ['bias', 'batch_first', 'kdim', 'vdim'] as const;

/** Options of MultiheadAttention.forward (torch's keyword names) and the backend. */
export interface MultiheadAttentionForwardOptions extends ForwardOptions {
  /** [N, S] (or [S] unbatched): bool True = that key is padding (ignored); float: added to the logits */
  key_padding_mask?: AttnMask | null;
  /** [L, S] or [N·num_heads, L, S]: bool True = NOT allowed to attend (nn.MultiheadAttention's meaning, the
   *  opposite of F.scaled_dot_product_attention's); float: added to the logits */
  attn_mask?: AttnMask | null;
  /** return the attention weights; default true (as PyTorch) — false is the fast path */
  need_weights?: boolean;
  /** weights averaged over heads [N, L, S] (default true) or per head [N, num_heads, L, S] */
  average_attn_weights?: boolean;
}
const FORWARD_KEYS = ['key_padding_mask', 'attn_mask', 'need_weights', 'average_attn_weights', 'backend'] as const;

/** What forward returns: PyTorch's (attn_output, attn_output_weights). */
export interface MultiheadAttentionResult {
  /** [L, N, E] ([N, L, E] with batch_first; [L, E] unbatched) */
  output: Tensor;
  /** [N, L, S] averaged, [N, num_heads, L, S] per head (no N unbatched); null unless need_weights */
  weights: Tensor | null;
}

/** A bool mask as the additive float mask PyTorch makes of it (True → −∞ for nn.MultiheadAttention). */
function additive(m: AttnMask, trueIsMasked: boolean): Float32Array {
  if (m instanceof Tensor) return m.data;
  return Float32Array.from((m as BoolMask).bool, (b) => ((b !== 0) === trueIsMasked ? -Infinity : 0));
}

/** [A, B, C, D] → [A, C, B, D] (a JS copy; the head split and merge). */
function swap12(x: Float32Array, A: number, B: number, C: number, D: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
    const src = ((a * B + b) * C + c) * D, dst = ((a * C + c) * B + b) * D;
    for (let d = 0; d < D; d++) out[dst + d] = x[src + d];
  }
  return out;
}

/**
 * torch.nn.MultiheadAttention in eval mode (dropout off): mirrors `MultiheadAttention(embed_dim, num_heads,
 * dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False)`.
 *   const mha = new nn.MultiheadAttention(256, 8, { batch_first: true });
 *   const { output, weights } = mha.forward(x, x, x, { need_weights: false, backend: 'wasm' });
 *
 * Paper:   Vaswani et al. 2017 §3.2.2 (multi-head attention); ACmix §4.3 (global attention mode).
 * state_dict (PyTorch's keys, order): `in_proj_weight` [3E, E] when kdim = vdim = E, else `q_proj_weight` [E, E],
 *          `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim]; `in_proj_bias` [3E] (if bias); `out_proj.weight`
 *          [E, E], `out_proj.bias` [E] (if bias). Init as PyTorch's _reset_parameters: xavier_uniform_ on the
 *          projection weights, zero biases, out_proj.weight U(±1/√E) (nn.Linear's default).
 * forward(query, key, value, options) = nn.MultiheadAttention.forward in eval mode:
 *   q = query·W_qᵀ + b_q, k = key·W_kᵀ + b_k, v = value·W_vᵀ + b_v (one Linear of the packed weight when
 *   query, key and value are the same Tensor, as PyTorch's _in_projection_packed), split into num_heads heads of
 *   head_dim = E/num_heads, then Ops.scaledDotProductAttention per (batch, head) — scale 1/√head_dim, the mask the
 *   sum of attn_mask and key_padding_mask with bool True turned into −∞ (PyTorch 2's _canonical_mask; PyTorch 1.13's
 *   logical_or / masked_fill give the same numbers in every combination it accepts) — heads merged, out_proj.
 *   A row whose every key is masked is NaN, as PyTorch. need_weights: the softmax weights, formed as PyTorch's
 *   need_weights path does (logits by Ops.linear per head, + mask, Ops.softmax), averaged over heads unless
 *   average_attn_weights is false (the output itself always comes from the fused op).
 * Shapes:  query [L, N, E] (batch_first: [N, L, E]; unbatched [L, E]), key [S, N, kdim], value [S, N, vdim].
 * Numerics: the chain bound over projections, logits, softmax and aggregation (ts/verify/golden_attention.ts).
 * @throws ArgumentError on bad options or arguments; ParameterError if embed_dim is not divisible by num_heads or a
 *         dimension is not a positive integer; ShapeError on inputs and masks of the wrong shape (all shapes named).
 */
export class MultiheadAttention extends Module<MultiheadAttentionResult> {
  static override forwardOptionsIndex = 3;
  readonly head_dim: number;
  readonly bias: boolean;
  readonly batch_first: boolean;
  readonly kdim: number;
  readonly vdim: number;
  /** kdim = vdim = embed_dim: one packed in_proj_weight */
  readonly qkvSameEmbedDim: boolean;

  constructor(readonly embed_dim: number, readonly num_heads: number, options?: MultiheadAttentionOptions) {
    super();
    const o = moduleOptions('MultiheadAttention', options, MHA_KEYS);
    positiveInt('MultiheadAttention', 'embed_dim', embed_dim);
    positiveInt('MultiheadAttention', 'num_heads', num_heads);
    if (embed_dim % num_heads !== 0) throw new ParameterError(`MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim = ${embed_dim}, num_heads = ${num_heads}`);
    this.head_dim = embed_dim / num_heads;
    this.bias = booleanOption('MultiheadAttention', 'bias', o.bias, true);
    this.batch_first = booleanOption('MultiheadAttention', 'batch_first', o.batch_first, false);
    this.kdim = o.kdim === undefined || o.kdim === null ? embed_dim : positiveInt('MultiheadAttention', 'kdim', o.kdim);
    this.vdim = o.vdim === undefined || o.vdim === null ? embed_dim : positiveInt('MultiheadAttention', 'vdim', o.vdim);
    this.qkvSameEmbedDim = this.kdim === embed_dim && this.vdim === embed_dim;
    const E = embed_dim, xavier = (fanOut: number, fanIn: number) => uniform([fanOut, fanIn], Math.sqrt(6 / (fanIn + fanOut)));
    if (this.qkvSameEmbedDim) {
      this.param('in_proj_weight', xavier(3 * E, E));
    } else {
      this.param('q_proj_weight', xavier(E, E));
      this.param('k_proj_weight', xavier(E, this.kdim));
      this.param('v_proj_weight', xavier(E, this.vdim));
    }
    this.param('in_proj_bias', this.bias ? Tensor.zeros([3 * E]) : null);
    this.child('out_proj', new OutProj(E, this.bias));
  }

  /** W_q, W_k, W_v and b_q, b_k, b_v (views of the packed tensors: no copy). */
  private projections(): { w: [Tensor, Tensor, Tensor]; b: [Tensor | null, Tensor | null, Tensor | null] } {
    const E = this.embed_dim;
    const w: [Tensor, Tensor, Tensor] = this.qkvSameEmbedDim
      ? [0, 1, 2].map((i) => new Tensor(this.get('in_proj_weight').data.subarray(i * E * E, (i + 1) * E * E), [E, E])) as [Tensor, Tensor, Tensor]
      : [this.get('q_proj_weight'), this.get('k_proj_weight'), this.get('v_proj_weight')];
    const bias = this.getOrNull('in_proj_bias');
    const b = [0, 1, 2].map((i) => (bias ? new Tensor(bias.data.subarray(i * E, (i + 1) * E), [E]) : null)) as [Tensor | null, Tensor | null, Tensor | null];
    return { w, b };
  }

  // Returns PyTorch's (attn_output, attn_output_weights) pair as { output, weights }, not a Tensor as Module.forward.
  override forward(query: Tensor, key: Tensor, value: Tensor, options?: MultiheadAttentionForwardOptions): MultiheadAttentionResult {
    const name = 'MultiheadAttention.forward';
    tensorArg(name, 'query', query);
    tensorArg(name, 'key', key);
    tensorArg(name, 'value', value);
    const o = optionsArg<MultiheadAttentionForwardOptions>(name, options, FORWARD_KEYS);
    const need_weights = booleanArg(name, 'need_weights', o.need_weights, true);
    const average = booleanArg(name, 'average_attn_weights', o.average_attn_weights, true);
    const kpm = o.key_padding_mask == null ? null : maskArg(name, 'key_padding_mask', o.key_padding_mask);
    const am = o.attn_mask == null ? null : maskArg(name, 'attn_mask', o.attn_mask);
    const E = this.embed_dim, H = this.num_heads, hd = this.head_dim;
    const ctx = () => fmtContext({ query, key, value, ...(kpm ? { key_padding_mask: kpm.shape } : {}), ...(am ? { attn_mask: am.shape } : {}), batch_first: this.batch_first });

    // shapes: batched (rank 3) or unbatched (rank 2), as PyTorch 1.13
    const batched = query.rank === 3;
    if (query.rank !== 2 && query.rank !== 3) throw new ShapeError(`${name}: query must be 3-D (batched) or 2-D (unbatched), got ${fmtShape(query.shape)} (${ctx()})`);
    if (key.rank !== query.rank || value.rank !== query.rank) throw new ShapeError(`${name}: key and value must be ${query.rank}-D like query, got key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)} (${ctx()})`);
    const bf = this.batch_first && batched;
    const N = batched ? query.shape[bf ? 0 : 1] : 1, L = query.shape[batched && !bf ? 0 : bf ? 1 : 0];
    const S = key.shape[batched && !bf ? 0 : bf ? 1 : 0];
    const Nk = batched ? key.shape[bf ? 0 : 1] : 1, Nv = batched ? value.shape[bf ? 0 : 1] : 1;
    const Sv = value.shape[batched && !bf ? 0 : bf ? 1 : 0];
    if (query.shape.at(-1) !== E) throw new ShapeError(`${name}: query's last dimension must be embed_dim = ${E}, got ${fmtShape(query.shape)} (${ctx()})`);
    if (key.shape.at(-1) !== this.kdim) throw new ShapeError(`${name}: key's last dimension must be kdim = ${this.kdim}, got ${fmtShape(key.shape)} (${ctx()})`);
    if (value.shape.at(-1) !== this.vdim) throw new ShapeError(`${name}: value's last dimension must be vdim = ${this.vdim}, got ${fmtShape(value.shape)} (${ctx()})`);
    if (Nk !== N || Nv !== N) throw new ShapeError(`${name}: key and value must have the batch size of query, N = ${N}, got ${Nk} and ${Nv} (${ctx()})`);
    if (Sv !== S) throw new ShapeError(`${name}: key and value must have the same number of tokens, got S = ${S} and ${Sv} (${ctx()})`);
    if (kpm) {
      const want = batched ? [N, S] : [S];
      if (kpm.shape.length !== want.length || kpm.shape.some((d, i) => d !== want[i])) throw new ShapeError(`${name}: key_padding_mask must have shape ${fmtShape(want)}, got ${fmtShape(kpm.shape)} (${ctx()})`);
    }
    if (am) {
      const ok2 = am.shape.length === 2 && am.shape[0] === L && am.shape[1] === S;
      const ok3 = am.shape.length === 3 && am.shape[0] === N * H && am.shape[1] === L && am.shape[2] === S;
      if (!ok2 && !ok3) throw new ShapeError(`${name}: attn_mask must have shape [L, S] = [${L}, ${S}] or [N·num_heads, L, S] = [${N * H}, ${L}, ${S}], got ${fmtShape(am.shape)} (${ctx()})`);
    }
    checkElements(name, 'the attention weights [N, num_heads, L, S]', [N, H, L, S]);
    const ops = resolveOps(o.backend);

    // tokens batch-major: [N, L, features]
    const tokens = (t: Tensor, T: number) => (batched && !this.batch_first ? new Tensor(swap12(t.data, 1, T, N, t.shape[2]), [N, T, t.shape[2]]) : new Tensor(t.data, [N, T, t.shape.at(-1)!]));
    const { w, b } = this.projections();
    let qh: Tensor, kh: Tensor, vh: Tensor;
    if (query === key && key === value && this.qkvSameEmbedDim) {
      // one Linear of the packed weight: [N, L, 3E] = [N, L, 3, H, hd], viewed as [N, L, 3·H, hd] → [N, 3·H, L, hd]
      const qkv = ops.linear(tokens(query, L), this.get('in_proj_weight'), this.getOrNull('in_proj_bias')).data;
      const heads = swap12(qkv, N, L, 3 * H, hd);
      const part = (t: number) => {
        if (N === 1) return new Tensor(heads.subarray(t * H * L * hd, (t + 1) * H * L * hd), [1, H, L, hd]);
        const o = new Float32Array(N * H * L * hd);
        for (let n = 0; n < N; n++) o.set(heads.subarray((n * 3 + t) * H * L * hd, (n * 3 + t + 1) * H * L * hd), n * H * L * hd);
        return new Tensor(o, [N, H, L, hd]);
      };
      qh = part(0); kh = part(1); vh = part(2);
    } else {
      qh = new Tensor(swap12(ops.linear(tokens(query, L), w[0], b[0]).data, N, L, H, hd), [N, H, L, hd]);
      kh = new Tensor(swap12(ops.linear(tokens(key, S), w[1], b[1]).data, N, S, H, hd), [N, H, S, hd]);
      vh = new Tensor(swap12(ops.linear(tokens(value, S), w[2], b[2]).data, N, S, H, hd), [N, H, S, hd]);
    }
    const mask = this.mask(am, kpm, N, H, L, S);
    const attn = ops.scaledDotProductAttention(qh, kh, vh, { attn_mask: mask });           // [N, H, L, hd]
    const merged = new Tensor(swap12(attn.data, N, H, L, hd), [N, L, E]);
    const out = (this._children.get('out_proj') as OutProj).forward(merged, { backend: ops });   // [N, L, E]
    const shapeOut = !batched ? [L, E] : this.batch_first ? [N, L, E] : [L, N, E];
    const output = new Tensor(batched && !this.batch_first ? swap12(out.data, 1, N, L, E) : out.data, shapeOut);
    return { output, weights: need_weights ? this.weights(ops, qh, kh, mask, N, H, L, S, average, batched) : null };
  }

  /** The additive mask [N or 1, H or 1, L or 1, S] = attn_mask + key_padding_mask, or null. */
  private mask(am: AttnMask | null, kpm: AttnMask | null, N: number, H: number, L: number, S: number): Tensor | null {
    if (!am && !kpm) return null;
    const a = am ? additive(am, true) : null, p = kpm ? additive(kpm, true) : null;
    if (a && !p) return am!.shape.length === 2 ? new Tensor(a, [L, S]) : new Tensor(a, [N, H, L, S]);
    if (p && !a) return new Tensor(p, [N, 1, 1, S]);
    const Ha = am!.shape.length === 3 ? H : 1;
    const out = new Float32Array(N * Ha * L * S);
    for (let n = 0; n < N; n++) for (let h = 0; h < Ha; h++) for (let i = 0; i < L; i++) {
      const arow = (am!.shape.length === 3 ? (n * H + h) * L + i : i) * S, o = ((n * Ha + h) * L + i) * S;
      for (let j = 0; j < S; j++) out[o + j] = a![arow + j] + p![n * S + j];
    }
    return new Tensor(out, [N, Ha, L, S]);
  }

  /**
   * The softmax weights [N, H, L, S] as PyTorch's need_weights path forms them: per (batch, head) the logits
   * fl(q·scale)·kᵀ by Ops.linear, plus the additive mask, then Ops.softmax over the keys; averaged over heads if asked.
   */
  private weights(ops: Ops, qh: Tensor, kh: Tensor, mask: Tensor | null, N: number, H: number, L: number, S: number, average: boolean, batched: boolean): Tensor {
    const hd = this.head_dim, scale = Math.fround(1 / Math.sqrt(hd));
    const logits = new Float32Array(N * H * L * S);
    const ms = mask ? [1, 1, 1, 1, ...mask.shape].slice(-4) : null;
    const st = ms ? [ms[1] * ms[2] * ms[3], ms[2] * ms[3], ms[3], 1].map((x, d) => (ms[d] === 1 ? 0 : x)) : null;
    for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) {
      const b = n * H + h;
      const q = new Tensor(qh.data.subarray(b * L * hd, (b + 1) * L * hd).map((x) => x * scale), [L, hd]);
      const l = ops.linear(q, new Tensor(kh.data.subarray(b * S * hd, (b + 1) * S * hd), [S, hd])).data;   // [L, S]
      for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) {
        logits[(b * L + i) * S + j] = mask && st ? l[i * S + j] + mask.data[n * st[0] + h * st[1] + i * st[2] + j * st[3]] : l[i * S + j];
      }
    }
    const P = ops.softmax(new Tensor(logits, [N, H, L, S]), 3).data;
    if (!average) return new Tensor(P, batched ? [N, H, L, S] : [H, L, S]);
    const avg = new Float32Array(N * L * S);
    for (let n = 0; n < N; n++) for (let x = 0; x < L * S; x++) {
      let s = 0;
      for (let h = 0; h < H; h++) s += P[(n * H + h) * L * S + x];
      avg[n * L * S + x] = s / H;
    }
    return new Tensor(avg, batched ? [N, L, S] : [L, S]);
  }
}

/** out_proj: nn.Linear(E, E, bias) under the key prefix `out_proj.` (PyTorch's NonDynamicallyQuantizableLinear). */
class OutProj extends Module {
  constructor(E: number, bias: boolean) {
    super();
    const bound = 1 / Math.sqrt(E);
    this.param('weight', uniform([E, E], bound));
    this.param('bias', bias ? Tensor.zeros([E]) : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).linear(x, this.get('weight'), this.getOrNull('bias'));
  }
}
