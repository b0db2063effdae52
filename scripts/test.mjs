// First the layering check (.dependency-cruiser.cjs through scripts/layering.mjs: one check, passed or failed,
// its report printed), then every spec/**/*.test.ts with uvu (through tsx), streaming its output, and ends with
// the line CI reads: "<passed> passed, <failed> failed". Runs the suite against the release WASM build, then
// again against the debug build (AssemblyScript asserts on, arena guard bands checked) with a quarter of the
// property runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const uvu = join(root, 'node_modules', 'uvu', 'bin.js');

/** The layering check: one passed or failed check; its report (violations, warnings) is printed either way. */
function layering() {
  console.log('\n== layering: ts/ imports against .dependency-cruiser.cjs ==');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'layering.mjs')], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  if (r.status !== 0) console.log(`layering check FAILED (exit ${r.status ?? r.signal}): fix the imports above or the rule in .dependency-cruiser.cjs`);
  return r.status === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

function run(label, pattern, env) {
  console.log(`\n== ${label} ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', uvu, 'spec', pattern, '-i', 'support', '-i', 'fixtures'], {
    cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const total = Number(/Total:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? 0);
  if (!Number.isFinite(total) || !Number.isFinite(passed)) {
    // uvu died before its summary (e.g. a syntax error): count the run as one failure.
    return { passed: 0, failed: 1 };
  }
  return { passed, failed: total - passed - skipped + (r.status !== 0 && total === passed ? 1 : 0) };
}

const results = [
  layering(),
  run('release build: all specs', '\\.test\\.ts$', { ATTNCONV_WASM_BUILD: 'release' }),
  run('debug build (asserts and guard bands on): all specs, a quarter of the property runs', '\\.test\\.ts$', { ATTNCONV_WASM_BUILD: 'debug', FC_RUNS_SCALE: '0.25' }),
];
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
