import type { Tensor } from './tensor.js';
import type { Conv2dOptions, IntPair } from './geometry.js';
import type { Shifts } from './check/shift2d.js';
import type { PadMode } from './check/pad.js';
import type { UnfoldOptions } from './check/unfold.js';
import type { GeluApproximate } from './check/activations.js';
import type { InterpolateOptions } from './check/interpolate.js';
import type { LocalAttentionOptions } from './check/local_attention.js';
import type { ACmixConfig, ACmixOptions, ACmixResult, ACmixWeights } from './check/acmix.js';
import type { C2fOpOptions, C2fWeights } from './check/c2f.js';
import type { DeformConv2dOptions } from './check/deform_conv2d.js';
import type { WeightModulation } from './check/conv2d_per_sample.js';
import type { Involution2dOptions } from './check/involution2d.js';
import type { WindowAttentionOptions } from './check/window_attention.js';
import type { ScaledDotProductAttentionOptions } from './check/scaled_dot_product_attention.js';
import type { MaxPool2dOptions, AvgPool2dOptions, AdaptiveSize } from './check/pooling.js';
import type { ReduceDimOptions } from './check/reduce.js';

/** The stages of one ACmix forward, in order (ACmix §4.1): reported to `ACmixHooks.onStage` as each ends. */
export type ACmixStage = 'stage_i' | 'stage_ii_attention' | 'stage_ii_conv' | 'mix';

/**
 * Observation points of `Ops.acmixForward`: `onStage(stage)` is called when a stage has finished, so a caller
 * (ts/nn's trace, the CLI) can time or inspect the stages without the backend knowing about clocks.
 */
export interface ACmixHooks {
  onStage?(stage: ACmixStage): void;
}

/**
 * The operator set both backends implement with identical signatures and semantics. Every member is
 * required: a backend that lacks an op fails to compile, and no op silently falls back to another backend.
 * Modules (ts/nn) are written once against it; `ref` (ts/ref) is the executable spec, `wasm` (ts/wasm) the
 * fast path. Every member has a row in ts/registry.ts (paper anchor, FLOPs formula, its files).
 *
 * Conventions: tensors positionally (as torch.nn.functional passes them), every other argument in an options
 * object under PyTorch's keyword name, except where PyTorch itself passes it positionally (softmax's dim,
 * pad's pad, unfold's kernel_size, layer_norm's normalized_shape).
 */
export interface Ops {
  /** The backend's registered name ('ref', 'wasm', ...). */
  readonly name: string;
  conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
  conv2dStageI(input: Tensor, weight: Tensor, options?: { groups?: number }): Tensor;
  conv2dStageII(proj: Tensor, kernel_size: readonly [number, number], bias?: Tensor | null, options?: Conv2dOptions): Tensor;
  conv2dShiftSum(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
  shift2d(input: Tensor, shifts: Shifts): Tensor;
  shift2dAsConv(input: Tensor, shifts: Shifts): Tensor;
  pad(input: Tensor, pad: readonly number[], options?: { mode?: PadMode; value?: number }): Tensor;
  unfold(input: Tensor, kernel_size: IntPair, options?: UnfoldOptions): Tensor;
  softmax(input: Tensor, dim: number): Tensor;
  linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  relu(input: Tensor): Tensor;
  gelu(input: Tensor, options?: { approximate?: GeluApproximate }): Tensor;
  sigmoid(input: Tensor): Tensor;
  hardswish(input: Tensor): Tensor;
  silu(input: Tensor): Tensor;
  hardsigmoid(input: Tensor): Tensor;
  tanh(input: Tensor): Tensor;
  leakyRelu(input: Tensor, options?: { negative_slope?: number }): Tensor;
  maxPool2d(input: Tensor, kernel_size: IntPair, options?: MaxPool2dOptions): Tensor;
  avgPool2d(input: Tensor, kernel_size: IntPair, options?: AvgPool2dOptions): Tensor;
  adaptiveAvgPool2d(input: Tensor, output_size: AdaptiveSize): Tensor;
  adaptiveMaxPool2d(input: Tensor, output_size: AdaptiveSize): Tensor;
  /** torch.flatten: a view (the same data, reshaped) on every backend. */
  flatten(input: Tensor, options?: { start_dim?: number; end_dim?: number }): Tensor;
  cat(tensors: readonly Tensor[], options?: { dim?: number }): Tensor;
  /** torch.chunk: contiguous copies of the pieces. */
  chunk(input: Tensor, chunks: number, options?: { dim?: number }): Tensor[];
  batchNorm2d(input: Tensor, running_mean: Tensor, running_var: Tensor, weight?: Tensor | null, bias?: Tensor | null, options?: { eps?: number }): Tensor;
  layerNorm(input: Tensor, normalized_shape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, options?: { eps?: number }): Tensor;
  /** torch.add(input, other) (alpha = 1) of two tensors with NumPy / PyTorch broadcasting; bit-exact. */
  add(input: Tensor, other: Tensor): Tensor;
  axpby(alpha: number, x: Tensor, beta: number, y: Tensor): Tensor;
  interpolate(input: Tensor, options: InterpolateOptions): Tensor;
  globalAvgPool2d(input: Tensor): Tensor;
  localAttention(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): Tensor;
  scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options?: ScaledDotProductAttentionOptions): Tensor;
  acmixFc(q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, options: { head: number }): Tensor;
  /** The ACmix block's output (Eq. 12); config from conv1.weight and `options`. */
  acmix(input: Tensor, weights: ACmixWeights, options?: ACmixOptions): Tensor;
  /** The ACmix block with every intermediate (q, k, v, pe, both paths); `hooks.onStage` after each stage. */
  acmixForward(input: Tensor, weights: ACmixWeights, config: ACmixConfig, hooks?: ACmixHooks): ACmixResult;
  /** YOLOv8's C2f block (Ultralytics' C2f.forward, batch norms folded) with its parameters by state_dict key; c1, c, c2, n, g from their shapes. */
  c2f(input: Tensor, weights: C2fWeights, options?: C2fOpOptions): Tensor;
  deformConv2d(input: Tensor, offset: Tensor, weight: Tensor, bias?: Tensor | null, options?: DeformConv2dOptions): Tensor;
  conv2dPerSample(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
  conv2dMixture(input: Tensor, weight: Tensor, bias: Tensor | null, routing: Tensor, options?: Conv2dOptions): Tensor;
  conv2dModulated(input: Tensor, weight: Tensor, bias: Tensor | null, modulation: WeightModulation, options?: Conv2dOptions): Tensor;
  involution2d(input: Tensor, kernel: Tensor, options: Involution2dOptions): Tensor;
  /** Swin window_partition: x [B, H, W, C] → [B·nW, ws, ws, C] (bit-exact data movement). */
  windowPartition(x: Tensor, window_size: number): Tensor;
  /** Swin window_reverse: [B·nW, ws, ws, C] → [B, H, W, C] (bit-exact). */
  windowReverse(windows: Tensor, window_size: number, H: number, W: number): Tensor;
  /** torch.roll(input, shifts, dims) (bit-exact). */
  roll(input: Tensor, shifts: number | readonly number[], dims: number | readonly number[]): Tensor;
  /** Swin window attention over the fused qkv [B_, N, 3C]: relative position bias, then the shifted-window mask, softmax, @ v → [B_, N, C]. */
  windowAttention(qkv: Tensor, relative_position_bias_table: Tensor, relative_position_index: Tensor, mask: Tensor | null, options: WindowAttentionOptions): Tensor;
  /** torch.mul(input, other) with NumPy / PyTorch broadcasting of any rank (a number other: rounded to float32); bit-exact: the gate of SE, CBAM, coordinate attention. */
  mul(input: Tensor, other: Tensor | number): Tensor;
  /** torch.mean(input, dim, keepdim) over one dim (dim required; negative counts from the end): [.., n, ..] → [.., ..] (keepdim: [.., 1, ..]). */
  mean(input: Tensor, options: ReduceDimOptions): Tensor;
  /** torch.amax(input, dim, keepdim) over one dim (dim required; NaN propagates; +0 above −0); exact. */
  amax(input: Tensor, options: ReduceDimOptions): Tensor;
}

/** The op names of `Ops` (everything but `name`). */
export type OpName = Exclude<keyof Ops, 'name'>;
