import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, NotImplementedError, fmtShape, fmtValue } from '../core/errors.js';
import { positiveInt, expectRank, conv2dGeometry } from '../core/geometry.js';
import { checkAvgPool2d } from '../core/check/pooling.js';
import { checkElements, finiteArg, tensorArg } from '../core/validate.js';
import type { Ops } from '../core/ops.js';
import { Module, resolveOps, forwardOptions, type ForwardOptions } from './module.js';
import { Conv2d, BatchNorm2d, Linear } from './layers.js';
import { DynamicDWConv } from './dynamic_dw.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { tokensToNchw, nchwToTokens } from './transformer_seeds.js';
import { splitHeads, mergeHeads } from './attn_layout.js';

/** How CvT projects the token map before the q / k / v Linears. */
export type ConvProjectionMethod = 'dw_bn' | 'avg' | 'linear' | 'dynamic_dw_bn';
const METHODS: readonly ConvProjectionMethod[] = ['dw_bn', 'avg', 'linear', 'dynamic_dw_bn'];

/** Options of ConvProjectionAttention: the keyword arguments of CvT's `Attention`, plus `reduction` (dynamic_dw_bn). */
export interface ConvProjectionAttentionOptions {
  /** bias of proj_q / proj_k / proj_v; default false */
  qkv_bias?: boolean;
  /** dropout on the attention weights: a probability in [0, 1), inert (inference, as PyTorch's eval mode); default 0 */
  attn_drop?: number;
  /** dropout after proj: as attn_drop; default 0 */
  proj_drop?: number;
  /** 'dw_bn' (default), 'avg' (k, v average-pooled, q unprojected), 'linear' (no conv projection), or
   *  'dynamic_dw_bn' (the depthwise kernel generated per sample from the input; see the class docstring) */
  method?: ConvProjectionMethod;
  /** side of the depthwise (or pooling) kernel; default 3 */
  kernel_size?: number;
  /** stride of the k and v projections; default 1 (CvT's yaml uses 2) */
  stride_kv?: number;
  /** stride of the q projection; default 1 */
  stride_q?: number;
  /** default 1 */
  padding_kv?: number;
  /** default 1 */
  padding_q?: number;
  /** the first token is a class token that bypasses the conv projection; default true (as CvT's Attention) */
  with_cls_token?: boolean;
  /** 'dynamic_dw_bn' only: hidden width of the kernel generator = dim_in // reduction; default 4 */
  reduction?: number;
}
const CVT_KEYS = ['qkv_bias', 'attn_drop', 'proj_drop', 'method', 'kernel_size', 'stride_kv', 'stride_q', 'padding_kv', 'padding_q', 'with_cls_token', 'reduction'] as const;

/**
 * One convolutional projection of CvT, `nn.Sequential(conv, bn, rearrange)`: a depthwise conv (no bias), BatchNorm2d
 * (eval), then the map flattened to tokens 'b c h w -> b (h w) c'. state_dict: conv.weight [C, 1, k, k] (or, for
 * 'dynamic_dw_bn', conv.<DynamicDWConv keys>), bn.{weight, bias, running_mean, running_var}.
 */
export class ConvProjection extends Module {
  readonly conv: Conv2d | DynamicDWConv; readonly bn: BatchNorm2d;
  constructor(readonly dim: number, readonly kernel_size: number, readonly padding: number, readonly stride: number, dynamic: boolean, reduction: number) {
    super();
    this.conv = this.child('conv', dynamic
      ? new DynamicDWConv(dim, kernel_size, { bias: false, stride, padding, groups: dim, reduction })
      : new Conv2d(dim, dim, kernel_size, { padding, stride, bias: false, groups: dim }));
    this.bn = this.child('bn', new BatchNorm2d(dim));
  }
  /** The output map size for an h × w input. @throws ShapeError if the kernel does not fit. */
  outSize(op: string, N: number, h: number, w: number): [number, number] {
    const g = conv2dGeometry(op, [N, this.dim, h, w], [this.dim, 1, this.kernel_size, this.kernel_size], null, { stride: this.stride, padding: this.padding, groups: this.dim });
    return [g.H_out, g.W_out];
  }
  /** x [B, C, h, w] → tokens [B, h'·w', C]. */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend), o = { backend: ops };
    return nchwToTokens(this.bn.forward(this.conv.forward(x, o), o));
  }
}

/**
 * CvT's multi-head attention with convolutional projections: every token map is projected by a depthwise conv +
 * BatchNorm (stride 1 for the queries, stride_kv for the keys and values, which shrinks the key count), flattened,
 * then by the usual Linear q / k / v projections; softmax attention with the scale dim_out^(−1/2); output Linear.
 *   const attn = new nn.ConvProjectionAttention(64, 64, 2, { stride_kv: 2, with_cls_token: false, qkv_bias: true });
 *   const y = attn.forwardTokens(tokens, H, W, { backend: 'wasm' });   // tokens [B, H·W, 64] → [B, H·W, 64]
 *
 * Paper:   Wu et al., "CvT: Introducing Convolutions to Vision Transformers", ICCV 2021, arXiv:2103.15808, §3.2
 *          ("Convolutional Projection": Eq. (2) x^{q/k/v} = Flatten(Conv2d(Reshape2D(x), s)), a depthwise-separable
 *          conv = depthwise conv → BN → pointwise, the pointwise part being the Linear; "squeezed" k / v with stride 2).
 * Matches: microsoft/CvT (MIT) lib/models/cls_cvt.py `Attention(dim_in, dim_out, num_heads, qkv_bias=False,
 *          attn_drop=0., proj_drop=0., method='dw_bn', kernel_size=3, stride_kv=1, stride_q=1, padding_kv=1,
 *          padding_q=1, with_cls_token=True)` in eval mode, independently written. Its details kept:
 *          - scale = dim_out^(−1/2) (the FULL output width, not head_dim: √heads smaller than usual);
 *          - the cls token (with_cls_token) is split off before the conv projections and prepended, unprojected by
 *            the conv, to q, k and v; it then goes through proj_q / proj_k / proj_v like every token;
 *          - 'avg': q has no conv projection ('linear'), k and v AvgPool2d(k, stride_kv, padding_kv, ceil_mode=True);
 *          - heads split 'b t (h d) -> b h t d'.
 * Extension (no official code): method 'dynamic_dw_bn' — conv-enhanced self-attention with a dynamic kernel (the
 *          seed's idea; no text of it was found under /work/shared or in ts/nn/transformer_seeds.ts, so this is our
 *          design): each depthwise conv of the projections is replaced by nn.DynamicDWConv (Han et al., ICLR 2022,
 *          arXiv:2106.04263 §4): a small kernel generator, GAP → Conv1x1(dim_in → dim_in // reduction, no bias) →
 *          BN → ReLU → Conv1x1(→ dim_in·k², bias), gives every sample its own depthwise k×k kernel, applied by
 *          Ops.conv2dPerSample (no bias), then the projection's BatchNorm as in 'dw_bn'. q, k and v keep separate
 *          generators (as they keep separate kernels in 'dw_bn'), so with a generator whose conv2 weight is 0 and
 *          whose conv2 bias holds a static kernel the module is exactly 'dw_bn' with that kernel.
 * state_dict keys (CvT's): conv_proj_q.conv.weight [dim_in, 1, k, k], conv_proj_q.bn.{weight, bias, running_mean,
 *          running_var} (num_batches_tracked accepted), the same under conv_proj_k / conv_proj_v ('avg': none for any,
 *          as its pooling has no parameters; 'linear': none); proj_q / proj_k / proj_v.weight [dim_out, dim_in]
 *          (+ .bias if qkv_bias); proj.weight [dim_out, dim_out], proj.bias [dim_out]. 'dynamic_dw_bn':
 *          conv_proj_x.conv.{conv1.weight, bn.*, conv2.weight, conv2.bias} instead of conv_proj_x.conv.weight.
 * Init: PyTorch defaults (CvT's trunc_normal(0.02) init lives in its VisionTransformer, not in Attention).
 * Shapes:  forwardTokens: x [B, T, dim_in] with T = h·w (+1 with the cls token) → [B, T_q, dim_out],
 *          T_q = h_q·w_q (+1), h_q = ⌊(h + 2·padding_q − k)/stride_q⌋ + 1; keys T_kv = h_kv·w_kv (+1), likewise
 *          (ceil for 'avg'). forward: an NCHW map [B, dim_in, h, w] (no cls token) → [B, dim_out, h_q, w_q].
 * Cost:    2·B·T_q·T_kv·dim_out·2 (logits + aggregation) + the projections' FLOPs; stride_kv = 2 divides the
 *          attention term by ≈ 4.
 * Numerics: each step is an Ops call (conv2d / conv2dPerSample, batchNorm2d, linear, scaledDotProductAttention);
 *          golden bound: the chain bound (ts/verify/golden_attn_modules.ts).
 * @throws ArgumentError if options is not a plain object, holds another key or a boolean option is not a boolean;
 *         ParameterError if dim_in, dim_out, num_heads, kernel_size, strides or reduction are not positive integers,
 *         paddings not integers ≥ 0, dim_out not divisible by num_heads, attn_drop / proj_drop not in [0, 1), method
 *         unknown, or reduction given without 'dynamic_dw_bn'; from forwardTokens (before any arithmetic)
 *         ShapeError if x is not [B, h·w (+1), dim_in] or a projection's kernel does not fit the map;
 *         NotImplementedError from forward (NCHW) with with_cls_token.
 * @see ts/nn/dynamic_dw.ts · spec/attn_modules.test.ts · ts/verify/golden_attn_modules.ts
 */
export class ConvProjectionAttention extends Module {
  readonly conv_proj_q: ConvProjection | null; readonly conv_proj_k: ConvProjection | null; readonly conv_proj_v: ConvProjection | null;
  readonly proj_q: Linear; readonly proj_k: Linear; readonly proj_v: Linear; readonly proj: Linear;
  readonly method: ConvProjectionMethod; readonly scale: number; readonly with_cls_token: boolean;
  readonly kernel_size: number; readonly stride_kv: number; readonly stride_q: number; readonly padding_kv: number; readonly padding_q: number;
  readonly qkv_bias: boolean; readonly reduction: number;

  constructor(readonly dim_in: number, readonly dim_out: number, readonly num_heads: number, options?: ConvProjectionAttentionOptions) {
    super();
    const name = 'ConvProjectionAttention', o = moduleOptions(name, options, CVT_KEYS);
    positiveInt(name, 'dim_in', dim_in);
    positiveInt(name, 'dim_out', dim_out);
    positiveInt(name, 'num_heads', num_heads);
    if (dim_out % num_heads !== 0) throw new ParameterError(`${name}: dim_out must be divisible by num_heads, got dim_out = ${dim_out}, num_heads = ${num_heads}`);
    this.qkv_bias = booleanOption(name, 'qkv_bias', o.qkv_bias, false);
    for (const key of ['attn_drop', 'proj_drop'] as const) {
      const p = finiteArg(name, key, o[key], 0, 0);
      if (p >= 1) throw new ParameterError(`${name}: ${key} must be a probability in [0, 1), got ${fmtValue(p)}`);
    }
    const method = o.method ?? 'dw_bn';
    if (!METHODS.includes(method)) throw new ParameterError(`${name}: method must be one of ${METHODS.map((m) => `'${m}'`).join(', ')}, got ${fmtValue(method)}`);
    this.method = method;
    this.kernel_size = positiveInt(name, 'kernel_size', o.kernel_size ?? 3);
    this.stride_kv = positiveInt(name, 'stride_kv', o.stride_kv ?? 1);
    this.stride_q = positiveInt(name, 'stride_q', o.stride_q ?? 1);
    this.padding_kv = positiveInt(name, 'padding_kv', o.padding_kv ?? 1, 0);
    this.padding_q = positiveInt(name, 'padding_q', o.padding_q ?? 1, 0);
    this.with_cls_token = booleanOption(name, 'with_cls_token', o.with_cls_token, true);
    if (o.reduction !== undefined && method !== 'dynamic_dw_bn') throw new ParameterError(`${name}: reduction only applies to method 'dynamic_dw_bn', got method '${method}'`);
    this.reduction = positiveInt(name, 'reduction', o.reduction ?? 4);
    if (method === 'dynamic_dw_bn' && Math.floor(dim_in / this.reduction) < 1) throw new ParameterError(`${name}: dim_in // reduction must be ≥ 1, got ${dim_in} // ${this.reduction}`);
    this.scale = dim_out ** -0.5;
    const k = this.kernel_size, conv = method === 'dw_bn' || method === 'dynamic_dw_bn', dyn = method === 'dynamic_dw_bn';
    const build = (padding: number, stride: number) => (conv ? new ConvProjection(dim_in, k, padding, stride, dyn, this.reduction) : null);
    this.conv_proj_q = this.child('conv_proj_q', build(this.padding_q, this.stride_q));
    this.conv_proj_k = this.child('conv_proj_k', build(this.padding_kv, this.stride_kv));
    this.conv_proj_v = this.child('conv_proj_v', build(this.padding_kv, this.stride_kv));
    this.proj_q = this.child('proj_q', new Linear(dim_in, dim_out, { bias: this.qkv_bias }));
    this.proj_k = this.child('proj_k', new Linear(dim_in, dim_out, { bias: this.qkv_bias }));
    this.proj_v = this.child('proj_v', new Linear(dim_in, dim_out, { bias: this.qkv_bias }));
    this.proj = this.child('proj', new Linear(dim_out, dim_out));
  }

  /**
   * CvT's `Attention.forward(x, h, w)`: tokens [B, T, dim_in] of an h × w map (plus the cls token first when
   * with_cls_token) → [B, T_q, dim_out].
   * @throws ShapeError (before any arithmetic) as the class docstring.
   */
  forwardTokens(x: Tensor, h: number, w: number, options: ForwardOptions = {}): Tensor {
    const name = 'ConvProjectionAttention';
    tensorArg(`${name}.forwardTokens`, 'input', x);
    options = forwardOptions(name, options);
    expectRank(name, 'input', x.shape, 3, { input: x });
    positiveInt(name, 'h', h);
    positiveInt(name, 'w', w);
    const cls = this.with_cls_token ? 1 : 0, [B, T, C] = x.shape;
    if (T !== h * w + cls) throw new ShapeError(`${name}: input.shape[1] must equal h·w${cls ? ' + 1 (cls token)' : ''} = ${h * w + cls}, got ${T} (input=${fmtShape(x.shape)}, h=${h}, w=${w})`);
    if (C !== this.dim_in) throw new ShapeError(`${name}: input.shape[2] must equal dim_in = ${this.dim_in}, got ${C} (input=${fmtShape(x.shape)})`);
    // split off the cls token and lay the map out as NCHW (data movement only)
    const clsTok = cls ? new Tensor(Float32Array.from({ length: B * C }, (_, i) => x.data[Math.floor(i / C) * T * C + (i % C)]), [B, 1, C]) : null;
    const body = cls ? new Tensor(Float32Array.from({ length: B * h * w * C }, (_, i) => x.data[(Math.floor(i / (h * w * C)) * T + 1) * C + (i % (h * w * C))]), [B, h * w, C]) : x;
    const map = tokensToNchw(body, h, w);
    // every geometry checked before the first op
    let Tq = h * w, Tkv = h * w;
    if (this.conv_proj_q && this.conv_proj_k) {
      const [hq, wq] = this.conv_proj_q.outSize(name, B, h, w), [hk, wk] = this.conv_proj_k.outSize(name, B, h, w);
      Tq = hq * wq; Tkv = hk * wk;
    } else if (this.method === 'avg') {
      const g = checkAvgPool2d(name, map, this.kernel_size, { stride: this.stride_kv, padding: this.padding_kv, ceil_mode: true });
      Tkv = g.rows.out * g.cols.out;
    }
    checkElements(name, 'the attention weights [B, num_heads, T_q, T_kv]', [B, this.num_heads, Tq + cls, Tkv + cls]);

    const ops: Ops = resolveOps(options.backend), o = { backend: ops };
    const project = (p: ConvProjection | null, pool: boolean) => {
      const t = p ? p.forward(map, o)
        : pool ? nchwToTokens(ops.avgPool2d(map, this.kernel_size, { stride: this.stride_kv, padding: this.padding_kv, ceil_mode: true }))
          : body;
      return clsTok ? ops.cat([clsTok, t], { dim: 1 }) : t;
    };
    const avg = this.method === 'avg';
    const q = project(this.conv_proj_q, false), k = project(this.conv_proj_k, avg), v = project(this.conv_proj_v, avg);
    const H = this.num_heads;
    const qh = splitHeads(this.proj_q.forward(q, o), H), kh = splitHeads(this.proj_k.forward(k, o), H), vh = splitHeads(this.proj_v.forward(v, o), H);
    const y = ops.scaledDotProductAttention(qh, kh, vh, { scale: this.scale });
    return this.proj.forward(mergeHeads(y), o);
  }

  /** Module.forward on an NCHW map [B, dim_in, h, w] (no cls token) → [B, dim_out, h_q, w_q]. */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const name = 'ConvProjectionAttention';
    if (this.with_cls_token) throw new NotImplementedError(`${name}.forward: an NCHW map has no cls token; build with with_cls_token: false or call forwardTokens(x, h, w)`);
    expectRank(name, 'input', x.shape, 4, { input: x });
    const [B, C, h, w] = x.shape;
    if (C !== this.dim_in) throw new ShapeError(`${name}: input.shape[1] must equal dim_in = ${this.dim_in}, got ${C} (input=${fmtShape(x.shape)})`);
    const [hq, wq] = this.conv_proj_q ? this.conv_proj_q.outSize(name, B, h, w) : [h, w];
    return tokensToNchw(this.forwardTokens(nchwToTokens(x), h, w, options), hq, wq);
  }
}
