// First the layering check (.dependency-cruiser.cjs through scripts/layering.mjs: one check, passed or failed,
// its report printed), then every spec/**/*.test.ts with uvu (through tsx), streaming its output, and ends with
// the line CI reads: "<passed> passed, <failed> failed". Runs the suite against the release WASM build, then
// again against the debug build (AssemblyScript asserts on, arena guard bands checked) with a quarter of the
// property runs.
// The release pass runs with a pool of 2 threads (ATTNCONV_WASM_THREADS=2), the debug pass with 1, both on the
// strict kernels (Node 20's default); a third pass runs every spec but the kernel twins on the relaxed-SIMD kernels
// (--experimental-wasm-relaxed-simd), 2 threads.
// Last, the runtime matrix: the packed package in every runtime it promises (scripts/runtime-matrix.mjs).
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

function run(label, pattern, env, nodeFlags = [], ignore = []) {
  console.log(`\n== ${label} ==`);
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', uvu, 'spec', pattern, '-i', 'support', '-i', 'fixtures', ...ignore.flatMap((d) => ['-i', d])], {
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

/**
 * The runtime matrix (scripts/runtime-matrix.mjs): the packed tarball installed in an empty folder and run as ESM,
 * CommonJS, a strict TypeScript consumer, Deno, Bun and headless Chromium, all giving Node's output hashes. Needs
 * the build (`npm test` runs it first). Its checks count one each.
 */
function runtimeMatrix() {
  console.log('\n== runtime matrix: the packed package in Node (ESM, CJS, TypeScript), Deno, Bun and Chromium ==');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'runtime-matrix.mjs')], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const m = /runtime-matrix: (\d+) passed, (\d+) failed/.exec(r.stdout ?? '');
  if (!m) return { passed: 0, failed: 1 };
  return { passed: Number(m[1]), failed: Number(m[2]) + (r.status !== 0 && m[2] === '0' ? 1 : 0) };
}

const results = [
  layering(),
  // threads: the release pass on a pool of 2 threads, the debug pass on the calling thread alone (ts/wasm/pool.ts)
  run('release build, 2 threads: all specs', '\\.test\\.ts$', { ATTNCONV_WASM_BUILD: 'release', ATTNCONV_WASM_THREADS: '2' }),
  run('debug build (asserts and guard bands on), 1 thread: all specs, a quarter of the property runs', '\\.test\\.ts$', { ATTNCONV_WASM_BUILD: 'debug', ATTNCONV_WASM_THREADS: '1', FC_RUNS_SCALE: '0.25' }),
  // the relaxed-SIMD variant (fused multiply-add; ts/wasm/variants.ts), which Node 20 validates only behind this flag
  // (Node ≥ 22, Deno and Chromium pick it by default): every spec but the kernel twins, 2 threads, a quarter of the
  // property runs. The twins (spec/kernels: scalar ≡ f32x4 bit for bit) are a property of the strict variant only,
  // and every spec file shares one WASM instance per pass, so they run in the two passes above.
  run('relaxed SIMD (release build, --experimental-wasm-relaxed-simd), 2 threads: all specs but the kernel twins, a quarter of the property runs', '\\.test\\.ts$', { ATTNCONV_WASM_BUILD: 'release', ATTNCONV_WASM_THREADS: '2', FC_RUNS_SCALE: '0.25' }, ['--experimental-wasm-relaxed-simd'], ['kernels']),
  runtimeMatrix(),
];
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
