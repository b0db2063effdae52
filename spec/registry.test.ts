// The registry-driven property (STYLE.md §2.4, DESIGN.md "ref and wasm export the same Ops; properties
// iterate over the registry"): for every row of ts/registry.ts, wasm.ops[fn] ≈ ref.ops[fn] within the op's
// stated bound (bit-exact for data movement) on ≥ 100 generated cases, from the op's arbitrary in
// spec/support/cases.ts. A registered op without an arbitrary fails here, loudly: registering an op is
// what gives it its equivalence test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Tensor } from '../ts/core/tensor.js';
import type { OpName } from '../ts/core/ops.js';
import { registry } from '../ts/registry.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { arenaStats } from '../ts/wasm/arena.js';
import { kernels } from '../ts/wasm/module.js';
import { opSpecs } from './support/cases.js';
import { runs } from './support/arbitraries.js';

await wasm.init();

type AnyOp = (...args: unknown[]) => Tensor;

const Registry = suite('registry/wasm');

for (const entry of registry) {
  const s = opSpecs[entry.fn];
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

Registry('every arbitrary in spec/support/cases.ts belongs to a registered op', () => {
  const registered = new Set<OpName>(registry.map((e) => e.fn));
  for (const fn of Object.keys(opSpecs) as OpName[]) assert.ok(registered.has(fn), `cases.ts has an arbitrary for ${fn}, which ts/registry.ts does not list`);
});

Registry('registry rows of ops that run on WASM name their AS kernels, each an export of the module', () => {
  const exported = Object.keys(kernels());
  for (const entry of registry) {
    assert.ok(entry.kernels.length > 0, `${entry.id} runs on WASM but its registry row lists no kernels`);
    for (const name of entry.kernels) {
      assert.ok(exported.some((e) => e === name || e.startsWith(`${name}__`)), `${entry.id} lists kernel ${name}, which as/index.ts does not export`);
    }
  }
});

Registry.run();
