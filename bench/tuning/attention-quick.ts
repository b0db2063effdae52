// Quick interleaved ratios for the attention suites while their kernels are tuned (not the benchmark.js run:
// bench/run.ts is the record). Takes the workloads of bench/window_attention.bench.ts and
// bench/scaled_dot_product_attention.bench.ts (ours and the WASM peers, no ref), checks nothing beyond what the
// suites check, and times them in rounds of about `ms` milliseconds per impl, calls alternating impl by impl in
// an order rotated by the round, so the load of a shared machine hits every impl alike; the ratio ours / best peer
// is formed per round and its median and range printed, beside each impl's median and min of the per-round mean
// ms per call. tfjs-wasm (10x behind on these shapes) is left out unless QUICK_TFJS=1.
//   node --import tsx bench/tuning/attention-quick.ts [rounds] [ms] [filter]
// filter: a substring of `<op>@<shape>` (e.g. window_attention, mhsa_layer).
import { type Impl, type Workload } from '../harness.js';
import { workloads as windowWorkloads } from '../window_attention.bench.js';
import { workloads as sdpaWorkloads } from '../scaled_dot_product_attention.bench.js';
import { threads } from '../../ts/wasm/index.js';

const rounds = Number(process.argv[2] ?? 9), roundMs = Number(process.argv[3] ?? 300), filter = process.argv[4] ?? '';
const median = (s: number[]) => { const t = [...s].sort((a, b) => a - b); return t.length % 2 ? t[t.length >> 1] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2; };

/**
 * One call of `impl`, in ms: the process's CPU time (user + system) by default — on a machine shared by many, the
 * wall clock also counts the time spent waiting for a core — or the wall clock with QUICK_WALL=1. Every impl here
 * runs on the calling thread (wasm threads 1, peers single-threaded), so CPU time is the call's own cost.
 */
const wall = process.env.QUICK_WALL === '1';
async function once(impl: Impl): Promise<number> {
  if (wall) {
    const t0 = performance.now();
    await impl.run();
    return performance.now() - t0;
  }
  const c0 = process.cpuUsage();
  await impl.run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e3;
}

const all: Workload[] = [...await windowWorkloads(), ...await sdpaWorkloads()]
  .filter((w) => w.flops > 0 && `${w.op}@${w.shape}`.includes(filter));
console.log(`node ${process.version}, wasm threads ${threads()}, ${rounds} rounds of ${roundMs} ms per impl, ${wall ? 'wall clock' : 'CPU time'}`);
for (const w of all) {
  const impls = w.impls.filter((i) => (i.kind === 'ours' || i.kind === 'ours-extra' || i.kind === 'wasm-peer')
    && (process.env.QUICK_TFJS === '1' || !i.impl.startsWith('tfjs')));
  for (const i of impls) for (let r = 0; r < 3; r++) await i.run();                  // warm-up
  const times = impls.map(() => [] as number[]), ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // calls alternate impl by impl (rotated per round) for about roundMs · impls: the load hits all alike
    const t = impls.map(() => 0), n = impls.map(() => 0), r0 = performance.now();
    while (performance.now() - r0 < roundMs * impls.length || n.some((c) => c < 2)) {
      for (let s = 0; s < impls.length; s++) { const i = (s + r) % impls.length; t[i] += await once(impls[i]); n[i]++; }
    }
    t.forEach((v, i) => { t[i] = v / n[i]; });
    t.forEach((v, i) => times[i].push(v));
    const ours = t[impls.findIndex((i) => i.kind === 'ours')];
    const peer = Math.min(...t.filter((_, i) => impls[i].kind === 'wasm-peer'));
    ratios.push(peer / ours);
  }
  console.log(`\n${w.op}@${w.shape}  (${(w.flops / 1e6).toFixed(1)} MFLOP)`);
  impls.forEach((i, k) => console.log(`  ${i.impl.padEnd(20)} median ${median(times[k]).toFixed(2).padStart(8)} ms   min ${Math.min(...times[k]).toFixed(2).padStart(8)} ms   ${(w.flops / median(times[k]) / 1e6).toFixed(2).padStart(6)} GFLOP/s`));
  const s = [...ratios].sort((a, b) => a - b);
  console.log(`  ours vs best peer, per round: median ${median(ratios).toFixed(2)}x (range ${s[0].toFixed(2)}–${s.at(-1)!.toFixed(2)}x)`);
  for (const i of w.impls) await i.dispose?.();
}
process.exit(0);
