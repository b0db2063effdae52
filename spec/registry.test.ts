// The registry is the inventory (STYLE.md §2.4, ARCHITECTURE.md "Ops, registry, backends"):
//   registry/inventory — one row per member of Ops and no other; every file a row names exists, its ref and wasm
//     files export the op, its kernels are exports of the built module found in its kernel files and twin specs,
//     its bench suite is registered in bench/run.ts;
//   registry/wasm — for every row, wasm.ops[fn] ≈ ref.ops[fn] within the op's stated bound (bit-exact for data
//     movement) on ≥ 100 generated cases, from the op's arbitrary in spec/support/cases.ts. A registered op
//     without an arbitrary fails here, loudly: registering an op is what gives it its equivalence test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpName } from '../ts/core/ops.js';
import { registry, kernelPlaces } from '../ts/registry.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { arenaStats } from '../ts/wasm/arena.js';
import { kernels } from '../ts/wasm/module.js';
import { opSpecs, type OpSpec } from './support/cases.js';
import { runs } from './support/arbitraries.js';

await wasm.init();

const root = fileURLToPath(new URL('..', import.meta.url));
const text = new Map<string, string>();
const read = (path: string): string => {
  if (!text.has(path)) text.set(path, readFileSync(root + path, 'utf8'));
  return text.get(path)!;
};
const members = (ops: object) => Object.keys(ops).filter((k) => k !== 'name').sort();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------

const Inventory = suite('registry/inventory');

Inventory('one row per member of Ops (ts/core/ops.ts), and no row for a non-member', () => {
  // ref.ops and wasm.ops are typed `Ops` object literals: they hold exactly its members (tsc rejects a missing
  // or an extra one), so their keys are the member list at run time.
  const ops = members(refOps);
  assert.equal(members(wasm.ops), ops, 'ref.ops and wasm.ops have the same members');
  const rows = registry.map((e) => e.fn as string);
  const seen = new Set<string>();
  for (const fn of rows) {
    assert.ok(!seen.has(fn), `Ops.${fn} has more than one row in ts/registry.ts`);
    seen.add(fn);
    assert.ok(ops.includes(fn), `ts/registry.ts has a row for ${fn}, which is not a member of Ops (ts/core/ops.ts)`);
  }
  for (const fn of ops) assert.ok(seen.has(fn), `Ops.${fn} has no row in ts/registry.ts: add one (paper, FLOPs, the files of its places)`);
  assert.is(registry.length, ops.length);
});

Inventory('ids are unique snake_case spellings of their Ops member (conv2d_stage_ii ↔ conv2dStageII)', () => {
  const ids = new Set<string>();
  for (const e of registry) {
    assert.ok(/^[a-z][a-z0-9_]*$/.test(e.id), `${e.id}: id must be snake_case`);
    assert.ok(!ids.has(e.id), `${e.id}: duplicate id`);
    ids.add(e.id);
    assert.is(e.id.replace(/_/g, ''), e.fn.toLowerCase(), `${e.id} must spell Ops.${e.fn} in snake_case`);
  }
});

Inventory('every file a row names exists', () => {
  const missing: string[] = [];
  for (const e of registry) {
    const files = [e.ref, e.wasm, ...e.kernelFiles, ...e.kernelSpec, ...e.spec, e.bench];
    for (const f of files) if (!existsSync(root + f)) missing.push(`${e.id}: ${f}`);
    assert.ok(e.spec.length > 0, `${e.id}: its row names no spec file`);
  }
  assert.equal(missing, [], `files named in ts/registry.ts that do not exist:\n  ${missing.join('\n  ')}`);
});

Inventory("a row's ref and wasm files export the op under its Ops name", () => {
  for (const e of registry) {
    const exported = new RegExp(`export (async )?function ${e.fn}\\b|export const ${e.fn}\\b|export \\{[^}]*\\b${e.fn}\\b[^}]*\\}`);
    assert.ok(exported.test(read(e.ref)), `${e.id}: ${e.ref} does not export ${e.fn}`);
    assert.ok(exported.test(read(e.wasm)), `${e.id}: ${e.wasm} does not export ${e.fn}`);
  }
});

Inventory('every kernel a row names is an export of the built module, defined in its kernel files and checked by its twin specs', () => {
  const exported = Object.keys(kernels());
  for (const e of registry) {
    assert.ok(e.kernels.length > 0 || e.view === true, `${e.id} runs on WASM but its registry row lists no kernels (only a view may list none)`);
    for (const name of e.kernels) {
      assert.ok(exported.some((x) => x === name || x.startsWith(`${name}__`)), `${e.id} lists kernel ${name}, which as/index.ts does not export`);
      const variant = new RegExp(`(^|[^a-z0-9_])${escape(name)}__`);
      const defined = new RegExp(`export function ${escape(name)}__`);
      assert.ok(e.kernelFiles.some((f) => defined.test(read(f))), `${e.id}: kernel ${name} is defined in none of ${e.kernelFiles.join(', ')}`);
      assert.ok(e.kernelSpec.some((f) => variant.test(read(f))), `${e.id}: kernel ${name} is checked by none of ${e.kernelSpec.join(', ')}`);
    }
    for (const f of e.kernelFiles) {
      assert.ok(e.kernels.some((k) => kernelPlaces[k].file === f), `${e.id}: kernel file ${f} holds none of the row's kernels`);
    }
  }
});

Inventory("every row's bench suite is registered in bench/run.ts", () => {
  const run = read('bench/run.ts');
  for (const e of registry) {
    const module = e.bench.replace(/^bench\//, './').replace(/\.ts$/, '.js');
    assert.ok(run.includes(`'${module}'`), `${e.id}: ${e.bench} is not imported by bench/run.ts`);
  }
});

Inventory('every arbitrary in spec/support/cases.ts belongs to a registered op', () => {
  const registered = new Set<OpName>(registry.map((e) => e.fn));
  for (const fn of Object.keys(opSpecs) as OpName[]) assert.ok(registered.has(fn), `cases.ts has an arbitrary for ${fn}, which ts/registry.ts does not list`);
});

Inventory.run();

// ---------------------------------------------------------------------------------------------

type AnyOp = (...args: unknown[]) => unknown;

const Registry = suite('registry/wasm');

for (const entry of registry) {
  const s = opSpecs[entry.fn] as OpSpec<unknown, unknown> | undefined;
  Registry(`${entry.id}: wasm.${entry.fn} ≈ ref.${entry.fn} within ${s ? s.bound : '(no bound)'}, ${runs(100)} cases`, () => {
    if (!s) {
      assert.unreachable(`registered op ${entry.id} (Ops.${entry.fn}) has no arbitrary in spec/support/cases.ts: add one ` +
        '(shapes by construction, a seed for the data) with its stated bound');
      return;   // (unreachable throws; this line tells tsc that s is defined below)
    }
    const refFn = refOps[entry.fn] as AnyOp | undefined, wasmFn = wasm.ops[entry.fn] as AnyOp | undefined;
    assert.ok(refFn, `ref.ops.${entry.fn} exists`);
    assert.ok(wasmFn, `wasm.ops.${entry.fn} exists`);
    fc.assert(fc.property(s.params, (p) => {
      const args = s.build(p);
      const want = refFn(...args);
      const got = wasmFn(...args);
      s.compare(got, want, args, p);
      assert.is(arenaStats().depth, 0, `${entry.id}: no arena scope left open`);
      assert.is(arenaStats().mark, arenaStats().base, `${entry.id}: arena back at its base`);
    }), { numRuns: runs(100) });
  });
}

Registry.run();
