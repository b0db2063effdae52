// Golden tests against PyTorch 1.13: every case of every fixture in spec/fixtures (written by
// spec/fixtures/generate.py), on both backends, under the per-op tolerance of ts/verify.ts.
// Suites are named <op>/golden; one test per (case, backend).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIXTURE_FILES, loadFixture, runCase, compare } from '../ts/verify/golden.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';

await wasm.init();

const cases = FIXTURE_FILES.flatMap(loadFixture);
const byOp = new Map<string, typeof cases>();
for (const c of cases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

for (const [op, list] of byOp) {
  const s = suite(`${op}/golden`);
  for (const c of list) for (const ops of [refOps, wasm.ops]) {
    s(`${c.name} on ${ops.name} matches PyTorch`, () => {
      for (const o of runCase(c, ops)) {
        assert.equal([...o.got.shape], [...o.expected.shape], `${c.name}: shape`);
        const r = compare(o.got, o.expected, o.bound);
        assert.ok(r.pass, `${op}/${c.name} on ${ops.name}: max abs error ${r.maxAbsError} exceeds ${o.bound.describe} (worst ratio ${r.worstRatio})`);
      }
    });
  }
  s.run();
}

const coverage = suite('fixtures/coverage');
coverage('every fixture file has cases and every ACmix configuration class is present', () => {
  assert.ok(cases.length > 60, `only ${cases.length} cases`);
  const acmix = byOp.get('acmix') ?? [];
  assert.ok(acmix.some((c) => c.params.stride === 2), 'an ACmix case with stride 2');
  assert.ok(acmix.some((c) => c.name === 'official_init'), 'the official init case');
  assert.ok(acmix.some((c) => c.tensors.get('input')!.shape[2] !== c.tensors.get('input')!.shape[3]), 'a non-square map');
  assert.ok(new Set(acmix.map((c) => c.params.head)).size >= 3, 'several head counts');
});
coverage.run();
