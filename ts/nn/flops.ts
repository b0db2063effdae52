// Parameters and multiply-accumulates (MACs) of a module for a given input shape, module by module, without running
// it. The convention is the one the Swin and ACmix papers quote as "FLOPs" (Swin-T 4.5G, Swin-T + ACmix 4.6G;
// the official flops() methods of microsoft/Swin-Transformer and LeapLabTHU/ACmix):
//   * one per multiply-add of a Linear, a convolution or an attention matmul (q·kᵀ, attn·v); biases not counted;
//   * one per element for a LayerNorm;
//   * nothing for softmax, activations, the relative-position-bias and mask adds, residual adds, rolls and the
//     rate mix, reshapes, the token mean.
// FLOPs in the sense of "2 per multiply-add" (the registry's and the benchmarks' GFLOP/s) are 2 × MACs.
// It differs from the official flops() of the whole SwinTransformer in one term: the official method counts the final
// LayerNorm as num_features · (patches_resolution / 2^num_layers)², not num_features · (last stage resolution)²
// (Swin-T + ACmix: 150,528 against 37,632 MACs, 0.002 % of the total); officialSwinFlops reproduces theirs.
import { NotImplementedError, ShapeError, fmtShape } from '../core/errors.js';
import { Module } from './module.js';
import { Conv2d, Linear, LayerNorm, GELU, ReLU, BatchNorm2d, Sequential } from './layers.js';
import { Identity, Dropout, Dropout2d } from './layers_std.js';
import {
  PatchEmbed, PatchMerging, SwinMlp, SwinTransformerBlock, SwinTransformerBlockACmix, WindowAttention, WindowAttentionACmix,
} from './swin.js';
import { BasicLayer, SwinTransformer } from './swin_model.js';
import { ACmix } from './acmix.js';

/** One module's cost: its own and its children's, for one forward on `inputShape`. */
export interface CostNode {
  /** state_dict prefix of the module ('' for the root) */
  name: string;
  /** class name */
  type: string;
  inputShape: number[];
  outputShape: number[];
  /** parameters (buffers excluded), this module and its children */
  params: number;
  /** multiply-accumulates, this module and its children (convention above) */
  macs: number;
  children: CostNode[];
  /** ACmix: the MACs of stage I (the 1×1 projections) and of stage II (attention path, conv path) */
  stages?: { stage_i: number; stage_ii_attention: number; stage_ii_conv: number };
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function paramCount(m: Module): number {
  const derived = new Set(m.derivedBufferKeys());
  let n = 0;
  for (const [k, t] of m.stateDict()) if (!derived.has(k) && !k.endsWith('running_mean') && !k.endsWith('running_var')) n += t.size;
  return n;
}

function node(name: string, m: Module, inputShape: readonly number[], outputShape: readonly number[], ownMacs: number, children: CostNode[] = []): CostNode {
  return {
    name, type: m.constructor.name, inputShape: [...inputShape], outputShape: [...outputShape], params: paramCount(m),
    macs: ownMacs + children.reduce((a, c) => a + c.macs, 0), children,
  };
}

const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

/**
 * The cost tree of `m` for one forward on an input of shape `inputShape` (the shape its forward takes: [B, L, C]
 * tokens for Swin blocks and stages, [B, H, W, C] for WindowAttentionACmix, NCHW for convolutions, ACmix and whole
 * networks).
 *   countCost(nn.swinTinyACmix(), [1, 3, 224, 224]).macs   // 4,648,733,952 (official flops(): 4,648,846,848)
 * @throws NotImplementedError for a module class it has no rule for (named, never counted as 0);
 *         ShapeError if inputShape does not fit the module.
 */
export function countCost(m: Module, inputShape: readonly number[], name = ''): CostNode {
  const s = [...inputShape];
  const bad = (what: string) => new ShapeError(`countCost(${m.constructor.name}${name ? ` ${name}` : ''}): input must be ${what}, got ${fmtShape(s)}`);
  if (m instanceof Linear) {
    if (s.at(-1) !== m.in_features) throw bad(`[..., ${m.in_features}]`);
    return node(name, m, s, [...s.slice(0, -1), m.out_features], (prod(s) / m.in_features) * m.in_features * m.out_features);
  }
  if (m instanceof Conv2d) {
    const o = m.options;
    if (s.length !== 4 || s[1] !== o.in_channels) throw bad(`[N, ${o.in_channels}, H, W]`);
    const [sh, sw] = typeof o.stride === 'number' ? [o.stride, o.stride] : o.stride;
    const [dh, dw] = typeof o.dilation === 'number' ? [o.dilation, o.dilation] : o.dilation;
    const [kh, kw] = o.kernel_size;
    // total padding per dim: 'same' (stride 1) pads d·(k − 1) in all, 'valid' none, else 2·padding
    const pad = o.padding ?? 0;
    const [th, tw] = pad === 'same' ? [dh * (kh - 1), dw * (kw - 1)] : pad === 'valid' ? [0, 0] : typeof pad === 'number' ? [2 * pad, 2 * pad] : [2 * pad[0], 2 * pad[1]];
    const Ho = Math.floor((s[2] + th - dh * (kh - 1) - 1) / sh) + 1, Wo = Math.floor((s[3] + tw - dw * (kw - 1) - 1) / sw) + 1;
    const out = [s[0], o.out_channels, Ho, Wo];
    return node(name, m, s, out, prod(out) * (o.in_channels / o.groups) * kh * kw);
  }
  if (m instanceof LayerNorm) return node(name, m, s, s, prod(s));
  if (m instanceof BatchNorm2d) return node(name, m, s, s, prod(s));
  if (m instanceof GELU || m instanceof ReLU || m instanceof Identity || m instanceof Dropout || m instanceof Dropout2d) return node(name, m, s, s, 0);
  if (m instanceof Sequential) {
    const children: CostNode[] = [];
    let cur = s;
    m.modules.forEach((c, i) => { const n = countCost(c, cur, join(name, String(i))); children.push(n); cur = n.outputShape; });
    return node(name, m, s, cur, 0, children);
  }
  if (m instanceof SwinMlp) {
    const fc1 = countCost(m.fc1, s, join(name, 'fc1')), fc2 = countCost(m.fc2, fc1.outputShape, join(name, 'fc2'));
    return node(name, m, s, fc2.outputShape, 0, [fc1, fc2]);
  }
  if (m instanceof WindowAttention) {
    // x [B_, N, C] windows: qkv, (q·scale)kᵀ and attn·v (N²·C each per window), proj
    if (s.length !== 3 || s[2] !== m.dim) throw bad(`[B_, N, ${m.dim}]`);
    const [B_, N, C] = s;
    const qkv = countCost(m.qkv, s, join(name, 'qkv')), proj = countCost(m.proj, s, join(name, 'proj'));
    return node(name, m, s, s, 2 * B_ * N * N * C, [qkv, proj]);
  }
  if (m instanceof WindowAttentionACmix) {
    // x [B, H, W, C]: qkv on the map, attention in ws × ws windows, proj; conv path fc (3·heads → 9 per channel
    // of a head, over H·W·hd) and dep_conv (C outputs, 9 input channels × 3×3 taps per output)
    if (s.length !== 4 || s[3] !== m.dim) throw bad(`[B, H, W, ${m.dim}]`);
    const [B, H, W, C] = s, hd = C / m.num_heads, N = m.window_size[0] * m.window_size[1];
    const qkv = countCost(m.qkv, s, join(name, 'qkv')), proj = countCost(m.proj, s, join(name, 'proj'));
    const fc = countCost(m.fc, [B, 3 * m.num_heads, H * W, hd], join(name, 'fc'));
    const dep = countCost(m.dep_conv, [B, 9 * hd, H, W], join(name, 'dep_conv'));
    const n = node(name, m, s, s, 2 * B * H * W * N * C, [qkv, proj, fc, dep]);
    n.stages = { stage_i: qkv.macs, stage_ii_attention: 2 * B * H * W * N * C + proj.macs, stage_ii_conv: fc.macs + dep.macs };
    return n;
  }
  if (m instanceof SwinTransformerBlock || m instanceof SwinTransformerBlockACmix) {
    const [H, W] = m.input_resolution, C = m.dim;
    if (s.length !== 3 || s[1] !== H * W || s[2] !== C) throw bad(`[B, ${H * W}, ${C}]`);
    const B = s[0], ws = m.window_size;
    const attnIn = m instanceof SwinTransformerBlockACmix ? [B, H, W, C] : [(B * H * W) / (ws * ws), ws * ws, C];
    const children = [countCost(m.norm1, s, join(name, 'norm1')), countCost(m.attn, attnIn, join(name, 'attn')),
      countCost(m.norm2, s, join(name, 'norm2')), countCost(m.mlp, s, join(name, 'mlp'))];
    return node(name, m, s, s, 0, children);
  }
  if (m instanceof PatchMerging) {
    const [H, W] = m.input_resolution, C = m.dim;
    if (s.length !== 3 || s[1] !== H * W || s[2] !== C) throw bad(`[B, ${H * W}, ${C}]`);
    const merged = [s[0], (H / 2) * (W / 2), 4 * C];
    const norm = countCost(m.norm, merged, join(name, 'norm')), red = countCost(m.reduction, merged, join(name, 'reduction'));
    return node(name, m, s, red.outputShape, 0, [norm, red]);
  }
  if (m instanceof PatchEmbed) {
    const proj = countCost(m.proj, s, join(name, 'proj')), [B, E, Ho, Wo] = proj.outputShape, tokens = [B, Ho * Wo, E];
    const children = [proj, ...(m.norm ? [countCost(m.norm, tokens, join(name, 'norm'))] : [])];
    return node(name, m, s, tokens, 0, children);
  }
  if (m instanceof BasicLayer) {
    const children: CostNode[] = [];
    let cur = s;
    m.blockList.forEach((b, i) => { const n = countCost(b, cur, join(name, `blocks.${i}`)); children.push(n); cur = n.outputShape; });
    if (m.downsample) { const n = countCost(m.downsample, cur, join(name, 'downsample')); children.push(n); cur = n.outputShape; }
    return node(name, m, s, cur, 0, children);
  }
  if (m instanceof SwinTransformer) {
    const children: CostNode[] = [countCost(m.patch_embed, s, join(name, 'patch_embed'))];
    let cur = children[0].outputShape;
    m.layerList.forEach((l, i) => { const n = countCost(l, cur, join(name, `layers.${i}`)); children.push(n); cur = n.outputShape; });
    children.push(countCost(m.norm, cur, join(name, 'norm')));
    const pooled = [cur[0], cur[2]];
    if (m.head) children.push(countCost(m.head, pooled, join(name, 'head')));
    return node(name, m, s, m.head ? [cur[0], m.num_classes] : pooled, 0, children);
  }
  if (m instanceof ACmix) {
    // ACmix §3.3 / Table 1 on the module as built: stage I = conv1..3 (3·C_in·C per pixel) + conv_p on the grid;
    // stage II attention = q·k over k_att² neighbours and the weighted sum of values (2·k_att²·C per output pixel);
    // stage II conv = fc (k_conv² outputs from 3·head per head-dim channel) + dep_conv (C·k_conv²·k_conv² per pixel)
    const c = m.config;
    if (s.length !== 4 || s[1] !== c.in_planes) throw bad(`[N, ${c.in_planes}, H, W]`);
    const [N, , H, W] = s, Ho = Math.floor((H - 1) / c.stride) + 1, Wo = Math.floor((W - 1) / c.stride) + 1;
    const conv = (k: 'conv1' | 'conv2' | 'conv3') => countCost(m[k], s, join(name, k));
    const c1 = conv('conv1'), c2 = conv('conv2'), c3 = conv('conv3');
    const cp = countCost(m.conv_p, [1, 2, H, W], join(name, 'conv_p'));
    const fc = countCost(m.fc, [N, 3 * c.head, H * W, c.head_dim], join(name, 'fc'));
    const dep = countCost(m.dep_conv, [N, c.kernel_conv ** 2 * c.head_dim, H, W], join(name, 'dep_conv'));
    const attention = 2 * N * Ho * Wo * c.kernel_att ** 2 * c.out_planes;
    const n = node(name, m, s, [N, c.out_planes, Ho, Wo], attention, [c1, c2, c3, cp, fc, dep]);
    n.stages = { stage_i: c1.macs + c2.macs + c3.macs + cp.macs, stage_ii_attention: attention, stage_ii_conv: fc.macs + dep.macs };
    return n;
  }
  throw new NotImplementedError(`countCost: no MAC rule for ${m.constructor.name}${name ? ` (${name})` : ''}; add one in ts/nn/flops.ts`);
}

/**
 * What the official SwinTransformer.flops() returns for `m` (both repositories): countCost(m, [1, in_chans, img_size]).macs
 * with the final LayerNorm counted as num_features · ⌊PH·PW / 2^num_layers⌋ (their formula) instead of
 * num_features · (last resolution)².
 */
export function officialSwinFlops(m: SwinTransformer): number {
  const [ih, iw] = m.patch_embed.img_size, total = countCost(m, [1, m.patch_embed.in_chans, ih, iw]).macs;
  const last = m.layerList[m.layerList.length - 1], L = last.input_resolution[0] * last.input_resolution[1];
  const [PH, PW] = m.patches_resolution;
  return total - m.num_features * L + m.num_features * Math.floor((PH * PW) / 2 ** m.num_layers);
}

/**
 * The ACmix paper's Table 1 (§3.3, "computational cost"), per stage, for C input = output channels, kernel / window
 * k, an H × W map: parameters and MACs of stage I and stage II of a k × k convolution and of k × k local
 * self-attention. Stage I: convolution k²C² params, k²C²·HW MACs; self-attention (the three 1×1 projections) 3C²,
 * 3C²·HW. Stage II: convolution shift-and-sum k²C·HW additions, no parameters; self-attention 2k²C·HW MACs (weights
 * q·k and aggregation over the k² window), no parameters. Stage I dominates self-attention when 3C² > 2k²C, i.e.
 * C > 2k²/3 (32.7 for k = 7).
 */
export function acmixTable1(C: number, k: number, H: number, W: number) {
  const HW = H * W;
  return {
    C, k, H, W,
    conv: { stage_i: { params: k * k * C * C, macs: k * k * C * C * HW }, stage_ii: { params: 0, macs: k * k * C * HW } },
    attention: { stage_i: { params: 3 * C * C, macs: 3 * C * C * HW }, stage_ii: { params: 0, macs: 2 * k * k * C * HW } },
    stageIDominates: 3 * C * C > 2 * k * k * C,
  };
}
