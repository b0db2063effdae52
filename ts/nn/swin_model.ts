// The whole Swin Transformer classifier (Liu et al. 2021, arXiv:2103.14030 §3.1 and Table 7 "Swin-T / Swin-S") and
// its ACmix version (Pan et al. 2022, arXiv:2111.14556 §4.3, "Swin-T / Swin-S + ACmix"), with the constructor
// keywords and state_dict keys of microsoft/Swin-Transformer models/swin_transformer.py (`SwinTransformer`,
// `BasicLayer`) and LeapLabTHU/ACmix Swin-Transformer/models/swin_transformer_acmix.py (`SwinTransformer_acmix`,
// its `BasicLayer`). Written from reading that code (none copied). In the ACmix file BasicLayer and the network are
// the plain Swin ones with the block swapped for its SwinTransformerBlock (WindowAttention_acmix inside); nothing
// else differs, so one definition below serves both, parameterised by the block class.
// Eval mode only: dropout, attention dropout and stochastic depth (drop_path) are accepted as hyper-parameters and
// are identities, as in PyTorch's model.eval(). Checked against the official modules by
// spec/fixtures/generate_swin_model.py (parameter counts, FLOPs, outputs) and ts/verify/golden_swin_model.ts.
import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtShape, fmtValue } from '../core/errors.js';
import { positiveInt, pair, type IntPair } from '../core/geometry.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Linear, LayerNorm } from './layers.js';
import { ModuleList } from './layers_std.js';
import { uniform } from './init.js';
import { PatchEmbed, PatchMerging, SwinTransformerBlock, SwinTransformerBlockACmix } from './swin.js';

const view = (t: Tensor, shape: readonly number[]) => new Tensor(t.data, shape);

/** A drop rate: a number in [0, 1) (accepted for the official signature, unused in eval). */
function dropRate(op: string, key: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ParameterError(`${op}: ${key} must be a number in [0, 1), got ${fmtValue(v)}`);
  return v;
}

/** Options of BasicLayer / BasicLayerACmix: the official keywords with a default (dropouts unused in eval). */
export interface BasicLayerOptions {
  /** default 4 */
  mlp_ratio?: number;
  /** default true */
  qkv_bias?: boolean;
  /** default null (head_dim^−0.5) */
  qk_scale?: number | null;
  /** dropout after the Mlp / proj; default 0 (identity in eval) */
  drop?: number;
  /** attention dropout; default 0 (identity in eval) */
  attn_drop?: number;
  /** stochastic depth rate, one per block or one for all; default 0 (identity in eval) */
  drop_path?: number | readonly number[];
  /** the official `downsample=PatchMerging` (true) or `None` (false, default) */
  downsample?: boolean;
  /** gradient checkpointing in training; default false (no effect on a forward) */
  use_checkpoint?: boolean;
}
const LAYER_KEYS = ['mlp_ratio', 'qkv_bias', 'qk_scale', 'drop', 'attn_drop', 'drop_path', 'downsample', 'use_checkpoint'] as const;

type BlockClass = typeof SwinTransformerBlock | typeof SwinTransformerBlockACmix;

/**
 * One Swin stage (official `BasicLayer(dim, input_resolution, depth, num_heads, window_size, mlp_ratio=4.,
 * qkv_bias=True, qk_scale=None, drop=0., attn_drop=0., drop_path=0., norm_layer=nn.LayerNorm, downsample=None,
 * use_checkpoint=False)`): `depth` blocks alternating W-MSA (shift 0, even i) and SW-MSA (shift ⌊window_size/2⌋,
 * odd i), then PatchMerging when `downsample`. Every block applies the official rule min(input_resolution) ≤
 * window_size ⇒ window = min(input_resolution), shift 0 (Swin-T's last stage, 7×7).
 * state_dict: blocks.<i>.* (SwinTransformerBlock keys), downsample.reduction.weight, downsample.norm.* (if downsample).
 * forward(x [B, H·W, dim]) → [B, H·W, dim], or [B, H/2·W/2, 2·dim] with downsample.
 * @throws ArgumentError on bad options; ParameterError on bad hyper-parameters (as the block and PatchMerging);
 *         forward: ShapeError unless x is [B, H·W, dim].
 */
export class BasicLayer extends Module {
  readonly dim: number; readonly input_resolution: [number, number]; readonly depth: number;
  readonly blocks: ModuleList; readonly downsample: PatchMerging | null;
  /** the blocks, typed */
  readonly blockList: (SwinTransformerBlock | SwinTransformerBlockACmix)[];
  protected static readonly Block: BlockClass = SwinTransformerBlock;
  constructor(dim: number, input_resolution: readonly [number, number], depth: number, num_heads: number, window_size: number,
    options?: BasicLayerOptions) {
    super();
    const name = this.constructor.name;
    const o = moduleOptions(name, options, LAYER_KEYS);
    positiveInt(name, 'dim', dim);
    positiveInt(name, 'depth', depth);
    positiveInt(name, 'window_size', window_size);
    const [H, W] = pair(name, 'input_resolution', input_resolution as IntPair, NaN, 1);
    dropRate(name, 'drop', o.drop);
    dropRate(name, 'attn_drop', o.attn_drop);
    if (Array.isArray(o.drop_path)) {
      if (o.drop_path.length < depth) throw new ParameterError(`${name}: drop_path must be a number or a list of >= depth = ${depth} rates, got ${fmtValue(o.drop_path)}`);
      o.drop_path.forEach((r) => dropRate(name, 'drop_path', r));
    } else dropRate(name, 'drop_path', o.drop_path);
    booleanOption(name, 'use_checkpoint', o.use_checkpoint, false);
    this.dim = dim; this.input_resolution = [H, W]; this.depth = depth;
    const Block = (this.constructor as typeof BasicLayer).Block;
    this.blockList = [];
    for (let i = 0; i < depth; i++) {
      this.blockList.push(new Block(dim, [H, W], num_heads, {
        window_size, shift_size: i % 2 === 0 ? 0 : Math.floor(window_size / 2), mlp_ratio: o.mlp_ratio, qkv_bias: o.qkv_bias, qk_scale: o.qk_scale,
      }));
    }
    this.blocks = this.child('blocks', new ModuleList(this.blockList));
    this.downsample = this.child('downsample', booleanOption(name, 'downsample', o.downsample, false) ? new PatchMerging([H, W], dim) : null);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    let y = x;
    for (const b of this.blockList) y = b.forward(y, options);
    return this.downsample ? this.downsample.forward(y, options) : y;
  }
}

/** The ACmix stage: LeapLabTHU/ACmix's `BasicLayer` (same constructor and keys), built of SwinTransformerBlockACmix. */
export class BasicLayerACmix extends BasicLayer {
  protected static override readonly Block: BlockClass = SwinTransformerBlockACmix;
}

/** Options of SwinTransformer / SwinTransformerACmix: the official keywords (all have defaults there). */
export interface SwinTransformerOptions {
  /** default 224 */
  img_size?: IntPair;
  /** default 4 */
  patch_size?: IntPair;
  /** default 3 */
  in_chans?: number;
  /** classes of the head; 0 = no head (official nn.Identity); default 1000 */
  num_classes?: number;
  /** default 96 */
  embed_dim?: number;
  /** blocks per stage; default [2, 2, 6, 2] */
  depths?: readonly number[];
  /** heads per stage; default [3, 6, 12, 24] */
  num_heads?: readonly number[];
  /** default 7 */
  window_size?: number;
  /** default 4 */
  mlp_ratio?: number;
  /** default true */
  qkv_bias?: boolean;
  /** default null (head_dim^−0.5) */
  qk_scale?: number | null;
  /** default 0 (identity in eval) */
  drop_rate?: number;
  /** default 0 (identity in eval) */
  attn_drop_rate?: number;
  /** default 0.1 (identity in eval) */
  drop_path_rate?: number;
  /** absolute position embedding `absolute_pos_embed` [1, num_patches, embed_dim]; default false */
  ape?: boolean;
  /** LayerNorm after the patch embedding; default true */
  patch_norm?: boolean;
  /** default false (no effect on a forward) */
  use_checkpoint?: boolean;
}
const MODEL_KEYS = ['img_size', 'patch_size', 'in_chans', 'num_classes', 'embed_dim', 'depths', 'num_heads', 'window_size', 'mlp_ratio',
  'qkv_bias', 'qk_scale', 'drop_rate', 'attn_drop_rate', 'drop_path_rate', 'ape', 'patch_norm', 'use_checkpoint'] as const;

function intList(op: string, key: string, v: unknown, fallback: readonly number[]): number[] {
  const list = v === undefined ? fallback : v;
  if (!Array.isArray(list) || list.length === 0 || list.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new ParameterError(`${op}: ${key} must be a non-empty list of integers >= 1, got ${fmtValue(v)}`);
  }
  return [...list];
}

/**
 * The Swin Transformer classifier (microsoft/Swin-Transformer `SwinTransformer(img_size=224, patch_size=4,
 * in_chans=3, num_classes=1000, embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24], window_size=7,
 * mlp_ratio=4., qkv_bias=True, qk_scale=None, drop_rate=0., attn_drop_rate=0., drop_path_rate=0.1,
 * norm_layer=nn.LayerNorm, ape=False, patch_norm=True, use_checkpoint=False)`), eval mode:
 *   tokens = PatchEmbed(x) (+ absolute_pos_embed if ape);  stage i (dim embed_dim·2^i, resolution
 *   patches_resolution / 2^i) = BasicLayer with PatchMerging except the last;  LayerNorm(num_features);
 *   mean over the tokens (AdaptiveAvgPool1d(1));  head Linear(num_features → num_classes) (none if num_classes = 0).
 *   new nn.SwinTransformer({ depths: [2, 2, 6, 2], num_heads: [3, 6, 12, 24] })   // Swin-T
 * state_dict (the official checkpoint's `model` entry): patch_embed.proj.*, patch_embed.norm.*, absolute_pos_embed (ape),
 * layers.<i>.blocks.<j>.{norm1, attn, norm2, mlp}.* with the buffers attn.relative_position_index and attn_mask
 * (shifted blocks; both optional when loading: derived from the hyper-parameters), layers.<i>.downsample.*, norm.*,
 * head.*. Weights are PyTorch-default random (the official trunc_normal init is irrelevant once a checkpoint loads).
 * forward(x [B, in_chans, img_H, img_W]) → logits [B, num_classes] (features [B, num_features] if num_classes = 0).
 * @throws ArgumentError on bad options; ParameterError if depths and num_heads differ in length, a stage's
 *         resolution is odd before a PatchMerging, or as the blocks (heads must divide each stage's dim);
 *         forward: ShapeError unless x is [B, in_chans, img_size].
 */
export class SwinTransformer extends Module {
  readonly num_classes: number; readonly num_layers: number; readonly embed_dim: number; readonly num_features: number;
  readonly ape: boolean; readonly patch_norm: boolean; readonly mlp_ratio: number; readonly window_size: number;
  readonly depths: number[]; readonly num_heads: number[]; readonly patches_resolution: [number, number];
  readonly patch_embed: PatchEmbed; readonly layers: ModuleList; readonly layerList: BasicLayer[];
  readonly norm: LayerNorm; readonly head: Linear | null;
  protected static readonly Layer: typeof BasicLayer = BasicLayer;
  constructor(options?: SwinTransformerOptions) {
    super();
    const name = this.constructor.name;
    const o = moduleOptions(name, options, MODEL_KEYS);
    const num_classes = o.num_classes ?? 1000;
    if (typeof num_classes !== 'number' || !Number.isInteger(num_classes) || num_classes < 0) {
      throw new ParameterError(`${name}: num_classes must be an integer >= 0, got ${fmtValue(num_classes)}`);
    }
    const embed_dim = positiveInt(name, 'embed_dim', o.embed_dim ?? 96);
    const depths = intList(name, 'depths', o.depths, [2, 2, 6, 2]), num_heads = intList(name, 'num_heads', o.num_heads, [3, 6, 12, 24]);
    if (depths.length !== num_heads.length) throw new ParameterError(`${name}: depths (${fmtValue(depths)}) and num_heads (${fmtValue(num_heads)}) must have the same length`);
    const window_size = positiveInt(name, 'window_size', o.window_size ?? 7);
    for (const k of ['drop_rate', 'attn_drop_rate', 'drop_path_rate'] as const) dropRate(name, k, o[k]);
    booleanOption(name, 'use_checkpoint', o.use_checkpoint, false);
    this.num_classes = num_classes; this.num_layers = depths.length; this.embed_dim = embed_dim;
    this.depths = depths; this.num_heads = num_heads; this.window_size = window_size;
    this.ape = booleanOption(name, 'ape', o.ape, false);
    this.patch_norm = booleanOption(name, 'patch_norm', o.patch_norm, true);
    this.mlp_ratio = o.mlp_ratio ?? 4;
    this.num_features = embed_dim * 2 ** (this.num_layers - 1);
    this.patch_embed = this.child('patch_embed', new PatchEmbed({
      img_size: o.img_size ?? 224, patch_size: o.patch_size ?? 4, in_chans: o.in_chans ?? 3, embed_dim, patch_norm: this.patch_norm,
    }));
    const [PH, PW] = this.patches_resolution = this.patch_embed.patches_resolution;
    if (this.ape) this.param('absolute_pos_embed', uniform([1, PH * PW, embed_dim], 0.02 * Math.sqrt(3)));
    const Layer = (this.constructor as typeof SwinTransformer).Layer;
    this.layerList = depths.map((depth, i) => new Layer(embed_dim * 2 ** i, [Math.floor(PH / 2 ** i), Math.floor(PW / 2 ** i)], depth, num_heads[i], window_size, {
      mlp_ratio: this.mlp_ratio, qkv_bias: o.qkv_bias, qk_scale: o.qk_scale, downsample: i < depths.length - 1,
    }));
    this.layers = this.child('layers', new ModuleList(this.layerList));
    this.norm = this.child('norm', new LayerNorm(this.num_features));
    this.head = this.child('head', num_classes > 0 ? new Linear(this.num_features, num_classes) : null);
  }

  /** Number of parameters (state_dict tensors that are not buffers), as `sum(p.numel() for p in model.parameters())`. */
  numParameters(): number {
    const buffers = new Set(this.derivedBufferKeys());
    let n = 0;
    for (const [k, t] of this.stateDict()) if (!buffers.has(k)) n += t.size;
    return n;
  }

  /** The official forward_features: x [B, in_chans, H, W] → pooled features [B, num_features]. */
  forwardFeatures(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    let h = this.patch_embed.forward(x, options);
    if (this.ape) h = ops.add(h, this.tiledPosEmbed(h.shape[0]));
    for (const layer of this.layerList) h = layer.forward(h, options);
    return this.pool(this.norm.forward(h, options), options);
  }

  /** Token mean, the official avgpool(x.transpose(1, 2)).flatten(1): [B, L, C] → [B, C] (Ops.globalAvgPool2d on [B, C, L, 1]). */
  pool(tokens: Tensor, options: ForwardOptions = {}): Tensor {
    const [B, L, C] = tokens.shape, t = new Float32Array(tokens.size);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let c = 0; c < C; c++) t[(b * C + c) * L + l] = tokens.data[(b * L + l) * C + c];
    return view(resolveOps(options.backend).globalAvgPool2d(new Tensor(t, [B, C, L, 1])), [B, C]);
  }

  private tiledPosEmbed(B: number): Tensor {
    const pos = this.get('absolute_pos_embed'), out = new Float32Array(B * pos.size);
    for (let b = 0; b < B; b++) out.set(pos.data, b * pos.size);
    return new Tensor(out, [B, pos.shape[1], pos.shape[2]]);
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const [ih, iw] = this.patch_embed.img_size;
    if (x.rank !== 4 || x.shape[1] !== this.patch_embed.in_chans || x.shape[2] !== ih || x.shape[3] !== iw) {
      throw new ShapeError(`${this.constructor.name}.forward: input must be [B, ${this.patch_embed.in_chans}, ${ih}, ${iw}] (in_chans, img_size), got ${fmtShape(x.shape)}`);
    }
    const f = this.forwardFeatures(x, options);
    return this.head ? this.head.forward(f, options) : f;
  }
}

/**
 * Swin Transformer with ACmix attention (LeapLabTHU/ACmix `SwinTransformer_acmix`, same constructor keywords and
 * defaults as SwinTransformer): every block is a SwinTransformerBlockACmix (WindowAttention_acmix: the window
 * attention path and the fc + shift-initialised grouped 3×3 conv path from the same qkv, mixed by rate1, rate2).
 * state_dict: as SwinTransformer plus, in every block, attn.rate1, attn.rate2, attn.fc.weight [9, 3·heads, 1, 1],
 * attn.fc.bias [9], attn.dep_conv.weight [dim, 9, 3, 3] (no dep_conv.bias: the official init removes it).
 *   const model = nn.swinTinyACmix();   model.loadStateDict(checkpoint.model)
 * @throws as SwinTransformer.
 */
export class SwinTransformerACmix extends SwinTransformer {
  protected static override readonly Layer: typeof BasicLayer = BasicLayerACmix;
}

type FactoryOptions = Omit<SwinTransformerOptions, 'embed_dim' | 'depths' | 'num_heads' | 'window_size'>;
function factoryOptions(name: string, options: FactoryOptions | undefined, arch: SwinTransformerOptions): SwinTransformerOptions {
  const fixed = new Set(['embed_dim', 'depths', 'num_heads', 'window_size']);
  const o = moduleOptions(name, options, MODEL_KEYS.filter((k) => !fixed.has(k)) as (keyof FactoryOptions)[]);
  return { ...arch, ...o };
}

/**
 * Swin-T + ACmix, the official configs/acmix_swin_tiny_patch4_window7_224.yaml: embed_dim 96, depths [2, 2, 6, 2],
 * num_heads [3, 6, 12, 24], window 7, 224×224, 1000 classes (drop_path_rate 0.2: training only). 28,649,908
 * parameters (the official module's count; the ACmix README rounds it to "30M"), 4.65 G multiply-accumulates in the
 * official flops() convention (`attnconv flops swin_tiny_acmix`; "4.6G FLOPs" in the paper). Options: the remaining
 * SwinTransformerOptions (num_classes, img_size, ...).
 */
export function swinTinyACmix(options?: FactoryOptions): SwinTransformerACmix {
  return new SwinTransformerACmix(factoryOptions('swinTinyACmix', options, { embed_dim: 96, depths: [2, 2, 6, 2], num_heads: [3, 6, 12, 24], window_size: 7, drop_path_rate: 0.2 }));
}

/** Swin-S + ACmix, configs/acmix_swin_small_patch4_window7_224.yaml: as swinTinyACmix with depths [2, 2, 18, 2] (drop_path_rate 0.3); 50,345,080 parameters, 9.00 G MACs. */
export function swinSmallACmix(options?: FactoryOptions): SwinTransformerACmix {
  return new SwinTransformerACmix(factoryOptions('swinSmallACmix', options, { embed_dim: 96, depths: [2, 2, 18, 2], num_heads: [3, 6, 12, 24], window_size: 7, drop_path_rate: 0.3 }));
}

/** Swin-T, microsoft/Swin-Transformer configs/swin_tiny_patch4_window7_224.yaml (28,288,354 parameters, 4.49 G MACs). */
export function swinTiny(options?: FactoryOptions): SwinTransformer {
  return new SwinTransformer(factoryOptions('swinTiny', options, { embed_dim: 96, depths: [2, 2, 6, 2], num_heads: [3, 6, 12, 24], window_size: 7, drop_path_rate: 0.2 }));
}

/** Swin-S, configs/swin_small_patch4_window7_224.yaml (49,606,258 parameters, 8.75 G MACs). */
export function swinSmall(options?: FactoryOptions): SwinTransformer {
  return new SwinTransformer(factoryOptions('swinSmall', options, { embed_dim: 96, depths: [2, 2, 18, 2], num_heads: [3, 6, 12, 24], window_size: 7, drop_path_rate: 0.3 }));
}
