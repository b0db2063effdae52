// The browser playground in a real browser: scripts/build-site.mjs builds the page into a temporary folder,
// ts/cli/serve.ts serves it on 127.0.0.1 (the code behind `attnconv serve`), and Debian's headless Chromium
// (/usr/bin/chromium, driven by playwright-core; .ci/run installs it with apt) opens it with
// ?block=ACmix&weights=fixture&deterministic=1. The page runs the ACmix block on the shipped photo with the fixture
// weights on both backends and exposes its numbers in window.__attnconv and <pre id="result">. Asserted: the run
// ends within the chain bound (|ref − wasm| ≤ 4·K·u·(|y| + mean|y|)), the timings are measured, the wasm output's
// sha256 equals Node's for the same pipeline (spec/support/playground_node.ts, strict kernels: the same bits in
// every engine), the canvases are drawn (4 heads' attention windows, both paths, dep_conv kernels), moving the
// mouse over the input redraws the attention for that pixel, and the page logged no error. When the build found the
// trained MNIST network, strokes drawn on the digit canvas are classified (a vertical stroke: 1, an ellipse: 0); else the
// section is absent.
// Chromium missing is a failure, never a skip. The debug-build pass of `npm test` does not repeat it: the page
// always loads the release kernels, so the second run would test nothing new.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../ts/cli/serve.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const Playground = suite('playground/chromium');

interface PageResult {
  block: string; source: string; shape: number[]; refMs: number; wasmMs: number; maxAbsDiff: number; worstRatio: number;
  bound: string; pass: boolean; sha256: string; wasmVariant: string;
}

if (process.env.ATTNCONV_WASM_BUILD === 'debug') {
  console.log('playground: release-kernel page, run in the release pass only');
} else {
  Playground('the page runs ACmix in Chromium: ref ≈ wasm within the bound, the same bits as Node, no console error', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
    const site = mkdtempSync(join(tmpdir(), 'attnconv-site-'));
    let server: RunningServer | null = null;
    let browser: import('playwright-core').Browser | null = null;
    try {
      const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-site.mjs'), site], { encoding: 'utf8' });
      assert.is(built.status, 0, `build-site failed:\n${built.stdout}${built.stderr}`);
      // Node's hash of the same pipeline, in its own process (its strict init must not touch this process's kernels),
      // running while the browser works
      const nodeRun = new Promise<{ status: number | null; out: string }>((ok) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'spec', 'support', 'playground_node.ts')], { cwd: root });
        let out = '';
        child.stdout.on('data', (d) => { out += d; });
        child.stderr.on('data', (d) => { out += d; });
        child.on('close', (status) => ok({ status, out }));
      });

      server = await startServer({ root: site, port: 0 });
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000, args: ['--no-sandbox', '--disable-gpu'] });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });

      await page.goto(`${server.url}?block=ACmix&weights=fixture&deterministic=1&repeats=2`);
      await page.waitForFunction(() => ['done', 'error'].includes(window.__attnconv?.status), null, { timeout: 90_000, polling: 100 });
      const state = await page.evaluate(() => window.__attnconv) as { status: string; error?: string; result: PageResult };
      assert.is(state.status, 'done', `the page ended in ${state.status}: ${state.error}\n${errors.join('\n')}`);
      const r = state.result;
      assert.equal(JSON.parse(await page.textContent('#result') ?? 'null'), r, '<pre id="result"> holds the same JSON');
      assert.is(r.block, 'ACmix');
      assert.is(r.source, 'fixture');
      assert.is(r.wasmVariant, 'strict');
      assert.ok(r.worstRatio <= 1 && r.pass, `ref vs wasm outside the bound: worst ratio ${r.worstRatio} (${r.bound}), max |d| ${r.maxAbsDiff}`);
      assert.ok(r.maxAbsDiff > 0 || r.worstRatio === 0, 'max |ref − wasm| reported');
      assert.ok(r.refMs > 0 && r.wasmMs > 0 && Number.isFinite(r.refMs / r.wasmMs), `timings measured: ref ${r.refMs} ms, wasm ${r.wasmMs} ms`);
      const node = await nodeRun;
      assert.is(node.status, 0, `playground_node failed:\n${node.out}`);
      const expected = JSON.parse(node.out.trim().split('\n').pop()!) as { sha256: string; shape: number[] };
      assert.equal(r.shape, expected.shape);
      assert.is(r.sha256, expected.sha256, 'the wasm output in Chromium has the same bits as under Node');

      // what is drawn: 4 heads' 7×7 windows at 20 px, 2 paths × 4 channels + 4 output channels, 4 dep_conv tiles
      const sizes = (sel: string) => page.$$eval(sel, (cs) => (cs as HTMLCanvasElement[]).map((c) => [c.width, c.height]));
      assert.equal(await sizes('#attention canvas'), Array(4).fill([140, 140]));
      assert.is((await sizes('#paths canvas')).length, 12);
      assert.is((await sizes('#depconv canvas')).length, 4);
      assert.is(await page.isVisible('#depconv-section'), true);
      // the attention follows the mouse: hover pixel (row 5, col 7) of the 40×60 input (8 screen px per pixel)
      const before = await page.$eval('#attention canvas', (c) => (c as HTMLCanvasElement).toDataURL());
      const box = (await page.$('#input'))!;
      await box.hover({ position: { x: 7 * 8 + 4, y: 5 * 8 + 4 } });
      await page.waitForFunction(() => document.getElementById('pixel')!.textContent!.includes('row 5, col 7'), null, { timeout: 5_000 });
      const after = await page.$eval('#attention canvas', (c) => (c as HTMLCanvasElement).toDataURL());
      assert.is.not(after, before, 'head 0 redrawn for the hovered pixel');

      // the digit canvas: present exactly when the build found the trained network (no dead UI otherwise)
      const manifest = JSON.parse(readFileSync(join(site, 'manifest.json'), 'utf8')) as { mnist: string | null };
      assert.is(await page.isVisible('#mnist-section'), manifest.mnist !== null, 'the MNIST section is shown iff the weights were built in');
      if (manifest.mnist !== null) {
        // a vertical stroke down the middle of the 280×280 pad: a "1"
        const pad = (await page.$('#pad'))!;
        await pad.scrollIntoViewIfNeeded();
        const bb = (await pad.boundingBox())!;
        await page.mouse.move(bb.x + bb.width / 2, bb.y + 0.15 * bb.height);
        await page.mouse.down();
        for (let f = 0.2; f <= 0.85; f += 0.05) await page.mouse.move(bb.x + bb.width / 2, bb.y + f * bb.height);
        await page.mouse.up();
        await page.waitForFunction(() => window.__attnconv?.mnist !== undefined, null, { timeout: 10_000 });
        const m = await page.evaluate(() => window.__attnconv.mnist) as { prediction: number; probabilities: number[] };
        assert.is(m.probabilities.length, 10);
        assert.ok(Math.abs(m.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'probabilities sum to 1');
        assert.is(m.prediction, 1, `a vertical stroke is a 1 (probabilities ${m.probabilities.map((p) => p.toFixed(3)).join(', ')})`);
        assert.is((await sizes('#mnist-attention canvas')).length, 4, 'one attention map per head');
        // Clear empties the result; an upright ellipse is a 0
        await page.click('#clear');
        await page.waitForFunction(() => window.__attnconv?.mnist === undefined, null, { timeout: 10_000 });
        await page.mouse.move(bb.x + bb.width / 2, bb.y + 0.15 * bb.height);
        await page.mouse.down();
        for (let t = 0.25; t <= 2 * Math.PI + 0.3; t += 0.25) {
          await page.mouse.move(bb.x + bb.width * (0.5 + 0.22 * Math.sin(t)), bb.y + bb.height * (0.5 - 0.35 * Math.cos(t)));
        }
        await page.mouse.up();
        await page.waitForFunction(() => window.__attnconv?.mnist !== undefined, null, { timeout: 10_000 });
        const zero = await page.evaluate(() => window.__attnconv.mnist) as { prediction: number; probabilities: number[] };
        assert.is(zero.prediction, 0, `an ellipse is a 0 (probabilities ${zero.probabilities.map((p) => p.toFixed(3)).join(', ')})`);
      }
      assert.equal(errors, [], 'no console error, page error or failed request');
    } finally {
      await browser?.close();
      await server?.close();
      rmSync(site, { recursive: true, force: true });
    }
  });
}

Playground.run();
