// The fuzz runner: any number of hostile calls (the generators of spec/fuzz.test.ts: registry ops on both backends,
// nn modules, io) from a seed, each batch in a child process with a time and memory budget, so a case that
// aborts the process, exhausts memory or hangs is counted (and the run goes on with the next case), then the
// outcome table.
//
//   node --import tsx scripts/fuzz.ts --cases 20000 --seed 1
//   options: --batch 1000 (cases per child)  --timeout 30 (seconds without progress → hang)  --mem 3072 (MiB of
//            RSS, and the JS heap limit, per child)  --build release|debug  --only ops|modules|io
//            --huge-ctors (module constructors may also get 2^20..2^31 channel counts: ResourceError beyond the
//            element limit, slow below it, see spec/support/fuzz_modules.ts ctorPool)  --show 8 (examples per failing outcome)
// Exit status 0 when every case ended in a named error, a correct result or a listed known gap.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

type Outcome = typeof import('../spec/support/fuzz_ops.js').OUTCOMES[number];

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const num = (name: string, fallback: number) => {
  const v = Number(opt(name, String(fallback)));
  if (!Number.isSafeInteger(v) || v < 0) { console.error(`fuzz: --${name} must be a non-negative integer, got ${opt(name, '')}`); process.exit(2); }
  return v;
};

const seed = num('seed', 1);
const only = opt('only', 'all');
const hugeCtors = flag('huge-ctors');

/** The kind of case i: ~70% registry ops, ~19% modules, ~11% io (the CI suite's mix), or one kind with --only. */
function kindOf(i: number): 'ops' | 'modules' | 'io' {
  if (only === 'ops' || only === 'modules' || only === 'io') return only;
  const r = i % 100;
  return r < 70 ? 'ops' : r < 89 ? 'modules' : 'io';
}

/** A 32-bit seed for case i of the run (so a case replays alone: --from i --to i+1). */
function caseSeed(i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (i + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) | 0;
}

// ---------------------------------------------------------------------------------------------
// child: run cases [from, to), one line per case

async function child(): Promise<void> {
  const from = num('from', 0), to = num('to', 0);
  const { default: fc } = await import('fast-check');
  const wasm = await import('../ts/wasm/index.js');
  await import('../ts/ref/index.js');
  await wasm.init();
  const fops = await import('../spec/support/fuzz_ops.js');
  const fmod = await import('../spec/support/fuzz_modules.js');
  const fio = await import('../spec/support/fuzz_io.js');
  for (const fn of fops.fuzzedOps()) {
    try { fops.baseline(fn); } catch { /* reported by the op's cases (runOpCase) */ }
  }
  fops.wasmHealth();
  const arbs = { ops: fops.opCaseArb(), modules: fmod.moduleCaseArb(), io: fio.ioCaseArb() };
  const clean = (s: string | undefined) => (s ?? '').replace(/[\t\n\r]/g, ' ').slice(0, 600);
  for (let i = from; i < to; i++) {
    const kind = kindOf(i);
    process.stdout.write(`S ${i}\n`);
    const [c] = fc.sample(arbs[kind] as import('fast-check').Arbitrary<unknown>, { seed: caseSeed(i), numRuns: 1 });
    let r: { outcome: string; label: string; detail?: string };
    try {
      r = kind === 'ops' ? fops.runOpCase(c as never) : kind === 'modules' ? fmod.runModuleCase(c as never, hugeCtors) : fio.runIoCase(c as never);
    } catch (e) {
      r = { outcome: 'other exception', label: `${kind} case ${i}`, detail: `the harness itself threw: ${(e as Error)?.stack ?? e}` };
    }
    process.stdout.write(`R ${i}\t${r.outcome}\t${clean(r.label)}\t${clean(r.detail)}\n`);
  }
  process.stdout.write('DONE\n');
}

// ---------------------------------------------------------------------------------------------
// parent: batches in children, budgets, the table

function rssMiB(pid: number): number | null {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch { return null; }
}

interface Record { i: number; outcome: Outcome; label: string; detail: string }

async function runBatch(from: number, to: number, records: Record[]): Promise<number> {
  const timeoutMs = num('timeout', 30) * 1000, memMiB = num('mem', 3072);
  const script = fileURLToPath(import.meta.url);
  const args = [`--max-old-space-size=${memMiB}`, '--import', 'tsx', script, '--child', '--seed', String(seed), '--from', String(from), '--to', String(to), '--only', only, ...(hugeCtors ? ['--huge-ctors'] : [])];
  const env = { ...process.env, ATTNCONV_WASM_BUILD: opt('build', process.env.ATTNCONV_WASM_BUILD || 'release') };
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let current = -1, lastProgress = Date.now(), killedFor: Outcome | null = null, why = '', done = false, stderr = '', started = false;
    const rl = createInterface({ input: p.stdout! });
    rl.on('line', (line) => {
      lastProgress = Date.now();
      if (line.startsWith('S ')) { current = Number(line.slice(2)); started = true; }
      else if (line.startsWith('R ')) {
        const [head, outcome, label, detail] = line.split('\t');
        records.push({ i: Number(head.slice(2)), outcome: outcome as Outcome, label, detail });
        current = -1;
      } else if (line === 'DONE') done = true;
    });
    p.stderr!.on('data', (d) => { stderr = (stderr + d.toString()).slice(-2000); });
    const watchdog = setInterval(() => {
      const rss = rssMiB(p.pid!);
      if (rss !== null && rss > memMiB) { killedFor = 'process killed'; why = `memory budget: RSS ${rss.toFixed(0)} MiB > ${memMiB} MiB`; p.kill('SIGKILL'); }
      else if (Date.now() - lastProgress > timeoutMs) { killedFor = 'hang'; why = `no progress for ${timeoutMs / 1000} s`; p.kill('SIGKILL'); }
    }, 250);
    p.on('exit', (code, signal) => {
      clearInterval(watchdog);
      rl.close();
      if (done && code === 0) return resolve(to);
      if (!started && !killedFor) {
        // the child died before its first case: the harness (or a file being edited) is broken, not a case
        console.error(`\nfuzz: a child died before running a case (exit ${code ?? ''} ${signal ?? ''}):\n${stderr}`);
        return resolve(-1);
      }
      // the case that was running when the child died (or the first one not reported) is the culprit
      const at = current >= 0 ? current : (records.length ? Math.max(...records.filter((r) => r.i >= from).map((r) => r.i), from - 1) + 1 : from);
      const outcome: Outcome = killedFor ?? 'process killed';
      const detail = killedFor ? why : `exit ${code ?? ''} ${signal ?? ''}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      if (at < to) records.push({ i: at, outcome, label: `${kindOf(at)} case ${at} (replay: --only ${kindOf(at)} --seed ${seed} --from ${at} --to ${at + 1}; see below)`, detail });
      resolve(Math.min(at + 1, to));
    });
  });
}

async function parent(): Promise<void> {
  const cases = num('cases', 2000), batch = Math.max(1, num('batch', 1000)), show = num('show', 8);
  const { OUTCOMES, GOOD } = await import('../spec/support/fuzz_ops.js');
  const records: Record[] = [];
  const t0 = Date.now();
  let next = 0, retries = 0;
  while (next < cases) {
    const got = await runBatch(next, Math.min(cases, next + batch), records);
    if (got < 0) {
      if (++retries > 3) { console.error('fuzz: giving up: the children cannot start'); process.exit(2); }
      await new Promise((r) => setTimeout(r, 2000));
      continue;
    }
    next = got;
    process.stderr.write(`\r  fuzz: ${records.length} / ${cases} cases`);
  }
  process.stderr.write('\n');
  const counts = new Map<Outcome, number>(OUTCOMES.map((o) => [o, 0]));
  for (const r of records) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const total = records.length;
  const pct = (n: number) => `${((100 * n) / Math.max(total, 1)).toFixed(2)}%`;
  console.log(`\nattnconv fuzz: ${total} cases, seed ${seed}, ${opt('build', process.env.ATTNCONV_WASM_BUILD || 'release')} build, ${((Date.now() - t0) / 1000).toFixed(1)} s${hugeCtors ? ', --huge-ctors' : ''}\n`);
  const rows: [string, number][] = [
    ['named error', counts.get('named error')!],
    ['correct result (the input may be valid)', counts.get('correct result')!],
    ['other exception (TypeError, RangeError, RuntimeError, ...)', counts.get('other exception')!],
    ['returned a result for invalid input', counts.get('returned a result for invalid input')!],
    ['backends disagree / wrong result', counts.get('backends disagree / wrong result')!],
    ['post-call check failed (arena, static data, guard band, baseline bits)', counts.get('post-call check failed')!],
    ['hang', counts.get('hang')!],
    ['process killed', counts.get('process killed')!],
    ['known gap (spec/support/fuzz_gaps.ts and the *_GAPS lists)', counts.get('known gap')!],
    ['unvetted op (no OP_SLOTS row yet)', counts.get('unvetted op')!],
  ];
  console.log('| outcome | cases | share |\n| --- | ---: | ---: |');
  for (const [name, n] of rows) console.log(`| ${name} | ${n} | ${pct(n)} |`);
  const gaps = new Map<string, number>();
  for (const r of records) if (r.outcome === 'known gap') for (const m of r.detail.matchAll(/known gap «([^»]*)»/g)) gaps.set(m[1], (gaps.get(m[1]) ?? 0) + 1);
  if (gaps.size) {
    console.log('\nknown gaps hit (each names its fix):');
    for (const [g, n] of [...gaps].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${g}`);
  }
  const bad = records.filter((r) => !GOOD.has(r.outcome));
  const unvetted = records.filter((r) => r.outcome === 'unvetted op');
  for (const [title, list] of [['failures', bad], ['unvetted ops (fuzzed leniently; add an OP_SLOTS row to hold them to the boundary)', unvetted]] as const) {
    if (!list.length) continue;
    console.log(`\n${title}:`);
    const byOutcome = new Map<string, Record[]>();
    for (const r of list) byOutcome.set(r.outcome, [...(byOutcome.get(r.outcome) ?? []), r]);
    for (const [o, rs] of byOutcome) {
      console.log(`  ${o} (${rs.length}):`);
      for (const r of rs.slice(0, show)) console.log(`    #${r.i} ${r.label}${r.detail ? ` — ${r.detail.slice(0, 300)}` : ''}`);
    }
  }
  process.exit(bad.length ? 1 : 0);
}

if (flag('child')) await child();
else await parent();
