import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtShape } from '../core/errors.js';
import { positiveInt, expectRank } from '../core/geometry.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Linear, LayerNorm, GELU } from './layers.js';
import { DynamicDWConv } from './dynamic_dw.js';
import { CondConv2d, CondConvRouting } from './dynamic.js';
import { moduleOptions } from './conv_options.js';

// Seed usages of dynamic convolution inside transformer blocks (the seeds' transformer usages). Tokens are [N, L, C] with
// L = H·W in row-major pixel order (ViT / Swin layout); the token ↔ NCHW permutes are data movement in JS
// (bit-exact), the arithmetic runs on the backend's Ops.

/** [N, H·W, C] tokens → [N, C, H, W]. */
export function tokensToNchw(x: Tensor, H: number, W: number): Tensor {
  const [N, L, C] = x.shape, out = new Float32Array(x.size);
  for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) for (let c = 0; c < C; c++) out[(n * C + c) * L + l] = x.data[(n * L + l) * C + c];
  return new Tensor(out, [N, C, H, W]);
}

/** [N, C, H, W] → [N, H·W, C] tokens. */
export function nchwToTokens(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape, L = H * W, out = new Float32Array(x.size);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let l = 0; l < L; l++) out[(n * L + l) * C + c] = x.data[(n * C + c) * L + l];
  return new Tensor(out, [N, L, C]);
}

/** Options of DynamicDWFeedForward. */
export interface DynamicDWFeedForwardOptions {
  /** odd k of the dynamic depthwise conv (padding k // 2); default 3 */
  kernel_size?: number;
  /** reduction of the DynamicDWConv kernel generator; default 4 */
  reduction?: number;
}
const FFN_KEYS = ['kernel_size', 'reduction'] as const;

/** Options of RoutedDownsample. */
export interface RoutedDownsampleOptions {
  /** experts of the routed 2x2 conv; default 4 */
  num_experts?: number;
  /** output channels; default 2·dim (as Swin's PatchMerging) */
  out_dim?: number;
}
const DOWNSAMPLE_KEYS = ['num_experts', 'out_dim'] as const;

function checkTokens(name: string, x: Tensor, dim: number, H: number, W: number): void {
  expectRank(name, 'input', x.shape, 3, { input: x });
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 1 || W < 1 || x.shape[1] !== H * W) {
    throw new ShapeError(`${name}: input.shape[1] must equal H·W = ${H}·${W} = ${H * W} (tokens in row-major pixel order), got ${x.shape[1]} (input=${fmtShape(x.shape)}, H=${H}, W=${W})`);
  }
  if (x.shape[2] !== dim) throw new ShapeError(`${name}: input.shape[2] must equal dim = ${dim}, got ${x.shape[2]} (input=${fmtShape(x.shape)})`);
}

/**
 * A transformer feed-forward block whose depthwise conv kernel is generated from the sequence's global context:
 *   y = fc2(GELU(DynamicDWConv(fc1(x) as an H×W map)))
 * i.e. the "conv FFN" of PVTv2 / LocalViT / CvT-style blocks (Linear → depthwise 3x3 → GELU → Linear) with the
 * static depthwise kernel replaced by Han et al.'s homogeneous dynamic one (kernel = MLP(mean over all tokens)), so
 * every sequence gets its own k×k spatial mixing while the cost stays that of a depthwise conv.
 * Constructor (no official code; the PyTorch convention): `dim`, `hidden_dim` positional, the rest as options:
 *   new nn.DynamicDWFeedForward(96, 384, { kernel_size: 3, reduction: 4 })
 *
 * Paper:   Han et al., ICLR 2022, arXiv:2106.04263 §4 (dynamic depth-wise conv ↔ local attention); the FFN layout of
 *          Wang et al. 2022 (PVTv2, arXiv:2106.13797, §3.2 "convolutional feed-forward").
 * state_dict keys: fc1.{weight [hidden_dim, dim], bias}, dwconv.<DynamicDWConv keys>, fc2.{weight [dim, hidden_dim], bias}.
 * Shapes:  x [N, L = H·W, dim] (+ H, W) → [N, L, dim]; hidden map [N, hidden_dim, H, W]; padding k//2 keeps H×W.
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid sizes
 *         (even kernel_size); ShapeError from forward (before any work) if x is not [N, H·W, dim].
 * @see ts/nn/dynamic_dw.ts · spec/dynamic_dw.test.ts
 */
export class DynamicDWFeedForward extends Module {
  readonly fc1: Linear; readonly dwconv: DynamicDWConv; readonly act = new GELU(); readonly fc2: Linear;
  readonly kernel_size: number; readonly reduction: number;
  constructor(readonly dim: number, readonly hidden_dim: number, options?: DynamicDWFeedForwardOptions) {
    super();
    const o = moduleOptions('DynamicDWFeedForward', options, FFN_KEYS);
    positiveInt('DynamicDWFeedForward', 'dim', dim);
    positiveInt('DynamicDWFeedForward', 'hidden_dim', hidden_dim);
    const kernel_size = this.kernel_size = positiveInt('DynamicDWFeedForward', 'kernel_size', o.kernel_size ?? 3);
    const reduction = this.reduction = positiveInt('DynamicDWFeedForward', 'reduction', o.reduction ?? 4);
    if (kernel_size % 2 === 0) throw new ParameterError(`DynamicDWFeedForward: kernel_size must be odd (padding k//2 keeps H×W), got ${kernel_size}`);
    this.fc1 = this.child('fc1', new Linear(dim, hidden_dim));
    this.dwconv = this.child('dwconv', new DynamicDWConv(hidden_dim, kernel_size, { bias: true, stride: 1, padding: Math.floor(kernel_size / 2), groups: hidden_dim, reduction }));
    this.fc2 = this.child('fc2', new Linear(hidden_dim, dim));
  }
  forwardTokens(x: Tensor, H: number, W: number, options: ForwardOptions = {}): Tensor {
    checkTokens('DynamicDWFeedForward', x, this.dim, H, W);
    const ops = resolveOps(options.backend), o = { backend: ops };
    const h = tokensToNchw(this.fc1.forward(x, o), H, W);
    return this.fc2.forward(nchwToTokens(this.act.forward(this.dwconv.forward(h, o), o)), o);
  }
  /** Module.forward on an NCHW map [N, dim, H, W] (tokens taken in row-major order), returning NCHW. */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    expectRank('DynamicDWFeedForward', 'input', x.shape, 4, { input: x });
    const [, , H, W] = x.shape;
    return tokensToNchw(this.forwardTokens(nchwToTokens(x), H, W, options), H, W);
  }
}

/**
 * Adaptive downsampling: a 2×2 / stride-2 convolution whose kernel is routed per sample (CondConv), replacing
 * Swin's PatchMerging (which is a fixed 2×2 stride-2 linear map, dynconv-spec §13.37) between stages:
 *   r = σ(Linear(GAP(x))),  y = LayerNorm(CondConv2d_{2×2, s2}(x, r))   tokens [N, H·W, dim] → [N, H/2·W/2, out_dim]
 * (reduce then normalise, the Swin V2 order).
 * Constructor (no official code; the PyTorch convention): `dim` positional, the rest as options:
 *   new nn.RoutedDownsample(96, { num_experts: 4, out_dim: 192 }) With num_experts = 1 and r ≡ 1 it is PatchMerging-V2 with the
 * merging Linear written as a conv (§13.37's slot order is the conv's (dy, dx) taps).
 *
 * Paper:   Yang et al. 2019 (CondConv, arXiv:1904.04971) for the routed kernel; Liu et al. 2021/2022 (Swin,
 *          arXiv:2103.14030 §3.1 patch merging; Swin V2 arXiv:2111.09883 res-post-norm) for the block it replaces.
 * state_dict keys: routing_fn.{weight [K, dim], bias [K]}, reduction.weight [K, out_dim·dim·2·2] (timm CondConv2d
 *          layout, no bias), norm.{weight, bias} [out_dim].
 * Shapes:  x [N, H·W, dim] (+ H, W, both even) → [N, (H/2)·(W/2), out_dim].
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid sizes;
 *         ShapeError from forward (before any work) if x is not [N, H·W, dim] or H or W is odd (as PatchMerging).
 * @see ts/nn/dynamic.ts · spec/dynamic_dw.test.ts
 */
export class RoutedDownsample extends Module {
  readonly routing_fn: CondConvRouting; readonly reduction: CondConv2d; readonly norm: LayerNorm;
  readonly num_experts: number; readonly out_dim: number;
  constructor(readonly dim: number, options?: RoutedDownsampleOptions) {
    super();
    const o = moduleOptions('RoutedDownsample', options, DOWNSAMPLE_KEYS);
    positiveInt('RoutedDownsample', 'dim', dim);
    const num_experts = this.num_experts = positiveInt('RoutedDownsample', 'num_experts', o.num_experts ?? 4);
    const out_dim = this.out_dim = positiveInt('RoutedDownsample', 'out_dim', o.out_dim ?? 2 * dim);
    this.routing_fn = this.child('routing_fn', new CondConvRouting(dim, num_experts));
    this.reduction = this.child('reduction', new CondConv2d(dim, out_dim, { kernel_size: 2, stride: 2, padding: 0, bias: false, num_experts }));
    this.norm = this.child('norm', new LayerNorm(out_dim));
  }
  forwardTokens(x: Tensor, H: number, W: number, options: ForwardOptions = {}): Tensor {
    checkTokens('RoutedDownsample', x, this.dim, H, W);
    if (H % 2 || W % 2) throw new ShapeError(`RoutedDownsample: H and W must be even (2×2 patches, as PatchMerging), got H=${H}, W=${W} (input=${fmtShape(x.shape)})`);
    const ops = resolveOps(options.backend), o = { backend: ops };
    const map = tokensToNchw(x, H, W);
    const y = this.reduction.forward(map, this.routing_fn.forward(map, o), o);
    return this.norm.forward(nchwToTokens(y), o);
  }
  /** Module.forward on an NCHW map [N, dim, H, W], returning [N, out_dim, H/2, W/2]. */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    expectRank('RoutedDownsample', 'input', x.shape, 4, { input: x });
    const [, , H, W] = x.shape;
    return tokensToNchw(this.forwardTokens(nchwToTokens(x), H, W, options), H / 2, W / 2);
  }
}
