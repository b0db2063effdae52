// wasm.init's configuration: options first, the environment only where readable without a prompt or a throw
// (Deno without --allow-env: neither prompted nor stopped), named errors for bad options. The same in real Deno,
// Bun and Chromium is exercised by scripts/runtime-matrix.mjs.
import { suite } from 'uvu';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as assert from 'uvu/assert';
import * as pkg from '../ts/index.js';
import * as wasm from '../ts/wasm/index.js';
import { readEnv, build } from '../ts/wasm/module.js';
import { ArgumentError, ParameterError, BackendError } from '../ts/core/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const Env = suite('wasm.init/environment');

type G = { Deno?: unknown };
/** Runs `fn` with a fake `Deno` global (the real one is absent under Node). */
function withDeno<T>(deno: unknown, fn: () => T): T {
  const g = globalThis as G;
  const had = 'Deno' in g, old = g.Deno;
  g.Deno = deno;
  try {
    return fn();
  } finally {
    if (had) g.Deno = old; else delete g.Deno;
  }
}

Env('Node: process.env is read', () => {
  process.env.ATTNCONV_SPEC_VAR = 'x1';
  try {
    assert.is(readEnv('ATTNCONV_SPEC_VAR'), 'x1');
    assert.is(readEnv('ATTNCONV_SPEC_VAR_UNSET'), undefined);
  } finally {
    delete process.env.ATTNCONV_SPEC_VAR;
  }
});

Env('Deno without env permission: not read, no prompt asked (querySync only), nothing thrown', () => {
  const asked: string[] = [];
  const deno = {
    permissions: { querySync: (d: { name: string; variable: string }) => { asked.push(`${d.name}:${d.variable}`); return { state: 'prompt' }; } },
    env: { get: () => { throw new Error('NotCapable: Requires env access'); } },
  };
  assert.is(withDeno(deno, () => readEnv('ATTNCONV_WASM_BUILD')), undefined);
  assert.equal(asked, ['env:ATTNCONV_WASM_BUILD']);
});

Env('Deno with env permission granted: read through Deno.env', () => {
  const deno = { permissions: { querySync: () => ({ state: 'granted' }) }, env: { get: (n: string) => (n === 'ATTNCONV_WASM_BUILD' ? 'debug' : undefined) } };
  assert.is(withDeno(deno, () => readEnv('ATTNCONV_WASM_BUILD')), 'debug');
});

Env('a throwing permission query (NotCapable) or a half-shaped Deno reads as unset', () => {
  const throwing = { permissions: { querySync: () => { throw new Error('NotCapable'); } }, env: { get: () => 'debug' } };
  assert.is(withDeno(throwing, () => readEnv('ATTNCONV_WASM_BUILD')), undefined);
  assert.is(withDeno({}, () => readEnv('ATTNCONV_WASM_BUILD')), undefined);
});

Env('options win over ATTNCONV_WASM_BUILD', async () => {
  const old = process.env.ATTNCONV_WASM_BUILD;
  process.env.ATTNCONV_WASM_BUILD = 'debug';
  try {
    await wasm.init({ build: 'release' });
    assert.is(build(), 'release');
    await wasm.init({ build: 'debug' });   // the debug kernel: its own module, imported on request
    assert.is(build(), 'debug');
  } finally {
    if (old === undefined) delete process.env.ATTNCONV_WASM_BUILD; else process.env.ATTNCONV_WASM_BUILD = old;
    await wasm.init();                      // back to what this run uses
  }
});

Env.run();

const Errors = suite('wasm.init/errors');

Errors('bad options reject with named errors (never a synchronous throw)', async () => {
  for (const [bad, type, re] of [
    [5, ArgumentError, /options must be a plain object/],
    [null, ArgumentError, /options must be a plain object/],
    [{ build: 'fast' }, ParameterError, /build must be 'release' or 'debug', got "fast"/],
    [{ buld: 'debug' }, ArgumentError, /unexpected 'buld'/],
  ] as const) {
    let p: Promise<void> | undefined;
    assert.not.throws(() => { p = wasm.init(bad as never); });
    try {
      await p;
      assert.unreachable(`init(${JSON.stringify(bad)}) resolved`);
    } catch (e) {
      assert.instance(e, type);
      assert.match((e as Error).message, re);
    }
  }
});

Errors('an unknown ATTNCONV_WASM_BUILD is a BackendError naming the value and the option', async () => {
  const old = process.env.ATTNCONV_WASM_BUILD;
  process.env.ATTNCONV_WASM_BUILD = 'fastest';
  try {
    await wasm.init();
    assert.unreachable('resolved');
  } catch (e) {
    assert.instance(e, BackendError);
    assert.match((e as Error).message, /ATTNCONV_WASM_BUILD must be 'release' or 'debug', got "fastest" \(or pass init\(\{ build \}\)\)/);
  } finally {
    if (old === undefined) delete process.env.ATTNCONV_WASM_BUILD; else process.env.ATTNCONV_WASM_BUILD = old;
  }
});

Errors('simdSupported is exported from the package root and the wasm entry, and is true here', () => {
  assert.is(pkg.simdSupported, wasm.simdSupported);
  assert.is(wasm.simdSupported(), true);
});

Errors('an engine without WebAssembly: simdSupported() is false and init() rejects with a BackendError (fresh process)', () => {
  const entry = pathToFileURL(join(root, 'ts', 'index.ts')).href;
  // imported first (tsx itself compiles through WebAssembly), then WebAssembly removed before any call
  const code = `const { wasm, simdSupported } = await import(${JSON.stringify(entry)});
    delete globalThis.WebAssembly;
    const r = await wasm.init().then(() => 'resolved', (e) => e.name + ': ' + e.message);
    console.log(JSON.stringify({ simd: simdSupported(), r }));`;
  // the defaults a user gets (the suite's ATTNCONV_WASM_THREADS would ask for a pool, refused first without WebAssembly)
  const env = { ...process.env };
  delete env.ATTNCONV_WASM_THREADS;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no result: ${out.stdout}${out.stderr}`);
  const { simd, r } = JSON.parse(line) as { simd: boolean; r: string };
  assert.is(simd, false);
  assert.match(r, /^BackendError: wasm: this JavaScript engine has no WebAssembly/);
});

Errors.run();
