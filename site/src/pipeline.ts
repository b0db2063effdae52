// The playground's computations, free of the DOM so that spec/playground.test.ts runs the same code under Node and
// compares its hashes with the page's. Everything goes through the library's browser entry (ts/index.ts, the
// package's `attnconv`); the one deep import is the reference's local-attention weights, which the page draws.
import { Tensor, ref, wasm, nn, io } from '../../ts/index.js';
import { chainBound } from '../../ts/core/numerics.js';
import { localAttentionWeights } from '../../ts/ref/local_attention.js';

/** The blocks the page can run, by their ts/nn class name. */
export const BLOCKS = ['ACmix', 'ACmixGlobal', 'SwinTransformerBlockACmix', 'CoordAtt', 'CBAM'] as const;
export type BlockName = typeof BLOCKS[number];
/** Where the block's parameters come from: PyTorch's init from a fixed seed, or the shipped fixture (ACmix only). */
export type WeightSource = 'seeded' | 'fixture';

/** Channels of the stem's output and of every block (the fixture's ACmix is 64 → 64). */
export const CHANNELS = 64;
/** The working size of the photo, [H, W] (the demo's 40×60); ACmixGlobal runs at half (its attention is (H·W)²). */
export const SIZE: Record<BlockName, [number, number]> = {
  ACmix: [40, 60], ACmixGlobal: [20, 30], SwinTransformerBlockACmix: [40, 60], CoordAtt: [40, 60], CBAM: [40, 60],
};
/** The seed of nn.manualSeed for the stem and the seeded blocks. */
export const SEED = 2022;
/** The prefix of the ACmix block's parameters in spec/fixtures/acmix_block.safetensors. */
export const FIXTURE_PREFIX = 'acmix_block.state.';

/** An RGB image [1, 3, h, w] in [0, 1] → [1, 3, H, W], bilinear (align_corners false) then ImageNet-normalised. */
export function prepareInput(image: Tensor, size: readonly [number, number]): { resized: Tensor; x: Tensor } {
  const resized = ref.interpolate(image, { size: [size[0], size[1]], mode: 'bilinear', align_corners: false });
  return { resized, x: io.normalize(resized, [...io.IMAGENET_MEAN], [...io.IMAGENET_STD]) };
}

/**
 * The stem that lifts RGB to CHANNELS feature maps: a 1×1 Conv2d(3, 64) with PyTorch's default init from SEED,
 * then ReLU, run on the reference so that both backends' blocks see the same input.
 */
export function stem(x: Tensor): Tensor {
  nn.manualSeed(SEED);
  const conv = new nn.Conv2d(3, CHANNELS, 1);
  return ref.relu(conv.forward(x, { backend: 'ref' }));
}

/** A block with what the page draws of it. */
export interface Block {
  name: BlockName;
  module: nn.Module;
  /** one line: the constructor call */
  describe: string;
  /**
   * K of the chain bound (ts/core/numerics.ts chainBound, slack 4): the float32 reduction lengths summed along the
   * block's longest path, so |wasm − ref| ≤ 4·K·u·(|ref| + mean|ref|) per output element.
   */
  K: number;
  /** the dep_conv weight [out, k², k, k], for the blocks that have one */
  depConv?: Tensor;
}

/**
 * Builds a block on [1, 64, H, W].
 * @param fixture the bytes of spec/fixtures/acmix_block.safetensors (needed for source 'fixture', ACmix only)
 * @throws Error if 'fixture' is asked for another block or without the bytes; the library's errors otherwise.
 */
export function makeBlock(name: BlockName, source: WeightSource, fixture?: Uint8Array): Block {
  const C = CHANNELS, [H, W] = SIZE[name];
  if (source === 'fixture' && name !== 'ACmix') throw new Error(`playground: fixture weights exist for ACmix only, not ${name}`);
  nn.manualSeed(SEED + 1);
  switch (name) {
    case 'ACmix': {
      const m = new nn.ACmix(C, C, { kernel_att: 7, head: 4, kernel_conv: 3 });
      if (source === 'fixture') {
        if (!fixture) throw new Error('playground: fixture weights need the bytes of acmix_block.safetensors');
        m.loadStateDict(io.readSafetensors(fixture).tensors, { prefix: FIXTURE_PREFIX, strict: true });
      }
      const c = m.config;
      // stage I (C_in + bias), the position term (3·head_dim), softmax and aggregation over the window (2·k_att²),
      // the conv path's fc (3·head) and dep_conv (k_conv²·k_conv² = 81): spec/support/cases.ts acmixChainK.
      return { name, module: m, describe: `new nn.ACmix(${C}, ${C}, { kernel_att: 7, head: 4, kernel_conv: 3 })`, depConv: m.dep_conv.weight,
        K: c.in_planes + 1 + 3 * c.head_dim + 2 * c.kernel_att ** 2 + 81 + 3 * c.head };
    }
    case 'ACmixGlobal': {
      const m = new nn.ACmixGlobal(C, C, { head: 4 });
      // as ACmix with the window widened to the whole map: softmax and aggregation over H·W keys
      return { name, module: m, describe: `new nn.ACmixGlobal(${C}, ${C}, { head: 4 })`, depConv: m.dep_conv.weight,
        K: C + 1 + 3 * m.head_dim + 2 * H * W + 81 + 3 * m.head };
    }
    case 'SwinTransformerBlockACmix': {
      const m = new nn.SwinTransformerBlockACmix(C, [H, W], 4, { window_size: 5, shift_size: 2 });
      // norm1 (C), qkv (C + 1), the window attention (head_dim + 2·ws²) or its conv path (3·head + 81), proj (C + 1),
      // norm2 (C), fc1 (C + 1), fc2 (4·C + 1), GELU/residuals (+ 4)
      return { name, module: m, describe: `new nn.SwinTransformerBlockACmix(${C}, [${H}, ${W}], 4, { window_size: 5, shift_size: 2 })`,
        depConv: m.attn.dep_conv.weight,
        K: C + (C + 1) + Math.max(C / 4 + 2 * 25, 3 * 4 + 81) + (C + 1) + C + (C + 1) + (4 * C + 1) + 4 };
    }
    case 'CoordAtt': {
      const m = new nn.CoordAtt(C, C);
      // the longer pool (max(H, W)), conv1 (C + 1), BN, h_swish, conv_h/conv_w (mip + 1), sigmoid, products
      return { name, module: m, describe: `new nn.CoordAtt(${C}, ${C})`, K: Math.max(H, W) + C + 1 + m.mip + 1 + 4 };
    }
    case 'CBAM': {
      const m = new nn.CBAM(C);
      // channel gate: GAP (H·W), MLP (C + 1, C/16 + 1), sigmoid; spatial gate: channel pool (C), 7×7 conv (2·49), BN, sigmoid
      return { name, module: m, describe: `new nn.CBAM(${C})`, K: H * W + C + 1 + C / 16 + 1 + C + 2 * 49 + 6 };
    }
  }
}

/** Everything the page shows of one run. */
export interface Run {
  block: BlockName;
  source: WeightSource;
  shape: number[];
  /** ms of one forward on each backend (ref once; wasm the median of `repeats`) */
  refMs: number;
  wasmMs: number;
  /** max |ref − wasm| over the output, and the largest |ref − wasm| / bound (≤ 1 passes) */
  maxAbsDiff: number;
  worstRatio: number;
  bound: string;
  pass: boolean;
  /** sha256 of the wasm output's float32 bytes (little-endian) */
  sha256: string;
  wasmVariant: string;
  /** outputs kept for drawing (not serialised) */
  output?: Tensor;
  outAtt?: Tensor;
  outConv?: Tensor;
  /** ACmix: the local attention weights [1, head, k², H, W]; ACmixGlobal: the q, k, pe to compute a row */
  attention?: { kind: 'local'; weights: Tensor; k: number } | { kind: 'global'; q: Tensor; k: Tensor; pe: Tensor; head: number };
}

type Detailed = { output: Tensor; outAtt?: Tensor; outConv?: Tensor; q?: Tensor; k?: Tensor; pe?: Tensor };

function forward(b: Block, x: Tensor, backend: 'ref' | 'wasm'): Detailed {
  const m = b.module;
  if (m instanceof nn.ACmix || m instanceof nn.ACmixGlobal) return m.forwardDetailed(x, { backend });
  if (m instanceof nn.SwinTransformerBlockACmix) {
    const [, , H, W] = x.shape;
    return { output: nn.tokensToNchw(m.forward(nn.nchwToTokens(x), { backend }), H, W) };
  }
  return { output: m.forward(x, { backend }) };
}

const now = () => performance.now();

/** sha256 (hex) of a tensor's float32 bytes, with Web Crypto (browsers, Node ≥ 20, Deno, Bun). */
export async function sha256(t: Tensor): Promise<string> {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (v) => v.toString(16).padStart(2, '0')).join('');
}

/**
 * Runs a block on the stem's features of `x` on both backends (wasm must be initialised), compares them under the
 * block's chain bound and keeps what the page draws.
 */
export async function runBlock(b: Block, source: WeightSource, features: Tensor, repeats = 3): Promise<Run> {
  let t = now();
  const r = forward(b, features, 'ref');
  const refMs = now() - t;
  let w: Detailed = r;
  const times: number[] = [];
  for (let i = 0; i < Math.max(1, repeats); i++) {
    t = now();
    w = forward(b, features, 'wasm');
    times.push(now() - t);
  }
  times.sort((a, c) => a - c);
  const bound = chainBound(b.K, r.output.data);
  let maxAbsDiff = 0, worstRatio = 0;
  for (let i = 0; i < r.output.size; i++) {
    const d = Math.abs(r.output.data[i] - w.output.data[i]);
    maxAbsDiff = Math.max(maxAbsDiff, d);
    worstRatio = Math.max(worstRatio, d / bound.bound(i));
    if (Number.isNaN(d)) worstRatio = Infinity;
  }
  const run: Run = {
    block: b.name, source, shape: [...w.output.shape], refMs, wasmMs: times[times.length >> 1], maxAbsDiff, worstRatio,
    bound: bound.describe, pass: worstRatio <= 1, sha256: await sha256(w.output), wasmVariant: wasm.variant(),
    output: w.output, outAtt: w.outAtt, outConv: w.outConv,
  };
  const m = b.module;
  if (m instanceof nn.ACmix && r.q && r.k && r.pe) {
    run.attention = { kind: 'local', weights: localAttentionWeights(r.q, r.k, r.pe, m.config), k: m.config.kernel_att };
  } else if (m instanceof nn.ACmixGlobal && r.q && r.k && r.pe) {
    run.attention = { kind: 'global', q: r.q, k: r.k, pe: r.pe, head: m.head };
  }
  return run;
}

/**
 * One head's attention row of ACmixGlobal for query pixel (i, j): softmax over every key pixel (a, b) of
 * q̂_ij · (k_ab − pe_ab), q̂ = q · head_dim^−½ (ts/nn/acmix_global.ts: the relative term q̂·pe_ij cancels in the
 * softmax). Returns [H·W] weights in float64, for drawing.
 */
export function globalAttentionRow(a: { q: Tensor; k: Tensor; pe: Tensor; head: number }, head: number, i: number, j: number): Float64Array {
  const [, C, H, W] = a.q.shape, hd = C / a.head, P = H * W, scale = hd ** -0.5, p = i * W + j;
  const logits = new Float64Array(P);
  let max = -Infinity;
  for (let s = 0; s < P; s++) {
    let dot = 0;
    for (let d = 0; d < hd; d++) {
      const c = head * hd + d;
      dot += Math.fround(a.q.data[c * P + p] * scale) * (a.k.data[c * P + s] - a.pe.data[d * P + s]);
    }
    logits[s] = dot;
    max = Math.max(max, dot);
  }
  let sum = 0;
  for (let s = 0; s < P; s++) sum += (logits[s] = Math.exp(logits[s] - max));
  for (let s = 0; s < P; s++) logits[s] /= sum;
  return logits;
}

/** The serialisable part of a run (what the page exposes in <pre id=result> and window.__attnconv). */
export function summary(r: Run): Omit<Run, 'output' | 'outAtt' | 'outConv' | 'attention'> {
  const { output: _o, outAtt: _a, outConv: _c, attention: _t, ...rest } = r;
  return rest;
}

export { Tensor, wasm, io, nn, localAttentionWeights };
