// c2f: YOLOv8's C2f block (Ultralytics semantics, ts/nn/ultralytics.ts) at YOLOv8n sizes: our nn.C2f on ref and wasm
// with the weights of spec/fixtures/c2f_bench.safetensors, and the same block exported from PyTorch by
// spec/fixtures/generate_c2f.py (spec/fixtures/c2f_yolov8n_{160,80}.onnx) on onnxruntime-web (WASM, 1 thread) and
// onnxruntime-node (native, context only). tfjs has no ONNX importer and no peer is composed for it here.
//
// Shapes: YOLOv8n (width 0.25, depth 0.33) at a 640x640 input. model.2 = C2f(32, 32, n=1, shortcut=True) on the
// stride-4 map [1, 32, 160, 160] (the largest activations of any C2f in the network: memory-bound end), and
// model.4 = C2f(64, 64, n=2, shortcut=True) on the stride-8 map [1, 64, 80, 80] (the most FLOPs per activation
// among the early blocks: compute-bound end). Both are backbone blocks, so shortcut=True as in the YAML.
// Run alone: node --import tsx bench/c2f.bench.ts
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { C2f } from '../ts/nn/ultralytics.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import '../ts/ref/index.js';   // registers the 'ref' backend
import { init } from '../ts/wasm/index.js';
import { type Impl, type Workload, relError, runStandalone } from './harness.js';
import { ortSession } from './peers.js';

const fixture = (file: string) => fileURLToPath(new URL(`../spec/fixtures/${file}`, import.meta.url));

/** The two benchmark blocks: fixture case name, C2f(c1, c2, options), input [1, c1, H, W]. */
export const c2fShapes = {
  'yolov8n.model.2.c2f': { name: 'c2f_yolov8n_160', c1: 32, c2: 32, n: 1, shortcut: true, H: 160, W: 160 },
  'yolov8n.model.4.c2f': { name: 'c2f_yolov8n_80', c1: 64, c2: 64, n: 2, shortcut: true, H: 80, W: 80 },
} as const;

/** The generator's input: x[i] = ((i · 2654435761) mod 2^32) / 2^32 − 0.5 over the flat NCHW index. */
export function benchInput(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (Math.imul(i, 2654435761) >>> 0) / 2 ** 32 - 0.5;
  return x;
}

/** output[0, :, ::8, ::8] as the generator stores it. */
function sampleOf(y: Float32Array, C: number, H: number, W: number): Float32Array {
  const out: number[] = [];
  for (let c = 0; c < C; c++) for (let i = 0; i < H; i += 8) for (let j = 0; j < W; j += 8) out.push(y[(c * H + i) * W + j]);
  return Float32Array.from(out);
}

/** FLOPs of C2f(c1, c2, n) at H×W (g = 1, e = 0.5): 2·H·W·(c1·2c + n·2·9·c² + (2+n)·c·c2), c = c2/2. */
export function c2fFlops(s: { c1: number; c2: number; n: number; H: number; W: number }): number {
  const c = Math.trunc(s.c2 * 0.5);
  return 2 * s.H * s.W * (s.c1 * 2 * c + s.n * 2 * 9 * c * c + (2 + s.n) * c * s.c2);
}

function loadBlock(shape: keyof typeof c2fShapes): { block: C2f; x: Tensor; sample: Float32Array } {
  const s = c2fShapes[shape];
  const file = readSafetensors(readFileSync(fixture('c2f_bench.safetensors')));
  const state = new Map<string, Tensor>();
  for (const [k, t] of file.tensors) if (k.startsWith(`${s.name}.state.`)) state.set(k.slice(`${s.name}.state.`.length), t);
  const block = new C2f(s.c1, s.c2, { n: s.n, shortcut: s.shortcut });
  block.loadStateDict(state);
  const x = new Tensor(benchInput(s.c1 * s.H * s.W), [1, s.c1, s.H, s.W]);
  return { block, x, sample: file.tensors.get(`${s.name}.output_sample`)!.data };
}

export async function workloads(): Promise<Workload[]> {
  await init();
  const out: Workload[] = [];
  for (const shape of Object.keys(c2fShapes) as (keyof typeof c2fShapes)[]) {
    const s = c2fShapes[shape];
    const { block, x, sample } = loadBlock(shape);
    const model = readFileSync(fixture(`${s.name}.onnx`));
    const dims = { input: [1, s.c1, s.H, s.W] };
    const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);
    const vsTorch = relError(sampleOf(block.forward(x, { backend: 'wasm' }).data, s.c2, s.H, s.W), sample);
    const c = Math.trunc(s.c2 * 0.5);
    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'nn.C2f forward on ts/ref', run: () => block.forward(x, { backend: 'ref' }).data },
      { impl: 'wasm', kind: 'ours', note: 'nn.C2f forward on wasm', run: () => block.forward(x, { backend: 'wasm' }).data },
      { impl: 'ort-web', kind: 'wasm-peer', note: `spec/fixtures/${s.name}.onnx (PyTorch export, opset 13)`, run: () => web.run({ input: x.data }), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'the same ONNX model, native', run: () => native.run({ input: x.data }), dispose: () => native.release() },
    ];
    out.push({
      op: 'c2f', shape,
      title: `C2f(${s.c1}, ${s.c2}, n=${s.n}, shortcut=${s.shortcut ? 'True' : 'False'}) on [1, ${s.c1}, ${s.H}, ${s.W}] (Ultralytics semantics, random weights and BN statistics)`,
      flops: c2fFlops(s),
      formula: `2·H·W·(c1·2c + n·2·9·c² + (2+n)·c·c2) = 2·${s.H * s.W}·(${s.c1}·${2 * c} + ${s.n}·2·9·${c}² + ${2 + s.n}·${c}·${s.c2}) (cv1 + bottleneck 3x3 convs + cv2; BN, SiLU, adds not counted)`,
      tolerance: { rel: 1e-4, why: 'float32 chain: 1x1 convs (K ≤ 4c), 3x3 convs (K = 9c), folded batch norms, SiLU' },
      notes: [`wasm vs PyTorch 1.13 (output[0, :, ::8, ::8] stored by generate_c2f.py): max|Δ|/max|torch| = ${vsTorch.toExponential(2)}`],
      impls,
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runStandalone(workloads);
}
