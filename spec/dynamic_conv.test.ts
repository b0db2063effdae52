// CondConv2d (+ CondConvRouting) and DynamicConv2d: module identities (dynconv-spec §13.2-7, 16, 39-40), state_dict
// keys, temperature, bad input. Golden cases against PyTorch run in spec/golden.test.ts (dynconv.safetensors).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError } from '../ts/core/errors.js';
import { conv2d } from '../ts/ref/conv2d.js';
import { conv2dMixture } from '../ts/ref/conv2d_per_sample.js';
import { globalAvgPool2d } from '../ts/ref/global_avg_pool2d.js';
import { sigmoid } from '../ts/ref/sigmoid.js';
import { pad } from '../ts/ref/pad.js';
import { CondConv2d, CondConvRouting, DynamicConv2d } from '../ts/nn/dynamic.js';
import { manualSeed } from '../ts/nn/init.js';
import * as wasm from '../ts/wasm/index.js';
import { mixtureBound, dynamicAttentionError, condconvRoutingError } from '../ts/verify/golden_dynconv.js';
import { seededTensor, absTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, assertBitExact, U } from './support/close.js';

await wasm.init();

const moduleCase = fc.record({
  N: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 5 }), groups: fc.integer({ min: 1, max: 2 }),
  cinPerGroup: fc.integer({ min: 1, max: 4 }), coutPerGroup: fc.integer({ min: 1, max: 4 }),
  kernel_size: fc.constantFrom(1, 3), stride: fc.constantFrom(1, 2), H: fc.integer({ min: 3, max: 9 }), W: fc.integer({ min: 3, max: 9 }),
  bias: fc.boolean(), temperature: fc.constantFrom(1, 4, 34), seed: fc.integer(),
}).map((c) => ({ ...c, C_in: c.groups * c.cinPerGroup, C_out: c.groups * c.coutPerGroup, padding: Math.floor(c.kernel_size / 2) }));
type ModuleCase = typeof moduleCase extends fc.Arbitrary<infer T> ? T : never;

/** A DynamicConv2d with every parameter random (so no init value hides a bug). */
function dyconv(c: ModuleCase): DynamicConv2d {
  manualSeed(c.seed);
  const m = new DynamicConv2d(c.C_in, c.C_out, c.kernel_size,
    { stride: c.stride, padding: c.padding, groups: c.groups, bias: c.bias, K: c.K, temperature: c.temperature });
  let s = c.seed;
  for (const [, t] of m.stateDict()) t.data.set(seededTensor(t.shape, s++, -1, 1).data);
  return m;
}

function condconv(c: ModuleCase): { router: CondConvRouting; conv: CondConv2d } {
  manualSeed(c.seed);
  const router = new CondConvRouting(c.C_in, c.K);
  const conv = new CondConv2d(c.C_in, c.C_out, { kernel_size: c.kernel_size, stride: c.stride, groups: c.groups, bias: c.bias, num_experts: c.K });
  return { router, conv };
}

const input = (c: ModuleCase) => seededTensor([c.N, c.C_in, c.H, c.W], c.seed + 1);
const convOpts = (c: ModuleCase) => ({ stride: c.stride, padding: c.padding, groups: c.groups });
const expert = (w: Tensor, k: number) => new Tensor(w.data.slice(k * (w.size / w.shape[0]), (k + 1) * (w.size / w.shape[0])), w.shape.slice(1));

// ---------------------------------------------------------------------------------------------

const Identities = suite('dynamic_conv2d/identities');

Identities('DynamicConv2d: π is a softmax over K (π ≥ 0, Σπ = 1) of GAP → FC → ReLU → FC logits / τ (Eq. (1)-(3))', () => {
  fc.assert(fc.property(moduleCase, (c) => {
    const m = dyconv(c), x = input(c);
    const pi = m.attentionWeights(x);
    const z = m.attention.logits(x);
    for (let n = 0; n < c.N; n++) {
      let s = 0, mx = -Infinity;
      for (let k = 0; k < c.K; k++) mx = Math.max(mx, z.data[n * c.K + k] / c.temperature);
      for (let k = 0; k < c.K; k++) s += Math.exp(z.data[n * c.K + k] / c.temperature - mx);
      for (let k = 0; k < c.K; k++) {
        const want = Math.exp(z.data[n * c.K + k] / c.temperature - mx) / s;
        assert.ok(Math.abs(pi.data[n * c.K + k] - want) <= 8 * U * (want + 1e-7) + 2 * U, `π[${n},${k}]`);
      }
    }
  }), { numRuns: runs(30) });
});

Identities('DynamicConv2d with K = 1 ⇒ plain conv2d for any input (softmax of one logit is exactly 1; §13.5; exact)', () => {
  fc.assert(fc.property(moduleCase, (c0) => {
    const c = { ...c0, K: 1 }, m = dyconv(c), x = input(c);
    const w = m.stateDict().get('weight')!, b = m.stateDict().get('bias') ?? null;
    assertBitExact(m.forward(x).data, conv2d(x, expert(w, 0), b ? expert(b, 0) : null, convOpts(c)).data);
  }), { numRuns: runs(30) });
});

Identities('DynamicConv2d with identical experts ⇒ conv2d(x, W) for any logits and temperature (Σπ = 1; §13.6; fp)', () => {
  fc.assert(fc.property(moduleCase, (c) => {
    const m = dyconv(c), x = input(c);
    const w = m.stateDict().get('weight')!, b = m.stateDict().get('bias') ?? null, size = w.size / c.K;
    for (let k = 1; k < c.K; k++) w.data.copyWithin(k * size, 0, size);
    if (b) for (let k = 1; k < c.K; k++) b.data.copyWithin(k * c.C_out, 0, c.C_out);
    const want = conv2d(x, expert(w, 0), b ? expert(b, 0) : null, convOpts(c));
    const scale = conv2d(absTensor(x), absTensor(expert(w, 0)), b ? absTensor(expert(b, 0)) : null, convOpts(c));
    assertWithinDotBound(m.forward(x).data, want.data, scale.data, { reduction: c.K + 4, label: 'identical experts', case: c });
  }), { numRuns: runs(30) });
});

Identities('temperature limits: τ → ∞ (1e7) gives the mean kernel; logits scaled by a at τ = 1 ≡ unscaled logits at τ = 1/a (§13.7; fp)', () => {
  fc.assert(fc.property(moduleCase, fc.constantFrom(0.5, 2, 3), (c, a) => {
    const m = dyconv(c), x = input(c);
    m.temperature = 1e7;
    const uniform = Tensor.full([c.N, c.K], 1 / c.K);
    const w = m.stateDict().get('weight')!, b = m.stateDict().get('bias') ?? null;
    const pi = m.attentionWeights(x), zmax = Math.max(...m.attention.logits(x).data.map(Math.abs));
    const dpi = new Tensor(pi.data.map(() => (2 * zmax / 1e7 + 8 * U) / c.K), pi.shape);       // |π − 1/K| ≤ π·2·max|z|/τ
    const bound = mixtureBound(x, w, b, uniform, dpi, convOpts(c));
    assertWithinDotBound(m.forward(x).data, conv2dMixture(x, w, b, uniform, convOpts(c)).data, Float64Array.from({ length: m.forward(x).size }, (_, i) => bound.bound(i) / U),
      { reduction: 1, slack: 1, label: 'τ → ∞', case: c });
    // scaling fc2 (weight and bias) by a multiplies the logits by a (exact for a power of two, fp otherwise)
    m.temperature = 1;
    const scaled = dyconv(c);
    scaled.temperature = 1 / a;
    const fc2 = m.attention.fc2;
    fc2.weight.data.set(fc2.weight.data.map((v) => v * a)); fc2.bias!.data.set(fc2.bias!.data.map((v) => v * a));
    const p1 = m.attentionWeights(x), p2 = scaled.attentionWeights(x);
    const err = dynamicAttentionError(x, m, p1);
    p1.data.forEach((v, i) => assert.ok(Math.abs(v - p2.data[i]) <= 2 * err.data[i] + 4 * U, `π scaled logits vs 1/a temperature at ${i}: ${v} vs ${p2.data[i]}`));
  }), { numRuns: runs(30) });
});

Identities('CondConv: router σ(Linear(GAP(x))); one router feeds several layers (EfficientNet-CondConv); K = 1 with r ≡ 1 ⇒ conv (§13.5)', () => {
  fc.assert(fc.property(moduleCase, (c) => {
    const { router, conv } = condconv(c), x = input(c);
    const r = router.forward(x);
    const pooled = globalAvgPool2d(x).reshape([c.N, c.C_in]);
    const lin = new Float32Array(c.N * c.K);
    const R = router.stateDict().get('weight')!.data, rb = router.stateDict().get('bias')!.data;
    for (let n = 0; n < c.N; n++) for (let k = 0; k < c.K; k++) {
      let s = rb[k];
      for (let ch = 0; ch < c.C_in; ch++) s += R[k * c.C_in + ch] * pooled.data[n * c.C_in + ch];
      lin[n * c.K + k] = s;
    }
    const want = sigmoid(new Tensor(lin, [c.N, c.K]));
    const dr = condconvRoutingError(x, router, r);
    r.data.forEach((v, i) => assert.ok(Math.abs(v - want.data[i]) <= dr.data[i] + 2 * U, 'router'));
    // a second layer (1x1, different out channels) fed by the same routing weights
    const second = new CondConv2d(c.C_in, 2 * c.groups, { kernel_size: 1, groups: c.groups, num_experts: c.K });
    const y1 = conv.forward(x, r), y2 = second.forward(x, r);
    assertBitExact(y1.data, conv2dMixture(x, conv.experts(), conv.stateDict().get('bias') ?? null, r, { stride: c.stride, padding: c.padding, groups: c.groups }).data, 'layer 1');
    assertBitExact(y2.data, conv2dMixture(x, second.experts(), null, r, { groups: c.groups }).data, 'layer 2');
    // K = 1, r ≡ 1
    const one = new CondConv2d(c.C_in, c.C_out, { kernel_size: c.kernel_size, stride: c.stride, groups: c.groups, bias: c.bias, num_experts: 1 });
    const w = one.experts(), b = one.stateDict().get('bias') ?? null;
    assertBitExact(one.forward(x, Tensor.full([c.N, 1], 1)).data, conv2d(x, expert(w, 0), b ? expert(b, 0) : null, convOpts(c)).data, 'K = 1');
  }), { numRuns: runs(30) });
});

Identities("CondConv2d padding: '' is timm's static ((s−1) + d(k−1))/2; 'same' with stride 2 is TF SAME (extra row/col at the bottom/right)", () => {
  const c = { N: 2, C_in: 3, C_out: 4, K: 3 };
  manualSeed(5);
  const x = seededTensor([c.N, c.C_in, 8, 9], 6), r = seededTensor([c.N, c.K], 7, 0, 1);
  const same = new CondConv2d(3, 4, { kernel_size: 3, stride: 2, padding: 'same', num_experts: 3 });
  // H = 8: total pad (4 − 1)·2 + 3 − 8 = 1 → top 0, bottom 1; W = 9: (5 − 1)·2 + 3 − 9 = 2 → 1 / 1
  assert.equal(same.paddingFor(8, 9), { conv: [0, 0], pre: [1, 1, 0, 1] });
  const want = conv2dMixture(pad(x, [1, 1, 0, 1]), same.experts(), null, r, { stride: 2 });
  assertBitExact(same.forward(x, r).data, want.data, "'same', stride 2");
  const timmDefault = new CondConv2d(3, 4, { kernel_size: 3, stride: 2, num_experts: 3 });
  assert.equal(timmDefault.paddingFor(8, 9), { conv: [1, 1], pre: null });   // ((2 − 1) + 1·2) // 2 = 1
  const staticSame = new CondConv2d(3, 4, { kernel_size: 5, padding: 'same', dilation: 2, num_experts: 3 });
  assert.equal(staticSame.paddingFor(8, 9), { conv: [4, 4], pre: null });
});

Identities('conv–BN folding: DynamicConv (Σπ = 1) folds BN into every expert incl. the shift; CondConv (Σr ≠ 1) must keep the shift static (§13.16; fp)', () => {
  fc.assert(fc.property(moduleCase, (c0) => {
    const c = { ...c0, bias: true }, x = input(c);
    const gamma = seededTensor([c.C_out], c.seed + 2, 0.5, 1.5), beta = seededTensor([c.C_out], c.seed + 3);
    const mean = seededTensor([c.C_out], c.seed + 4), variance = seededTensor([c.C_out], c.seed + 5, 0.5, 2);
    const s = Float64Array.from(gamma.data, (g, o) => g / Math.sqrt(variance.data[o] + 1e-5)), t = Float64Array.from(beta.data, (b, o) => b - mean.data[o] * s[o]);
    const bn = (y: Tensor) => new Tensor(y.data.map((v, i) => { const o = Math.floor(i / (y.shape[2] * y.shape[3])) % c.C_out; return v * s[o] + t[o]; }), y.shape);
    const fold = (w: Tensor, b: Tensor, withShift: boolean) => {
      const per = w.size / (c.K * c.C_out);
      return { w: new Tensor(w.data.map((v, i) => v * s[Math.floor(i / per) % c.C_out]), w.shape), b: new Tensor(b.data.map((v, i) => v * s[i % c.C_out] + (withShift ? t[i % c.C_out] : 0)), b.shape) };
    };
    // DynamicConv: BN(dyconv(x)) = dyconv with experts W_k·s and biases b_k·s + t
    const m = dyconv(c), pi = m.attentionWeights(x);
    const w = m.stateDict().get('weight')!, b = m.stateDict().get('bias')!;
    const f = fold(w, b, true);
    const bound = mixtureBound(x, f.w, new Tensor(f.b.data.map((v, i) => Math.abs(v) + Math.abs(t[i % c.C_out]) + Math.abs(b.data[i] * s[i % c.C_out])), f.b.shape), pi, null, convOpts(c));
    const folded = conv2dMixture(x, f.w, f.b, pi, convOpts(c));
    assertWithinDotBound(folded.data, bn(m.forwardWithAttention(x, pi)).data, Float64Array.from(folded.data, (_, i) => 2 * bound.bound(i) / U), { reduction: 1, slack: 1, label: 'DynamicConv fold', case: c });
    // CondConv: the routed biases fold with s only; the shift t is added once, statically
    const { router, conv } = condconv({ ...c, bias: true }), r = router.forward(x);
    const cw = conv.experts(), cb = conv.stateDict().get('bias')!;
    const g = fold(cw, cb, false);
    const foldedCond = new Tensor(conv2dMixture(x, g.w, g.b, r, convOpts(c)).data.map((v, i) => v + t[Math.floor(i / (folded.shape[2] * folded.shape[3])) % c.C_out]), folded.shape);
    const cb2 = mixtureBound(x, g.w, new Tensor(g.b.data.map((v) => Math.abs(v) + Math.max(...t.map(Math.abs))), g.b.shape), r, null, convOpts(c));
    assertWithinDotBound(foldedCond.data, bn(conv.forward(x, r)).data, Float64Array.from(foldedCond.data, (_, i) => 2 * cb2.bound(i) / U), { reduction: 1, slack: 1, label: 'CondConv fold', case: c });
  }), { numRuns: runs(25) });
});

Identities('batch independence of both modules (§13.40; exact in ref, and on wasm)', () => {
  fc.assert(fc.property(moduleCase, (c0) => {
    const c = { ...c0, N: 3 }, x = input(c);
    const m = dyconv(c), { router, conv } = condconv(c);
    for (const backend of ['ref', 'wasm'] as const) {
      const all = [m.forward(x, { backend }), conv.forward(x, router.forward(x, { backend }), { backend })];
      for (let n = 0; n < 3; n++) {
        const xn = new Tensor(x.data.slice(n * (x.size / 3), (n + 1) * (x.size / 3)), [1, ...x.shape.slice(1)]);
        const one = [m.forward(xn, { backend }), conv.forward(xn, router.forward(xn, { backend }), { backend })];
        one.forEach((t, k) => assertBitExact(all[k].data.subarray(n * t.size, (n + 1) * t.size), t.data, `${backend} module ${k} sample ${n}`));
      }
    }
  }), { numRuns: runs(15) });
});

Identities.run();

// ---------------------------------------------------------------------------------------------

const Modules = suite('dynamic_conv2d/modules');

Modules('state_dict keys and shapes: timm CondConv2d, kaijieshi7 Dynamic_conv2d (hidden = int(C·ratio) + 1, or K for C = 3)', () => {
  manualSeed(1);
  const cc = new CondConv2d(8, 6, { kernel_size: 3, groups: 2, bias: true, num_experts: 4 });
  assert.equal([...cc.stateDict()].map(([k, t]) => [k, [...t.shape]]), [['weight', [4, 6 * 4 * 9]], ['bias', [4, 6]]]);
  assert.equal([...new CondConvRouting(8, 4).stateDict()].map(([k, t]) => [k, [...t.shape]]), [['weight', [4, 8]], ['bias', [4]]]);
  const dy = new DynamicConv2d(64, 32, 3, { padding: 1 });
  assert.equal([...dy.stateDict()].map(([k, t]) => [k, [...t.shape]]),
    [['weight', [4, 32, 64, 3, 3]], ['bias', [4, 32]], ['attention.fc1.weight', [17, 64, 1, 1]], ['attention.fc2.weight', [4, 17, 1, 1]], ['attention.fc2.bias', [4]]]);
  const rgb = new DynamicConv2d(3, 8, 3, { K: 5 });
  assert.equal([...rgb.attention.fc1.weight.shape], [5, 3, 1, 1]);
  assert.is(dy.temperature, 34);
});

Modules('temperature: settable, validated (ParameterError for ≤ 0, NaN, ∞; the module keeps τ and still works), annealed −3 per step to 1', () => {
  manualSeed(2);
  const m = new DynamicConv2d(4, 4, 3, { padding: 1 });
  const x = seededTensor([2, 4, 5, 5], 3), before = m.forward(x);
  for (const bad of [0, -1, NaN, Infinity, '2' as unknown as number]) {
    assert.throws(() => { m.temperature = bad; }, (e: Error) => e instanceof ParameterError && /temperature must be a finite number > 0/.test(e.message), String(bad));
    assert.is(m.temperature, 34);
  }
  assertBitExact(m.forward(x).data, before.data, 'unchanged after the failed sets');
  assert.throws(() => new DynamicConv2d(4, 4, 3, { temperature: 0 }), (e: Error) => e instanceof ParameterError);
  const seen = [];
  for (let i = 0; i < 13; i++) { seen.push(m.temperature); m.updateTemperature(); }
  assert.equal(seen, [34, 31, 28, 25, 22, 19, 16, 13, 10, 7, 4, 1, 1]);
});

Modules('bad input: named errors before any work (missing routing, wrong routing length, wrong channels, too small), next call right', () => {
  manualSeed(3);
  const router = new CondConvRouting(4, 3), conv = new CondConv2d(4, 6, { kernel_size: 3, num_experts: 3 });
  const dy = new DynamicConv2d(4, 6, 3);
  const x = seededTensor([2, 4, 6, 6], 4), r = router.forward(x);
  const want = [conv.forward(x, r), dy.forward(x)];
  const cases: [string, () => unknown, RegExp][] = [
    ['CondConv2d without routing', () => (conv as any).forward(x), /routing_weights is missing/],
    ['routing of the wrong length', () => conv.forward(x, seededTensor([2, 4], 5)), /routing must have shape \[N, K\] = \[2,3\].*got \[2,4\]/],
    ['routing for another batch', () => conv.forward(x, seededTensor([3, 3], 5)), /routing must have shape \[N, K\] = \[2,3\].*got \[3,3\]/],
    ['CondConv2d wrong channels', () => conv.forward(seededTensor([2, 5, 6, 6], 6), r), /in_channels = 4, got 5/],
    ['router wrong channels', () => router.forward(seededTensor([2, 5, 6, 6], 6)), /in_features = 4, got 5/],
    ['DynamicConv2d wrong channels', () => dy.forward(seededTensor([2, 5, 6, 6], 6)), /in_planes = 4, got 5/],
    ['DynamicConv2d input smaller than the kernel', () => dy.forward(seededTensor([2, 4, 2, 6], 6)), /dilated kernel \[3,3\] must not be larger/],
    ['DynamicConv2d attention of the wrong length', () => dy.forwardWithAttention(x, seededTensor([2, 5], 6)), /routing must have shape \[N, K\] = \[2,4\]/],
  ];
  for (const [what, run, re] of cases) {
    assert.throws(run, (e: Error) => e instanceof ShapeError && re.test(e.message), what);
    assertBitExact(conv.forward(x, r).data, want[0].data, `after ${what}`);
    assertBitExact(dy.forward(x).data, want[1].data, `after ${what}`);
  }
  assert.throws(() => new CondConv2d(4, 6, { groups: 4 }), (e: Error) => e instanceof ParameterError);
  assert.throws(() => new CondConv2d(4, 4, { padding: 'full' as any }), (e: Error) => e instanceof ParameterError);
});

Modules.run();
