// ODConv2d (Li et al., ICLR 2022; official OSVAI/ODConv code): identities of dynconv-spec §13.5, 8-11, 40, state_dict
// keys and skip rules, bad input. Golden cases against our PyTorch transcription run in spec/golden.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError } from '../ts/core/errors.js';
import { conv2d } from '../ts/ref/conv2d.js';
import { conv2dMixture, conv2dPerSample } from '../ts/ref/conv2d_per_sample.js';
import { ODConv2d, type ODConvAttentions } from '../ts/nn/odconv.js';
import { manualSeed } from '../ts/nn/init.js';
import * as wasm from '../ts/wasm/index.js';
import { odconvBound } from '../ts/verify/golden_dynconv.js';
import { seededTensor, absTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, assertBitExact, U } from './support/close.js';

await wasm.init();

const odCase = fc.record({
  N: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 4 }), groups: fc.integer({ min: 1, max: 2 }),
  cinPerGroup: fc.integer({ min: 1, max: 4 }), coutPerGroup: fc.integer({ min: 1, max: 4 }), kernel_size: fc.constantFrom(1, 3),
  stride: fc.constantFrom(1, 2), H: fc.integer({ min: 3, max: 8 }), W: fc.integer({ min: 3, max: 8 }), temperature: fc.constantFrom(1, 3),
  seed: fc.integer(),
}).map((c) => ({ ...c, C_in: c.groups * c.cinPerGroup, C_out: c.groups * c.coutPerGroup, padding: Math.floor(c.kernel_size / 2) }));
type OdCase = typeof odCase extends fc.Arbitrary<infer T> ? T : never;

function build(c: OdCase): ODConv2d {
  manualSeed(c.seed);
  const m = new ODConv2d(c.C_in, c.C_out, c.kernel_size, { stride: c.stride, padding: c.padding, groups: c.groups, kernel_num: c.K });
  let s = c.seed;
  for (const [k, t] of m.stateDict()) t.data.set(seededTensor(t.shape, s++, k.endsWith('running_var') ? 0.5 : -1, k.endsWith('running_var') ? 2 : 1).data);
  m.temperature = c.temperature;
  return m;
}
const input = (c: OdCase) => seededTensor([c.N, c.C_in, c.H, c.W], c.seed + 1);
const opts = (c: OdCase) => ({ stride: c.stride, padding: c.padding, groups: c.groups });
const ones = (shape: number[]) => Tensor.full(shape, 1);

const Identities = suite('odconv2d/identities');

Identities('α_c on the input ≡ on the weight’s input axis; α_f on the output ≡ on the weight’s output axis (§13.8; fp)', () => {
  fc.assert(fc.property(odCase, (c) => {
    const m = build(c), x = input(c), att = m.attention.attentions(x);
    const wt = m.aggregateKernel(att, c.N), per = wt.size / c.N, T = c.kernel_size ** 2;
    const folded = new Tensor(wt.data.map((v, i) => {
      const n = Math.floor(i / per), e = i % per, o = Math.floor(e / (c.cinPerGroup * T)), ci = Math.floor(e / T) % c.cinPerGroup;
      const cIn = Math.floor(o / c.coutPerGroup) * c.cinPerGroup + ci;
      return v * att.channel.data[n * c.C_in + cIn] * (att.filter ? att.filter.data[n * c.C_out + o] : 1);
    }), wt.shape);
    const want = conv2dPerSample(x, folded, null, opts(c));
    const b = odconvBound(x, m, att);
    assertWithinDotBound(m.forward(x).data, want.data, Float64Array.from(want.data, (_, i) => b.bound(i) / U), { reduction: 1, slack: 1, label: 'factorisation', case: c });
  }), { numRuns: runs(30) });
});

Identities('k = 1, K = 1 (the official pw1x fast path): y = α_f ⊙ conv2d(α_c ⊙ x, W₀) (§13.9; fp)', () => {
  fc.assert(fc.property(odCase, (c0) => {
    const c = { ...c0, K: 1, kernel_size: 1 as const, padding: 0 };
    const m = build(c), x = input(c), att = m.attention.attentions(x);
    assert.is(att.spatial, null); assert.is(att.kernel, null);
    const xs = new Tensor(x.data.map((v, i) => Math.fround(v * att.channel.data[Math.floor(i / (c.H * c.W))])), x.shape);
    const y = conv2d(xs, m.stateDict().get('weight')!.reshape([c.C_out, c.cinPerGroup, 1, 1]), null, opts(c)), P = y.size / (c.N * c.C_out);
    const want = y.data.map((v, i) => v * (att.filter ? att.filter.data[Math.floor(i / P)] : 1));
    const b = odconvBound(x, m, att);
    assertWithinDotBound(m.forward(x).data, want, Float64Array.from(want, (_, i) => b.bound(i) / U), { reduction: 1, slack: 1, label: 'pw1x', case: c });
  }), { numRuns: runs(30) });
});

Identities('α_c, α_f, α_s ≡ 1 injected ⇒ DynamicConv (no bias) with the same kernel attention (§13.10; fp); K = 1 too ⇒ plain conv (§13.5; exact)', () => {
  fc.assert(fc.property(odCase, (c) => {
    const m = build(c), x = input(c), att = m.attention.attentions(x), w = m.stateDict().get('weight')!;
    const kernel = att.kernel ?? ones([c.N, 1]);
    const neutral: ODConvAttentions = { channel: ones([c.N, c.C_in]), filter: null, spatial: null, kernel: att.kernel };
    const want = conv2dMixture(x, w, null, kernel, opts(c));
    const scale = conv2dMixture(absTensor(x), absTensor(w), null, absTensor(kernel), opts(c));
    assertWithinDotBound(m.forwardWithAttentions(x, neutral).data, want.data, scale.data, { reduction: c.K + 4, label: 'ODConv → DyConv', case: c });
    if (c.K === 1) assertBitExact(m.forwardWithAttentions(x, neutral).data, conv2d(x, w.reshape(w.shape.slice(1)), null, opts(c)).data, 'K = 1');
  }), { numRuns: runs(30) });
});

Identities('skip rules (§13.11): depthwise ⇒ no filter_fc (α_f ≡ 1); k = 1 ⇒ no spatial_fc; K = 1 ⇒ no kernel_fc; depthwise multiplier keeps α_f', () => {
  const keys = (...args: ConstructorParameters<typeof ODConv2d>) => [...new ODConv2d(...args).stateDict().keys()].filter((k) => k.endsWith('_fc.weight'));
  assert.equal(keys(6, 6, 3, { groups: 6 }), ['attention.channel_fc.weight', 'attention.spatial_fc.weight', 'attention.kernel_fc.weight']);
  assert.equal(keys(6, 12, 3, { groups: 6 }), ['attention.channel_fc.weight', 'attention.filter_fc.weight', 'attention.spatial_fc.weight', 'attention.kernel_fc.weight']);
  assert.equal(keys(4, 5, 1, { kernel_num: 1 }), ['attention.channel_fc.weight', 'attention.filter_fc.weight']);
  const m = new ODConv2d(32, 16, 3);
  assert.equal([...m.stateDict().keys()].slice(0, 6), ['weight', 'attention.fc.weight', 'attention.bn.weight', 'attention.bn.bias', 'attention.bn.running_mean', 'attention.bn.running_var']);
  assert.equal([...m.attention.fc.weight.shape], [16, 32, 1, 1]);   // A = max(int(32·0.0625), 16) = 16
  assert.equal([...m.stateDict().get('weight')!.shape], [4, 16, 32, 3, 3]);
});

Identities('batch independence in eval mode (§13.40; exact, ref and wasm)', () => {
  fc.assert(fc.property(odCase, (c0) => {
    const c = { ...c0, N: 3 }, m = build(c), x = input(c);
    for (const backend of ['ref', 'wasm'] as const) {
      const all = m.forward(x, { backend });
      for (let n = 0; n < 3; n++) {
        const one = m.forward(new Tensor(x.data.slice(n * (x.size / 3), (n + 1) * (x.size / 3)), [1, ...x.shape.slice(1)]), { backend });
        assertBitExact(all.data.subarray(n * one.size, (n + 1) * one.size), one.data, `${backend} sample ${n}`);
      }
    }
  }), { numRuns: runs(15) });
});

Identities('wasm forward ≈ ref forward within the ODConv bound (property)', () => {
  fc.assert(fc.property(odCase, (c) => {
    const m = build(c), x = input(c);
    const ref = m.forward(x), got = m.forward(x, { backend: 'wasm' }), b = odconvBound(x, m, m.attention.attentions(x));
    assertWithinDotBound(got.data, ref.data, Float64Array.from(ref.data, (_, i) => b.bound(i) / U), { reduction: 1, slack: 1, atol: 1e-30, label: 'odconv2d/wasm', case: c });
  }), { numRuns: runs(40) });
});

Identities.run();

const Errors = suite('odconv2d/errors');
Errors('named errors before any work; temperature validated; the next call is right', () => {
  manualSeed(1);
  const m = new ODConv2d(4, 6, 3, { padding: 1 });
  const x = seededTensor([2, 4, 5, 6], 2), want = m.forward(x);
  assert.throws(() => m.forward(seededTensor([2, 3, 5, 6], 2)), (e: Error) => e instanceof ShapeError && /in_planes = 4, got 3/.test(e.message));
  assert.throws(() => m.forward(seededTensor([2, 4, 5], 2)), (e: Error) => e instanceof ShapeError && /rank 4/.test(e.message));
  const small = new ODConv2d(4, 6, 5);
  assert.throws(() => small.forward(seededTensor([2, 4, 3, 6], 2)), (e: Error) => e instanceof ShapeError && /dilated kernel \[5,5\]/.test(e.message));
  for (const t of [0, -2, NaN]) assert.throws(() => { m.temperature = t; }, (e: Error) => e instanceof ParameterError);
  assert.is(m.temperature, 1);
  assertBitExact(m.forward(x).data, want.data, 'after the errors');
  assert.throws(() => new ODConv2d(4, 6, 3, { groups: 4 }), (e: Error) => e instanceof ParameterError);
});
Errors.run();
