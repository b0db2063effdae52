// swin_model: Swin-T + ACmix, the whole network and one block, against the official PyTorch module exported to ONNX
// (spec/fixtures/generate_swin_model.py) on onnxruntime-web (WASM, 1 thread) and onnxruntime-node (native, context).
//   1. swin_acmix_block: SwinTransformerBlockACmix(96, [56, 56], 3, window 7, shift 3) (Swin-T + ACmix stage 1,
//      block 1) with the random weights of spec/fixtures/swin_model_block.safetensors, against
//      spec/fixtures/swin_model_block.onnx (the official block with the same weights, committed, 1.1 MB).
//   2. swin_tiny_acmix: the 224x224 classifier (batch 1) on formula weights (ts/verify/golden_swin_model.ts), against
//      the official SwinTransformer_acmix with the same weights exported to $TMPDIR/attnconv/swin_tiny_acmix.onnx
//      (112 MB, not committed; created by
//          /usr/bin/python3 spec/fixtures/generate_swin_model.py --onnx-full
//      or at SWIN_ONNX=<path>). Without the file the ONNX peers are skipped with that message. Also reported: peak
//      memory (process rss, wasm linear memory, arena high-water) and our logits against PyTorch's.
// Run alone: ATTNCONV_WASM_THREADS=1 BENCH_ROUNDS=3 node --import tsx bench/swin_model.bench.ts   (1 thread as the peers;
// 3 rounds keep the 224x224 rows short)
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { SwinTransformerBlockACmix } from '../ts/nn/swin.js';
import { swinTinyACmix } from '../ts/nn/swin_model.js';
import { countCost } from '../ts/nn/flops.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import '../ts/ref/index.js';   // registers the 'ref' backend (the block's ref row)
import { init, arenaStats, threads } from '../ts/wasm/index.js';
import { loadFormulaWeights, formulaInput } from '../ts/verify/golden_swin_model.js';
import { type Impl, type Workload, relError, runStandalone } from './harness.js';
import { ortSession } from './peers.js';

const fixture = (file: string) => fileURLToPath(new URL(`../spec/fixtures/${file}`, import.meta.url));
/** Where generate_swin_model.py --onnx-full writes the whole network's ONNX export. */
export const FULL_ONNX = process.env.SWIN_ONNX || join(tmpdir(), 'attnconv', 'swin_tiny_acmix.onnx');
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function blockWorkload(): Promise<Workload> {
  return (async () => {
    const NAME = 'swin_model_block';
    const file = readSafetensors(readFileSync(fixture(`${NAME}.safetensors`)));
    const p = JSON.parse(file.metadata.cases)[0].params;
    const state = new Map<string, Tensor>();
    for (const [k, t] of file.tensors) if (k.startsWith(`${NAME}.state.`)) state.set(k.slice(`${NAME}.state.`.length), t);
    const [H, W] = p.input_resolution, C = p.dim;
    const block = new SwinTransformerBlockACmix(C, [H, W], p.num_heads, { window_size: p.window_size, shift_size: p.shift_size, mlp_ratio: p.mlp_ratio, qkv_bias: p.qkv_bias });
    block.loadStateDict(state);
    const x = formulaInput([1, H * W, C]);
    const y = block.forward(x, { backend: 'wasm' }).data;
    const sample = new Float32Array((H * W / 8) * C);                 // output[0, ::8, :]
    for (let t = 0, j = 0; t < H * W; t += 8, j++) sample.set(y.subarray(t * C, (t + 1) * C), j * C);
    const vsTorch = relError(sample, file.tensors.get(`${NAME}.output_sample`)!.data);
    const model = readFileSync(fixture(`${NAME}.onnx`));
    const dims = { input: [1, H * W, C] };
    const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);
    const macs = countCost(block, [1, H * W, C]).macs;
    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'nn.SwinTransformerBlockACmix on ts/ref', run: () => block.forward(x, { backend: 'ref' }).data },
      { impl: 'wasm', kind: 'ours', note: 'nn.SwinTransformerBlockACmix on wasm', run: () => block.forward(x, { backend: 'wasm' }).data },
      { impl: 'ort-web', kind: 'wasm-peer', note: `spec/fixtures/${NAME}.onnx (official block, torch.onnx opset 13)`, run: () => web.run({ input: x.data }), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'the same ONNX model, native', run: () => native.run({ input: x.data }), dispose: () => native.release() },
    ];
    return {
      op: 'swin_acmix_block', shape: 'swin_tiny_acmix.layers.0.blocks.1',
      title: `SwinTransformerBlockACmix dim ${C}, ${H}x${W}, ${p.num_heads} heads, window ${p.window_size}, shift ${p.shift_size}, batch 1, random weights`,
      flops: 2 * macs,
      formula: `2 × ${macs.toLocaleString('en')} MACs (ts/nn/flops.ts countCost: norms, qkv, window q·kᵀ and attn·v, proj, fc, dep_conv, Mlp)`,
      tolerance: { rel: 1e-4, why: 'float32 chain: LayerNorm, qkv (K = 96), window softmax (N = 49), fc, dep_conv (81 taps), Mlp (K = 384)' },
      notes: [`our wasm backend runs ${threads()} thread(s) (ATTNCONV_WASM_THREADS=1 for the single-threaded comparison); onnxruntime-web as bench/peers.ts sets it`,
        `wasm vs PyTorch 1.13 (output[0, ::8, :] stored by the generator): max|Δ|/max|torch| = ${vsTorch.toExponential(2)}`],
      impls,
    };
  })();
}

async function modelWorkload(): Promise<Workload> {
  const rss0 = process.memoryUsage().rss;
  const model = swinTinyACmix();
  loadFormulaWeights(model);
  const x = formulaInput([1, 3, 224, 224]);
  const rssBuilt = process.memoryUsage().rss;
  const t0 = performance.now();
  const y = model.forward(x, { backend: 'wasm' }).data;
  const firstMs = performance.now() - t0;
  const rssRun = process.memoryUsage().rss, arena = arenaStats();
  const expected = readSafetensors(readFileSync(fixture('swin_model_full.safetensors'))).tensors.get('swin_tiny_acmix_formula.output')!.data;
  const vsTorch = relError(y, expected);
  const cost = countCost(model, [1, 3, 224, 224]);
  const notes = [
    `weights: formula values (ts/verify/golden_swin_model.ts), ${cost.params.toLocaleString('en')} parameters = ${MiB(4 * cost.params)} float32`,
    `wasm vs the official PyTorch logits (spec/fixtures/swin_model_full.safetensors): max|Δ|/max|torch| = ${vsTorch.toExponential(2)}`,
    `memory, ours: process rss ${MiB(rss0)} before building, ${MiB(rssBuilt)} with the model built, ${MiB(rssRun)} after the first forward (${firstMs.toFixed(0)} ms); ` +
      `wasm linear memory ${MiB(arena.memoryBytes)}, arena high-water ${MiB(arena.highWater - arena.base)} (weights are copied in per op call)`,
  ];
  const impls: Impl[] = [
    { impl: 'wasm', kind: 'ours', note: 'nn.swinTinyACmix() on wasm', run: () => model.forward(x, { backend: 'wasm' }).data },
  ];
  if (existsSync(FULL_ONNX)) {
    const bytes = readFileSync(FULL_ONNX), dims = { input: [1, 3, 224, 224] };
    const before = process.memoryUsage().rss;
    const web = await ortSession('web', bytes, dims);
    await web.run({ input: x.data });
    const afterWeb = process.memoryUsage().rss;
    const native = await ortSession('node', bytes, dims);
    notes.push(`memory, onnxruntime-web: process rss +${MiB(afterWeb - before)} for the session and one run (its own wasm memory; the ${MiB(bytes.length)} model file also held)`);
    impls.push(
      { impl: 'ort-web', kind: 'wasm-peer', note: `${FULL_ONNX} (official SwinTransformer_acmix, opset 13)`, run: () => web.run({ input: x.data }), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'the same ONNX model, native', run: () => native.run({ input: x.data }), dispose: () => native.release() },
    );
  } else {
    notes.push(`onnxruntime peers SKIPPED: ${FULL_ONNX} is missing; create it with: /usr/bin/python3 spec/fixtures/generate_swin_model.py --onnx-full`);
  }
  return {
    op: 'swin_tiny_acmix', shape: 'imagenet.224x224.batch1',
    title: 'Swin-T + ACmix classifier (acmix_swin_tiny_patch4_window7_224), one 224x224 image, 1000 logits',
    flops: 2 * cost.macs,
    formula: `2 × ${cost.macs.toLocaleString('en')} MACs (ts/nn/flops.ts; the paper's 4.6G "FLOPs" are these MACs)`,
    tolerance: { rel: 1e-4, why: 'float32 through 12 blocks: measured ~1e-6 against PyTorch' },
    notes, impls,
  };
}

export async function workloads(): Promise<Workload[]> {
  await init();
  return [await blockWorkload(), await modelWorkload()];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runStandalone(workloads);
}
