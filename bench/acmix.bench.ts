// acmix: the whole ACmix block (official module semantics, C = 64, 56x56, k_att 7, head 4, k_conv 3) as
// exported from PyTorch by spec/fixtures/export_onnx.py: our nn.ACmix on ref and wasm with the same weights
// (spec/fixtures/acmix_block.safetensors), and the exported graph (spec/fixtures/acmix_block.onnx) on
// onnxruntime-web and onnxruntime-node. tfjs has no ONNX importer and no peer is composed for it here.
// Run alone: node --import tsx bench/acmix.bench.ts
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ACmix } from '../ts/nn/acmix.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import { init, arenaStats } from '../ts/wasm/index.js';
import { type Impl, type Workload, relError, runStandalone } from './harness.js';
import { acmix, acmixFlops } from './shapes.js';
import { ortSession } from './peers.js';

const fixture = (file: string) => fileURLToPath(new URL(`../spec/fixtures/${file}`, import.meta.url));
const NAME = 'acmix_block';
const SHAPE_NAME = 'acmix_resnet50.layer1.acmix';

/** The export script's input: x[i] = ((i · 2654435761) mod 2^32) / 2^32 − 0.5 over the flat NCHW index. */
export function benchInput(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i, 2654435761) >>> 0) / 2 ** 32 - 0.5;
  return x;
}

interface Block { block: ACmix; x: Tensor; sample: Float32Array; weightFloats: number }

function loadBlock(): Block {
  const s = acmix[SHAPE_NAME];
  const file = readSafetensors(readFileSync(fixture(`${NAME}.safetensors`)));
  const state = new Map<string, Tensor>();
  for (const [k, t] of file.tensors) if (k.startsWith(`${NAME}.state.`)) state.set(k.slice(`${NAME}.state.`.length), t);
  const block = new ACmix(s.C, s.C, { kernel_att: s.kernel_att, head: s.head, kernel_conv: s.kernel_conv, stride: 1 });
  block.loadStateDict(state);
  const x = new Tensor(benchInput(s.C * s.H * s.W), [1, s.C, s.H, s.W]);
  let weightFloats = 0;
  for (const t of state.values()) weightFloats += t.size;
  return { block, x, sample: file.tensors.get(`${NAME}.output_sample`)!.data, weightFloats };
}

/** output[0, :, ::8, ::8] as the export script stores it. */
function sampleOf(y: Float32Array, C: number, H: number, W: number): Float32Array {
  const out: number[] = [];
  for (let c = 0; c < C; c++) for (let i = 0; i < H; i += 8) for (let j = 0; j < W; j += 8) out.push(y[(c * H + i) * W + j]);
  return Float32Array.from(out);
}

export interface MemoryReport { peakBytes: number; inputBytes: number; outputBytes: number; weightBytes: number; budgetBytes: number; ratio: number; valid: boolean }

/**
 * Peak WASM linear memory of one ACmix forward on wasm: arenaStats().highWater − base. The high-water mark
 * only grows, so this is exact only when called before any other wasm work in the process (run.ts does).
 */
export async function acmixMemory(): Promise<MemoryReport> {
  await init();
  const before = arenaStats();
  const valid = before.highWater === before.base;
  const { block, x, weightFloats } = loadBlock();
  const y = block.forward(x, { backend: 'wasm' });
  const after = arenaStats();
  const peakBytes = after.highWater - after.base;
  const inputBytes = 4 * x.size, outputBytes = 4 * y.size, weightBytes = 4 * weightFloats;
  const budgetBytes = 4 * (inputBytes + outputBytes + weightBytes);
  return { peakBytes, inputBytes, outputBytes, weightBytes, budgetBytes, ratio: peakBytes / budgetBytes, valid };
}

export async function workloads(): Promise<Workload[]> {
  await init();
  const s = acmix[SHAPE_NAME];
  const { block, x, sample } = loadBlock();
  const model = readFileSync(fixture(`${NAME}.onnx`));
  const dims = { input: [1, s.C, s.H, s.W] };
  const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);
  const wasmOut = block.forward(x, { backend: 'wasm' }).data;
  const vsTorch = relError(sampleOf(wasmOut, s.C, s.H, s.W), sample);

  const impls: Impl[] = [
    { impl: 'ref', kind: 'ref', note: 'nn.ACmix forward on ts/ref', run: () => block.forward(x, { backend: 'ref' }).data },
    {
      impl: 'wasm', kind: 'ours', note: `nn.ACmix forward on wasm`,
      run: () => block.forward(x, { backend: 'wasm' }).data,
    },
    { impl: 'ort-web', kind: 'wasm-peer', note: 'spec/fixtures/acmix_block.onnx (PyTorch export, opset 13)', run: () => web.run({ input: x.data }), dispose: () => web.release() },
    { impl: 'ort-node', kind: 'native', note: 'the same ONNX model, native', run: () => native.run({ input: x.data }), dispose: () => native.release() },
  ];
  const HW = s.H * s.W, T = s.kernel_conv ** 2, hd = s.C / s.head;
  return [{
    op: 'acmix', shape: SHAPE_NAME,
    title: `ACmix block (official semantics), C = ${s.C}, ${s.H}x${s.W}, k_att ${s.kernel_att}, head ${s.head}, k_conv ${s.kernel_conv}, random weights`,
    flops: acmixFlops(s),
    formula: `2·H·W·(3·C_in·C + 2·C·k_att² + k_conv²·3·head·head_dim + C·k_conv²·k_conv²) = 2·${HW}·(3·${s.C}·${s.C} + 2·${s.C}·${s.kernel_att ** 2} + ${T}·${3 * s.head}·${hd} + ${s.C}·${T}·${T}) (stage I + attention + fc + dep_conv)`,
    tolerance: { rel: 1e-4, why: 'float32 chain: 1x1 convs (K = 64), window softmax, fc and dep_conv' },
    notes: [
      `wasm vs PyTorch 1.13 (output[0, :, ::8, ::8] stored by export_onnx.py): max|Δ|/max|torch| = ${vsTorch.toExponential(2)}`,
      'PyTorch CPU (1 thread) is timed separately by bench/acmix_torch.py (context, not part of npm run bench)',
    ],
    impls,
  }];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const m = await acmixMemory();
  console.log(`acmix wasm peak arena ${(m.peakBytes / 1e6).toFixed(2)} MB = ${m.ratio.toFixed(2)} × budget 4·(input + output + weights) = ${(m.budgetBytes / 1e6).toFixed(2)} MB`);
  await runStandalone(workloads);
}
