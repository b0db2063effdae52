import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, NotImplementedError, fmtShape, fmtValue } from '../core/errors.js';
import { positiveInt, expectRank } from '../core/geometry.js';
import { checkElements } from '../core/validate.js';
import type { Ops } from '../core/ops.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Linear } from './layers.js';
import { ModuleList } from './layers_std.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { permute, mergeHeads } from './attn_layout.js';

/** Options of AxialAttention (lucidrains/axial-attention's keyword names). */
export interface AxialAttentionOptions {
  /** number of axial dimensions; only 2 (images) is offered; default 2 */
  num_dimensions?: number;
  /** attention heads; default 8 */
  heads?: number;
  /** features per head; default dim / heads (then dim must be divisible by heads) */
  dim_heads?: number | null;
  /** the feature axis of the rank-4 input: −1 or 3 (channels last, [B, H, W, C], the default), 1 (NCHW) or 2 */
  dim_index?: number;
  /** true (default): out = attn_H(x) + attn_W(x) (parallel); false: out = attn_W(attn_H(x)) (sequential) */
  sum_axial_out?: boolean;
}
const AXIAL_KEYS = ['num_dimensions', 'heads', 'dim_heads', 'dim_index', 'sum_axial_out'] as const;

/**
 * Multi-head self-attention over the tokens of one sequence batch [b, t, dim] → [b, t, dim]: lucidrains'
 * `SelfAttention(dim, heads, dim_heads)` (state_dict `to_q.weight` [h·e, dim], `to_kv.weight` [2·h·e, dim], no bias;
 * `to_out.{weight [dim, h·e], bias [dim]}`); keys are the first half of to_kv's output, values the second; scale
 * e^(−1/2); softmax over the keys.
 */
export class AxialSelfAttention extends Module {
  readonly to_q: Linear; readonly to_kv: Linear; readonly to_out: Linear;
  readonly dim_hidden: number;
  constructor(readonly dim: number, readonly heads: number, readonly dim_heads: number) {
    super();
    this.dim_hidden = dim_heads * heads;
    this.to_q = this.child('to_q', new Linear(dim, this.dim_hidden, { bias: false }));
    this.to_kv = this.child('to_kv', new Linear(dim, 2 * this.dim_hidden, { bias: false }));
    this.to_out = this.child('to_out', new Linear(this.dim_hidden, dim));
  }
  /** x [b, t, dim] → [b, t, dim]. */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend), o = { backend: ops }, hid = this.dim_hidden, h = this.heads, e = this.dim_heads;
    // one Linear of [to_q; to_kv] (the same dot products as the two Linears: one GEMM instead of two), then one
    // permute [b, t, 3, h, e] → [3, b, h, t, e] whose three slices are q, k, v
    const W = new Float32Array(3 * hid * this.dim);
    W.set(this.to_q.stateDict().get('weight')!.data, 0);
    W.set(this.to_kv.stateDict().get('weight')!.data, hid * this.dim);
    const qkv = ops.linear(x, new Tensor(W, [3 * hid, this.dim]));
    const [b, t] = x.shape, part = b * h * t * e;
    const heads = permute(qkv.reshape([b, t, 3, h, e]), [2, 0, 3, 1, 4]).data;
    const slice = (i: number) => new Tensor(heads.subarray(i * part, (i + 1) * part), [b, h, t, e]);
    return this.to_out.forward(mergeHeads(ops.scaledDotProductAttention(slice(0), slice(1), slice(2))), o);   // scale 1/√dim_heads
  }
}

/**
 * lucidrains' `PermuteToFrom(permutation, fn)`: brings one axial dimension and the feature dimension to the end,
 * merges the others into the batch, runs `fn` (an AxialSelfAttention) and restores the layout. state_dict: `fn.*`.
 */
export class AxialPermute extends Module {
  readonly fn: AxialSelfAttention;
  readonly inverse: number[];
  constructor(readonly permutation: readonly number[], fn: AxialSelfAttention) {
    super();
    this.fn = this.child('fn', fn);
    this.inverse = permutation.map((_, i) => permutation.indexOf(i));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const axial = permute(x, this.permutation), shape = axial.shape;
    const t = shape[shape.length - 2], d = shape[shape.length - 1];
    const y = this.fn.forward(axial.reshape([t * d === 0 ? 0 : axial.size / (t * d), t, d]), options);
    return permute(y.reshape(shape), this.inverse);
  }
}

/**
 * Axial attention on images: multi-head self-attention along the height axis (every column is a sequence of H
 * tokens) and along the width axis (every row a sequence of W tokens), combined in parallel (sum, the default) or in
 * sequence (height, then width).
 *   const attn = new nn.AxialAttention(64, { heads: 4, dim_index: 1 });   // NCHW input [B, 64, H, W]
 *   const y = attn.forward(x, { backend: 'wasm' });
 *
 * Paper:   Ho, Kalchbrenner, Weissenborn, Salimans, "Axial Attention in Multidimensional Transformers",
 *          arXiv:1912.12180, §3 (Eq. 1–2: attention along one axis with the others folded into the batch; a row and
 *          a column layer together reach every pixel). Plain (position-free) axial attention, not Axial-DeepLab's
 *          position-sensitive variant (arXiv:2003.07853, BN on the logits, relative embeddings tied to the axis length).
 * Matches: lucidrains/axial-attention (MIT) `AxialAttention(dim, num_dimensions=2, heads=8, dim_heads=None,
 *          dim_index=-1, sum_axial_out=True)` — its layout, keys and defaults, independently written:
 *            axial_attentions.0 attends along H (dims sorted: the first non-feature, non-batch dimension),
 *            axial_attentions.1 along W; sum_axial_out: out = Σ_axis attn_axis(x), else attn_W(attn_H(x)).
 * state_dict keys: axial_attentions.{0,1}.fn.to_q.weight [h·e, dim], .to_kv.weight [2·h·e, dim],
 *          .to_out.weight [dim, h·e], .to_out.bias [dim]  (h = heads, e = dim_heads).
 * Init: nn.Linear's default U(±1/√fan_in) (as the reference module; no special init).
 * Shapes:  x rank 4 with the feature dimension at dim_index: [B, H, W, dim] (−1 / 3), [B, dim, H, W] (1),
 *          [B, H, dim, W] (2) → same shape. H and W may differ; H = 1 or W = 1 are valid (an axis of one token
 *          attends to itself with weight 1, so that layer is the linear map to_out ∘ v).
 * Cost:    per layer along an axis of length L: 2·B·H·W·dim·(3·h·e) (q, k, v) + 4·B·H·W·L·h·e (logits and
 *          aggregation) + 2·B·H·W·h·e·dim (to_out) FLOPs; both layers: attention term 4·B·H·W·(H + W)·h·e, i.e.
 *          O(H·W·(H + W)·d) against O(H²·W²·d) for global attention over the H·W tokens (`axialAttentionFlops`).
 * Numerics: projections and attention are Ops.linear / Ops.scaledDotProductAttention (their bounds); permutes
 *          are bit-exact data movement.
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError if dim, heads or
 *         dim_heads is not a positive integer, dim_heads is not given and dim is not divisible by heads, or dim_index
 *         is not one of −3..−1, 1..3; NotImplementedError for num_dimensions ≠ 2; from forward (before any work)
 *         ShapeError if the input is not rank 4 or its feature dimension is not dim.
 * @see spec/attn_modules.test.ts · ts/verify/golden_attn_modules.ts · bench/attn_modules.bench.ts
 */
export class AxialAttention extends Module {
  readonly axial_attentions: ModuleList;
  readonly heads: number; readonly dim_heads: number; readonly dim_index: number; readonly sum_axial_out: boolean;
  readonly num_dimensions: number;
  constructor(readonly dim: number, options?: AxialAttentionOptions) {
    super();
    const name = 'AxialAttention', o = moduleOptions(name, options, AXIAL_KEYS);
    positiveInt(name, 'dim', dim);
    this.num_dimensions = positiveInt(name, 'num_dimensions', o.num_dimensions ?? 2);
    if (this.num_dimensions !== 2) throw new NotImplementedError(`${name}: num_dimensions must be 2 (images); ${this.num_dimensions} axial dimensions are not implemented`);
    this.heads = positiveInt(name, 'heads', o.heads ?? 8);
    if (o.dim_heads === undefined || o.dim_heads === null) {
      if (dim % this.heads !== 0) throw new ParameterError(`${name}: dim must be divisible by heads when dim_heads is not given, got dim = ${dim}, heads = ${this.heads}`);
      this.dim_heads = dim / this.heads;
    } else {
      this.dim_heads = positiveInt(name, 'dim_heads', o.dim_heads);
      // lucidrains asserts dim % heads == 0 whatever dim_heads is
      if (dim % this.heads !== 0) throw new ParameterError(`${name}: dim must be divisible by heads (as the reference module asserts), got dim = ${dim}, heads = ${this.heads}`);
    }
    const di = o.dim_index ?? -1;
    if (!Number.isInteger(di) || di === 0 || di < -3 || di > 3) throw new ParameterError(`${name}: dim_index must be one of -3, -2, -1, 1, 2, 3 (the feature axis of a rank-4 input; 0 is the batch), got ${fmtValue(o.dim_index)}`);
    this.dim_index = di > 0 ? di : di + 4;
    this.sum_axial_out = booleanOption(name, 'sum_axial_out', o.sum_axial_out, true);
    // lucidrains' calculate_permutations: for each axial dimension a (ascending), [rest ascending, a, dim_index]
    const e = this.dim_index, axes = [1, 2, 3].filter((a) => a !== e);
    this.axial_attentions = this.child('axial_attentions', new ModuleList(axes.map((a) => {
      const rest = [0, 1, 2, 3].filter((d) => d !== a && d !== e);
      return new AxialPermute([...rest, a, e], new AxialSelfAttention(dim, this.heads, this.dim_heads));
    })));
  }

  /** Validates an input before any work. @throws ShapeError naming the expected layout. */
  check(x: Tensor): void {
    expectRank('AxialAttention', 'input', x.shape, 4, { input: x });
    if (x.shape[this.dim_index] !== this.dim) {
      throw new ShapeError(`AxialAttention: input.shape[${this.dim_index}] (dim_index) must equal dim = ${this.dim}, got ${x.shape[this.dim_index]} (input=${fmtShape(x.shape)})`);
    }
    const [a, b] = [1, 2, 3].filter((d) => d !== this.dim_index).map((d) => x.shape[d]);
    checkElements('AxialAttention', 'the attention weights [B·other, heads, L, L] of the longer axis', [x.shape[0] * a * b, this.heads, Math.max(a, b)]);
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.check(x);
    const ops: Ops = resolveOps(options.backend), o = { backend: ops };
    const layers = [...this.axial_attentions];
    if (this.sum_axial_out) return layers.map((m) => m.forward(x, o)).reduce((acc, y) => ops.add(acc, y));
    return layers.reduce((y, m) => m.forward(y, o), x);
  }
}

/**
 * FLOPs of one AxialAttention forward (2 per multiply-accumulate; softmax and the sum of the two layers not
 * counted): Σ over the two axes of 2·M·dim·3·he + 4·M·L_axis·he + 2·M·he·dim, M = B·H·W tokens, he = heads·dim_heads.
 * Shapes: B, H, W the batch and the two spatial extents.
 */
export function axialAttentionFlops(B: number, H: number, W: number, dim: number, heads: number, dim_heads: number): number {
  const M = B * H * W, he = heads * dim_heads;
  const layer = (L: number) => 2 * M * dim * 3 * he + 4 * M * L * he + 2 * M * he * dim;
  return layer(H) + layer(W);
}
