// Bundles the package with esbuild (`npm run build:js`; types come from `npm run build:types`):
//
//   dist/index.js, ref.js, wasm.js, nn.js, io.js   ES modules, one per entry of package.json `exports`
//                                                 (".", "./ref", "./wasm", "./nn", "./io"); code shared between
//                                                 entries in dist/chunk-*.js, so that the entries share one Tensor
//                                                 class, one backend registry and one WASM instance; dependencies
//                                                 left external (installed from package.json)
//   dist/index.cjs                                 the same library as one CommonJS file (ESM-only dependencies
//                                                 bundled in, CommonJS-capable ones required)
//   dist/ref.cjs, wasm.cjs, nn.cjs, io.cjs         CommonJS subpaths: the namespaces of dist/index.cjs (one instance)
//   dist/kernels-debug.js                          the debug kernel, imported only by `init({ build: 'debug' })`
//   dist/cli.js                                    the `attnconv` command (Node)
//
// The library files (everything but cli.js) must load in a browser: the build fails if one of them imports a
// Node built-in. The release kernel is inside the library; the debug kernel's import specifier is computed
// (ts/wasm/module.ts), so neither our bundles nor an application's bundler pull it in. All files sit flat in dist/
// so that './kernels-debug.js' resolves beside whichever file holds the loader.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The package subpaths: export name → source entry. */
const ENTRIES = { index: 'ts/index.ts', ref: 'ts/ref/index.ts', wasm: 'ts/wasm/index.ts', nn: 'ts/nn/index.ts', io: 'ts/io/index.ts' };
const DEBUG_KERNEL_FILE = './kernels-debug.js';

// Outputs of earlier builds (hashed chunk names change with every edit).
mkdirSync(dist, { recursive: true });
for (const f of readdirSync(dist, { withFileTypes: true })) {
  if (f.isFile() && /^(chunk-.*|kernels-debug|index|ref|wasm|nn|io|cli)\.(c?js)(\.map)?$/.test(f.name)) rmSync(join(dist, f.name));
}
rmSync(join(dist, 'chunks'), { recursive: true, force: true });

const common = {
  bundle: true, target: 'es2022', sourcemap: true, sourcesContent: false, logLevel: 'warning', metafile: true,
  define: { __ATTNCONV_DEBUG_KERNEL__: JSON.stringify(DEBUG_KERNEL_FILE) },
};

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** Fails the build if a library output imports a Node built-in (the library must load in a browser). */
function assertBrowserSafe(metafile, what) {
  for (const [file, out] of Object.entries(metafile.outputs)) {
    const bad = out.imports.filter((i) => nodeBuiltins.has(i.path) || i.path.startsWith('node:'));
    if (bad.length) throw new Error(`bundle: ${what} ${file} imports Node built-ins ${bad.map((i) => i.path).join(', ')}; only ts/cli and ts/verify may`);
  }
}

/** A dependency that CommonJS can require (not an ES-module-only package): kept external in the CJS build. */
function requirable(name) {
  const p = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  const hasRequire = (e) => e && typeof e === 'object' && (('require' in e) || Object.values(e).some(hasRequire));
  if (p.exports) return hasRequire(p.exports) || (p.type !== 'module' && typeof p.exports === 'string');
  return p.type !== 'module';
}
const deps = Object.keys(pkg.dependencies ?? {});

// ESM: the entries with shared chunks, flat in dist/.
const esm = await build({
  ...common, format: 'esm', platform: 'neutral', packages: 'external',
  entryPoints: ENTRIES, outdir: dist, splitting: true, chunkNames: 'chunk-[hash]',
});
assertBrowserSafe(esm.metafile, 'ESM');

// CJS: one file (no splitting in CommonJS), subpaths as views of it.
const cjs = await build({
  ...common, format: 'cjs', platform: 'neutral', mainFields: ['module', 'main'],
  external: deps.filter(requirable),
  entryPoints: { index: ENTRIES.index }, outdir: dist, outExtension: { '.js': '.cjs' },
});
assertBrowserSafe(cjs.metafile, 'CJS');
for (const name of Object.keys(ENTRIES).filter((n) => n !== 'index')) {
  writeFileSync(join(dist, `${name}.cjs`),
    `'use strict';\n// attnconv/${name} for CommonJS: the namespace of the library (one instance shared with require('attnconv')).\n` +
    `module.exports = require('./index.cjs').${name};\n`);
}

// The debug kernel as its own ES module (also importable from CommonJS with import()).
await build({
  ...common, sourcemap: false, format: 'esm', platform: 'neutral',
  entryPoints: { 'kernels-debug': 'ts/wasm/kernels.debug.generated.ts' }, outdir: dist,
});

// The command (Node): dependencies external.
await build({
  ...common, format: 'esm', platform: 'node', target: 'node20', packages: 'external',
  entryPoints: { cli: 'ts/cli/main.ts' }, outdir: dist, banner: { js: '#!/usr/bin/env node' },
});
chmodSync(join(dist, 'cli.js'), 0o755);
console.log('bundled dist/{index,ref,wasm,nn,io}.{js,cjs}, dist/kernels-debug.js, dist/cli.js');
