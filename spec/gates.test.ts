// The gates: mul (torch.mul with broadcasting), mean and amax over one dim, and the modules built on them
// (nn.SqueezeExcitation, nn.CoordAtt, nn.CBAM in ts/nn/gates.ts). PyTorch goldens are in spec/fixtures/gates.safetensors
// (spec/golden.test.ts); ref ≈ wasm of the ops within their stated bounds is in spec/registry.test.ts
// (spec/support/cases.ts). Here: identities that pin the semantics (mul and add broadcasting ≡ the expanded operands,
// commutativity, a number ≡ a 0-d tensor, mean over H then W ≡ globalAvgPool2d, amax over dim 1 ≡ the channel
// maximum), the modules' official state_dict keys, their constant-gate identities, ref ≈ wasm, the ONNX round trip
// through onnxruntime-node, and the errors (named, the same on both backends, before any work).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, NotImplementedError, ParameterError, ResourceError, ShapeError } from '../ts/core/errors.js';
import { broadcastLoops, broadcastShapes } from '../ts/core/check/broadcast.js';
import { ops as ref } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { arenaStats } from '../ts/wasm/index.js';
import { seededTensor } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';
import { thrown } from './support/thrown.js';
import * as nn from '../ts/nn/index.js';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../ts/io/index.js';
import { chainBound } from '../ts/core/numerics.js';

await wasm.init();
const U = 2 ** -24;
const backends = [['ref', ref], ['wasm', wasm.ops]] as const;

/** x broadcast to `shape` by copying (the expansion broadcasting stands for). */
function expand(x: Tensor, shape: readonly number[]): Tensor {
  const r = shape.length, n = shape.reduce((a, b) => a * b, 1), out = new Float32Array(n);
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0, st = 1;
    for (let d = x.rank - 1; d >= 0; d--) { const o = d + r - x.rank; src += (x.shape[d] === 1 ? 0 : idx[o]) * st; st *= x.shape[d]; }
    out[i] = x.data[src];
    for (let d = r - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return new Tensor(out, shape);
}

const pairArb = fc.record({
  out: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 5 }),
  keepA: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), keepB: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  dropA: fc.integer({ min: 0, max: 5 }), dropB: fc.integer({ min: 0, max: 5 }), seed: fc.integer(),
}).map(({ out, keepA, keepB, dropA, dropB, seed }) => ({
  a: out.map((d, i) => (keepA[i] ? d : 1)).slice(Math.min(dropA, out.length)),
  b: out.map((d, i) => (keepB[i] ? d : 1)).slice(Math.min(dropB, out.length)), out, seed,
}));

// ---------------------------------------------------------------------------------------------
const Mul = suite('mul/identities');

Mul('broadcasting ≡ multiplying the expanded operands elementwise, and commutes (bit for bit, both backends)', () => {
  fc.assert(fc.property(pairArb, ({ a, b, seed }) => {
    const x = seededTensor(a, seed), y = seededTensor(b, seed + 1);
    const shape = broadcastShapes(a, b)!;
    const want = new Float32Array(expand(x, shape).data.map((v, i) => v * expand(y, shape).data[i]));
    for (const [name, o] of backends) {
      const got = o.mul(x, y), swapped = o.mul(y, x);
      assert.equal([...got.shape], shape, `${name}: shape`);
      assertBitExact(got.data, want, `${name} mul vs expanded`, shape);
      assertBitExact(swapped.data, want, `${name} mul(other, input)`, shape);
    }
  }), { numRuns: 150 });
});

Mul('add broadcasts the same way: ≡ adding the expanded operands, commutes, equal shapes unchanged (bit for bit, both backends)', () => {
  fc.assert(fc.property(pairArb, ({ a, b, seed }) => {
    const x = seededTensor(a, seed), y = seededTensor(b, seed + 1);
    const shape = broadcastShapes(a, b)!;
    const ex = expand(x, shape).data, ey = expand(y, shape).data;
    const want = new Float32Array(ex.map((v, i) => v + ey[i]));
    for (const [name, o] of backends) {
      assertBitExact(o.add(x, y).data, want, `${name} add vs expanded`, shape);
      assertBitExact(o.add(y, x).data, want, `${name} add(other, input)`, shape);
      assertBitExact(o.add(x, x).data, Float32Array.from(x.data, (v) => v + v), `${name} add equal shapes`);
    }
  }), { numRuns: 100 });
});

Mul('the gate patterns collapse to at most three loops, equal shapes to one', () => {
  const loops = (a: number[], b: number[]) => broadcastLoops(a, b)!.dims;
  assert.equal(loops([2, 8, 5, 7], [2, 8, 5, 7]), [2 * 8 * 5 * 7]);
  assert.equal(loops([2, 8, 5, 7], [2, 8, 1, 1]), [16, 35]);
  assert.equal(loops([2, 8, 5, 7], [2, 1, 5, 7]), [2, 8, 35]);
  assert.equal(loops([2, 8, 5, 7], [2, 8, 5, 1]), [80, 7]);
  assert.equal(loops([2, 8, 5, 7], [2, 8, 1, 7]), [16, 5, 7]);
  assert.equal(loops([], []), [1]);
});

Mul('a number other ≡ a 0-d tensor of its float32 rounding (PyTorch: x * 0.1 for float32 x); NaN and ±∞ propagate', () => {
  const x = seededTensor([2, 3, 4], 7);
  for (const [name, o] of backends) {
    for (const s of [0.1, -3, NaN, Infinity, 1e300]) {
      assertBitExact(o.mul(x, s).data, o.mul(x, new Tensor(Float32Array.of(s), [])).data, `${name} mul(x, ${s})`);
      assertBitExact(o.mul(x, s).data, Float32Array.from(x.data, (v) => v * Math.fround(s)), `${name} mul(x, ${s}) values`);
    }
  }
});

Mul('special values: 0·∞ = NaN, −0 signs, NaN propagates (both backends, equal to IEEE float32)', () => {
  const a = new Tensor(Float32Array.of(0, -0, Infinity, NaN, -2, 3e38), [6, 1]);
  const b = new Tensor(Float32Array.of(Infinity, 1, -1), [1, 3]);
  const want = new Float32Array(18).map((_, i) => Math.fround(a.data[Math.floor(i / 3)] * b.data[i % 3]));
  for (const [name, o] of backends) assertBitExact(o.mul(a, b).data, want, `${name} specials`);
});

Mul('empty broadcast results: [0, 3] · [1, 3] → [0, 3], [2, 1] · [0] → [2, 0]', () => {
  for (const [name, o] of backends) {
    assert.equal([...o.mul(new Tensor(new Float32Array(0), [0, 3]), seededTensor([1, 3], 1)).shape], [0, 3], name);
    assert.equal([...o.mul(seededTensor([2, 1], 1), new Tensor(new Float32Array(0), [0])).shape], [2, 0], name);
  }
});

// ---------------------------------------------------------------------------------------------
const Reduce = suite('mean_amax/identities');

Reduce('mean over dims 2 then 3 (keepdim) ≡ globalAvgPool2d (ref: within 2u of it; wasm: within 2·(H + W + 2)·u·mean|x|)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (N, C, H, W, seed) => {
    const x = seededTensor([N, C, H, W], seed), g = ref.globalAvgPool2d(x), scale = ref.globalAvgPool2d(new Tensor(x.data.map(Math.abs), x.shape));
    for (const [name, o] of backends) {
      const m = o.mean(o.mean(x, { dim: 3, keepdim: true }), { dim: -2, keepdim: true });
      assert.equal([...m.shape], [N, C, 1, 1], `${name}: shape`);
      const K = name === 'ref' ? 1 : H + W + 2;
      m.data.forEach((v, i) => assert.ok(Math.abs(v - g.data[i]) <= 2 * K * U * scale.data[i] + 1e-30, `${name} [${i}]: ${v} vs ${g.data[i]}`));
    }
  }), { numRuns: 100 });
});

Reduce('amax over dim 1 ≡ the channel maximum computed directly; keepdim only inserts the 1 (both backends, exact)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (N, C, H, W, seed) => {
    const x = seededTensor([N, C, H, W], seed);
    const want = new Float32Array(N * H * W);
    for (let n = 0; n < N; n++) for (let p = 0; p < H * W; p++) {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, x.data[(n * C + c) * H * W + p]);
      want[n * H * W + p] = m;
    }
    for (const [name, o] of backends) {
      const kept = o.amax(x, { dim: 1, keepdim: true }), dropped = o.amax(x, { dim: -3 });
      assert.equal([...kept.shape], [N, 1, H, W], `${name} keepdim shape`);
      assert.equal([...dropped.shape], [N, H, W], `${name} shape`);
      assertBitExact(kept.data, want, `${name} amax keepdim`);
      assertBitExact(dropped.data, want, `${name} amax`);
    }
  }), { numRuns: 100 });
});

Reduce('special values: amax is NaN if any is NaN, +0 above −0, −∞ kept; mean of an empty dim is NaN (as PyTorch)', () => {
  const x = new Tensor(Float32Array.of(-0, 0, NaN, 1, -Infinity, -Infinity, 0, -0), [4, 2]);
  for (const [name, o] of backends) {
    const m = o.amax(x, { dim: 1 });
    assertBitExact(m.data, Float32Array.of(0, NaN, -Infinity, 0), `${name} amax specials`);
    const e = o.mean(new Tensor(new Float32Array(0), [3, 0]), { dim: 1 });
    assert.equal([...e.shape], [3], `${name} empty mean shape`);
    assert.ok([...e.data].every(Number.isNaN), `${name} empty mean is NaN`);
  }
});

// ---------------------------------------------------------------------------------------------
const Errors = suite('gates_ops/errors');

Errors('mul: non-broadcastable shapes, non-Tensor operands: named errors with both shapes, the same on both backends, nothing leaked', () => {
  const before = arenaStats();
  const x = seededTensor([2, 3, 4], 1);
  const cases: [unknown, unknown, new (...a: never[]) => Error, RegExp][] = [
    [x, seededTensor([2, 4, 4], 2), ShapeError, /mul: input and other must broadcast .*got 3 vs 4 at dim -2 \(input=\[2,3,4\], other=\[2,4,4\]\)/],
    [x, seededTensor([5], 2), ShapeError, /got 4 vs 5 at dim -1/],
    [x, 'two', ArgumentError, /mul: other must be a Tensor or a number, got/],
    [[1, 2], x, ArgumentError, /mul: input must be a Tensor/],
    [x, null, ArgumentError, /other must be a Tensor or a number/],
    [x, { data: new Float32Array(1), shape: [1] }, ArgumentError, /other must be a Tensor/],
  ];
  for (const [a, b, E, re] of cases) {
    const msgs = backends.map(([name, o]) => {
      const e = thrown(() => o.mul(a as Tensor, b as Tensor), `${name} mul`);
      assert.instance(e, E, `${name}: ${e.message}`);
      assert.match(e.message, re);
      return e.message;
    });
    assert.is(msgs[0], msgs[1], 'same message on both backends');
  }
  assert.equal(arenaStats(), before, 'no arena state changed');
});

Errors('add: other must be a Tensor (no number), shapes must broadcast: named errors, same on both backends', () => {
  const x = seededTensor([2, 3, 4], 1);
  for (const [b, E, re] of [[5, ArgumentError, /add: other must be a Tensor/], [seededTensor([3, 3], 2), ShapeError, /add: input and other must broadcast .*got 4 vs 3 at dim -1/]] as const) {
    const msgs = backends.map(([name, o]) => {
      const e = thrown(() => o.add(x, b as Tensor), `${name} add`);
      assert.instance(e, E, e.message);
      assert.match(e.message, re);
      return e.message;
    });
    assert.is(msgs[0], msgs[1]);
  }
});

Errors('mul: a broadcast output above the element limit is a ResourceError before any allocation', () => {
  const a = new Tensor(new Float32Array(1 << 15), [1 << 15, 1]), b = new Tensor(new Float32Array(1 << 15), [1, 1 << 15]);
  for (const [name, o] of backends) assert.instance(thrown(() => o.mul(a, b), name), ResourceError);
});

Errors('mean / amax: missing or array dim, bad dim, bad keepdim, unknown keys, rank 0, empty amax dim: named errors, same on both backends', () => {
  const x = seededTensor([2, 3, 4], 1);
  const cases: [string, unknown, unknown, new (...a: never[]) => Error, RegExp][] = [
    ['mean', x, undefined, NotImplementedError, /mean: options.dim is required/],
    ['amax', x, {}, NotImplementedError, /amax: options.dim is required/],
    ['mean', x, { dim: [1, 2] }, NotImplementedError, /several dimensions is not implemented/],
    ['mean', x, { dim: 3 }, ParameterError, /dim must be an integer in \[-3, 2\], got 3/],
    ['amax', x, { dim: -4 }, ParameterError, /got -4/],
    ['mean', x, { dim: 1.5 }, ParameterError, /got 1.5/],
    ['mean', x, { dim: '1' }, ParameterError, /got "1"/],
    ['mean', x, { dim: 1, keepdim: 1 }, ArgumentError, /keepdim must be a boolean, got/],
    ['amax', x, { dim: 1, keep_dim: true }, ArgumentError, /unexpected 'keep_dim'/],
    ['mean', x, 1, ArgumentError, /options must be a plain object/],
    ['mean', new Tensor(Float32Array.of(1), []), { dim: 0 }, ShapeError, /input must have rank ≥ 1/],
    ['amax', new Tensor(new Float32Array(0), [2, 0]), { dim: 1 }, ShapeError, /reduced dimension must be non-empty/],
    ['amax', 'x', { dim: 0 }, ArgumentError, /amax: input must be a Tensor/],
  ];
  for (const [op, a, o, E, re] of cases) {
    const msgs = backends.map(([name, b]) => {
      const e = thrown(() => (b[op as 'mean'])(a as Tensor, o as { dim: number }), `${name} ${op}`);
      assert.instance(e, E, `${name} ${op}: ${e.message}`);
      assert.match(e.message, re);
      return e.message;
    });
    assert.is(msgs[0], msgs[1], 'same message on both backends');
  }
});

// ---------------------------------------------------------------------------------------------
const Modules = suite('gates/modules');

/** Per-channel tensor [1, C, 1, 1] of values. */
const perChannel = (v: Float32Array) => new Tensor(v, [1, v.length, 1, 1]);
/** Sets a parameter of a module by state_dict key. */
const set = (m: nn.Module, key: string, t: Tensor) => m.loadStateDict(new Map([[key, t]]), { strict: false });

Modules('state_dict keys are the official ones (torchvision SqueezeExcitation, houqb CoordAtt, Jongchan CBAM)', () => {
  assert.equal([...new nn.SqueezeExcitation(8, 2).stateDict().keys()], ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  const ca = new nn.CoordAtt(64, 64, { reduction: 4 });
  assert.is(ca.mip, 16);
  assert.is(new nn.CoordAtt(64, 64).mip, 8, 'mip = max(8, inp // 32)');
  assert.equal([...ca.stateDict().keys()], ['conv1.weight', 'conv1.bias', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var',
    'conv_h.weight', 'conv_h.bias', 'conv_w.weight', 'conv_w.bias']);
  assert.equal([...new nn.CBAM(32).stateDict().keys()], ['ChannelGate.mlp.1.weight', 'ChannelGate.mlp.1.bias', 'ChannelGate.mlp.3.weight',
    'ChannelGate.mlp.3.bias', 'SpatialGate.spatial.conv.weight', 'SpatialGate.spatial.bn.weight', 'SpatialGate.spatial.bn.bias',
    'SpatialGate.spatial.bn.running_mean', 'SpatialGate.spatial.bn.running_var']);
  assert.equal([...new nn.CBAM(32, { no_spatial: true }).stateDict().keys()].filter((k) => k.startsWith('SpatialGate')), []);
  assert.equal(new nn.CBAM(32).stateDict().get('ChannelGate.mlp.1.weight')!.shape, [2, 32]);
});

Modules('SE with fc2.weight = 0 and bias b is the scaled identity x · sigmoid(b) (bit for bit, both backends)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (C, S, H, W, seed) => {
    const m = new nn.SqueezeExcitation(C, S);
    const b = seededTensor([C], seed, -3, 3);
    set(m, 'fc2.weight', new Tensor(new Float32Array(C * S), [C, S, 1, 1]));
    set(m, 'fc2.bias', b);
    const x = seededTensor([2, C, H, W], seed + 1);
    for (const [name, o] of backends) {
      const want = o.mul(x, perChannel(o.sigmoid(b).data));
      assertBitExact(m.forward(x, { backend: o }).data, want.data, `${name} SE constant gate`);
    }
  }), { numRuns: 40 });
});

Modules('CoordAtt with conv_h, conv_w weights 0 is x · σ(b_w) · σ(b_h) per channel; CBAM with the second MLP layer 0 and a zero spatial conv is x · σ(|pools|·b) · σ(β) (bit for bit)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (C, H, W, seed) => {
    const x = seededTensor([2, C, H, W], seed);
    const ca = new nn.CoordAtt(C, C, { reduction: 2 }), mip = ca.mip;
    const bh = seededTensor([C], seed + 1, -3, 3), bw = seededTensor([C], seed + 2, -3, 3);
    for (const [k, b] of [['conv_h', bh], ['conv_w', bw]] as const) {
      set(ca, `${k}.weight`, new Tensor(new Float32Array(C * mip), [C, mip, 1, 1]));
      set(ca, `${k}.bias`, b);
    }
    const cb = new nn.CBAM(C, { reduction_ratio: C >= 2 ? 2 : 1 });
    const h = (cb.ChannelGate.mlp.modules[1] as nn.Linear).out_features;
    const b = seededTensor([C], seed + 3, -2, 2), beta = Math.fround(0.7);
    set(cb, 'ChannelGate.mlp.3.weight', new Tensor(new Float32Array(C * h), [C, h]));
    set(cb, 'ChannelGate.mlp.3.bias', b);
    set(cb, 'SpatialGate.spatial.conv.weight', new Tensor(new Float32Array(98), [1, 2, 7, 7]));
    set(cb, 'SpatialGate.spatial.bn.bias', Tensor.full([1], beta));
    for (const [name, o] of backends) {
      const caWant = o.mul(o.mul(x, perChannel(o.sigmoid(bw).data)), perChannel(o.sigmoid(bh).data));
      assertBitExact(ca.forward(x, { backend: o }).data, caWant.data, `${name} CoordAtt constant gates`);
      const twoB = o.add(b, b);                                             // the avg and max MLP outputs, summed
      const bnOfZero = o.batchNorm2d(Tensor.zeros([1, 1, 1, 1]), Tensor.zeros([1]), Tensor.full([1], 1), Tensor.full([1], 1), Tensor.full([1], beta), { eps: 1e-5 });
      const cbWant = o.mul(o.mul(x, perChannel(o.sigmoid(twoB).data)), o.sigmoid(bnOfZero).data[0]);
      assertBitExact(cb.forward(x, { backend: o }).data, cbWant.data, `${name} CBAM constant gates`);
    }
  }), { numRuns: 30 });
});

Modules('output shape = input shape, and ref ≈ wasm within the chain bound, for every module on generated shapes (batch 1..2, H ≠ W allowed)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }),
    fc.constantFrom('se', 'coordatt', 'cbam', 'cbam_no_spatial', 'cbam_max'), fc.integer({ min: 0, max: 1000 }), (N, c8, H, W, kind, seed) => {
      const C = 4 * c8;
      nn.manualSeed(seed);
      const m = kind === 'se' ? new nn.SqueezeExcitation(C, c8) : kind === 'coordatt' ? new nn.CoordAtt(C, C, { reduction: 2 })
        : new nn.CBAM(C, { reduction_ratio: 4, no_spatial: kind === 'cbam_no_spatial', pool_types: kind === 'cbam_max' ? ['max'] : ['avg', 'max'] });
      const x = seededTensor([N, C, H, W], seed, -3, 3);
      const r = m.forward(x, { backend: 'ref' }), w = m.forward(x, { backend: 'wasm' });
      assert.equal([...r.shape], [N, C, H, W]);
      assert.equal([...w.shape], [N, C, H, W]);
      const K = H * W + 2 * C + 2 * c8 + 120, b = chainBound(K, r.data);
      r.data.forEach((v, i) => assert.ok(Math.abs(v - w.data[i]) <= b.bound(i), `${kind} [${i}]: ref ${v} wasm ${w.data[i]} bound ${b.bound(i)}`));
    }), { numRuns: 60 });
});

// Within 4·u·|y| + u·|x| of hardswish: the two orders each round twice (4u relative), and our hardswish forms x + 3
// exactly in float64 where hardsigmoid rounds it to float32 (an error ≤ u·|x + 3| ≤ 6u inside the ramp, times |x|/6: ≤ u·|x|).
Modules('h_swish is the official x · (ReLU6(x + 3) / 6): mul(x, hardsigmoid(x)), within 4·u·|y| + u·|x| of hardswish (x · ReLU6(x + 3) / 6)', () => {
  const x = seededTensor([4, 257], 9, -5, 5);
  for (const [name, o] of backends) {
    const got = new nn.h_swish().forward(x, { backend: o });
    assertBitExact(got.data, o.mul(x, o.hardsigmoid(x)).data, `${name} h_swish`);
    const hs = o.hardswish(x);
    got.data.forEach((v, i) => assert.ok(Math.abs(v - hs.data[i]) <= 4 * U * Math.abs(hs.data[i]) + U * Math.abs(x.data[i]) + 2 ** -149, `${name} [${i}]: ${v} vs ${hs.data[i]} at x = ${x.data[i]}`));
  }
});

// Exported through the Ops tracer (Mul / ReduceMean / ReduceMax nodes for mul / mean / amax), run in onnxruntime-node
// (CPU, one thread) on another input, against our reference forward within the chain bound of the module (both are
// float32 computations of the same graph; K as the golden runner's, ts/verify/golden_gates.ts).
Modules('SE, CoordAtt and CBAM export to ONNX and run in onnxruntime-node within the chain bound', async () => {
  const x = seededTensor([2, 16, 5, 7], 1), x2 = seededTensor([2, 16, 5, 7], 2, -3, 3);
  const made: [string, nn.Module, number][] = [
    ['SqueezeExcitation', new nn.SqueezeExcitation(16, 4), 35 + 1 + 17 + 5 + 9],
    ['CoordAtt', new nn.CoordAtt(16, 16, { reduction: 2 }), 8 + 17 + 8 + 9 + 10],
    ['CBAM', new nn.CBAM(16, { reduction_ratio: 4 }), 36 + 17 + 5 + 2 + 9 + 17 + 98 + 13],
  ];
  for (const [name, m, K] of made) {
    const session = await ort.InferenceSession.create(exportOnnx(m as never, x), { executionProviders: ['cpu'], intraOpNumThreads: 1 } as never);
    try {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x2.data, [...x2.shape]) });
      const got = out[session.outputNames[0]].data as Float32Array, want = m.forward(x2), b = chainBound(K, want.data);
      assert.is(got.length, want.size, `${name}: size`);
      want.data.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= b.bound(i), `${name} [${i}]: onnxruntime ${got[i]}, ours ${v}`));
    } finally {
      await session.release();
    }
  }
});

const ModuleErrors = suite('gates/module_errors');

ModuleErrors('constructors: bad sizes, options, pool types and activations are named errors', () => {
  const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
    [() => new nn.SqueezeExcitation(0, 2), ParameterError, /SqueezeExcitation: input_channels must be an integer >= 1, got 0/],
    [() => new nn.SqueezeExcitation(8, 2.5), ParameterError, /squeeze_channels/],
    [() => new nn.SqueezeExcitation(8, 2, { activation: 'relu' as never }), ArgumentError, /activation must be a Module class/],
    [() => new nn.SqueezeExcitation(8, 2, { activation: (class { }) as never }), ArgumentError, /activation must be a Module class/],
    [() => new nn.SqueezeExcitation(8, 2, { inplace: true } as never), ArgumentError, /unexpected 'inplace'/],
    [() => new nn.CoordAtt(16, 16, { reduction: 0 }), ParameterError, /CoordAtt: reduction must be an integer >= 1/],
    [() => new nn.CoordAtt(16, -1), ParameterError, /oup/],
    [() => new nn.CBAM(8, { reduction_ratio: 16 }), ParameterError, /gate_channels \/\/ reduction_ratio must be ≥ 1.*8 \/\/ 16 = 0/],
    [() => new nn.CBAM(32, { pool_types: ['avg', 'lp'] }), NotImplementedError, /pool type 'lp'.*not implemented/],
    [() => new nn.CBAM(32, { pool_types: ['lse'] }), NotImplementedError, /'lse'/],
    [() => new nn.CBAM(32, { pool_types: ['mean' as never] }), ParameterError, /pool_types entries must be 'avg' or 'max'/],
    [() => new nn.CBAM(32, { pool_types: [] }), ArgumentError, /non-empty array/],
    [() => new nn.CBAM(32, { no_spatial: 'yes' as never }), ArgumentError, /no_spatial/],
    [() => new nn.CBAM(32, 16 as never), ArgumentError, /CBAM: options must be a plain object/],
  ];
  for (const [f, E, re] of cases) {
    const e = thrown(f);
    assert.instance(e, E, e.message);
    assert.match(e.message, re);
  }
});

ModuleErrors('forward: wrong rank, wrong channels, empty map, oup ≠ C, non-Tensor input: named errors before any work, nothing leaked', () => {
  const before = arenaStats();
  const cases: [nn.Module, unknown, new (...a: never[]) => Error, RegExp][] = [
    [new nn.SqueezeExcitation(8, 2), seededTensor([8, 5, 5], 1), ShapeError, /SqueezeExcitation.forward: input must have rank 4/],
    [new nn.SqueezeExcitation(8, 2), seededTensor([1, 4, 5, 5], 1), ShapeError, /input.shape\[1\] must equal input_channels = 8, got 4/],
    [new nn.CoordAtt(8, 8), seededTensor([1, 6, 5, 5], 1), ShapeError, /CoordAtt.forward: input.shape\[1\] must equal inp = 8, got 6/],
    [new nn.CoordAtt(8, 4), seededTensor([1, 8, 5, 5], 1), ShapeError, /oup must equal the input's channels C = 8/],
    [new nn.CBAM(32), seededTensor([1, 32, 0, 5], 1), ShapeError, /non-empty map/],
    [new nn.CBAM(32), seededTensor([32, 5, 5], 1), ShapeError, /CBAM.forward: input must have rank 4/],
    [new nn.CBAM(32), 'x', ArgumentError, /CBAM.forward: input must be a Tensor/],
  ];
  for (const [m, x, E, re] of cases) for (const backend of ['ref', 'wasm'] as const) {
    const e = thrown(() => m.forward(x as Tensor, { backend }));
    assert.instance(e, E, e.message);
    assert.match(e.message, re);
  }
  assert.equal(arenaStats(), before, 'no arena state changed');
});

Mul.run();
Reduce.run();
Errors.run();
Modules.run();
ModuleErrors.run();
