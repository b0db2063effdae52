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
coverage('every attention module of attn_modules.safetensors is present, batch 2', () => {
  const mine = cases.filter((c) => c.file === 'attn_modules.safetensors');
  for (const op of ['linear_self_attention', 'axial_attention', 'conv_projection_attention', 'acmix_global']) assert.ok(mine.some((c) => c.op === op), op);
  assert.ok(mine.every((c) => c.tensors.get('input')!.shape[0] === 2), 'batch 2 everywhere');
  assert.ok(mine.some((c) => c.op === 'conv_projection_attention' && c.params.method === 'dynamic_dw_bn'), 'the dynamic-kernel CvT projection');
});
coverage('gates.safetensors: every gate broadcast pattern, both reductions with negative dims and keepdim false, every gate module with batch 2 on a non-square map', () => {
  const mine = cases.filter((c) => c.file === 'gates.safetensors');
  for (const n of ['mul_same', 'mul_nc11', 'mul_n1hw', 'mul_nch1', 'mul_nc1w', 'mul_scalar']) assert.ok(mine.some((c) => c.name === n), n);
  for (const op of ['mean', 'amax']) {
    assert.ok(mine.some((c) => c.op === op && c.params.dim < 0), `${op} with a negative dim`);
    assert.ok(mine.some((c) => c.op === op && c.params.keepdim === false), `${op} with keepdim false`);
  }
  const modules = mine.filter((c) => c.op === 'gate_module');
  for (const m of ['SqueezeExcitation', 'CoordAtt', 'CBAM']) assert.ok(modules.some((c) => c.params.module === m), m);
  assert.ok(modules.every((c) => { const [N, , H, W] = c.tensors.get('input')!.shape; return N === 2 && H !== W; }), 'batch 2, non-square');
});
coverage('c2f.safetensors: Conv, C2fBottleneck, C2f with n = 0, 1, 2 and shortcut on and off, C2fCA, the spatial gate; batch 2, non-square', () => {
  const mine = cases.filter((c) => c.file === 'c2f.safetensors');
  for (const m of ['Conv', 'C2fBottleneck', 'C2f', 'C2fCA', 'SpatialGateC2f']) assert.ok(mine.some((c) => c.params.module === m), m);
  const c2f = mine.filter((c) => c.params.module === 'C2f');
  for (const n of [0, 1, 2]) for (const shortcut of [true, false]) {
    if (n === 0 && shortcut) continue;                                // no bottleneck: shortcut has nothing to act on
    assert.ok(c2f.some((c) => c.params.kwargs.n === n && Boolean(c.params.kwargs.shortcut) === shortcut), `C2f n=${n} shortcut=${shortcut}`);
  }
  assert.ok(mine.every((c) => { const [N, , H, W] = c.tensors.get('input')!.shape; return N === 2 && H !== W; }), 'batch 2, non-square');
});
coverage('swin_model.safetensors: a whole Swin-ACmix network (4 stages, 224x224) and a plain one (ape, no head, batch 2), both with the official parameter count', () => {
  const mine = cases.filter((c) => c.file === 'swin_model.safetensors');
  assert.ok(mine.some((c) => c.params.acmix && c.params.depths.length === 4 && c.params.img_size === 224), 'Swin-ACmix, 4 stages');
  assert.ok(mine.some((c) => !c.params.acmix && c.params.ape && c.params.num_classes === 0 && c.tensors.get('input')!.shape[0] === 2), 'plain, ape, no head, batch 2');
  assert.ok(mine.every((c) => c.params.official_parameters > 0), 'official counts recorded');
});
coverage.run();
