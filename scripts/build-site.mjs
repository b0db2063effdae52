// Builds the browser playground (`npm run build:site`, part of `npm run build`) into dist/site/, a self-contained
// static folder that `attnconv serve` serves on 127.0.0.1 (any static server works; file:// does not, since the
// page fetches its assets):
//
//   dist/site/index.html, style.css     copied from site/
//   dist/site/main.js                   site/src/main.ts bundled by esbuild for browsers (ESM, minified): the page
//                                       and the library from its browser entry (ts/index.ts), release kernels inlined
//   dist/site/chelsea.png               the shipped photo (data/chelsea.png)
//   dist/site/acmix_block.safetensors   the ACmix fixture weights (spec/fixtures/acmix_block.safetensors)
//   dist/site/mnist_acmix.safetensors   the trained MNIST network (models/mnist/), when it exists
//   dist/site/manifest.json             which optional assets the build found ({ "mnist": file | null })
//
// Usage: node scripts/build-site.mjs [outdir]   (default dist/site). Also importable: buildSite(outdir).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SITE_DIR = join(root, 'dist', 'site');
const MNIST_WEIGHTS = join(root, 'models', 'mnist', 'mnist_acmix.safetensors');

/** Builds the playground into `outdir` (emptied first). Returns { outdir, bytes: size of main.js }. */
export async function buildSite(outdir = DEFAULT_SITE_DIR) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'site', 'src', 'main.ts')], outfile: join(outdir, 'main.js'),
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, sourcemap: false,
    logLevel: 'warning', metafile: true,
    // the debug kernel is not part of the page: init({ build: 'debug' }) would look for this (absent) file
    define: { __ATTNCONV_DEBUG_KERNEL__: JSON.stringify('./kernels-debug.js') },
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'site', f), join(outdir, f));
  copyFileSync(join(root, 'data', 'chelsea.png'), join(outdir, 'chelsea.png'));
  copyFileSync(join(root, 'spec', 'fixtures', 'acmix_block.safetensors'), join(outdir, 'acmix_block.safetensors'));
  let mnist = null;
  if (existsSync(MNIST_WEIGHTS)) {
    copyFileSync(MNIST_WEIGHTS, join(outdir, 'mnist_acmix.safetensors'));
    mnist = 'mnist_acmix.safetensors';
  }
  writeFileSync(join(outdir, 'manifest.json'), JSON.stringify({ mnist }, null, 2) + '\n');
  const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  return { outdir, bytes, mnist: mnist !== null };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = resolve(process.argv[2] ?? DEFAULT_SITE_DIR);
  const r = await buildSite(out);
  console.log(`built the playground in ${out} (main.js ${(r.bytes / 1024).toFixed(0)} kB${r.mnist ? ', with the MNIST network' : ', without the MNIST network (models/mnist/mnist_acmix.safetensors absent)'})`);
}
