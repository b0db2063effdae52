// The standard PyTorch modules (ts/nn/layers_std.ts) and interpolate's nearest mode. PyTorch goldens for every
// module, the ModuleDict / ModuleList key nesting and the README's whole model are in spec/fixtures/layers.safetensors
// (spec/golden.test.ts). Here: the constructor convention, inference semantics (Dropout is the identity), containers,
// the whole model's state_dict loading in one call (I64 num_batches_tracked included), nearest ref ≡ wasm, and errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, NotImplementedError, ParameterError, StateDictError } from '../ts/core/errors.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import * as nn from '../ts/nn/index.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import { loadFixture } from '../ts/verify/golden.js';
import { readmeModel } from '../ts/verify/golden_layers.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';

await wasm.init();
const Modules = suite('layers_std/modules');

Modules('Dropout, Dropout2d and Identity return their input unchanged (inference), on every backend', () => {
  const x = seededTensor([2, 3, 4, 4], 1);
  for (const m of [new nn.Dropout(), new nn.Dropout({ p: 0.9 }), new nn.Dropout2d({ p: 0.5, inplace: true }), new nn.Identity(54, 'unused')]) {
    assert.ok(m.forward(x) === x);
    assert.ok(m.forward(x, { backend: 'wasm' }) === x);
    assert.equal([...m.stateDict().keys()], []);
  }
});

Modules('constructor convention: required arguments positionally, the rest in an options object under PyTorch keyword names', () => {
  const x = seededTensor([1, 2, 9, 9], 2);
  assert.equal(Array.from(new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(x).data), Array.from(refOps.maxPool2d(x, 3, { stride: 2, padding: 1 }).data));
  assert.equal([...new nn.AvgPool2d([2, 3], { ceil_mode: true }).forward(x).shape], [1, 2, 5, 3]);
  assert.equal([...new nn.AdaptiveAvgPool2d([null, 1]).forward(x).shape], [1, 2, 9, 1]);
  assert.equal([...new nn.Flatten().forward(x).shape], [1, 162]);
  assert.equal([...new nn.Flatten({ start_dim: 0, end_dim: 1 }).forward(x).shape], [2, 9, 9]);
  assert.ok(Object.is(new nn.LeakyReLU({ negative_slope: 0.5 }).forward(new Tensor([-2], [1])).data[0], -1));
  for (const bad of [() => new nn.MaxPool2d(3, { strides: 2 } as never), () => new nn.LeakyReLU(0.2 as never), () => new nn.Dropout(0.5 as never),
    () => new nn.SiLU({ inplace: 'yes' } as never), () => new nn.Flatten({ start_dim: 1.5 })]) {
    assert.ok(thrown(bad) instanceof ArgumentError || thrown(bad) instanceof ParameterError);
  }
  assert.instance(thrown(() => new nn.Dropout({ p: 1.5 })), ParameterError);
  assert.instance(thrown(() => new nn.MaxPool2d(2, { return_indices: true })), NotImplementedError);
  assert.instance(thrown(() => new nn.AdaptiveAvgPool2d(0)), ParameterError);
});

Modules('activation modules run their op on the chosen backend', () => {
  const x = seededTensor([2, 5], 3, -6, 6);
  const pairs: [nn.Module, (t: Tensor) => Tensor][] = [
    [new nn.SiLU(), wasm.ops.silu], [new nn.Hardswish(), wasm.ops.hardswish], [new nn.Hardsigmoid(), wasm.ops.hardsigmoid],
    [new nn.Sigmoid(), wasm.ops.sigmoid], [new nn.Tanh(), wasm.ops.tanh], [new nn.LeakyReLU(), (t) => wasm.ops.leakyRelu(t)],
  ];
  for (const [m, f] of pairs) assert.equal(Array.from(m.forward(x, { backend: 'wasm' }).data), Array.from(f(x).data));
});

Modules('Upsample: size or scale_factor, nearest (default) and bilinear; errors as PyTorch', () => {
  const x = seededTensor([1, 2, 3, 4], 4);
  assert.equal([...new nn.Upsample({ scale_factor: 2 }).forward(x).shape], [1, 2, 6, 8]);
  assert.equal([...new nn.Upsample({ size: [5, 7], mode: 'bilinear', align_corners: true }).forward(x, { backend: 'wasm' }).shape], [1, 2, 5, 7]);
  const up = new nn.Upsample({ scale_factor: 2, mode: 'nearest' }).forward(x);
  assert.is(up.at(0, 1, 5, 7), x.at(0, 1, 2, 3));
  assert.instance(thrown(() => new nn.Upsample()), ParameterError);
  assert.instance(thrown(() => new nn.Upsample({ size: 4, scale_factor: 2 })), ParameterError);
  assert.instance(thrown(() => new nn.Upsample({ scale_factor: 2, align_corners: true })), ParameterError);
  assert.instance(thrown(() => new nn.Upsample({ scale_factor: 1.5 }).forward(x)), NotImplementedError);
});

Modules.run();

const Containers = suite('layers_std/containers');

Containers('ModuleList / ModuleDict nest state_dict keys as PyTorch (layers.0.conv.weight), iterate, and have no forward', () => {
  const conv = new nn.Conv2d(2, 2, 1);
  const inner = new nn.ModuleDict({ conv });
  const list = new nn.ModuleList([inner, new nn.ReLU()]);
  const root = new nn.ModuleDict({ layers: list });
  assert.equal([...root.stateDict().keys()], ['layers.0.conv.weight', 'layers.0.conv.bias']);
  assert.is(list.length, 2);
  assert.ok(list.at(0) === inner && list.at(-1) instanceof nn.ReLU);
  assert.equal([...list].length, 2);
  assert.ok(inner.at('conv') === conv && inner.has('conv') && inner.keys()[0] === 'conv');
  list.append(new nn.Linear(2, 3));
  assert.ok(root.stateDict().has('layers.2.weight'));
  assert.instance(thrown(() => list.forward(seededTensor([1, 2], 1))), NotImplementedError);
  assert.instance(thrown(() => root.forward(seededTensor([1, 2], 1))), NotImplementedError);
  assert.instance(thrown(() => new nn.ModuleDict({ 'a.b': conv })), ArgumentError);
  assert.instance(thrown(() => new nn.ModuleList([conv, 3 as never])), ArgumentError);
});

Containers.run();

const Model = suite('layers_std/whole_model');

Model("the README's model loads PyTorch's state_dict in one call (I64 num_batches_tracked accepted) and matches PyTorch on both backends", () => {
  const file = readSafetensors(readFileSync(new URL('./fixtures/layers_model.safetensors', import.meta.url)));
  assert.is(file.dtypes.get('1.num_batches_tracked'), 'I64');
  const m = readmeModel();
  const r = m.loadStateDict(file.tensors);
  assert.equal([r.missingKeys, r.unexpectedKeys], [[], []]);
  const c = loadFixture('layers.safetensors').find((k) => k.name === 'readme_model')!;
  const x = c.tensors.get('input')!, want = c.tensors.get('output')!;
  for (const backend of ['ref', 'wasm'] as const) {
    const y = m.forward(x, { backend });
    assert.equal([...y.shape], [1, 10]);
    y.data.forEach((v, i) => assert.ok(Math.abs(v - want.data[i]) < 1e-5, `${backend} logit ${i}: ${v} vs ${want.data[i]}`));
  }
  // strict loading still names a wrong key
  const bad = new Map(file.tensors);
  bad.set('14.weight_typo', bad.get('14.weight')!);
  assert.instance(thrown(() => m.loadStateDict(bad)), StateDictError);
});

Model.run();

const Nearest = suite('layers_std/interpolate_nearest');

Nearest("interpolate mode 'nearest': ref ≡ wasm bit for bit (specials kept), src = min(⌊d·fround(in/out)⌋, in − 1)", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer(),
    (H, W, ho, wo, seed) => {
      const d = seededTensor([2, 2, H, W], seed).data.slice();
      d[0] = NaN; d[d.length - 1] = -0;
      const x = new Tensor(d, [2, 2, H, W]);
      const a = refOps.interpolate(x, { size: [ho, wo], mode: 'nearest' }), b = wasm.ops.interpolate(x, { size: [ho, wo], mode: 'nearest' });
      assert.equal([...a.shape], [2, 2, ho, wo]);
      a.data.forEach((v, i) => assert.ok(Object.is(v, b.data[i]), `[${i}] ${v} vs ${b.data[i]}`));
    }), { numRuns: runs(100) });
  const x = seededTensor([1, 1, 7, 7], 9), y = refOps.interpolate(x, { size: [3, 3], mode: 'nearest' });
  assert.equal(Array.from(y.data), [0, 2, 4].flatMap((i) => [0, 2, 4].map((j) => x.at(0, 0, i, j))));
  assert.instance(thrown(() => refOps.interpolate(x, { size: [3, 3], mode: 'nearest', align_corners: false })), ParameterError);
});

Nearest.run();
