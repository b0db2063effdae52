// The README's examples are part of the product: every ```js block of README.md is run here as its own ES
// module (with `from 'attnconv'` pointed at this checkout's sources), so an example cannot drift from the API.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const entry = pathToFileURL(join(root, 'ts', 'index.ts')).href;

const Readme = suite('readme/examples');

Readme('the README has runnable js examples', () => {
  assert.ok(blocks.length >= 2, `expected at least 2 js blocks, found ${blocks.length}`);
});

blocks.forEach((code, i) => {
  const firstLine = code.split('\n').find((l) => l.startsWith('//') || l.startsWith('const')) ?? '';
  Readme(`README js example ${i + 1} runs as written (${firstLine.slice(0, 60)})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'attnconv-readme-'));
    try {
      const file = join(dir, `example-${i + 1}.mjs`);
      // 'attnconv' and its subpaths ('attnconv/wasm' → ts/wasm/index.ts, as package.json `exports` maps them)
      writeFileSync(file, code.replaceAll("from 'attnconv'", `from '${entry}'`)
        .replace(/from 'attnconv\/(ref|wasm|nn|io)'/g, (_, sub) => `from '${pathToFileURL(join(root, 'ts', sub, 'index.ts')).href}'`));
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      assert.is(r.status, 0, `example ${i + 1} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

Readme.run();
