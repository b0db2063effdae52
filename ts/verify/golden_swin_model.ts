/**
 * Golden runner for the whole Swin networks (spec/fixtures/swin_model.safetensors, written by
 * spec/fixtures/generate_swin_model.py and cross-checked there against the official SwinTransformer and
 * SwinTransformer_acmix), called by `runCase` in ts/verify/golden.ts; and the formula weights / input that the
 * full-size Swin-T + ACmix check rebuilds in TypeScript (spec/fixtures/swin_model_full.safetensors holds only the
 * official logits: 113 MB of weights are not committed).
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import type { Module } from '../nn/module.js';
import { SwinTransformer, SwinTransformerACmix, type SwinTransformerOptions } from '../nn/swin_model.js';
import { fixtureTensor, chainBound, type Bound, type FixtureCaseLike } from './bounds.js';

/**
 * Chain-bound reduction length of one Swin block: the norms, qkv, attention (hd + 2N + 8 for the logits, softmax
 * and weighted sum), proj, the ACmix conv path (fc over 3·heads groups + 1, dep_conv 81 taps, the mix), residual
 * adds and the Mlp (the same accounting as ts/verify/golden_swin.ts for one block).
 */
export function swinBlockChainK(dim: number, heads: number, N: number, hidden: number, acmix: boolean): number {
  const hd = dim / heads;
  const attention = (dim + 1) + (hd + 2 * N + 8) + (dim + 1);
  const conv = acmix ? (3 * heads + 1) + 81 + 4 : 0;
  return dim + attention + conv + 4 + dim + (dim + 1) + 8 + (hidden + 1) + 4;
}

/**
 * Summed reduction lengths along the network's longest float32 chain: patch embedding (in_chans·p² + 1, its norm),
 * every block (swinBlockChainK), every PatchMerging (LayerNorm over 4C and the 4C → 2C reduction: 8C + 8), the
 * final LayerNorm, the token mean (L terms) and the head (num_features + 1). The bound of a whole network is
 * chainBound(K): slack·K·u·(|y| + mean|y|).
 */
export function swinModelChainK(m: SwinTransformer): number {
  const pe = m.patch_embed, acmix = m instanceof SwinTransformerACmix;
  let K = pe.in_chans * pe.patch_size[0] * pe.patch_size[1] + 1 + (m.patch_norm ? m.embed_dim + 8 : 0) + (m.ape ? 1 : 0);
  for (const layer of m.layerList) {
    for (const b of layer.blockList) K += swinBlockChainK(b.dim, b.num_heads, b.window_size ** 2, Math.floor(b.dim * b.mlp_ratio), acmix);
    if (layer.downsample) K += 8 * layer.dim + 8;
  }
  const last = m.layerList[m.layerList.length - 1], L = last.input_resolution[0] * last.input_resolution[1];
  return K + m.num_features + 8 + L + (m.head ? m.num_features + 1 : 0);
}

/** The network of a `swin_model` fixture case (official keywords in its params), state loaded strictly. */
export function swinModelFromCase(c: FixtureCaseLike): SwinTransformer {
  const p = c.params;
  const o: SwinTransformerOptions = {
    img_size: p.img_size, patch_size: p.patch_size, in_chans: p.in_chans, num_classes: p.num_classes, embed_dim: p.embed_dim,
    depths: p.depths, num_heads: p.num_heads, window_size: p.window_size, mlp_ratio: p.mlp_ratio, qkv_bias: p.qkv_bias,
    ape: p.ape, patch_norm: p.patch_norm,
  };
  const m = p.acmix ? new SwinTransformerACmix(o) : new SwinTransformer(o);
  if (m.numParameters() !== p.official_parameters) {
    throw new Error(`${c.name}: ${m.numParameters()} parameters, the official module has ${p.official_parameters}`);
  }
  m.loadStateDict(c.state);
  return m;
}

/** Runs one whole-network case on `ops`, or returns null if it is not one. */
export function runSwinModelCase(c: FixtureCaseLike, ops: Ops): { got: Tensor; expected: Tensor; bound: Bound }[] | null {
  if (c.op !== 'swin_model') return null;
  const m = swinModelFromCase(c), y = fixtureTensor(c, 'output');
  return [{ got: m.forward(fixtureTensor(c, 'input'), { backend: ops }), expected: y, bound: chainBound(swinModelChainK(m), y.data) }];
}

// ---------------------------------------------------------------------------------------------------------------
// Formula weights (spec/fixtures/generate_swin_model.py, "Formula weights"): identical in float64 in both languages.

/** FNV-1a, 32 bits, of an ASCII key. */
function fnv1a(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return h;
}

const isNormWeight = (key: string) => key.endsWith('norm.weight') || key.endsWith('norm1.weight') || key.endsWith('norm2.weight');

/**
 * The formula values of a state_dict key: v = ((i + 1)·2654435761 + fnv1a(key)) mod 2³², v ^= v >> 15,
 * v = v·0x2c1b3c6d mod 2³², v ^= v >> 12, r = v/2³² − 0.5; 1 + r/4 for LayerNorm weights, else r/16 (exact in
 * float64, rounded once to float32).
 */
export function formulaValues(key: string, n: number): Float32Array {
  const h = fnv1a(key), out = new Float32Array(n), norm = isNormWeight(key);
  for (let i = 0; i < n; i++) {
    let v = (Math.imul(i + 1, 2654435761) + h) >>> 0;
    v = (v ^ (v >>> 15)) >>> 0;
    v = Math.imul(v, 0x2c1b3c6d) >>> 0;
    v = (v ^ (v >>> 12)) >>> 0;
    const r = v / 2 ** 32 - 0.5;
    out[i] = norm ? 1 + r / 4 : r / 16;
  }
  return out;
}

/** Fills every parameter of `m` with formulaValues (derived buffers keep their values). */
export function loadFormulaWeights(m: Module): void {
  const derived = new Set(m.derivedBufferKeys()), state = new Map<string, Tensor>();
  for (const [k, t] of m.stateDict()) if (!derived.has(k)) state.set(k, new Tensor(formulaValues(k, t.size), t.shape));
  m.loadStateDict(state);
}

/** The formula input x[i] = ((i · 2654435761) mod 2³²)/2³² − 0.5 over the flat index (as bench/acmix.bench.ts). */
export function formulaInput(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1), x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i, 2654435761) >>> 0) / 2 ** 32 - 0.5;
  return new Tensor(x, shape);
}
