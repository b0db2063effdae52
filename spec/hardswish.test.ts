// hardswish (MobileNetV3 Eq. 2; coordinate attention's h_swish): golden values of PyTorch are in
// spec/fixtures/ops.safetensors (spec/golden.test.ts); ref ≈ wasm is in spec/registry.test.ts. Here: the
// identities that pin the piecewise definition, and the special values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { hardswish, relu, sigmoid } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { loadFixture } from '../ts/verify/golden.js';

await wasm.init();
const Identities = suite('hardswish/identities');

Identities('x ≥ 3 → x; x ≤ −3 → −0 (x·0); between, x·(x + 3)/6 (both backends, same bits)', () => {
  const x = new Tensor(Float32Array.from([-100, -6, -3, -1.5, -0.5, 0, 0.5, 1.5, 3, 6, 100]), [11]);
  for (const op of [hardswish, wasm.hardswish]) {
    const y = op(x);
    assert.equal(Array.from(y.data), Array.from(x.data, (v) => Math.fround(v <= -3 ? -0 : v >= 3 ? v : (v * (v + 3)) / 6)));
  }
});

Identities('hardswish(x) = x·relu(x + 3 − relu(x − 3))/6 over random tensors (the ReLU6 form), within one rounding', () => {
  fc.assert(fc.property(fc.integer(), fc.constantFrom(2, 5, 10), (seed, range) => {
    const x = seededTensor([3, 17], seed, -range, range);
    const plus3 = new Tensor(x.data.map((v) => v + 3), x.shape), minus3 = new Tensor(x.data.map((v) => v - 3), x.shape);
    const relu6 = relu(new Tensor(plus3.data.map((v, i) => v - relu(minus3).data[i]), x.shape));
    const y = hardswish(x);
    y.data.forEach((v, i) => {
      const want = (x.data[i] * relu6.data[i]) / 6;
      assert.ok(Math.abs(v - want) <= 4 * 2 ** -24 * Math.abs(want) + 1e-30, `x=${x.data[i]}: ${v} vs ${want}`);
    });
  }), { numRuns: runs(50) });
});

Identities('hardswish is close to swish x·σ(x) (the approximation it is): |h − x·σ(x)| < 0.15 on [−8, 8]', () => {
  const x = new Tensor(Float32Array.from({ length: 161 }, (_, i) => -8 + i * 0.1), [161]);
  const h = hardswish(x), s = sigmoid(x);
  h.data.forEach((v, i) => assert.ok(Math.abs(v - x.data[i] * s.data[i]) < 0.15, `x=${x.data[i]}`));
});

Identities('special values as PyTorch 1.13 prints them: NaN → NaN, +∞ → +∞, −∞ → NaN (−∞·0), −3 and −0 → −0', () => {
  const x = new Tensor(Float32Array.from([NaN, -Infinity, Infinity, -3, -0, -3.5]), [6]);
  for (const y of [hardswish(x), wasm.hardswish(x)]) {
    assert.ok(Number.isNaN(y.data[0]) && Number.isNaN(y.data[1]), 'NaN, −∞ → NaN');
    assert.is(y.data[2], Infinity);
    for (const i of [3, 4, 5]) assert.ok(Object.is(y.data[i], -0), `hardswish(${x.data[i]}) = ${y.data[i]}, want −0`);
  }
});

Identities.run();

const Golden = suite('hardswish/pytorch_bits');

Golden('wasm equals PyTorch 1.13 bit for bit on the fixture (same float32 operation order), the reference within 3·u·|y|', () => {
  const c = loadFixture('ops.safetensors').find((f) => f.name === 'hardswish')!;
  const x = c.tensors.get('input')!, want = c.tensors.get('output')!;
  const w = wasm.hardswish(x), r = hardswish(x);
  w.data.forEach((v, i) => assert.ok(Object.is(v, want.data[i]) || (Number.isNaN(v) && Number.isNaN(want.data[i])), `wasm[${i}] = ${v}, PyTorch ${want.data[i]}`));
  r.data.forEach((v, i) => {
    if (!Number.isFinite(want.data[i])) assert.ok(Object.is(v, want.data[i]) || (Number.isNaN(v) && Number.isNaN(want.data[i])), `ref[${i}] = ${v}, PyTorch ${want.data[i]}`);
    else assert.ok(Math.abs(v - want.data[i]) <= 3 * 2 ** -24 * Math.abs(want.data[i]) + 2 ** -149, `ref[${i}] = ${v}, PyTorch ${want.data[i]}`);
  });
});

Golden.run();
