// npm run bench: every bench/<op_id>.bench.ts in one process on the same inputs — ref, our wasm backend and
// the peers (tfjs-wasm, onnxruntime-web: single-threaded WASM; onnxruntime-node: native, context only) —
// then one table (median ms, min–max, GFLOP/s from the FLOP formula printed beside each workload, % of the
// measured SIMD ceiling, ratio to the best WASM peer), the targets as ratios, and
// bench/results/<date>-<sha>.json. Environment: BENCH_ROUNDS (7), BENCH_ROUND_SEC (0.3), BENCH_REF_ROUNDS (2),
// BENCH_ONLY (comma-separated suite names — the bench file stems below — or op ids of ts/registry.ts, which run
// their row's bench file and, where it has workloads of that op, only those: BENCH_ONLY=relu,softmax).
// Every registry row names its bench file; spec/registry.test.ts checks that each is imported here.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build, simdSupported } from '../ts/wasm/module.js';
import { init } from '../ts/wasm/index.js';
import { type Timing, type Workload, type WorkloadResult, bestWasmPeer, defaultOptions, formatTable, runWorkload } from './harness.js';
import { measurePeak, type PeakResult } from './peak.js';
import { tfjs, tfjsInfo, ortWeb, ortNode, PEER_THREADS } from './peers.js';
import { registry } from '../ts/registry.js';
import * as conv2d from './conv2d.bench.js';
import * as conv2dShiftSum from './conv2d_shift_sum.bench.js';
import * as shift2d from './shift2d.bench.js';
import * as linear from './linear.bench.js';
import * as elementwise from './elementwise.bench.js';
import * as softmax from './softmax.bench.js';
import * as pad from './pad.bench.js';
import * as unfold from './unfold.bench.js';
import * as batchNorm2d from './batch_norm2d.bench.js';
import * as layerNorm from './layer_norm.bench.js';
import * as interpolate from './interpolate.bench.js';
import * as globalAvgPool2d from './global_avg_pool2d.bench.js';
import * as pool2d from './pool2d.bench.js';
import * as mhsa from './multi_head_attention.bench.js';
import * as sdpa from './scaled_dot_product_attention.bench.js';
import * as localAttention from './local_attention.bench.js';
import * as windowAttention from './window_attention.bench.js';
import * as acmixFc from './acmix_fc.bench.js';
import * as acmix from './acmix.bench.js';
import * as dynconv from './dynconv.bench.js';
import * as swinModel from './swin_model.bench.js';
import * as mul from './mul.bench.js';
import * as reduce from './reduce.bench.js';
import * as c2f from './c2f.bench.js';
import * as attnModules from './attn_modules.bench.js';
import * as mnist from './mnist.bench.js';

const started = performance.now();
const o = defaultOptions();
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim()).filter(Boolean)) : null;

// The suites, by bench file stem, in the order they run.
const suites: [string, () => Promise<Workload[]>][] = [
  ['conv2d', conv2d.workloads], ['conv2d_shift_sum', conv2dShiftSum.workloads], ['shift2d', shift2d.workloads],
  ['linear', linear.workloads], ['elementwise', elementwise.workloads], ['softmax', softmax.workloads],
  ['pad', pad.workloads], ['unfold', unfold.workloads], ['batch_norm2d', batchNorm2d.workloads],
  ['layer_norm', layerNorm.workloads], ['interpolate', interpolate.workloads], ['global_avg_pool2d', globalAvgPool2d.workloads],
  ['pool2d', pool2d.workloads], // max_pool2d, adaptive_avg_pool2d (+ avg_pool2d, adaptive_max_pool2d, flatten, cat, chunk rows)
  ['multi_head_attention', mhsa.workloads], ['scaled_dot_product_attention', sdpa.workloads], ['local_attention', localAttention.workloads], ['window_attention', windowAttention.workloads], ['acmix_fc', acmixFc.workloads],
  ['acmix', acmix.workloads],
  ['dynconv', dynconv.workloads], // deform_conv2d, conv2d_mixture, conv2d_modulated, conv2d_per_sample, involution2d, odconv2d
  ['swin_model', swinModel.workloads], // the Swin-T + ACmix block and the whole 224x224 network vs the official ONNX export
  ['mul', mul.workloads], ['reduce', reduce.workloads], // the gates: broadcast mul, channel / directional mean and amax
  ['c2f', c2f.workloads], // YOLOv8n C2f blocks (nn.C2f) vs the ONNX export on onnxruntime-web / -node
  ['attn_modules', attnModules.workloads], // separable (MobileViTv2) and axial attention vs their ONNX exports; global MHSA on the same tokens
  ['mnist', mnist.workloads], // the trained MNIST ACmix network (batch 1 and 64) vs its PyTorch ONNX export on onnxruntime-web / -node
];

/** What BENCH_ONLY selects of a suite: every workload ('all'), the workloads of some registry ops, or nothing. */
function selection(suite: string): 'all' | Set<string> | null {
  if (!only || only.has(suite)) return 'all';
  const ops = registry.filter((e) => only.has(e.id) && e.bench === `bench/${suite}.bench.ts`).map((e) => e.id);
  return ops.length ? new Set(ops) : null;
}
if (only) {
  const known = new Set([...suites.map(([id]) => id), ...registry.map((e) => e.id)]);
  const unknown = [...only].filter((n) => !known.has(n));
  if (unknown.length) {
    console.error(`BENCH_ONLY: unknown name(s) ${unknown.join(', ')}; suites: ${suites.map(([id]) => id).join(', ')}; or an op id of ts/registry.ts`);
    process.exit(2);
  }
}

function git(cmd: string): string {
  try { return execSync(`git ${cmd}`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return ''; }
}

// Ours at the peers' thread count (BENCH_PEER_THREADS, default 1), so every ratio compares like with like;
// bench/threads.mjs is the report across thread counts and kernel variants.
await init({ threads: PEER_THREADS });
await tfjs();
const ortw = await ortWeb(), ortn = await ortNode();
const sha = git('rev-parse --short HEAD') || 'nogit';
const dirty = git('status --porcelain --untracked-files=no') !== '';
const env = {
  date: new Date().toISOString(),
  git: { sha, dirty },
  node: process.version, v8: process.versions.v8,
  cpu: cpus()[0]?.model ?? 'unknown', logicalCores: cpus().length, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
  simd: simdSupported(), wasmBuild: build(),
  peers: {
    tfjs: tfjsInfo(),
    'onnxruntime-web': { version: ortw.env.versions?.web, numThreads: ortw.env.wasm.numThreads },
    'onnxruntime-node': { version: ortn.env.versions?.node, intraOpNumThreads: 1 },
  },
  options: { rounds: o.rounds, roundSec: o.roundSec, refRounds: o.refRounds },
};
console.log(`attnconv bench @ ${sha}${dirty ? ' (uncommitted changes)' : ''} — node ${env.node} (V8 ${env.v8}), ${env.cpu}, ${env.logicalCores} logical cores`);
console.log(`WASM SIMD: ${env.simd ? 'on' : 'OFF'}; our build: ${env.wasmBuild}; all implementations single-threaded`);
console.log(`peers: tfjs-core/backend-wasm ${env.peers.tfjs.version} (simd ${env.peers.tfjs.simd}, threads ${env.peers.tfjs.multithread ? 'available' : 'off'}), onnxruntime-web ${env.peers['onnxruntime-web'].version} (numThreads ${env.peers['onnxruntime-web'].numThreads}), onnxruntime-node ${env.peers['onnxruntime-node'].version} (native, 1 intra-op thread; context only)`);
console.log(`timing: ${o.rounds} interleaved rounds × ~${o.roundSec} s of benchmark.js per implementation (ref: ${o.refRounds} rounds, 1 sample); median and min–max over all cycles`);

// 1. memory first: the arena's high-water mark only grows, so it is measured before any other wasm work
// (and only when the acmix suite runs).
const mem = selection('acmix') ? await acmix.acmixMemory() : null;

// 2. the SIMD ceiling
// Measured again after the workloads (the VM drifts); the higher of the two is the ceiling quoted.
const peakLine = (p: PeakResult) => `${p.gflops.toFixed(1)} GFLOP/s` +
  ` [${Object.entries(p.chains).map(([k, c]) => `${k}: ${c.median.toFixed(1)} (${c.min.toFixed(1)}–${c.max.toFixed(1)})`).join('; ')}]`;
const peakStart = measurePeak();
console.log(`\nSIMD ceiling (bench/peak.wat, f32x4 mul+add, independent chains), before the workloads: ${peakLine(peakStart)}`);

// 3. the workloads, one at a time (each builds its inputs and peer sessions, then releases them)
const results: WorkloadResult[] = [];
for (const [id, make] of suites) {
  const selected = selection(id);
  if (!selected) continue;
  let workloads = await make();
  // an op benched only inside a composite workload (acmix_forward in the acmix block) runs the whole suite
  if (selected !== 'all' && workloads.some((w) => selected.has(w.op))) workloads = workloads.filter((w) => selected.has(w.op));
  for (const w of workloads) results.push(await runWorkload(w, o));
}

const peakEnd = measurePeak();
const peak = peakEnd.gflops > peakStart.gflops ? peakEnd : peakStart;
console.log(`\nSIMD ceiling after the workloads: ${peakLine(peakEnd)}; quoted ceiling = the higher median, ${peak.gflops.toFixed(1)} GFLOP/s`);

// 4. the table, the targets, the JSON
console.log(`\n${formatTable(results, peak.gflops)}`);
console.log(`\n"vs best WASM peer" = (median of the fastest agreeing tfjs-wasm / onnxruntime-web composition) / (median of the row); > 1 is faster.`);

const find = (op: string, shape: string | null, impl: string): Timing | undefined =>
  results.find((r) => r.op === op && (shape === null || r.shape === shape))?.timings.find((t) => t.impl === impl && t.agrees);
const resultOf = (op: string, shape: string | null) => results.find((r) => r.op === op && (shape === null || r.shape === shape));
const bestOrtWeb = (r: WorkloadResult | undefined) => r?.timings.filter((t) => t.impl.startsWith('ort-web') && t.agrees).sort((a, b) => a.median_ms - b.median_ms)[0];

interface Target { what: string; target: string; value: number; conservative?: number; met: boolean | null; detail: string }
const targets: Target[] = [];
const vsBestPeer: [string, string | null, string][] = [
  ['conv2d', 'resnet50.layer1.conv2', 'conv2d 3x3 64→64 56x56'],
  ['conv2d', 'resnet50.layer1.1.conv1', 'conv2d 1x1 256→64 56x56'],
  ['conv2d', 'mobilenet_v1.conv_dw_5', 'depthwise 3x3 C256 28x28'],
  ['linear', null, 'matmul 3136x64 @ 64x192'],
  ['multi_head_attention', null, 'global MHSA n196 d256 h8'],
];
for (const [op, shape, what] of vsBestPeer) {
  const r = resultOf(op, shape), ours = find(op, shape, 'wasm'), best = r && bestWasmPeer(r);
  if (!r) continue;
  if (!ours || !best) { targets.push({ what, target: '≥ 1.0x best WASM peer', value: NaN, met: null, detail: 'not measured' }); continue; }
  const v = best.median_ms / ours.median_ms;
  targets.push({ what, target: '≥ 1.0x best WASM peer', value: v, conservative: best.min_ms / ours.max_ms, met: v >= 1, detail: `vs ${best.impl}` });
}
for (const [op, what] of [['local_attention', 'local 7x7 attention 28x28 d128 h4'], ['acmix', 'ACmix block C64 56x56']] as const) {
  const r = resultOf(op, null), ours = find(op, null, 'wasm'), ort = bestOrtWeb(r);
  if (!r) continue;
  if (!ours || !ort) { targets.push({ what, target: '≥ 10x onnxruntime-web', value: NaN, met: null, detail: 'not measured' }); continue; }
  const v = ort.median_ms / ours.median_ms;
  targets.push({ what, target: '≥ 10x onnxruntime-web', value: v, conservative: ort.min_ms / ours.max_ms, met: v >= 10, detail: `vs ${ort.impl}` });
}
for (const [shape, what] of [['yolov8n.model.2.c2f', 'C2f(32,32,n=1) 160x160 (YOLOv8n)'], ['yolov8n.model.4.c2f', 'C2f(64,64,n=2) 80x80 (YOLOv8n)']] as const) {
  const r = resultOf('c2f', shape), ours = find('c2f', shape, 'wasm'), ort = bestOrtWeb(r);
  if (!r) continue;
  if (!ours || !ort) { targets.push({ what, target: '≥ 1.2x onnxruntime-web', value: NaN, met: null, detail: 'not measured' }); continue; }
  const v = ort.median_ms / ours.median_ms;
  targets.push({ what, target: '≥ 1.2x onnxruntime-web', value: v, conservative: ort.min_ms / ours.max_ms, met: v >= 1.2, detail: `vs ${ort.impl}` });
}
// the attention rows of the speed table: the fused ops against the best WASM peer / onnxruntime-web in this run
for (const [op, shape, min, peer, what] of [
  ['scaled_dot_product_attention', 'vit.p16_224.d256_h8', 1.3, 'best', 'global MHSA n196 d256 h8, fused op'],
  ['window_attention', 'swin_t.layers.0.blocks.1.attn', 2, 'ort-web', 'Swin SW-MSA 56x56 d96 h3 w7 shifted'],
] as const) {
  const r = resultOf(op, shape), ours = find(op, shape, 'wasm'), best = peer === 'best' ? r && bestWasmPeer(r) : bestOrtWeb(r);
  const target = `≥ ${min.toFixed(1)}x ${peer === 'best' ? 'best WASM peer' : 'onnxruntime-web'}`;
  if (!r) continue;
  if (!ours || !best) { targets.push({ what, target, value: NaN, met: null, detail: 'not measured' }); continue; }
  const v = best.median_ms / ours.median_ms;
  targets.push({ what, target, value: v, conservative: best.min_ms / ours.max_ms, met: v >= min, detail: `vs ${best.impl}` });
}
for (const [op, shape, impl, what] of [
  ['conv2d', 'resnet50.layer1.conv2', 'wasm', 'conv2d 3x3 (im2col + GEMM)'],
  ['conv2d', 'resnet50.layer1.1.conv1', 'wasm', 'conv2d 1x1 (GEMM)'],
  ['linear', null, 'wasm', 'matmul via wasm.ops.linear'],
  ['linear', null, 'wasm:gemm', 'matmul via the gemm kernel directly'],
] as const) {
  if (!resultOf(op, shape)) continue;
  const t = find(op, shape, impl);
  const v = t ? t.gflops / peak.gflops : NaN;
  targets.push({ what, target: '≥ 60% of the SIMD ceiling', value: v, met: t ? v >= 0.6 : null, detail: t ? `${t.gflops.toFixed(1)} of ${peak.gflops.toFixed(1)} GFLOP/s` : 'not measured' });
}
console.log('\nTargets (ratios measured in this run; stated, never asserted):');
for (const t of targets) {
  const value = !Number.isFinite(t.value) ? '—' : t.target.includes('%') ? `${(100 * t.value).toFixed(0)}%` : `${t.value.toFixed(2)}x`;
  const cons = t.conservative !== undefined ? ` (worst-vs-best ${t.conservative.toFixed(2)}x)` : '';
  console.log(`  ${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.what.padEnd(36)} ${t.target.padEnd(26)} ${value}${cons}  ${t.detail}`);
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
if (mem) {
  console.log(`\nACmix forward on wasm, peak WASM linear memory (arenaStats().highWater − base): ${mb(mem.peakBytes)}` +
    ` vs 4 × (input ${mb(mem.inputBytes)} + output ${mb(mem.outputBytes)} + weights ${mb(mem.weightBytes)}) = ${mb(mem.budgetBytes)}:` +
    ` ${mem.ratio.toFixed(2)}× that budget${mem.valid ? '' : ' (NOT exact: other wasm work ran before the measurement)'}`);
}

const seconds = (performance.now() - started) / 1e3;
console.log(`\nbench took ${seconds.toFixed(0)} s`);
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}${env.date.slice(0, 10)}-${sha}${dirty ? '-dirty' : ''}.json`;
writeFileSync(file, JSON.stringify({ env, peak, peakStart, peakEnd, memory: mem, targets, seconds, results }, null, 1) + '\n');
console.log(`wrote ${file.slice(file.indexOf('bench/results/'))}`);
// onnxruntime-node keeps native threads alive; the bench is done.
process.exit(0);
