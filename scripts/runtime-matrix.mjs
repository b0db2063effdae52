// The runtime matrix: the package as users install it, in every runtime it promises.
//
//   node scripts/runtime-matrix.mjs [--keep] [--json FILE]      (needs `npm run build` first; `npm test` runs it)
//
// 1. `npm pack` the built package; install the tarball in an empty temporary folder with
//    `npm install --offline` (the dependencies come from npm's cache, filled by `npm ci`).
// 2. Run scripts/runtime-matrix/workload.ts there, as:
//      node-esm    an ES module under Node (`import ... from 'attnconv'` and its subpaths)
//      node-cjs    a CommonJS script under Node (`require('attnconv')`, `require('attnconv/wasm')`, ...)
//      typescript  a strict TypeScript consumer (lib ["es2022"], no DOM, no @types/node), type-checked and
//                  compiled by tsc from this repo's node_modules, run by Node
//      deno        Deno (npm package `deno`) with no permission flags
//      bun         Bun (npm package `bun`)
//      chromium    a browser bundle (esbuild --platform=browser) on a cross-origin isolated page served from
//                  127.0.0.1 (sirv), in Debian's headless /usr/bin/chromium driven by playwright-core
//    Each prints the sha256 of the outputs of the same fixed workloads (conv2d, ACmix forward, DCNv2, the
//    Bottleneck on the shipped photo) and its `wasm.init()` time.
// 3. Check: every runtime ran, and its hashes equal node-esm's (the WASM kernels are deterministic: 128-bit SIMD
//    without relaxed or threaded paths gives the same bits in every engine).
// Also measured: the tarball size, and the browser bundle of `import * from 'attnconv'` (minified, gzip).
// Prints a table and, last, `runtime-matrix: <passed> passed, <failed> failed` (one check per runtime, plus the
// install, the type check and the browser-bundle check); exit code 1 on any failure.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import sirv from 'sirv';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { keep: { type: 'boolean', default: false }, json: { type: 'string' } } });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const MARK = 'ATTNCONV_MATRIX ';
const TIMEOUT = 120_000;

const checks = [];   // { name, ok, detail }
const results = {};  // runtime → { initMs, hashes }
const sizes = {};
const check = (name, ok, detail = '') => {
  checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
};

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: TIMEOUT, maxBuffer: 1 << 26, ...opts });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

/** The ATTNCONV_MATRIX line of a runtime's output, parsed; records a failed check when absent. */
function collect(runtime, out, status) {
  const line = out.split('\n').find((l) => l.startsWith(MARK));
  if (!line || status !== 0) {
    check(`${runtime}: runs the workloads`, false, `exit ${status}\n${out.trim().split('\n').slice(-25).join('\n')}`);
    return;
  }
  results[runtime] = JSON.parse(line.slice(MARK.length));
}

/**
 * The app's package.json and package-lock.json: the tarball as its one dependency, and the tarball's dependencies
 * at the versions this repo's lockfile pins (their entries copied, same paths), so that `npm ci --offline`
 * installs from npm's cache alone. (`npm install --offline <tgz>` would need the registry's package documents,
 * which `npm ci` does not cache.)
 */
function writeAppLockfile(app, tgz) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const spec = `file:../${tgz.split('/').pop()}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  const packages = {
    '': { name: 'attnconv-matrix-app', dependencies: { attnconv: spec } },
    'node_modules/attnconv': { version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: pkg.dependencies ?? {} },
  };
  /** Node's resolution in the lockfile's tree: nested node_modules first, then each ancestor's, then the top. */
  const resolve = (from, name) => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const path = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[path]) return path;
      if (!at) return null;
    }
  };
  const queue = Object.keys(pkg.dependencies ?? {}).map((n) => ['', n, false]);
  while (queue.length) {
    const [from, name, optional] = queue.shift();
    const path = resolve(from, name);
    if (!path) { if (optional) continue; throw new Error(`package-lock.json has no entry for ${name} (needed from ${from || 'attnconv'})`); }
    if (packages[path]) continue;
    const { dev, devOptional, peer, ...entry } = lock.packages[path];
    packages[path] = entry;
    for (const n of Object.keys(entry.dependencies ?? {})) queue.push([path, n, false]);
    for (const n of Object.keys(entry.optionalDependencies ?? {})) queue.push([path, n, true]);
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'attnconv-matrix-app', private: true, type: 'module', dependencies: { attnconv: spec } }, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'attnconv-matrix-app', lockfileVersion: 3, requires: true, packages }, null, 2));
}

const work = mkdtempSync(join(tmpdir(), 'attnconv-matrix-'));
let server = null;
try {
  // ---- 1. pack and install --------------------------------------------------------------------------------------
  const pack = run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root });
  const tgzName = pack.out.trim().split('\n').filter((l) => l.endsWith('.tgz')).pop();
  const tgz = tgzName && join(work, tgzName);
  if (pack.status !== 0 || !tgz || !existsSync(tgz)) throw new Error(`npm pack failed:\n${pack.out}`);
  sizes.tarballBytes = statSync(tgz).size;
  const app = join(work, 'app');
  cpSync(join(root, 'scripts', 'runtime-matrix'), app, { recursive: true });
  const photo = readFileSync(join(root, 'data', 'chelsea.png')).toString('base64');
  writeFileSync(join(app, 'photo.ts'), `/** data/chelsea.png, base64 (embedded: Deno without --allow-read cannot read files). */\nexport const PHOTO_PNG_BASE64: string = '${photo}';\n`);
  writeAppLockfile(app, tgz);
  // From npm's cache alone when it holds every tarball (it does after `npm ci` on a fresh machine); a package that
  // reached node_modules without passing through this cache is fetched from the registry (--prefer-offline).
  let mode = '--offline';
  let install = run('npm', ['ci', mode, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  if (install.status !== 0 && install.out.includes('ENOTCACHED')) {
    mode = '--prefer-offline';
    install = run('npm', ['ci', mode, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  }
  check(`npm ci ${mode} of the packed tarball in an empty folder`, install.status === 0, install.status === 0 ? `${(sizes.tarballBytes / 1024).toFixed(0)} kB tarball` : install.out);
  if (install.status !== 0) throw new Error('cannot install the tarball');

  // ---- 2. the consumers -----------------------------------------------------------------------------------------
  // ESM and CJS: the workload with types stripped (the photo inlined), 'attnconv' left to the runtime's resolver.
  const strip = (format, outfile) => build({
    entryPoints: [join(app, 'workload.ts')], bundle: true, format, platform: 'neutral', external: ['attnconv', 'attnconv/*'],
    outfile, logLevel: 'error', target: 'es2022',
  });
  await strip('esm', join(app, 'workload.mjs'));
  await strip('cjs', join(app, 'workload.cjs'));
  if (!readFileSync(join(app, 'workload.cjs'), 'utf8').includes('require("attnconv/wasm")')) throw new Error('workload.cjs does not require attnconv/wasm');

  let r = run(process.execPath, ['workload.mjs'], { cwd: app });
  collect('node-esm', r.out, r.status);
  r = run(process.execPath, ['workload.cjs'], { cwd: app });
  collect('node-cjs', r.out, r.status);

  // TypeScript: strict, lib es2022 only, resolution through package.json `exports` (types condition).
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'es2022', lib: ['es2022'], types: [], module: 'nodenext', moduleResolution: 'nodenext', strict: true,
      noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false, outDir: 'out',
    },
    files: ['workload.ts', 'photo.ts'],
  }, null, 2));
  const tsc = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app });
  check('typescript: strict consumer with lib ["es2022"] type-checks (no DOM, no @types/node, skipLibCheck off)', tsc.status === 0, tsc.status === 0 ? '' : tsc.out);
  if (tsc.status === 0) {
    r = run(process.execPath, ['out/workload.js'], { cwd: app });
    collect('typescript', r.out, r.status);
  }

  // Deno with no permission flags (stdin closed: a permission request would throw NotCapable, never prompt).
  r = run(bin('deno'), ['run', '--no-config', '--node-modules-dir=manual', 'workload.mjs'], { cwd: app, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  collect('deno', r.out, r.status);

  r = run(bin('bun'), ['workload.mjs'], { cwd: app });
  collect('bun', r.out, r.status);

  // ---- browser ----------------------------------------------------------------------------------------------------
  // The library alone, as an application bundler sees it: its size; and it must not carry the debug kernel.
  writeFileSync(join(app, 'lib-entry.mjs'), "export * from 'attnconv';\n");
  const lib = await build({ entryPoints: [join(app, 'lib-entry.mjs')], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'error', absWorkingDir: app });
  const libJs = lib.outputFiles[0].contents;
  sizes.browserBundleBytes = libJs.length;
  sizes.browserBundleGzipBytes = gzipSync(libJs, { level: 9 }).length;
  const debugKernel = readFileSync(join(app, 'node_modules', 'attnconv', 'dist', 'kernels-debug.js'), 'utf8').match(/"([A-Za-z0-9+/=]{1000})/)?.[1];
  check('browser bundle of `export * from \'attnconv\'` builds (esbuild --platform=browser) without the debug kernel',
    Boolean(debugKernel) && !Buffer.from(libJs).toString('latin1').includes(debugKernel),
    `${(sizes.browserBundleBytes / 1024).toFixed(0)} kB minified, ${(sizes.browserBundleGzipBytes / 1024).toFixed(0)} kB gzip`);

  await build({ entryPoints: [join(app, 'workload.ts')], bundle: true, minify: true, format: 'esm', platform: 'browser', outfile: join(app, 'site', 'workload.js'), logLevel: 'error', absWorkingDir: app });
  cpSync(join(app, 'node_modules', 'attnconv', 'dist', 'kernels-debug.js'), join(app, 'site', 'kernels-debug.js'));   // served beside the bundle, as the README says
  writeFileSync(join(app, 'site', 'index.html'), '<!doctype html><meta charset="utf-8"><title>attnconv runtime matrix</title><script type="module" src="./workload.js"></script>\n');
  if (!existsSync(CHROMIUM)) {
    check('chromium: runs the workloads', false, `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  } else {
    // Cross-origin isolated (COOP + COEP), as a page must be to get SharedArrayBuffer: the worker pool runs here too.
    const serve = sirv(join(app, 'site'), {
      dev: true,
      setHeaders: (res) => { res.setHeader('Cross-Origin-Opener-Policy', 'same-origin'); res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp'); },
    });
    server = createServer((req, res) => serve(req, res, () => { res.statusCode = 404; res.end(); }));
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${server.address().port}/index.html`;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, timeout: 60_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const lines = [];
      page.on('console', (m) => lines.push(m.text()));
      page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
      const done = new Promise((ok) => {
        page.on('console', (m) => { if (m.text().startsWith('ATTNCONV_MATRIX')) ok(); });
        page.on('pageerror', ok);
      });
      await page.goto(url);
      await Promise.race([done, new Promise((ok) => setTimeout(ok, TIMEOUT))]);
      const ua = await page.evaluate(() => navigator.userAgent);
      sizes.chromium = /Chrome\/[\d.]+/.exec(ua)?.[0];
      collect('chromium', lines.join('\n'), 0);
    } finally {
      await browser.close();
    }
  }

  // ---- 3. compare ------------------------------------------------------------------------------------------------
  const reference = results['node-esm'];
  for (const runtime of ['node-esm', 'node-cjs', 'typescript', 'deno', 'bun', 'chromium']) {
    const got = results[runtime];
    if (!got) continue;   // its failure is already recorded
    if (!reference) { check(`${runtime}: same hashes as node-esm`, false, 'node-esm gave no hashes'); continue; }
    const diff = Object.keys(reference.hashes).filter((k) => got.hashes[k] !== reference.hashes[k]);
    check(`${runtime}: same hashes as node-esm`, got.simd === true && diff.length === 0,
      diff.length ? `differs in ${diff.map((k) => `${k} (${got.hashes[k]?.slice(0, 16)} vs ${reference.hashes[k].slice(0, 16)})`).join(', ')}` : `init ${got.initMs} ms, ${got.threads} thread(s)`);
  }
  if (reference) {
    check('debug kernel (loaded on request): conv2d gives the release kernel\'s bits', reference.hashes.conv2dDebug === reference.hashes.conv2d,
      `${reference.hashes.conv2dDebug?.slice(0, 16)} vs ${reference.hashes.conv2d.slice(0, 16)}`);
    console.log('\nhashes (sha256 of the output bytes; node-esm):');
    for (const [k, h] of Object.entries(reference.hashes)) console.log(`  ${k.padEnd(16)} ${h}`);
    console.log('\nwasm.init() time: first call (release, strict, one thread); then the default thread count (a worker pool where available):');
    for (const [rt, v] of Object.entries(results)) console.log(`  ${rt.padEnd(12)} ${String(v.initMs).padStart(7)} ms   threads ${v.threads}: ${v.initDefaultMs} ms`);
  }
  console.log(`\ntarball ${(sizes.tarballBytes / 1024).toFixed(0)} kB; browser bundle ${(sizes.browserBundleBytes / 1024).toFixed(0)} kB minified, ${(sizes.browserBundleGzipBytes / 1024).toFixed(0)} kB gzip`);
} catch (e) {
  check('runtime matrix ran to the end', false, e?.stack ?? String(e));
} finally {
  server?.close();
  if (args.keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (args.json) writeFileSync(args.json, JSON.stringify({ sizes, results, checks }, null, 2) + '\n');
const passed = checks.filter((c) => c.ok).length, failed = checks.length - passed;
console.log(`runtime-matrix: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
