// silu, hardsigmoid, tanh, leaky_relu: golden values of PyTorch are in spec/fixtures/layers.safetensors
// (spec/golden.test.ts); ref ≈ wasm is in spec/registry.test.ts. Here: bit-equality with PyTorch where the float32
// operation order allows it (hardsigmoid, leaky_relu on wasm), the identities that tie them to the other activations,
// the special values, and the errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, ParameterError } from '../ts/core/errors.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { loadFixture } from '../ts/verify/golden.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';

await wasm.init();
const U = 2 ** -24;
const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

const Golden = suite('activations_extra/pytorch_bits');

Golden('wasm hardsigmoid and leaky_relu equal PyTorch 1.13 bit for bit (its float32 operation order), specials included', () => {
  const cases = loadFixture('layers.safetensors');
  for (const c of cases.filter((k) => k.op === 'hardsigmoid' || k.op === 'leaky_relu')) {
    const x = c.tensors.get('input')!, want = c.tensors.get('output')!;
    const got = c.op === 'hardsigmoid' ? wasm.ops.hardsigmoid(x) : wasm.ops.leakyRelu(x, c.params);
    got.data.forEach((v, i) => assert.ok(same(v, want.data[i]), `${c.name}[${i}]: x = ${x.data[i]}: wasm ${v}, PyTorch ${want.data[i]}`));
    if (c.op === 'leaky_relu') refOps.leakyRelu(x, c.params).data.forEach((v, i) => assert.ok(same(v, want.data[i]), `${c.name} ref[${i}]`));
  }
});

Golden.run();

const Identities = suite('activations_extra/identities');

Identities('silu(x) = x·sigmoid(x); tanh(x) = 2·sigmoid(2x) − 1; hardswish(x) = x·hardsigmoid(x) (reference, within a few roundings)', () => {
  fc.assert(fc.property(fc.integer(), fc.constantFrom(1, 4, 10), (seed, r) => {
    const x = seededTensor([3, 11], seed, -r, r);
    const s = refOps.sigmoid(x), s2 = refOps.sigmoid(new Tensor(x.data.map((v) => 2 * v), x.shape));
    const si = refOps.silu(x), t = refOps.tanh(x), hs = refOps.hardsigmoid(x), hw = refOps.hardswish(x);
    x.data.forEach((v, i) => {
      assert.ok(Math.abs(si.data[i] - v * s.data[i]) <= 3 * U * Math.abs(si.data[i]) + 1e-30, `silu(${v})`);
      assert.ok(Math.abs(t.data[i] - (2 * s2.data[i] - 1)) <= 4 * U, `tanh(${v})`);
      assert.ok(Math.abs(hw.data[i] - v * hs.data[i]) <= 3 * U * Math.abs(hw.data[i]) + 1e-30, `hardswish(${v})`);
    });
  }), { numRuns: runs(50) });
});

Identities('leaky_relu with slope 0 is relu, with slope 1 the identity (bit for bit, both backends; −0 · 0 = −0 as PyTorch)', () => {
  const x = new Tensor(Float32Array.from([-2, -0, 0, 3, NaN, -Infinity, Infinity, -1e-40]), [8]);
  for (const ops of [refOps, wasm.ops]) {
    ops.leakyRelu(x, { negative_slope: 1 }).data.forEach((v, i) => assert.ok(same(v, x.data[i])));
    const z = ops.leakyRelu(x, { negative_slope: 0 }).data;
    assert.ok(Object.is(z[0], -0) && Object.is(z[1], -0) && z[3] === 3 && Number.isNaN(z[4]) && Number.isNaN(z[5]) && z[6] === Infinity);
    assert.ok(Object.is(ops.leakyRelu(x).data[0], Math.fround(-2 * Math.fround(0.01))), 'default slope 0.01 as float32');
  }
});

Identities('special values as PyTorch: silu(−∞) = NaN, silu(+∞) = +∞; hardsigmoid(±∞) = 1 / 0; tanh(±∞) = ±1, tanh(−0) = −0', () => {
  const x = new Tensor(Float32Array.from([-Infinity, Infinity, NaN, -0]), [4]);
  for (const ops of [refOps, wasm.ops]) {
    const si = ops.silu(x).data, hs = ops.hardsigmoid(x).data, t = ops.tanh(x).data;
    assert.ok(Number.isNaN(si[0]) && si[1] === Infinity && Number.isNaN(si[2]), `${ops.name} silu ${Array.from(si)}`);
    assert.ok(hs[0] === 0 && hs[1] === 1 && Number.isNaN(hs[2]), `${ops.name} hardsigmoid ${Array.from(hs)}`);
    assert.ok(t[0] === -1 && t[1] === 1 && Number.isNaN(t[2]) && Object.is(t[3], -0), `${ops.name} tanh ${Array.from(t)}`);
  }
});

Identities.run();

const Errors = suite('activations_extra/errors');

Errors('non-Tensor input is an ArgumentError; a non-finite negative_slope a ParameterError; unknown keys an ArgumentError', () => {
  for (const ops of [refOps, wasm.ops]) {
    for (const f of [ops.silu, ops.hardsigmoid, ops.tanh, ops.leakyRelu]) assert.instance(thrown(() => (f as (x: unknown) => unknown)([1, 2])), ArgumentError);
    const x = seededTensor([4], 1);
    assert.instance(thrown(() => ops.leakyRelu(x, { negative_slope: NaN })), ParameterError);
    assert.instance(thrown(() => ops.leakyRelu(x, { negative_slope: '0.1' as never })), ArgumentError);
    assert.instance(thrown(() => ops.leakyRelu(x, { slope: 0.1 } as never)), ArgumentError);
  }
});

Errors.run();
