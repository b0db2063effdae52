// Pooling (max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d): PyTorch goldens are in
// spec/fixtures/layers.safetensors (spec/golden.test.ts); ref ≈ wasm is in spec/registry.test.ts. Here: the identities
// that pin the semantics on both backends, the geometry rules (ceil_mode's dropped last window, adaptive windows) and
// the named errors, thrown before any work.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ParameterError, ShapeError, ArgumentError } from '../ts/core/errors.js';
import { poolOutputSize, adaptiveAxis } from '../ts/core/check/pooling.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';
import { loadFixture } from '../ts/verify/golden.js';

await wasm.init();
const backends = [refOps, wasm.ops];
const U = 2 ** -24;
const scale = (t: Tensor, s: number) => new Tensor(t.data.map((v) => v * s), t.shape);

const Identities = suite('pooling/identities');

Identities('adaptiveAvgPool2d(x, 1) equals globalAvgPool2d(x) (reference: same float64 sum; wasm within 2·(H + W)·u·mean|x|)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (H, W, seed) => {
    const x = seededTensor([2, 3, H, W], seed);
    assert.equal(Array.from(refOps.adaptiveAvgPool2d(x, 1).data), Array.from(refOps.globalAvgPool2d(x).data));
    const a = wasm.ops.adaptiveAvgPool2d(x, [1, 1]), g = refOps.globalAvgPool2d(refOps.adaptiveAvgPool2d(new Tensor(x.data.map(Math.abs), x.shape), 1));
    a.data.forEach((v, i) => assert.ok(Math.abs(v - refOps.globalAvgPool2d(x).data[i]) <= 2 * (H + W) * U * g.data[i] + 1e-30));
  }), { numRuns: runs(50) });
});

Identities('avgPool2d with kernel_size == stride == H == W is the mean (ref bit-equal to globalAvgPool2d)', () => {
  for (const n of [1, 2, 3, 5, 7]) {
    const x = seededTensor([1, 4, n, n], n);
    assert.equal(Array.from(refOps.avgPool2d(x, n, { stride: n }).data), Array.from(refOps.globalAvgPool2d(x).data));
    const w = wasm.ops.avgPool2d(x, n);
    w.data.forEach((v, i) => assert.ok(Math.abs(v - refOps.globalAvgPool2d(x).data[i]) <= 4 * n * U * 2));
  }
});

Identities('max pooling of a constant map returns the constant (every pool, both backends, padding and ceil_mode included)', () => {
  for (const c of [0, -0, 3.5, -7, Math.fround(1e-40), Infinity]) {
    const x = new Tensor(new Float32Array(2 * 3 * 7 * 6).fill(c), [2, 3, 7, 6]);
    for (const ops of backends) {
      for (const y of [ops.maxPool2d(x, 3, { stride: 2, padding: 1, ceil_mode: true }), ops.maxPool2d(x, 2, { dilation: 2 }), ops.adaptiveMaxPool2d(x, [3, 4])]) {
        y.data.forEach((v) => assert.ok(Object.is(v, c), `${ops.name}: ${v} vs ${c}`));
      }
      if (Number.isFinite(c)) {
        ops.avgPool2d(x, 3, { stride: 2, padding: 1, count_include_pad: false }).data.forEach((v) => assert.ok(Math.abs(v - c) <= 4 * U * Math.abs(c) + 1e-45));
        ops.adaptiveAvgPool2d(x, [4, 5]).data.forEach((v) => assert.ok(Math.abs(v - c) <= 8 * U * Math.abs(c) + 1e-45));
      }
    }
  }
});

Identities('every pooling commutes with multiplication by a positive power of two (bit for bit, both backends)', () => {
  fc.assert(fc.property(fc.integer(), fc.constantFrom(0.25, 2, 8, 1024), (seed, s) => {
    const x = seededTensor([1, 2, 7, 9], seed), xs = scale(x, s);
    for (const ops of backends) {
      const pools: ((t: Tensor) => Tensor)[] = [
        (t) => ops.maxPool2d(t, 3, { stride: 2, padding: 1, ceil_mode: true }),
        (t) => ops.avgPool2d(t, 3, { stride: 2, padding: 1, count_include_pad: false }),
        (t) => ops.avgPool2d(t, [2, 3], { divisor_override: 5 }),
        (t) => ops.adaptiveAvgPool2d(t, [3, 4]),
        (t) => ops.adaptiveMaxPool2d(t, [3, 1]),
      ];
      for (const pool of pools) assert.equal(Array.from(pool(xs).data), Array.from(scale(pool(x), s).data), `${ops.name}`);
    }
  }), { numRuns: runs(30) });
});

Identities('max pooling: the first of equal maxima wins (+0 before −0 stays +0) and NaN propagates, as PyTorch', () => {
  const x = new Tensor(Float32Array.from([0, -0, NaN, 1, -0, 0, 2, 2]), [1, 1, 2, 4]);
  for (const ops of backends) {
    const y = ops.maxPool2d(x, [1, 2]);
    assert.ok(Object.is(y.data[0], 0) && Number.isNaN(y.data[1]) && Object.is(y.data[2], -0) && y.data[3] === 2, `${ops.name}: ${Array.from(y.data)}`);
  }
});

Identities('wasm maxPool2d ≡ reference bit for bit on wide maps (the vector row pass at strides 1 and 2), specials included', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 9, max: 40 }),
    fc.boolean(), fc.integer(), (k, s, d, W, ceil, seed) => {
      const p = Math.min(1, k >> 1), H = Math.max(d * (k - 1) + 1, 5);
      const x0 = seededTensor([1, 2, H, W], seed), data = x0.data.slice();
      for (let i = 0; i < data.length; i += 7 + (seed & 3)) data[i] = [NaN, -0, 0, Infinity, -Infinity][i % 5];
      const x = new Tensor(data, x0.shape), o = { stride: s, padding: p, dilation: d, ceil_mode: ceil };
      const a = refOps.maxPool2d(x, k, o), b = wasm.ops.maxPool2d(x, k, o);
      a.data.forEach((v, i) => assert.ok(Object.is(v, b.data[i]) || (Number.isNaN(v) && Number.isNaN(b.data[i])), `[${i}] ref ${v} wasm ${b.data[i]} k=${k} s=${s} d=${d} W=${W}`));
    }), { numRuns: runs(100) });
});

Identities('wasm avgPool2d and adaptiveAvgPool2d equal PyTorch 1.13 bit for bit on every fixture (its row-major float32 sum), except adaptive 1x1 (PyTorch: mean())', () => {
  const cases = loadFixture('layers.safetensors').filter((c) => c.op === 'avg_pool2d' || c.op === 'adaptive_avg_pool2d');
  assert.ok(cases.length >= 15);
  for (const c of cases) {
    const x = c.tensors.get('input')!, want = c.tensors.get('output')!, p = c.params;
    if (c.op === 'adaptive_avg_pool2d' && want.shape[2] === 1 && want.shape[3] === 1) continue;
    const got = c.op === 'avg_pool2d' ? wasm.ops.avgPool2d(x, p.kernel_size, Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'kernel_size')))
      : wasm.ops.adaptiveAvgPool2d(x, p.output_size);
    got.data.forEach((v, i) => assert.ok(Object.is(v, want.data[i]), `${c.name}[${i}]: wasm ${v}, PyTorch ${want.data[i]}`));
  }
});

Identities.run();

const Geometry = suite('pooling/geometry');

Geometry("output size: PyTorch's formula; ceil_mode drops a last window that would start in the right padding", () => {
  assert.is(poolOutputSize(5, 2, 2, 1, 1, true), 3);        // ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but (4 − 1)·2 = 6 ≥ 5 + 1: the 4th window starts in the padding → dropped
  assert.is(poolOutputSize(5, 2, 2, 1, 1, false), 3);
  assert.is(poolOutputSize(9, 3, 2, 1, 1, true), 5);
  assert.is(poolOutputSize(7, 2, 2, 0, 1, true), 4);
  assert.is(poolOutputSize(7, 2, 2, 0, 1, false), 3);
  assert.is(poolOutputSize(112, 3, 2, 1, 1, false), 56);
});

Geometry('adaptive windows: [⌊i·H/out⌋, ⌈(i+1)·H/out⌉) — 7 → 3 overlaps, 3 → 7 repeats, out = 1 is global', () => {
  const a = adaptiveAxis(7, 3);
  assert.equal([Array.from(a.start), Array.from(a.count)], [[0, 2, 4], [3, 3, 3]]);
  const b = adaptiveAxis(3, 7);
  assert.equal(Array.from(b.start), [0, 0, 0, 1, 1, 2, 2]);
  assert.equal(Array.from(b.count), [1, 1, 2, 1, 2, 1, 1]);
  assert.equal([Array.from(adaptiveAxis(5, 1).start), Array.from(adaptiveAxis(5, 1).count)], [[0], [5]]);
});

Geometry('output_size pairs: (1, W) and (H, 1) and null (= that input size)', () => {
  const x = seededTensor([1, 2, 6, 5], 3);
  for (const ops of backends) {
    assert.equal([...ops.adaptiveAvgPool2d(x, [1, 5]).shape], [1, 2, 1, 5]);
    assert.equal([...ops.adaptiveMaxPool2d(x, [4, 1]).shape], [1, 2, 4, 1]);
    assert.equal([...ops.adaptiveAvgPool2d(x, [null, 2]).shape], [1, 2, 6, 2]);
  }
});

Geometry.run();

const Errors = suite('pooling/errors');

Errors('padding > kernel_size / 2 is a ParameterError (PyTorch refuses it), on both backends, same message', () => {
  const x = seededTensor([1, 1, 8, 8], 1);
  for (const [f, name] of [[(o: Ops) => o.maxPool2d(x, 3, { padding: 2 }), 'max_pool2d'], [(o: Ops) => o.avgPool2d(x, 2, { padding: 2 }), 'avg_pool2d']] as const) {
    const [a, b] = backends.map((o) => thrown(() => f(o)));
    assert.instance(a, ParameterError);
    assert.is(a.message, b.message);
    assert.match(a.message, name);
    assert.match(a.message, 'half of kernel size');
  }
});

Errors('a kernel larger than the padded input is a ShapeError naming both sizes', () => {
  const x = seededTensor([1, 1, 3, 3], 1);
  for (const o of backends) {
    const e = thrown(() => o.maxPool2d(seededTensor([1, 1, 2, 2], 1), 5, { padding: 1 }));
    assert.instance(e, ShapeError);
    assert.match(e.message, 'kernel (5) is larger than the padded input (4)');
    assert.instance(thrown(() => o.maxPool2d(x, 3, { dilation: 2 })), ShapeError);
    assert.instance(thrown(() => o.avgPool2d(x, 4)), ShapeError);
  }
});

Errors('bad arguments: rank, stride 0, unknown option, non-boolean ceil_mode, divisor_override 0, output_size 0', () => {
  const x = seededTensor([1, 1, 4, 4], 1);
  for (const o of backends) {
    assert.instance(thrown(() => o.maxPool2d(seededTensor([1, 4, 4], 1), 2)), ShapeError);
    assert.instance(thrown(() => o.maxPool2d(x, 2, { stride: 0 })), ParameterError);
    assert.instance(thrown(() => o.maxPool2d(x, 2, { strides: 2 } as never)), ArgumentError);
    assert.instance(thrown(() => o.avgPool2d(x, 2, { ceil_mode: 'true' as never })), ArgumentError);
    assert.instance(thrown(() => o.avgPool2d(x, 2, { divisor_override: 0 })), ParameterError);
    assert.instance(thrown(() => o.adaptiveAvgPool2d(x, 0)), ParameterError);
    assert.instance(thrown(() => o.adaptiveMaxPool2d(x, [2] as never)), ParameterError);
    assert.instance(thrown(() => o.maxPool2d(x, 0)), ParameterError);
    assert.instance(thrown(() => o.adaptiveAvgPool2d(seededTensor([1, 1, 0, 4], 1), 1)), ShapeError);
  }
});

Errors.run();
type Ops = typeof refOps;
