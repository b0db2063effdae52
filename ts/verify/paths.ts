import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The attnconv package root (the folder with its package.json), found by walking up from this module:
 *  works from the sources (ts/...), the bundle (dist/...) and an installed copy (node_modules/attnconv). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'attnconv') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('attnconv: cannot find the package root (package.json named attnconv) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** A file inside the package (e.g. 'spec/fixtures/acmix.safetensors', 'data/chelsea.png'). */
export function packageFile(relative: string): string {
  return join(packageRoot(), relative);
}
