// Bundles the library (dist/index.js), the WASM-only entry (dist/wasm.js) and the CLI (dist/cli.js)
// with esbuild: ESM, dependencies left external (installed from package.json).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };
await build({ ...common, entryPoints: { index: 'ts/index.ts', ref: 'ts/ref/index.ts', wasm: 'ts/wasm/index.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]' });
await build({ ...common, entryPoints: { cli: 'ts/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } });
chmodSync('dist/cli.js', 0o755);
console.log('bundled dist/index.js, dist/ref.js, dist/wasm.js, dist/cli.js');
