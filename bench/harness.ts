// The benchmark harness shared by bench/<op_id>.bench.ts and bench/run.ts.
//
// A Workload is one op on one named shape (bench/shapes.ts) with several implementations (ref, wasm, the
// peers). For each workload the harness
//   1. runs every implementation once on the SAME inputs and CHECKS its output against the truth (the ref
//      output when ref is part of the workload, else ours) within the workload's stated tolerance; an
//      implementation that disagrees is reported and not timed (the first call's time is kept as "cold");
//   2. warms every implementation up, then times them in interleaved rounds (round r runs impl 1, impl 2,
//      ... in an order rotated by r), each round one benchmark.js Benchmark of about `roundSec` seconds
//      (case name `<op_id>/<impl>@<shape name>`, STYLE §2.10); the VM's speed drifts 10-35 % between
//      runs, so we pool the per-cycle means of all rounds and report median and min–max.
// Only the call is timed: inputs are prepared, converted to each peer's layout and (for peers) weights
// loaded before; every timed call takes a JS Float32Array in and hands a JS Float32Array out.
import Benchmark from 'benchmark';

/** Benchmark.js must not decompile and re-compile our closures: call them as they are. */
(Benchmark as unknown as { support: { decompilation: boolean } }).support.decompilation = false;

export type ImplKind =
  | 'ref'        // the TypeScript reference (float64 accumulation): the truth, timed with fewer samples
  | 'ours'       // the wasm backend: the row the targets are judged on
  | 'ours-extra' // another of our paths (e.g. the raw kernel with operands resident)
  | 'wasm-peer'  // a JS/WASM peer (tfjs-wasm, onnxruntime-web): the ratio column is against the best of these
  | 'native';    // context only (onnxruntime-node)

export interface Impl {
  impl: string;
  kind: ImplKind;
  /** how it was composed / which layout it runs in */
  note: string;
  /** one call; returns the output (in the impl's own layout) */
  run: () => Float32Array | Promise<Float32Array>;
  /** converts run()'s output to the truth's layout (NCHW) for the check; outside the timed region */
  toTruthLayout?: (y: Float32Array) => Float32Array;
  /** release resources after the workload (tfjs tensors, sessions) */
  dispose?: () => void | Promise<void>;
}

export interface Workload {
  op: string;
  shape: string;
  /** one line: what is computed */
  title: string;
  flops: number;
  /** the FLOP formula with its numbers, printed beside the workload */
  formula: string;
  /** max |impl − truth| / max |truth| allowed, and why */
  tolerance: { rel: number; why: string };
  impls: Impl[];
  /** free-form lines printed under the workload (e.g. which ops were delegated) */
  notes?: string[];
}

export interface Timing {
  impl: string;
  kind: ImplKind;
  note: string;
  case: string;
  /** seconds per call of every benchmark.js cycle, all rounds pooled */
  samples: number[];
  median_ms: number;
  min_ms: number;
  max_ms: number;
  cold_ms: number;
  gflops: number;
  /** max |impl − truth| / max |truth| */
  rel_err: number;
  agrees: boolean;
  error?: string;
}

export interface WorkloadResult {
  op: string; shape: string; title: string; flops: number; formula: string;
  tolerance: Workload['tolerance']; truth: string; notes: string[]; timings: Timing[];
}

export interface RunOptions {
  rounds: number;
  roundSec: number;
  /** rounds in which ref is timed (it is slow) */
  refRounds: number;
  log: (line: string) => void;
}

export const defaultOptions = (): RunOptions => ({
  rounds: Number(process.env.BENCH_ROUNDS ?? 7),
  roundSec: Number(process.env.BENCH_ROUND_SEC ?? 0.3),
  refRounds: Number(process.env.BENCH_REF_ROUNDS ?? 2),
  log: (line) => console.log(line),
});

/** The transpose of a row-major [rows, cols] matrix (peers that take weights as [in, out]). */
export function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}

/** Deterministic data in [−0.5, 0.5): an LCG, no Math.random (runs are comparable). */
export function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; d[i] = (s / 2 ** 32 - 0.5) * scale; }
  return d;
}

/** [C, H, W] planes → [H, W, C] (NCHW with N = 1 → NHWC). */
export function nchwToNhwc(x: Float32Array, C: number, H: number, W: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) y[i * C + c] = x[c * H * W + i];
  return y;
}

export function nhwcToNchw(x: Float32Array, C: number, H: number, W: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) y[c * H * W + i] = x[i * C + c];
  return y;
}

/** max |a − b| / max |b| (NaN if lengths differ or a value is not finite). */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return NaN;
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d; // NaN propagates
    const s = Math.abs(b[i]);
    if (s > scale) scale = s;
  }
  return diff / (scale || 1);
}

const median = (s: number[]) => { const t = [...s].sort((a, b) => a - b); return t.length % 2 ? t[t.length >> 1] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2; };

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown })?.then === 'function';
}

/** One benchmark.js Benchmark: per-cycle seconds per call. */
function benchOnce(name: string, run: Impl['run'], isAsync: boolean, maxTime: number, minSamples: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const options: Benchmark.Options = {
      maxTime, minSamples, initCount: 1, delay: 0,
      onComplete(this: Benchmark) {
        const b = this as Benchmark & { error?: Error };
        if (b.error) reject(b.error); else resolve([...b.stats.sample]);
      },
    };
    const bench = isAsync
      ? new Benchmark(name, {
        ...options, defer: true,
        fn(deferred: { resolve(): void }) { (run() as Promise<Float32Array>).then(() => deferred.resolve(), reject); },
      })
      : new Benchmark(name, run as () => void, options);
    bench.run({ async: isAsync });
  });
}

export async function runWorkload(w: Workload, o: RunOptions): Promise<WorkloadResult> {
  const caseName = (impl: string) => `${w.op}/${impl}@${w.shape}`;
  o.log(`\n${w.op}@${w.shape}: ${w.title}`);
  o.log(`  FLOPs = ${w.formula} = ${(w.flops / 1e6).toFixed(1)} MFLOP`);
  for (const n of w.notes ?? []) o.log(`  ${n}`);

  // 1. check (and cold time)
  const outputs = new Map<string, Float32Array>();
  const cold = new Map<string, number>();
  const errors = new Map<string, string>();
  for (const im of w.impls) {
    try {
      const t0 = performance.now();
      const r = im.run();
      const y = isPromise(r) ? await r : r;
      cold.set(im.impl, performance.now() - t0);
      outputs.set(im.impl, im.toTruthLayout ? im.toTruthLayout(y) : y);
    } catch (e) {
      errors.set(im.impl, (e as Error).message.split('\n')[0]);
    }
  }
  const truthImpl = w.impls.find((i) => i.kind === 'ref' && outputs.has(i.impl)) ?? w.impls.find((i) => i.kind === 'ours' && outputs.has(i.impl));
  const truth = truthImpl ? outputs.get(truthImpl.impl)! : null;
  const rel = new Map<string, number>();
  for (const im of w.impls) {
    const y = outputs.get(im.impl);
    if (!y || !truth) continue;
    const e = relError(y, truth);
    rel.set(im.impl, e);
    if (!(e <= w.tolerance.rel)) errors.set(im.impl, `output disagrees with ${truthImpl!.impl}: max|Δ|/max|truth| = ${e.toExponential(2)} > ${w.tolerance.rel}`);
  }
  o.log(`  check against ${truthImpl?.impl ?? '(none)'}: max|Δ|/max|truth| ≤ ${w.tolerance.rel} (${w.tolerance.why})`);
  for (const im of w.impls) {
    o.log(`    ${im.impl.padEnd(22)} ${errors.has(im.impl) ? `NOT TIMED: ${errors.get(im.impl)}` : `rel err ${(rel.get(im.impl) ?? 0).toExponential(2)}  (cold ${cold.get(im.impl)!.toFixed(1)} ms)`}`);
  }

  // 2. warm-up, then interleaved rounds
  const timed = w.impls.filter((im) => !errors.has(im.impl));
  const asyncOf = new Map<string, boolean>();
  for (const im of timed) {
    const first = im.run();
    asyncOf.set(im.impl, isPromise(first));
    if (isPromise(first)) await first;
    if (im.kind !== 'ref') { const r = im.run(); if (isPromise(r)) await r; }
  }
  const samples = new Map<string, number[]>(timed.map((im) => [im.impl, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (let j = 0; j < timed.length; j++) {
      const im = timed[(j + r) % timed.length];
      if (im.kind === 'ref' && r >= o.refRounds) continue;
      const isRef = im.kind === 'ref';
      const s = await benchOnce(caseName(im.impl), im.run, asyncOf.get(im.impl)!, isRef ? 0.01 : o.roundSec, isRef ? 1 : 2);
      samples.get(im.impl)!.push(...s);
    }
  }
  for (const im of w.impls) await im.dispose?.();

  const timings: Timing[] = w.impls.map((im) => {
    const s = samples.get(im.impl) ?? [];
    const med = s.length ? median(s) * 1e3 : NaN;
    return {
      impl: im.impl, kind: im.kind, note: im.note, case: caseName(im.impl), samples: s,
      median_ms: med, min_ms: s.length ? Math.min(...s) * 1e3 : NaN, max_ms: s.length ? Math.max(...s) * 1e3 : NaN,
      cold_ms: cold.get(im.impl) ?? NaN, gflops: w.flops / (med / 1e3) / 1e9,
      rel_err: rel.get(im.impl) ?? NaN, agrees: !errors.has(im.impl), ...(errors.has(im.impl) ? { error: errors.get(im.impl) } : {}),
    };
  });
  return { op: w.op, shape: w.shape, title: w.title, flops: w.flops, formula: w.formula, tolerance: w.tolerance, truth: truthImpl?.impl ?? '', notes: w.notes ?? [], timings };
}

/** Best (lowest median) agreeing WASM peer of a workload, if any. */
export function bestWasmPeer(r: WorkloadResult): Timing | undefined {
  return r.timings.filter((t) => t.kind === 'wasm-peer' && t.agrees && Number.isFinite(t.median_ms))
    .sort((a, b) => a.median_ms - b.median_ms)[0];
}

/** The table of one or more workloads (STYLE §2.10: GFLOP/s from the FLOP formula). */
export function formatTable(results: WorkloadResult[], peakGflops?: number): string {
  const head = ['workload', 'impl', 'median ms', 'min–max ms', 'GFLOP/s', ...(peakGflops ? ['% peak'] : []), 'vs best WASM peer', 'rel err'];
  const rows: string[][] = [];
  for (const r of results) {
    const best = bestWasmPeer(r);
    for (const t of r.timings) {
      const ok = t.agrees && Number.isFinite(t.median_ms);
      rows.push([
        `${r.op}@${r.shape}`, t.impl,
        ok ? t.median_ms.toFixed(t.median_ms < 10 ? 3 : 1) : (t.agrees ? '-' : 'disagrees'),
        ok ? `${t.min_ms.toFixed(t.min_ms < 10 ? 3 : 1)}–${t.max_ms.toFixed(t.max_ms < 10 ? 3 : 1)}` : '',
        ok ? t.gflops.toFixed(t.gflops < 1 ? 3 : 1) : '',
        ...(peakGflops ? [ok ? `${((100 * t.gflops) / peakGflops).toFixed(0)}%` : ''] : []),
        ok && best ? `${(best.median_ms / t.median_ms).toFixed(2)}x` : '',
        Number.isFinite(t.rel_err) ? t.rel_err.toExponential(1) : '',
      ]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  const out = [line(head), '|' + widths.map((w, i) => (i >= 2 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|'];
  for (const r of rows) out.push(line(r));
  const formulas = results.map((r) => `  ${r.op}@${r.shape}: FLOPs = ${r.formula} = ${(r.flops / 1e6).toFixed(1)} MFLOP`);
  return [...out, '', ...formulas].join('\n');
}

/** Runs a bench file's workloads on its own (node --import tsx bench/<op>.bench.ts). */
export async function runStandalone(make: () => Promise<Workload[]>): Promise<void> {
  const o = defaultOptions();
  const results: WorkloadResult[] = [];
  for (const w of await make()) results.push(await runWorkload(w, o));
  console.log('\n' + formatTable(results));
}
