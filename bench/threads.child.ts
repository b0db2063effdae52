// One configuration of bench/threads.mjs (run by it under each Node binary): the dense workloads of the thread and
// relaxed-SIMD targets on our wasm backend and the peers, timed with bench/harness.ts, printed as one JSON line
// prefixed `THREADS_BENCH ` on stdout. Configuration from the environment: ATTNCONV_WASM_THREADS and
// ATTNCONV_WASM_DETERMINISTIC (ours), BENCH_PEER_THREADS (the peers), THREADS_BENCH_PEERS=0 (time ours only),
// BENCH_ROUNDS / BENCH_ROUND_SEC (the harness).
// Cold start: `init_ms` is `await init()` in a fresh process (module compile + instantiation + pool start), and
// `first_ms` the first conv2d 3x3 64→64 56x56 after it (V8's baseline code, before tier-up); every workload's
// `cold_ms` is its first call in this process (after the workloads before it warmed the shared kernels).
import { Tensor } from '../ts/core/tensor.js';
import { init, ops as wasmOps, threads, variant } from '../ts/wasm/index.js';
import { type Workload, defaultOptions, runWorkload, seeded } from './harness.js';
import { tfjsInfo, PEER_THREADS } from './peers.js';
import * as conv2d from './conv2d.bench.js';
import * as linear from './linear.bench.js';
import * as localAttention from './local_attention.bench.js';
import * as mhsa from './multi_head_attention.bench.js';
import * as acmix from './acmix.bench.js';
import * as dynconv from './dynconv.bench.js';

const t0 = performance.now();
await init();
const init_ms = performance.now() - t0;
const x = new Tensor(seeded(64 * 56 * 56, 1), [1, 64, 56, 56]), w = new Tensor(seeded(64 * 64 * 9, 2), [64, 64, 3, 3]);
const t1 = performance.now();
wasmOps.conv2d(x, w, null, { padding: 1 });
const first_ms = performance.now() - t1;

const peers = process.env.THREADS_BENCH_PEERS !== '0';
const keep = (wl: Workload): Workload => ({
  ...wl,
  impls: wl.impls.filter((im) => im.kind === 'ours' || (peers && (im.kind === 'wasm-peer' || im.kind === 'native'))),
});
const all: Workload[] = [
  ...(await conv2d.workloads()),
  ...(await linear.workloads()).filter((wl) => wl.shape === 'acmix_resnet50.layer1.stage_i'),
  ...(await localAttention.workloads()).filter((wl) => wl.shape === 'acmix_resnet50.layer2.attention'),
  ...(await mhsa.workloads()),
  ...(await acmix.workloads()),
  ...(await dynconv.workloads()).filter((wl) => wl.op === 'deform_conv2d'),
];
const o = { ...defaultOptions(), rounds: Number(process.env.BENCH_ROUNDS ?? 3), roundSec: Number(process.env.BENCH_ROUND_SEC ?? 0.25), refRounds: 0, log: (line: string) => console.error(line) };
const results = [];
for (const wl of all.map(keep)) {
  const r = await runWorkload(wl, o);
  results.push({
    op: r.op, shape: r.shape, title: r.title, flops: r.flops,
    timings: r.timings.map((t) => ({ impl: t.impl, kind: t.kind, median_ms: t.median_ms, min_ms: t.min_ms, max_ms: t.max_ms, cold_ms: t.cold_ms, gflops: t.gflops, agrees: t.agrees, error: t.error })),
  });
}
console.log(`THREADS_BENCH ${JSON.stringify({
  node: process.version, threads: threads(), variant: variant(), peerThreads: PEER_THREADS, tfjs: tfjsInfo(), init_ms, first_ms, results,
})}`);
process.exit(0);
