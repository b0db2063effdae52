import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtShape, fmtValue } from '../core/errors.js';
import { positiveInt, expectRank } from '../core/geometry.js';
import { finiteArg, checkElements } from '../core/validate.js';
import type { Ops } from '../core/ops.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d } from './layers.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { permute, sliceChannels } from './attn_layout.js';

/** Options of LinearSelfAttention (ml-cvnets' keyword names). */
export interface LinearSelfAttentionOptions {
  /** dropout on the context scores: a probability in [0, 1), inert (inference, as PyTorch's eval mode); default 0 */
  attn_dropout?: number;
  /** bias of qkv_proj and out_proj; default true */
  bias?: boolean;
}
const LSA_KEYS = ['attn_dropout', 'bias'] as const;

/**
 * cvnets' `ConvLayer2d(in, out, kernel_size=1, bias, use_norm=False, use_act=False)`: a 1x1 conv nested as
 * `block.conv` (cvnets builds `self.block = nn.Sequential()` and adds the conv under the name "conv"; with norm and
 * activation off nothing else is added). state_dict: block.conv.weight [out, in, 1, 1], block.conv.bias [out].
 */
export class ConvLayer2d extends Module {
  readonly block: ConvBlock;
  constructor(in_channels: number, out_channels: number, bias: boolean) {
    super();
    this.block = this.child('block', new ConvBlock(in_channels, out_channels, bias));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return this.block.conv.forward(x, options); }
}

/** The `block` Sequential of ConvLayer2d, holding only `conv`. */
export class ConvBlock extends Module {
  readonly conv: Conv2d;
  constructor(in_channels: number, out_channels: number, bias: boolean) {
    super();
    this.conv = this.child('conv', new Conv2d(in_channels, out_channels, 1, { bias }));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return this.conv.forward(x, options); }
}

/**
 * MobileViTv2's separable self-attention, linear in the number of tokens: one latent query scores every patch, the
 * scores (softmax over the patches) weight the keys into one context vector, which gates the ReLU of the values.
 *   const attn = new nn.LinearSelfAttention(128);
 *   const y = attn.forward(x, { backend: 'wasm' });    // x [B, 128, P, N] (P pixels per patch, N patches)
 *
 * Paper:   Mehta & Rastegari, "Separable Self-attention for Mobile Vision Transformers", TMLR 2023,
 *          arXiv:2206.02680, §3.2, Eq. (1)–(4) (context scores c_s = softmax(x·W_I), context vector
 *          c_v = Σ_i c_s(i)·x_K(i), output y = (ReLU(x·W_V) ∗ c_v)·W_O).
 * Matches: apple/ml-cvnets cvnets/layers/linear_attention.py `LinearSelfAttention(opts, embed_dim, attn_dropout=0.0,
 *          bias=True)`, self-attention path (`_forward_self_attn`), eval mode; independently written:
 *            qkv = qkv_proj(x) [B, 1 + 2d, P, N]; query = qkv[:, :1], key = qkv[:, 1:1+d], value = qkv[:, 1+d:]
 *            (torch.split order: query first); context_scores = softmax(query, dim=−1) (over the N patches, separately
 *            for each pixel p of a patch); context_vector = Σ_N key·context_scores [B, d, P, 1];
 *            out = out_proj(relu(value) · context_vector) (broadcast over N). No 1/√d scale.
 * Composition: the context vector is exactly an attention of one query over the N patches, so it runs on
 *          Ops.scaledDotProductAttention (query a single 1, keys the N latent scores, values the key vectors, scale 1:
 *          softmax_n(1·q_n)·k_n summed over n — the same sum, fused); the gate is Ops.mul's broadcast.
 * state_dict keys (cvnets' nesting, ConvLayer2d wraps its conv in .block.conv): qkv_proj.block.conv.weight
 *          [1 + 2d, d, 1, 1], qkv_proj.block.conv.bias [1 + 2d], out_proj.block.conv.weight [d, d, 1, 1],
 *          out_proj.block.conv.bias [d] (biases only with bias: true).
 * Init: PyTorch's Conv2d default U(±1/√d) (cvnets re-initialises in its model builders, not in the layer).
 * Shapes:  x [B, d, P, N] → [B, d, P, N]; any P, N ≥ 1.
 * Cost (`flops`, 2 per multiply-accumulate; softmax exps and ReLU not counted):
 *            qkv_proj 2·B·P·N·d·(1 + 2d) + context vector 2·B·P·N·d + gate B·P·N·d + out_proj 2·B·P·N·d²
 *          = B·P·N·(6d² + 5d) — linear in the token count N (and in P), against 8·B·n·d² + 4·B·n²·d for global
 *          multi-head self-attention over n tokens (`mhsaFlops`), quadratic in n.
 * Numerics: each step is an Ops call (conv2d, softmax inside SDPA, mul, relu); golden bound: the chain bound.
 * @throws ArgumentError if options is not a plain object, holds another key or bias is not a boolean; ParameterError
 *         if embed_dim is not a positive integer or attn_dropout is not a number in [0, 1); from forward (before any
 *         work) ShapeError if x is not rank 4 [B, embed_dim, P, N] with P, N ≥ 1.
 * @see spec/attn_modules.test.ts · ts/verify/golden_attn_modules.ts · bench/attn_modules.bench.ts
 */
export class LinearSelfAttention extends Module {
  readonly qkv_proj: ConvLayer2d; readonly out_proj: ConvLayer2d;
  readonly attn_dropout: number; readonly bias: boolean;
  constructor(readonly embed_dim: number, options?: LinearSelfAttentionOptions) {
    super();
    const name = 'LinearSelfAttention', o = moduleOptions(name, options, LSA_KEYS);
    positiveInt(name, 'embed_dim', embed_dim);
    const p = finiteArg(name, 'attn_dropout', o.attn_dropout, 0, 0);
    if (p >= 1) throw new ParameterError(`${name}: attn_dropout must be a probability in [0, 1), got ${fmtValue(p)}`);
    this.attn_dropout = p;
    this.bias = booleanOption(name, 'bias', o.bias, true);
    this.qkv_proj = this.child('qkv_proj', new ConvLayer2d(embed_dim, 1 + 2 * embed_dim, this.bias));
    this.out_proj = this.child('out_proj', new ConvLayer2d(embed_dim, embed_dim, this.bias));
  }

  /** Validates an input before any work. @throws ShapeError naming the expected layout. */
  check(x: Tensor): void {
    expectRank('LinearSelfAttention', 'input', x.shape, 4, { input: x });
    if (x.shape[1] !== this.embed_dim) throw new ShapeError(`LinearSelfAttention: input.shape[1] must equal embed_dim = ${this.embed_dim} (layout [B, C, P, N]), got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
    if (x.shape[2] < 1 || x.shape[3] < 1) throw new ShapeError(`LinearSelfAttention: P and N (input.shape[2], input.shape[3]) must be ≥ 1, got input=${fmtShape(x.shape)}`);
    checkElements('LinearSelfAttention', 'the projections [B, 1 + 2·embed_dim, P, N]', [x.shape[0], 1 + 2 * this.embed_dim, x.shape[2], x.shape[3]]);
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.check(x);
    const ops: Ops = resolveOps(options.backend), o = { backend: ops };
    const [B, d, P, N] = x.shape;
    const qkv = this.qkv_proj.forward(x, o);                                   // [B, 1 + 2d, P, N]
    const query = sliceChannels(qkv, 0, 1), key = sliceChannels(qkv, 1, 1 + d), value = sliceChannels(qkv, 1 + d, 1 + 2 * d);
    // context vector: per (b, p), one query of weight 1 over the N patches: softmax_n(q_n)·key_n summed over n
    const ones = Tensor.full([B, P, 1, 1], 1);
    const scores = query.reshape([B, P, N, 1]);                                // [B, 1, P, N] = [B, P, N, 1] in memory
    const keys = permute(key, [0, 2, 3, 1]);                                   // [B, P, N, d]
    const context = ops.scaledDotProductAttention(ones, scores, keys, { scale: 1 });   // [B, P, 1, d]
    const cv = permute(context.reshape([B, P, d]), [0, 2, 1]).reshape([B, d, P, 1]);
    return this.out_proj.forward(ops.mul(ops.relu(value), cv), o);
  }

  /** FLOPs of one forward on an input of shape [B, embed_dim, P, N] (formula in the class docstring). */
  flops(shape: readonly number[]): number {
    const [B, , P, N] = shape, d = this.embed_dim;
    return linearSelfAttentionFlops(B, d, P, N);
  }
}

/** FLOPs of LinearSelfAttention on [B, d, P, N]: B·P·N·(6d² + 5d) (see the class docstring). */
export function linearSelfAttentionFlops(B: number, d: number, P: number, N: number): number {
  const tokens = B * P * N;
  return 2 * tokens * d * (1 + 2 * d) + 2 * tokens * d + tokens * d + 2 * tokens * d * d;
}

/**
 * FLOPs of global multi-head self-attention over n tokens of width d (Vaswani et al. 2017 §3.2.2; nn.MultiheadAttention
 * with kdim = vdim = d): q, k, v projections 6·B·n·d², logits 2·B·n²·d, aggregation 2·B·n²·d, output projection
 * 2·B·n·d² = 8·B·n·d² + 4·B·n²·d (independent of the head count).
 */
export function mhsaFlops(B: number, n: number, d: number): number {
  return 8 * B * n * d * d + 4 * B * n * n * d;
}
