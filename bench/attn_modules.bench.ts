// attn_modules: MobileViTv2's separable self-attention (nn.LinearSelfAttention) and axial attention
// (nn.AxialAttention) on ref and wasm with the weights of spec/fixtures/attn_modules_bench.safetensors, and the same
// modules exported from PyTorch by spec/fixtures/generate_attn_modules.py (spec/fixtures/attn_modules_{separable,
// axial}.onnx) on onnxruntime-web (WASM, 1 thread) and onnxruntime-node (native, context only). A third row set runs
// global multi-head self-attention (nn.MultiheadAttention) over the same tokens as the separable layer, ours only, to
// show the linear-vs-quadratic cost on one shape. tfjs has no ONNX importer and no peer is composed for it here.
//
// Shapes: MobileViTv2-1.0 stage 3 at 256×256: a 32×32 map of 128 channels unfolded in 2×2 patches = [1, 128, 4, 256]
// (P = 4 pixels per patch, N = 256 patches); axial attention on a [1, 64, 32, 32] map, 8 heads of 8, the two axes
// summed (lucidrains' default), NCHW (dim_index 1).
// Run alone: node --import tsx bench/attn_modules.bench.ts
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { LinearSelfAttention, linearSelfAttentionFlops, mhsaFlops } from '../ts/nn/separable_attention.js';
import { AxialAttention, axialAttentionFlops } from '../ts/nn/axial_attention.js';
import { MultiheadAttention } from '../ts/nn/multihead_attention.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import '../ts/ref/index.js';   // registers the 'ref' backend
import { init } from '../ts/wasm/index.js';
import { type Impl, type Workload, relError, runStandalone, seeded } from './harness.js';
import { ortSession } from './peers.js';

const fixture = (file: string) => fileURLToPath(new URL(`../spec/fixtures/${file}`, import.meta.url));

/** The generator's input: x[i] = ((i · 2654435761) mod 2^32) / 2^32 − 0.5 over the flat index. */
function benchInput(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i, 2654435761) >>> 0) / 2 ** 32 - 0.5;
  return x;
}

/** Every 16th element, as the generator stores PyTorch's output. */
const sampleOf = (y: Float32Array) => y.filter((_, i) => i % 16 === 0);

export const attnModuleShapes = {
  'mobilevitv2.stage3.separable': { name: 'separable', shape: [1, 128, 4, 256] },
  'axial.64x32x32': { name: 'axial', shape: [1, 64, 32, 32] },
} as const;

function state(name: string): { state: Map<string, Tensor>; sample: Float32Array } {
  const file = readSafetensors(readFileSync(fixture('attn_modules_bench.safetensors')));
  const out = new Map<string, Tensor>();
  for (const [k, t] of file.tensors) if (k.startsWith(`${name}.state.`)) out.set(k.slice(`${name}.state.`.length), t);
  return { state: out, sample: file.tensors.get(`${name}.output_sample`)!.data };
}

async function ortImpls(name: string, dims: number[], x: Tensor): Promise<Impl[]> {
  const model = readFileSync(fixture(`attn_modules_${name}.onnx`));
  const web = await ortSession('web', model, { input: dims }), native = await ortSession('node', model, { input: dims });
  return [
    { impl: 'ort-web', kind: 'wasm-peer', note: `spec/fixtures/attn_modules_${name}.onnx (PyTorch export, opset 13)`, run: () => web.run({ input: x.data }), dispose: () => web.release() },
    { impl: 'ort-node', kind: 'native', note: 'the same ONNX model, native', run: () => native.run({ input: x.data }), dispose: () => native.release() },
  ];
}

export async function workloads(): Promise<Workload[]> {
  await init();
  const out: Workload[] = [];

  { // separable self-attention
    const shapeName = 'mobilevitv2.stage3.separable', [B, d, P, N] = attnModuleShapes[shapeName].shape;
    const m = new LinearSelfAttention(d);
    const { state: st, sample } = state('separable');
    m.loadStateDict(st);
    const x = new Tensor(benchInput(B * d * P * N), [B, d, P, N]);
    const vsTorch = relError(sampleOf(m.forward(x, { backend: 'wasm' }).data), sample);
    out.push({
      op: 'linear_self_attention', shape: shapeName,
      title: `LinearSelfAttention(${d}) (MobileViTv2 separable self-attention) on [${B}, ${d}, ${P}, ${N}], random weights`,
      flops: linearSelfAttentionFlops(B, d, P, N),
      formula: `B·P·N·(6d² + 5d) = ${B}·${P}·${N}·(6·${d}² + 5·${d}) (qkv_proj + context vector + gate + out_proj; linear in N)`,
      tolerance: { rel: 1e-4, why: 'float32 chain: 1x1 convs (K = 128), softmax over N = 256, the context sum' },
      notes: [`wasm vs PyTorch 1.13 (every 16th output stored by generate_attn_modules.py): max|Δ|/max|torch| = ${vsTorch.toExponential(2)}`],
      impls: [
        { impl: 'ref', kind: 'ref', note: 'nn.LinearSelfAttention forward on ts/ref', run: () => m.forward(x, { backend: 'ref' }).data },
        { impl: 'wasm', kind: 'ours', note: 'nn.LinearSelfAttention forward on wasm (context vector on the fused SDPA)', run: () => m.forward(x, { backend: 'wasm' }).data },
        ...(await ortImpls('separable', [B, d, P, N], x)),
      ],
    });

    // global MHSA over the same B·P sequences of N tokens (ours only): the cost the separable layer avoids
    const mha = new MultiheadAttention(d, 4, { batch_first: true });
    let seed = 7;
    for (const [, t] of mha.stateDict()) t.data.set(seeded(t.size, seed++, 0.2));
    const tokens = new Tensor(seeded(B * P * N * d, 3), [B * P, N, d]);
    out.push({
      op: 'multi_head_attention', shape: `${shapeName}.global`,
      title: `nn.MultiheadAttention(${d}, 4) over the same ${B * P} sequences of ${N} tokens (the quadratic alternative)`,
      flops: mhsaFlops(B * P, N, d),
      formula: `8·B·n·d² + 4·B·n²·d = 8·${B * P}·${N}·${d}² + 4·${B * P}·${N}²·${d} (projections + logits + aggregation)`,
      tolerance: { rel: 1e-4, why: 'float32 chain: projections (K = 128), softmax over 256 keys' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'nn.MultiheadAttention on ts/ref', run: () => mha.forward(tokens, tokens, tokens, { need_weights: false, backend: 'ref' }).output.data },
        { impl: 'wasm', kind: 'ours', note: 'nn.MultiheadAttention on wasm', run: () => mha.forward(tokens, tokens, tokens, { need_weights: false, backend: 'wasm' }).output.data },
      ],
    });
  }

  { // axial attention
    const shapeName = 'axial.64x32x32', [B, C, H, W] = attnModuleShapes[shapeName].shape, heads = 8;
    const m = new AxialAttention(C, { heads, dim_index: 1 });
    const { state: st, sample } = state('axial');
    m.loadStateDict(st);
    const x = new Tensor(benchInput(B * C * H * W), [B, C, H, W]);
    const vsTorch = relError(sampleOf(m.forward(x, { backend: 'wasm' }).data), sample);
    out.push({
      op: 'axial_attention', shape: shapeName,
      title: `AxialAttention(${C}, heads=${heads}, dim_index=1) on [${B}, ${C}, ${H}, ${W}] (H and W layers summed), random weights`,
      flops: axialAttentionFlops(B, H, W, C, heads, C / heads),
      formula: `Σ_axis 2·M·C·3C + 4·M·L·C + 2·M·C² (M = B·H·W = ${B * H * W}, L = ${H} and ${W}; attention term 4·B·H·W·(H+W)·C)`,
      tolerance: { rel: 1e-4, why: 'float32 chain: Linear projections (K = 64), softmax over 32 keys, per axis' },
      notes: [`wasm vs PyTorch 1.13 (every 16th output stored by generate_attn_modules.py): max|Δ|/max|torch| = ${vsTorch.toExponential(2)}`],
      impls: [
        { impl: 'ref', kind: 'ref', note: 'nn.AxialAttention forward on ts/ref', run: () => m.forward(x, { backend: 'ref' }).data },
        { impl: 'wasm', kind: 'ours', note: 'nn.AxialAttention forward on wasm (JS permutes + Ops.linear + fused SDPA)', run: () => m.forward(x, { backend: 'wasm' }).data },
        ...(await ortImpls('axial', [B, C, H, W], x)),
      ],
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runStandalone(workloads);
}
