// Swin Transformer modules (Liu et al. 2021, arXiv:2103.14030) and their ACmix variant (Pan et al. 2022,
// arXiv:2111.14556 §4.3), with the state_dict keys of microsoft/Swin-Transformer models/swin_transformer.py and
// of LeapLabTHU/ACmix Swin-Transformer/models/swin_transformer_acmix.py. Written from reading that code (no code
// copied): the same parameters, buffers and forward order, so an official checkpoint loads unchanged and the
// outputs agree within the float32 bounds of ts/verify/golden_swin.ts (spec/fixtures/swin.safetensors).
// Tokens are [B, L = H·W, C] (row-major pixels), as in the official code; eval mode (dropout, drop_path off).
import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtShape } from '../core/errors.js';
import { positiveInt, pair, type IntPair } from '../core/geometry.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Linear, LayerNorm, GELU, Conv2d } from './layers.js';
import { uniform } from './init.js';

const view = (t: Tensor, shape: readonly number[]) => new Tensor(t.data, shape);

/**
 * out[rowOf[j]·R + i] = src[i·Cc + j] (rowOf null: j): the transpose of a row-major R × Cc matrix, with its rows
 * renumbered. Bit-exact data movement (the 32-bit patterns are copied, so NaN payloads and −0 survive); in tiles of
 * 128 rows, 8 columns at a time, so the strided reads stay in cache (measured ~2x faster in V8 than an
 * element-by-element Float32Array loop).
 */
function transposeRows(src: Float32Array, R: number, Cc: number, rowOf: Int32Array | null, out: Float32Array): void {
  const s32 = new Int32Array(src.buffer, src.byteOffset, R * Cc), o32 = new Int32Array(out.buffer, out.byteOffset, R * Cc);
  const off = new Int32Array(Cc);
  for (let j = 0; j < Cc; j++) off[j] = (rowOf ? rowOf[j] : j) * R;
  const C8 = Cc - (Cc % 8);
  for (let i0 = 0; i0 < R; i0 += 128) {
    const i1 = Math.min(R, i0 + 128);
    for (let j = 0; j < C8; j += 8) {
      const o0 = off[j], o1 = off[j + 1], o2 = off[j + 2], o3 = off[j + 3], o4 = off[j + 4], o5 = off[j + 5], o6 = off[j + 6], o7 = off[j + 7];
      for (let i = i0, k = i0 * Cc + j; i < i1; i++, k += Cc) {
        o32[o0 + i] = s32[k]; o32[o1 + i] = s32[k + 1]; o32[o2 + i] = s32[k + 2]; o32[o3 + i] = s32[k + 3];
        o32[o4 + i] = s32[k + 4]; o32[o5 + i] = s32[k + 5]; o32[o6 + i] = s32[k + 6]; o32[o7 + i] = s32[k + 7];
      }
    }
    for (let j = C8; j < Cc; j++) {
      const o = off[j];
      for (let i = i0, k = i0 * Cc + j; i < i1; i++, k += Cc) o32[o + i] = s32[k];
    }
  }
}

/**
 * The official relative_position_index of a Wh × Ww window: for tokens i = (y_i, x_i), j = (y_j, x_j) (row-major),
 * index[i, j] = (y_i − y_j + Wh − 1)·(2Ww − 1) + (x_i − x_j + Ww − 1), an integer in [0, (2Wh − 1)(2Ww − 1)).
 */
export function relativePositionIndex(Wh: number, Ww: number): Tensor {
  const N = Wh * Ww, out = new Float32Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    const dy = Math.floor(i / Ww) - Math.floor(j / Ww), dx = (i % Ww) - (j % Ww);
    out[i * N + j] = (dy + Wh - 1) * (2 * Ww - 1) + (dx + Ww - 1);
  }
  return new Tensor(out, [N, N]);
}

/**
 * The official SW-MSA mask [nW, ws², ws²]: the H × W map is labelled in 3 × 3 regions by the slices
 * [0, H − ws), [H − ws, H − s), [H − s, H) (same for W), the label map is cut into windows, and
 * mask[w, i, j] = −100 where the labels of tokens i and j of window w differ, else 0.
 */
export function swinAttentionMask(H: number, W: number, window_size: number, shift_size: number): Tensor {
  const ws = window_size, s = shift_size, region = (v: number, n: number) => (v < n - ws ? 0 : v < n - s ? 1 : 2);
  const nH = H / ws, nWw = W / ws, N = ws * ws, out = new Float32Array(nH * nWw * N * N);
  const label = new Int32Array(N);
  for (let p = 0; p < nH; p++) for (let q = 0; q < nWw; q++) {
    const w = p * nWw + q;
    for (let t = 0; t < N; t++) label[t] = 3 * region(p * ws + Math.floor(t / ws), H) + region(q * ws + (t % ws), W);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[(w * N + i) * N + j] = label[i] === label[j] ? 0 : -100;
  }
  return new Tensor(out, [nH * nWw, N, N]);
}

/** The official Mlp: fc1, GELU (erf form), fc2 (dropout off). Keys fc1.*, fc2.*. */
export class SwinMlp extends Module {
  readonly fc1: Linear; readonly act: GELU; readonly fc2: Linear;
  constructor(in_features: number, hidden_features: number) {
    super();
    this.fc1 = this.child('fc1', new Linear(in_features, hidden_features));
    this.act = new GELU();
    this.fc2 = this.child('fc2', new Linear(hidden_features, in_features));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x, options), options), options);
  }
}

/** Options of WindowAttention (the official keyword names; dropout is off in eval). */
export interface WindowAttentionModuleOptions {
  /** bias of the qkv Linear; default true */
  qkv_bias?: boolean;
  /** overrides the scale head_dim^−0.5; default null */
  qk_scale?: number | null;
}
const WA_KEYS = ['qkv_bias', 'qk_scale'] as const;

function windowAttentionSetup(name: string, dim: number, window_size: IntPair, num_heads: number, o: Partial<WindowAttentionModuleOptions>) {
  positiveInt(name, 'dim', dim);
  positiveInt(name, 'num_heads', num_heads);
  if (dim % num_heads !== 0) throw new ParameterError(`${name}: dim = ${dim} must be divisible by num_heads = ${num_heads}`);
  const [Wh, Ww] = pair(name, 'window_size', window_size, NaN, 1);
  const qkv_bias = booleanOption(name, 'qkv_bias', o.qkv_bias, true);
  if (o.qk_scale !== undefined && o.qk_scale !== null && (typeof o.qk_scale !== 'number' || !Number.isFinite(o.qk_scale))) {
    throw new ParameterError(`${name}: qk_scale must be a finite number or null, got ${String(o.qk_scale)}`);
  }
  // the official `qk_scale or head_dim ** -0.5` (a qk_scale of 0 falls back too)
  const scale = o.qk_scale || (dim / num_heads) ** -0.5;
  return { Wh, Ww, qkv_bias, scale };
}

/**
 * Swin's W-MSA / SW-MSA (microsoft/Swin-Transformer `WindowAttention(dim, window_size, num_heads, qkv_bias=True,
 * qk_scale=None)`): qkv Linear, window attention with the relative position bias gathered from the table
 * (Ops.windowAttention), proj Linear.
 *   new nn.WindowAttention(96, [7, 7], 3, { qkv_bias: true })
 * state_dict: relative_position_bias_table [(2Wh−1)(2Ww−1), num_heads] (init: U(±0.02·√3), the std of the
 * official trunc_normal(std=.02)), relative_position_index [N, N] (buffer, recomputed; accepted when present),
 * qkv.weight [3·dim, dim], qkv.bias, proj.weight, proj.bias.
 * forward(x [B_, N, C], { mask [nW, N, N] | null, backend }) → [B_, N, C].
 * @throws ParameterError on dim ∤ num_heads or bad sizes; forward throws as Ops.windowAttention.
 */
export class WindowAttention extends Module {
  readonly dim: number; readonly num_heads: number; readonly window_size: [number, number]; readonly scale: number;
  readonly qkv: Linear; readonly proj: Linear;
  constructor(dim: number, window_size: IntPair, num_heads: number, options?: WindowAttentionModuleOptions) {
    super();
    const o = moduleOptions('WindowAttention', options, WA_KEYS);
    const { Wh, Ww, qkv_bias, scale } = windowAttentionSetup('WindowAttention', dim, window_size, num_heads, o);
    this.dim = dim; this.num_heads = num_heads; this.window_size = [Wh, Ww]; this.scale = scale;
    this.param('relative_position_bias_table', uniform([(2 * Wh - 1) * (2 * Ww - 1), num_heads], 0.02 * Math.sqrt(3)));
    this.derivedBuffer('relative_position_index', relativePositionIndex(Wh, Ww));
    this.qkv = this.child('qkv', new Linear(dim, 3 * dim, { bias: qkv_bias }));
    this.proj = this.child('proj', new Linear(dim, dim));
  }
  /** x [B_, N, C] (B_ = batch · windows), mask [nW, N, N] or null. */
  forward(x: Tensor, options: ForwardOptions & { mask?: Tensor | null } = {}): Tensor {
    const ops = resolveOps(options.backend);
    const qkv = this.qkv.forward(x, options);
    const y = ops.windowAttention(qkv, this.get('relative_position_bias_table'), this.get('relative_position_index'), options.mask ?? null,
      { num_heads: this.num_heads, scale: this.scale });
    return this.proj.forward(y, options);
  }
}

/** Options of SwinTransformerBlock / SwinTransformerBlockACmix (the official keyword names; dropout off in eval). */
export interface SwinTransformerBlockOptions {
  /** default 7 */
  window_size?: number;
  /** default 0 (W-MSA); window_size / 2 for SW-MSA */
  shift_size?: number;
  /** hidden = ⌊dim · mlp_ratio⌋; default 4 */
  mlp_ratio?: number;
  /** default true */
  qkv_bias?: boolean;
  /** default null (head_dim^−0.5) */
  qk_scale?: number | null;
}
const BLOCK_KEYS = ['window_size', 'shift_size', 'mlp_ratio', 'qkv_bias', 'qk_scale'] as const;

/** The official constructor rules, shared by both blocks. */
function blockSetup(name: string, dim: number, input_resolution: readonly [number, number], num_heads: number, o: Partial<SwinTransformerBlockOptions>) {
  positiveInt(name, 'dim', dim);
  const [H, W] = pair(name, 'input_resolution', input_resolution as IntPair, NaN, 1);
  let window_size = positiveInt(name, 'window_size', o.window_size ?? 7);
  let shift_size = o.shift_size ?? 0;
  if (!Number.isInteger(shift_size) || shift_size < 0) throw new ParameterError(`${name}: shift_size must be an integer >= 0, got ${String(shift_size)}`);
  const mlp_ratio = o.mlp_ratio ?? 4;
  if (typeof mlp_ratio !== 'number' || !(mlp_ratio > 0) || !Number.isFinite(mlp_ratio)) throw new ParameterError(`${name}: mlp_ratio must be a finite number > 0, got ${String(mlp_ratio)}`);
  if (Math.min(H, W) <= window_size) {          // the official rule: no partition when the map fits in one window
    shift_size = 0;
    window_size = Math.min(H, W);
  }
  if (!(shift_size < window_size)) throw new ParameterError(`${name}: shift_size must be in [0, window_size = ${window_size}), got ${shift_size}`);
  if (H % window_size !== 0 || W % window_size !== 0) {
    throw new ParameterError(`${name}: window_size = ${window_size} must divide input_resolution [${H}, ${W}] (the official window_partition view needs it)`);
  }
  const hidden = Math.floor(dim * mlp_ratio);
  if (hidden < 1) throw new ParameterError(`${name}: ⌊dim · mlp_ratio⌋ must be >= 1, got ${hidden}`);
  return { H, W, window_size, shift_size, mlp_ratio, hidden };
}

function checkTokens(name: string, x: Tensor, H: number, W: number, C: number): number {
  if (x.rank !== 3 || x.shape[1] !== H * W || x.shape[2] !== C) {
    throw new ShapeError(`${name}.forward: input must be [B, H·W, C] = [B, ${H * W}, ${C}] (input_resolution [${H}, ${W}]), got ${fmtShape(x.shape)}`);
  }
  return x.shape[0];
}

/**
 * Swin Transformer block (microsoft/Swin-Transformer `SwinTransformerBlock(dim, input_resolution, num_heads,
 * window_size=7, shift_size=0, mlp_ratio=4., qkv_bias=True, qk_scale=None)`), eval mode:
 *   x = x + reverse(W-MSA(partition(roll(norm1(x), −s)), mask), +s);  x = x + mlp(norm2(x)).
 *   new nn.SwinTransformerBlock(96, [56, 56], 3, { window_size: 7, shift_size: 3 })
 * As the official constructor: if min(input_resolution) ≤ window_size, shift_size = 0 and window_size =
 * min(input_resolution); the SW-MSA mask is the `attn_mask` buffer (swinAttentionMask) when shift_size > 0.
 * state_dict: attn_mask (shifted only), norm1.*, attn.* (WindowAttention), norm2.*, mlp.fc1.*, mlp.fc2.*.
 * forward(x [B, H·W, C]) → [B, H·W, C].
 * @throws ParameterError on bad hyper-parameters (shift_size ∉ [0, window_size), window_size ∤ H or W after the
 *         rule above); forward: ShapeError unless x is [B, H·W, dim].
 */
export class SwinTransformerBlock extends Module {
  readonly dim: number; readonly input_resolution: [number, number]; readonly num_heads: number;
  readonly window_size: number; readonly shift_size: number; readonly mlp_ratio: number;
  readonly norm1: LayerNorm; readonly attn: WindowAttention; readonly norm2: LayerNorm; readonly mlp: SwinMlp;
  constructor(dim: number, input_resolution: readonly [number, number], num_heads: number, options?: SwinTransformerBlockOptions) {
    super();
    const o = moduleOptions('SwinTransformerBlock', options, BLOCK_KEYS);
    const g = blockSetup('SwinTransformerBlock', dim, input_resolution, num_heads, o);
    this.dim = dim; this.input_resolution = [g.H, g.W]; this.num_heads = num_heads;
    this.window_size = g.window_size; this.shift_size = g.shift_size; this.mlp_ratio = g.mlp_ratio;
    this.norm1 = this.child('norm1', new LayerNorm(dim));
    this.attn = this.child('attn', new WindowAttention(dim, g.window_size, num_heads, { qkv_bias: o.qkv_bias, qk_scale: o.qk_scale }));
    this.norm2 = this.child('norm2', new LayerNorm(dim));
    this.mlp = this.child('mlp', new SwinMlp(dim, g.hidden));
    if (g.shift_size > 0) this.derivedBuffer('attn_mask', swinAttentionMask(g.H, g.W, g.window_size, g.shift_size));
  }
  get attn_mask(): Tensor | null { return this.getOrNull('attn_mask'); }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend), [H, W] = this.input_resolution, C = this.dim, ws = this.window_size, s = this.shift_size;
    const B = checkTokens('SwinTransformerBlock', x, H, W, C);
    let h = view(this.norm1.forward(x, options), [B, H, W, C]);
    if (s > 0) h = ops.roll(h, [-s, -s], [1, 2]);
    const windows = view(ops.windowPartition(h, ws), [(B * H * W) / (ws * ws), ws * ws, C]);
    const attended = this.attn.forward(windows, { ...options, mask: this.attn_mask });
    let y = ops.windowReverse(view(attended, [attended.shape[0], ws, ws, C]), ws, H, W);
    if (s > 0) y = ops.roll(y, [s, s], [1, 2]);
    const x1 = ops.add(x, view(y, [B, H * W, C]));
    return ops.add(x1, this.mlp.forward(this.norm2.forward(x1, options), options));
  }
}

/**
 * Swin's patch merging (microsoft/Swin-Transformer `PatchMerging(input_resolution, dim)`): the 2×2 sub-pixels in
 * the official order x0 = (even row, even col), x1 = (odd, even), x2 = (even, odd), x3 = (odd, odd), concatenated
 * to 4C, LayerNorm(4C), Linear(4C → 2C, no bias).
 *   new nn.PatchMerging([56, 56], 96)
 * state_dict: reduction.weight [2C, 4C], norm.weight, norm.bias [4C].
 * forward(x [B, H·W, C]) → [B, H/2·W/2, 2C].
 * @throws ParameterError if H or W is odd (the official assert); forward: ShapeError unless x is [B, H·W, dim].
 */
export class PatchMerging extends Module {
  readonly input_resolution: [number, number]; readonly dim: number;
  readonly reduction: Linear; readonly norm: LayerNorm;
  constructor(input_resolution: readonly [number, number], dim: number) {
    super();
    const [H, W] = pair('PatchMerging', 'input_resolution', input_resolution as IntPair, NaN, 1);
    positiveInt('PatchMerging', 'dim', dim);
    if (H % 2 !== 0 || W % 2 !== 0) throw new ParameterError(`PatchMerging: input_resolution must be even, got [${H}, ${W}]`);
    this.input_resolution = [H, W]; this.dim = dim;
    this.reduction = this.child('reduction', new Linear(4 * dim, 2 * dim, { bias: false }));
    this.norm = this.child('norm', new LayerNorm(4 * dim));
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const [H, W] = this.input_resolution, C = this.dim, B = checkTokens('PatchMerging', x, H, W, C);
    const H2 = H / 2, W2 = W / 2, out = new Float32Array(B * H2 * W2 * 4 * C);
    const order = [[0, 0], [1, 0], [0, 1], [1, 1]];      // (row offset, col offset) of x0, x1, x2, x3
    for (let b = 0; b < B; b++) for (let i = 0; i < H2; i++) for (let j = 0; j < W2; j++) for (let part = 0; part < 4; part++) {
      const [dy, dx] = order[part], src = ((b * H + 2 * i + dy) * W + 2 * j + dx) * C;
      out.set(x.data.subarray(src, src + C), ((b * H2 + i) * W2 + j) * 4 * C + part * C);
    }
    const merged = new Tensor(out, [B, H2 * W2, 4 * C]);
    return this.reduction.forward(this.norm.forward(merged, options), options);
  }
}

/** Options of PatchEmbed (the official keyword names; `patch_norm` stands for norm_layer=nn.LayerNorm). */
export interface PatchEmbedOptions {
  /** default 224 */
  img_size?: IntPair;
  /** default 4 */
  patch_size?: IntPair;
  /** default 3 */
  in_chans?: number;
  /** default 96 */
  embed_dim?: number;
  /** LayerNorm(embed_dim) after the projection (official norm_layer = nn.LayerNorm when patch_norm); default false */
  patch_norm?: boolean;
}
const PE_KEYS = ['img_size', 'patch_size', 'in_chans', 'embed_dim', 'patch_norm'] as const;

/**
 * Swin's patch embedding (microsoft/Swin-Transformer `PatchEmbed(img_size=224, patch_size=4, in_chans=3,
 * embed_dim=96, norm_layer=None)`): Conv2d(in_chans, embed_dim, patch, stride patch), flatten to tokens
 * [B, H/p·W/p, embed_dim], optional LayerNorm.
 *   new nn.PatchEmbed({ img_size: 224, patch_size: 4, embed_dim: 96, patch_norm: true })
 * state_dict: proj.weight, proj.bias, norm.weight, norm.bias (if patch_norm).
 * forward(x [B, in_chans, img_H, img_W]) → [B, (img_H/p)·(img_W/p), embed_dim].
 * @throws ParameterError on bad sizes; forward: ShapeError unless the input size equals img_size (official assert).
 */
export class PatchEmbed extends Module {
  readonly img_size: [number, number]; readonly patch_size: [number, number]; readonly in_chans: number; readonly embed_dim: number;
  readonly patches_resolution: [number, number];
  readonly proj: Conv2d; readonly norm: LayerNorm | null;
  constructor(options?: PatchEmbedOptions) {
    super();
    const o = moduleOptions('PatchEmbed', options, PE_KEYS);
    this.img_size = pair('PatchEmbed', 'img_size', o.img_size, 224, 1);
    this.patch_size = pair('PatchEmbed', 'patch_size', o.patch_size, 4, 1);
    this.in_chans = positiveInt('PatchEmbed', 'in_chans', o.in_chans ?? 3);
    this.embed_dim = positiveInt('PatchEmbed', 'embed_dim', o.embed_dim ?? 96);
    this.patches_resolution = [Math.floor(this.img_size[0] / this.patch_size[0]), Math.floor(this.img_size[1] / this.patch_size[1])];
    this.proj = this.child('proj', new Conv2d(this.in_chans, this.embed_dim, this.patch_size, { stride: this.patch_size }));
    this.norm = this.child('norm', booleanOption('PatchEmbed', 'patch_norm', o.patch_norm, false) ? new LayerNorm(this.embed_dim) : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const [ih, iw] = this.img_size;
    if (x.rank !== 4 || x.shape[1] !== this.in_chans || x.shape[2] !== ih || x.shape[3] !== iw) {
      throw new ShapeError(`PatchEmbed.forward: input must be [B, ${this.in_chans}, ${ih}, ${iw}] (img_size), got ${fmtShape(x.shape)}`);
    }
    const y = this.proj.forward(x, options), [B, E, Ho, Wo] = y.shape, L = Ho * Wo;
    const t = new Float32Array(y.size);                          // flatten(2).transpose(1, 2)
    for (let b = 0; b < B; b++) for (let e = 0; e < E; e++) for (let l = 0; l < L; l++) t[(b * L + l) * E + e] = y.data[(b * E + e) * L + l];
    const tokens = new Tensor(t, [B, L, E]);
    return this.norm ? this.norm.forward(tokens, options) : tokens;
  }
}

/**
 * ACmix's window attention (LeapLabTHU/ACmix `WindowAttention_acmix(dim, window_size, num_heads, qkv_bias=True,
 * qk_scale=None)`): one qkv Linear feeds both paths.
 *   attention path: partition qkv [B, H, W, 3C] into windows, Ops.windowAttention (bias, mask), proj, reverse;
 *   conv path (ACmix §3.3 on the same projections): qkv read as 3·heads groups of head_dim channels
 *     (f_all [B, 3·heads, H·W, head_dim], group g = t·heads + h for t ∈ {q, k, v}), fc = Conv2d(3·heads → 9, 1×1,
 *     bias) mixing the groups per (pixel, channel d), then [B, 9, H·W, hd] → [B, hd·9, H, W] (channel d·9 + tap),
 *     dep_conv = Conv2d(9·hd → dim, 3×3, padding 1, groups hd, no bias): output channel d·heads + h' (d-major,
 *     whereas the attention path's channel is h·hd + d: the official code adds the two paths channel by channel
 *     in these different orders);
 *   output = rate1 · attention + rate2 · conv.
 * Official init (reset_parameters): rate1 = rate2 = 0.5 (its `ones` helper fills 0.5), dep_conv.weight the one-hot
 * shift kernels (kernel i one-hot at (i // 3, i % 3)), and dep_conv.bias removed (its `zeros` helper returns None,
 * which is assigned to the bias), so the conv path has no bias, as the official ResNet ACmix.
 * state_dict: relative_position_bias_table, rate1, rate2, relative_position_index, qkv.*, proj.*, fc.weight
 * [9, 3·heads, 1, 1], fc.bias [9], dep_conv.weight [dim, 9, 3, 3] (no dep_conv.bias).
 * forward(x [B, H, W, C], { H, W, mask, backend }) → [B, H, W, C].
 */
export class WindowAttentionACmix extends Module {
  readonly dim: number; readonly num_heads: number; readonly window_size: [number, number]; readonly scale: number;
  readonly qkv: Linear; readonly proj: Linear; readonly fc: Conv2d; readonly dep_conv: Conv2d;
  constructor(dim: number, window_size: IntPair, num_heads: number, options?: WindowAttentionModuleOptions) {
    super();
    const o = moduleOptions('WindowAttentionACmix', options, WA_KEYS);
    const { Wh, Ww, qkv_bias, scale } = windowAttentionSetup('WindowAttentionACmix', dim, window_size, num_heads, o);
    if (Wh !== Ww) throw new ParameterError(`WindowAttentionACmix: the official forward partitions with window_size[0] only: window_size must be square, got [${Wh}, ${Ww}]`);
    this.dim = dim; this.num_heads = num_heads; this.window_size = [Wh, Ww]; this.scale = scale;
    const hd = dim / num_heads;
    this.param('relative_position_bias_table', uniform([(2 * Wh - 1) * (2 * Ww - 1), num_heads], 0.02 * Math.sqrt(3)));
    this.param('rate1', Tensor.full([1], 0.5));
    this.param('rate2', Tensor.full([1], 0.5));
    this.derivedBuffer('relative_position_index', relativePositionIndex(Wh, Ww));
    this.qkv = this.child('qkv', new Linear(dim, 3 * dim, { bias: qkv_bias }));
    this.proj = this.child('proj', new Linear(dim, dim));
    this.fc = this.child('fc', new Conv2d(3 * num_heads, 9, 1));
    this.dep_conv = this.child('dep_conv', new Conv2d(9 * hd, dim, 3, { padding: 1, groups: hd }));
    const w = this.dep_conv.weight.data;                       // shift kernels: [dim, 9, 3, 3], kernel i one-hot at (i//3, i%3)
    w.fill(0);
    for (let o2 = 0; o2 < dim; o2++) for (let i = 0; i < 9; i++) w[(o2 * 9 + i) * 9 + i] = 1;
    this.dep_conv.setBias(null);                             // the official reset_parameters sets dep_conv.bias to None
  }
  /** The conv path alone: qkv [B, H, W, 3C] → [B, H, W, C]. */
  convPath(qkv: Tensor, H: number, W: number, options: ForwardOptions = {}): Tensor {
    const B = qkv.shape[0], C = this.dim, heads = this.num_heads, hd = C / heads, L = H * W;
    // The official f_all = reshape(B, L, 3·heads, hd).permute(0, 2, 1, 3), fc (1×1 over the 3·heads groups), then
    // permute(0, 3, 1, 2) to dep_conv's channel d·9 + tap. Here qkv is transposed once, straight to [B·hd, 3·heads, L]
    // (image d, channel g), so fc runs as the same 1×1 conv over hd images and its output [B·hd, 9, L] already is
    // dep_conv's input [B, 9·hd, H, W]: the same sums in the same order, one data movement instead of two.
    const G = 3 * heads, rowOf = new Int32Array(3 * C);
    for (let g = 0; g < G; g++) for (let d = 0; d < hd; d++) rowOf[g * hd + d] = d * G + g;
    const fAll = new Float32Array(qkv.size);
    for (let b = 0; b < B; b++) transposeRows(qkv.data.subarray(b * L * 3 * C, (b + 1) * L * 3 * C), L, 3 * C, rowOf, fAll.subarray(b * L * 3 * C));
    const fConv = this.fc.forward(new Tensor(fAll, [B * hd, G, H, W]), options);              // [B·hd, 9, H, W]
    const y = this.dep_conv.forward(new Tensor(fConv.data, [B, 9 * hd, H, W]), options);      // [B, C, H, W]
    const out = new Float32Array(y.size);                                                   // permute(0, 2, 3, 1)
    for (let b = 0; b < B; b++) transposeRows(y.data.subarray(b * C * L, (b + 1) * C * L), C, L, null, out.subarray(b * L * C));
    return new Tensor(out, [B, H, W, C]);
  }
  forward(x: Tensor, options: ForwardOptions & { mask?: Tensor | null } = {}): Tensor {
    const ops = resolveOps(options.backend), C = this.dim, ws = this.window_size[0];
    if (x.rank !== 4 || x.shape[3] !== C) throw new ShapeError(`WindowAttentionACmix.forward: input must be [B, H, W, ${C}], got ${fmtShape(x.shape)}`);
    const [, H, W] = x.shape;
    const qkv = this.qkv.forward(x, options);                                              // [B, H, W, 3C]
    const outConv = this.convPath(qkv, H, W, options);
    const windows = ops.windowPartition(qkv, ws), B_ = windows.shape[0];
    const att = ops.windowAttention(view(windows, [B_, ws * ws, 3 * C]), this.get('relative_position_bias_table'), this.get('relative_position_index'),
      options.mask ?? null, { num_heads: this.num_heads, scale: this.scale });
    const projected = this.proj.forward(att, options);
    const outAtt = ops.windowReverse(view(projected, [B_, ws, ws, C]), ws, H, W);
    return ops.axpby(this.get('rate1').data[0], outAtt, this.get('rate2').data[0], outConv);
  }
}

/**
 * The Swin block with ACmix attention (LeapLabTHU/ACmix `SwinTransformerBlock` of swin_transformer_acmix.py,
 * same constructor as SwinTransformerBlock): norm1, cyclic shift, WindowAttentionACmix on the whole shifted map
 * (its conv path sees the shifted map, zero-padded at the map's border), reverse shift, residual, norm2 + Mlp.
 *   new nn.SwinTransformerBlockACmix(96, [56, 56], 3, { window_size: 7, shift_size: 3 })
 * state_dict: attn_mask (shifted only), norm1.*, attn.* (WindowAttentionACmix), norm2.*, mlp.fc1.*, mlp.fc2.*.
 * forward(x [B, H·W, C]) → [B, H·W, C].
 * @throws as SwinTransformerBlock.
 */
export class SwinTransformerBlockACmix extends Module {
  readonly dim: number; readonly input_resolution: [number, number]; readonly num_heads: number;
  readonly window_size: number; readonly shift_size: number; readonly mlp_ratio: number;
  readonly norm1: LayerNorm; readonly attn: WindowAttentionACmix; readonly norm2: LayerNorm; readonly mlp: SwinMlp;
  constructor(dim: number, input_resolution: readonly [number, number], num_heads: number, options?: SwinTransformerBlockOptions) {
    super();
    const o = moduleOptions('SwinTransformerBlockACmix', options, BLOCK_KEYS);
    const g = blockSetup('SwinTransformerBlockACmix', dim, input_resolution, num_heads, o);
    this.dim = dim; this.input_resolution = [g.H, g.W]; this.num_heads = num_heads;
    this.window_size = g.window_size; this.shift_size = g.shift_size; this.mlp_ratio = g.mlp_ratio;
    this.norm1 = this.child('norm1', new LayerNorm(dim));
    this.attn = this.child('attn', new WindowAttentionACmix(dim, g.window_size, num_heads, { qkv_bias: o.qkv_bias, qk_scale: o.qk_scale }));
    this.norm2 = this.child('norm2', new LayerNorm(dim));
    this.mlp = this.child('mlp', new SwinMlp(dim, g.hidden));
    if (g.shift_size > 0) this.derivedBuffer('attn_mask', swinAttentionMask(g.H, g.W, g.window_size, g.shift_size));
  }
  get attn_mask(): Tensor | null { return this.getOrNull('attn_mask'); }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend), [H, W] = this.input_resolution, C = this.dim, s = this.shift_size;
    const B = checkTokens('SwinTransformerBlockACmix', x, H, W, C);
    let h = view(this.norm1.forward(x, options), [B, H, W, C]);
    if (s > 0) h = ops.roll(h, [-s, -s], [1, 2]);
    let y = this.attn.forward(h, { ...options, mask: this.attn_mask });
    if (s > 0) y = ops.roll(y, [s, s], [1, 2]);
    const x1 = ops.add(x, view(y, [B, H * W, C]));
    return ops.add(x1, this.mlp.forward(this.norm2.forward(x1, options), options));
  }
}
