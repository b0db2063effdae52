// conv2d_per_sample, conv2d_mixture, conv2d_modulated: the per-sample-kernel family (dynconv-spec §0.4, §4.5,
// §13.1-4, 14-16). Identities on the reference, wasm ≈ ref properties, bad input on both backends.
// Golden cases against PyTorch run in spec/golden.test.ts (spec/fixtures/dynconv.safetensors).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError } from '../ts/core/errors.js';
import type { Conv2dOptions } from '../ts/core/geometry.js';
import type { Ops } from '../ts/core/ops.js';
import { conv2d } from '../ts/ref/conv2d.js';
import { conv2dPerSample, conv2dMixture, conv2dModulated, modulatedWeight } from '../ts/ref/conv2d_per_sample.js';
import { type WeightModulation } from '../ts/core/check/conv2d_per_sample.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { arenaStats } from '../ts/wasm/arena.js';
import { mixtureBound, modulatedBound } from '../ts/verify/golden_dynconv.js';
import { seededTensor, absTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, assertBitExact, U } from './support/close.js';

await wasm.init();

const convCase = fc.record({
  N: fc.integer({ min: 1, max: 3 }),
  K: fc.integer({ min: 1, max: 4 }),
  groups: fc.integer({ min: 1, max: 2 }),
  cinPerGroup: fc.integer({ min: 1, max: 3 }),
  coutPerGroup: fc.integer({ min: 1, max: 5 }),
  k_h: fc.integer({ min: 1, max: 3 }), k_w: fc.integer({ min: 1, max: 3 }),
  stride_h: fc.integer({ min: 1, max: 2 }), stride_w: fc.integer({ min: 1, max: 2 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  pad_h: fc.integer({ min: 0, max: 2 }), pad_w: fc.integer({ min: 0, max: 2 }),
  extraH: fc.integer({ min: 0, max: 6 }), extraW: fc.integer({ min: 0, max: 8 }),
  bias: fc.boolean(),
  seed: fc.integer(),
}).map((c) => {
  const effH = c.dilation * (c.k_h - 1) + 1, effW = c.dilation * (c.k_w - 1) + 1;
  const H = Math.max(1, effH - 2 * c.pad_h) + c.extraH, W = Math.max(1, effW - 2 * c.pad_w) + c.extraW;
  const options: Conv2dOptions = { stride: [c.stride_h, c.stride_w], padding: [c.pad_h, c.pad_w], dilation: c.dilation, groups: c.groups };
  return { ...c, C_in: c.groups * c.cinPerGroup, C_out: c.groups * c.coutPerGroup, H, W, options };
});
type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

function data(c: ConvCase) {
  const x = seededTensor([c.N, c.C_in, c.H, c.W], c.seed);
  const kshape = [c.C_out, c.cinPerGroup, c.k_h, c.k_w];
  return {
    x,
    perSampleW: seededTensor([c.N, ...kshape], c.seed ^ 1), perSampleB: c.bias ? seededTensor([c.N, c.C_out], c.seed ^ 2) : null,
    experts: seededTensor([c.K, ...kshape], c.seed ^ 3), expertBias: c.bias ? seededTensor([c.K, c.C_out], c.seed ^ 4) : null,
    routing: seededTensor([c.N, c.K], c.seed ^ 5, -1.5, 1.5),
    weight: seededTensor(kshape, c.seed ^ 6), bias: c.bias ? seededTensor([c.C_out], c.seed ^ 7) : null,
    gamma_in: seededTensor([c.N, c.C_in], c.seed ^ 8, 0.25, 2), gamma_out: seededTensor([c.N, c.C_out], c.seed ^ 9, -2, 2),
    gamma: seededTensor([c.N, ...kshape], c.seed ^ 10, 0.5, 1.5), beta: seededTensor([c.N, ...kshape], c.seed ^ 11, -0.5, 0.5),
  };
}

/** Sample n of a batched tensor as a batch of one. */
const sample = (t: Tensor, n: number) => new Tensor(t.data.slice(n * (t.size / t.shape[0]), (n + 1) * (t.size / t.shape[0])), [1, ...t.shape.slice(1)]);
const kernelOf = (t: Tensor, n: number) => new Tensor(t.data.slice(n * (t.size / t.shape[0]), (n + 1) * (t.size / t.shape[0])), t.shape.slice(1));

// ---------------------------------------------------------------------------------------------

const Identities = suite('conv2d_per_sample/identities');

Identities('grouped-conv trick (batch folded into channels, groups = N·groups) ≡ per-sample conv2d loop ≡ conv2dPerSample (§13.1; bit-exact in float64)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const d = data(c);
    const got = conv2dPerSample(d.x, d.perSampleW, d.perSampleB, c.options);
    const trick = conv2d(d.x.reshape([1, c.N * c.C_in, c.H, c.W]), d.perSampleW.reshape([c.N * c.C_out, c.cinPerGroup, c.k_h, c.k_w]),
      d.perSampleB ? d.perSampleB.reshape([c.N * c.C_out]) : null, { ...c.options, groups: c.N * c.groups });
    assertBitExact(got.data, trick.data, 'grouped-conv trick');
    for (let n = 0; n < c.N; n++) {
      const one = conv2d(sample(d.x, n), kernelOf(d.perSampleW, n), d.perSampleB ? kernelOf(d.perSampleB, n) : null, c.options);
      assertBitExact(got.data.subarray(n * one.size, (n + 1) * one.size), one.data, `sample ${n}`);
    }
  }), { numRuns: runs(60) });
});

Identities('expert linearity: conv(x, Σ r_k W_k) + Σ r_k b_k = Σ r_k (conv(x, W_k) + b_k) (§13.4; fp)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const d = data(c);
    const got = conv2dMixture(d.x, d.experts, d.expertBias, d.routing, c.options);
    const want = new Float64Array(got.size), P = got.size / c.N;
    for (let k = 0; k < c.K; k++) {
      const yk = conv2d(d.x, kernelOf(d.experts, k), d.expertBias ? kernelOf(d.expertBias, k) : null, c.options);
      for (let i = 0; i < got.size; i++) want[i] += d.routing.data[Math.floor(i / P) * c.K + k] * yk.data[i];
    }
    const scale = conv2dMixture(absTensor(d.x), absTensor(d.experts), d.expertBias ? absTensor(d.expertBias) : null, absTensor(d.routing), c.options);
    assertWithinDotBound(got.data, want, scale.data, { reduction: c.K + 2, label: 'expert linearity', case: c });
  }), { numRuns: runs(40) });
});

Identities('one-hot routing e_j ⇒ conv(x, W_j) + b_j (§13.3; exact); r ≡ 1 with K = 1 ⇒ plain conv (§13.5; exact)', () => {
  fc.assert(fc.property(convCase, fc.nat(), (c, pick) => {
    const d = data(c), j = pick % c.K;
    const onehot = Tensor.zeros([c.N, c.K]);
    for (let n = 0; n < c.N; n++) onehot.data[n * c.K + j] = 1;
    const want = conv2d(d.x, kernelOf(d.experts, j), d.expertBias ? kernelOf(d.expertBias, j) : null, c.options);
    assertBitExact(conv2dMixture(d.x, d.experts, d.expertBias, onehot, c.options).data, want.data, 'one-hot');
    const single = new Tensor(d.weight.data, [1, ...d.weight.shape]);
    assertBitExact(conv2dMixture(d.x, single, d.bias ? d.bias.reshape([1, c.C_out]) : null, Tensor.full([c.N, 1], 1), c.options).data,
      conv2d(d.x, d.weight, d.bias, c.options).data, 'K = 1');
  }), { numRuns: runs(40) });
});

Identities('uniform routing r = 1/K ⇒ conv(x, mean_k W_k) + mean_k b_k (§13.2; fp)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const d = data(c);
    const r = Tensor.full([c.N, c.K], 1 / c.K);
    const size = d.experts.size / c.K;
    const mean = Tensor.zeros(d.weight.shape), meanB = d.expertBias ? Tensor.zeros([c.C_out]) : null;
    for (let e = 0; e < size; e++) { let s = 0; for (let k = 0; k < c.K; k++) s += d.experts.data[k * size + e]; mean.data[e] = s / c.K; }
    if (meanB) for (let o = 0; o < c.C_out; o++) { let s = 0; for (let k = 0; k < c.K; k++) s += d.expertBias!.data[k * c.C_out + o]; meanB.data[o] = s / c.K; }
    const scale = conv2dMixture(absTensor(d.x), absTensor(d.experts), d.expertBias ? absTensor(d.expertBias) : null, absTensor(r), c.options);
    assertWithinDotBound(conv2dMixture(d.x, d.experts, d.expertBias, r, c.options).data, conv2d(d.x, mean, meanB, c.options).data, scale.data,
      { reduction: c.K + 2, label: 'uniform routing', case: c });
  }), { numRuns: runs(40) });
});

Identities('batch independence: sample n of a mixture / per-sample / modulated conv is what it is alone (§13.40; exact)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const d = data(c);
    const mod: WeightModulation = { gamma_in: d.gamma_in, gamma_out: d.gamma_out, demodulate: true };
    const all = [conv2dMixture(d.x, d.experts, d.expertBias, d.routing, c.options), conv2dModulated(d.x, d.weight, d.bias, mod, c.options)];
    for (let n = 0; n < c.N; n++) {
      const one = [conv2dMixture(sample(d.x, n), d.experts, d.expertBias, sample(d.routing, n), c.options),
        conv2dModulated(sample(d.x, n), d.weight, d.bias, { ...mod, gamma_in: sample(d.gamma_in, n), gamma_out: sample(d.gamma_out, n) }, c.options)];
      one.forEach((t, k) => assertBitExact(all[k].data.subarray(n * t.size, (n + 1) * t.size), t.data, `op ${k}, sample ${n}`));
    }
  }), { numRuns: runs(30) });
});

Identities('modulation by linearity: γ_in on the weight ≡ on the input; γ_out ≡ on the output; + β ≡ + conv(x, β) (§13.14; fp)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const d = data(c), P = (t: Tensor) => t.size / (t.shape[0] * t.shape[1]);
    // γ_in: conv(x ⊙ γ_in, W) — the factorised fast path
    const xs = new Tensor(d.x.data.map((v, i) => v * d.gamma_in.data[Math.floor(i / (c.H * c.W))]), d.x.shape);
    const viaInput = conv2d(xs, d.weight, d.bias, c.options);
    const scaleIn = conv2dModulated(absTensor(d.x), absTensor(d.weight), d.bias ? absTensor(d.bias) : null, { gamma_in: d.gamma_in }, c.options);
    const K = c.cinPerGroup * c.k_h * c.k_w + 2;
    assertWithinDotBound(conv2dModulated(d.x, d.weight, d.bias, { gamma_in: d.gamma_in }, c.options).data, viaInput.data, scaleIn.data, { reduction: K, label: 'γ_in', case: c });
    // γ_out: γ_out ⊙ conv(x, W), bias not scaled
    const plain = conv2d(d.x, d.weight, null, c.options), p = P(plain);
    const viaOutput = plain.data.map((v, i) => v * d.gamma_out.data[Math.floor(i / p)] + (d.bias ? d.bias.data[Math.floor(i / p) % c.C_out] : 0));
    const scaleOut = conv2dModulated(absTensor(d.x), absTensor(d.weight), d.bias ? absTensor(d.bias) : null, { gamma_out: absTensor(d.gamma_out) }, c.options);
    assertWithinDotBound(conv2dModulated(d.x, d.weight, d.bias, { gamma_out: d.gamma_out }, c.options).data, viaOutput, scaleOut.data, { reduction: K, label: 'γ_out', case: c });
    // β: conv(x, W + β) = conv(x, W) + conv(x, β) (β per sample)
    const betaConv = conv2dPerSample(d.x, d.beta, null, c.options).data;
    const viaSum = conv2d(d.x, d.weight, d.bias, c.options).data.map((v, i) => v + betaConv[i]);
    const scaleB = conv2dModulated(absTensor(d.x), absTensor(d.weight), d.bias ? absTensor(d.bias) : null, { beta: absTensor(d.beta) }, c.options);
    assertWithinDotBound(conv2dModulated(d.x, d.weight, d.bias, { beta: d.beta }, c.options).data, viaSum, scaleB.data, { reduction: K, label: 'β', case: c });
  }), { numRuns: runs(25) });
});

Identities('demodulation: every output filter of W″ has unit L2 norm (up to eps); StyleGAN2 fused ≡ non-fused (§13.15; fp)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const d = data(c);
    const mod: WeightModulation = { gamma_in: d.gamma_in, demodulate: true };
    const wn = modulatedWeight(d.x, d.weight, mod, c.options), F = c.cinPerGroup * c.k_h * c.k_w;
    // non-fused: x·s, the shared W, then the output scaled by d[n, o]
    const xs = new Tensor(d.x.data.map((v, i) => v * d.gamma_in.data[Math.floor(i / (c.H * c.W))]), d.x.shape);
    const y = conv2d(xs, d.weight, null, c.options), p = y.size / (c.N * c.C_out);
    const dcoef = new Float64Array(c.N * c.C_out);
    for (let n = 0; n < c.N; n++) for (let o = 0; o < c.C_out; o++) {
      let s = 0;
      for (let e = 0; e < F; e++) {
        const ci = Math.floor(e / (c.k_h * c.k_w)), cIn = Math.floor(o / c.coutPerGroup) * c.cinPerGroup + ci;
        s += (d.weight.data[o * F + e] * d.gamma_in.data[n * c.C_in + cIn]) ** 2;
      }
      dcoef[n * c.C_out + o] = 1 / Math.sqrt(s + 1e-8);
      // ‖W″[n, o]‖² = S / (S + eps): 1 up to eps (the float32 kernel carries F + 1 roundings of relative size u)
      let norm2 = 0;
      for (let e = 0; e < F; e++) norm2 += wn.data[(n * c.C_out + o) * F + e] ** 2;
      assert.ok(Math.abs(norm2 - s / (s + 1e-8)) <= 4 * (F + 2) * U, `filter (${n}, ${o}): ‖W″‖² = ${norm2}, S/(S+eps) = ${s / (s + 1e-8)}`);
      if (s > 1e-4) assert.ok(Math.abs(Math.sqrt(norm2) - 1) <= 4 * (F + 2) * U + 1e-4, 'unit norm');
    }
    const nonFused = y.data.map((v, i) => v * dcoef[Math.floor(i / p)]);
    const scale = conv2dPerSample(absTensor(d.x), absTensor(wn), null, c.options);
    assertWithinDotBound(conv2dModulated(d.x, d.weight, null, mod, c.options).data, nonFused, scale.data, { reduction: F + 8, label: 'fused vs non-fused', case: c });
  }), { numRuns: runs(25) });
});

Identities.run();

// ---------------------------------------------------------------------------------------------

const Wasm = suite('conv2d_per_sample/wasm');

const perSampleOp = (ops: Ops) => ops.conv2dPerSample ?? conv2dPerSample;
const mixtureOp = (ops: Ops) => ops.conv2dMixture ?? conv2dMixture;
const modulatedOp = (ops: Ops) => ops.conv2dModulated ?? conv2dModulated;

Wasm('wasm conv2dPerSample / conv2dMixture / conv2dModulated ≈ ref within their dot-product bounds (property)', () => {
  fc.assert(fc.property(convCase, fc.constantFrom<WeightModulation['demodulate']>(false, true), (c, demodulate) => {
    const d = data(c);
    const ref1 = conv2dPerSample(d.x, d.perSampleW, d.perSampleB, c.options), got1 = perSampleOp(wasm.ops)(d.x, d.perSampleW, d.perSampleB, c.options);
    assert.equal([...got1.shape], [...ref1.shape]);
    const scale1 = conv2dPerSample(absTensor(d.x), absTensor(d.perSampleW), d.perSampleB ? absTensor(d.perSampleB) : null, c.options);
    assertWithinDotBound(got1.data, ref1.data, scale1.data, { reduction: c.cinPerGroup * c.k_h * c.k_w + 1, label: 'conv2d_per_sample', case: c, shape: ref1.shape });
    const ref2 = conv2dMixture(d.x, d.experts, d.expertBias, d.routing, c.options), got2 = mixtureOp(wasm.ops)(d.x, d.experts, d.expertBias, d.routing, c.options);
    const b2 = mixtureBound(d.x, d.experts, d.expertBias, d.routing, null, c.options);
    assertWithinDotBound(got2.data, ref2.data, Float64Array.from(ref2.data, (_, i) => b2.bound(i) / U), { reduction: 1, slack: 1, label: 'conv2d_mixture', case: c, shape: ref2.shape });
    for (const mod of [{ gamma_in: d.gamma_in, gamma_out: d.gamma_out, demodulate }, { gamma_in: d.gamma_in, gamma: d.gamma, beta: d.beta, demodulate }] as WeightModulation[]) {
      const ref3 = conv2dModulated(d.x, d.weight, d.bias, mod, c.options), got3 = modulatedOp(wasm.ops)(d.x, d.weight, d.bias, mod, c.options);
      const b3 = modulatedBound(d.x, d.weight, d.bias, mod, c.options);
      assertWithinDotBound(got3.data, ref3.data, Float64Array.from(ref3.data, (_, i) => b3.bound(i) / U), { reduction: 1, slack: 1, atol: 1e-30, label: 'conv2d_modulated', case: { c, mod: Object.keys(mod) }, shape: ref3.shape });
    }
  }), { numRuns: runs(100) });
});

Wasm.run();

// ---------------------------------------------------------------------------------------------

const Errors = suite('conv2d_per_sample/errors');

const x = seededTensor([2, 4, 6, 7], 1);
const opts: Conv2dOptions = { padding: 1, groups: 2 };
const bad: { what: string; run: (ops: Ops) => unknown; error: typeof ShapeError | typeof ParameterError; mentions: string; op: string }[] = [
  { what: 'per-sample weight batch ≠ N', op: 'conv2d_per_sample', error: ShapeError, mentions: 'weight.shape[0] must equal N = 2', run: (o) => perSampleOp(o)(x, seededTensor([3, 6, 2, 3, 3], 2), null, opts) },
  { what: 'per-sample weight of rank 4', op: 'conv2d_per_sample', error: ShapeError, mentions: 'weight must have rank 5', run: (o) => perSampleOp(o)(x, seededTensor([6, 2, 3, 3], 2), null, opts) },
  { what: 'per-sample bias [C_out]', op: 'conv2d_per_sample', error: ShapeError, mentions: 'bias must have shape [N, C_out] = [2,6]', run: (o) => perSampleOp(o)(x, seededTensor([2, 6, 2, 3, 3], 2), seededTensor([6], 3), opts) },
  { what: 'per-sample channel mismatch', op: 'conv2d_per_sample', error: ShapeError, mentions: 'weight.shape[1] must equal C_in / groups = 2', run: (o) => perSampleOp(o)(x, seededTensor([2, 6, 3, 3, 3], 2), null, opts) },
  { what: 'routing weights of the wrong length', op: 'conv2d_mixture', error: ShapeError, mentions: 'routing must have shape [N, K] = [2,4]', run: (o) => mixtureOp(o)(x, seededTensor([4, 6, 2, 3, 3], 2), null, seededTensor([2, 3], 4), opts) },
  { what: 'routing for the wrong batch', op: 'conv2d_mixture', error: ShapeError, mentions: 'routing must have shape [N, K] = [2,4]', run: (o) => mixtureOp(o)(x, seededTensor([4, 6, 2, 3, 3], 2), null, seededTensor([3, 4], 4), opts) },
  { what: 'expert bias [C_out]', op: 'conv2d_mixture', error: ShapeError, mentions: 'bias must have shape [K, C_out] = [4,6]', run: (o) => mixtureOp(o)(x, seededTensor([4, 6, 2, 3, 3], 2), seededTensor([6], 3), seededTensor([2, 4], 4), opts) },
  { what: 'zero experts', op: 'conv2d_mixture', error: ShapeError, mentions: 'experts K', run: (o) => mixtureOp(o)(x, Tensor.zeros([0, 6, 2, 3, 3]), null, Tensor.zeros([2, 0]), opts) },
  { what: 'kernel larger than the padded input', op: 'conv2d_mixture', error: ShapeError, mentions: 'dilated kernel', run: (o) => mixtureOp(o)(x, seededTensor([4, 6, 2, 9, 3], 2), null, seededTensor([2, 4], 4), opts) },
  { what: 'gamma_in of length C_out', op: 'conv2d_modulated', error: ShapeError, mentions: 'gamma_in must have shape [2,4]', run: (o) => modulatedOp(o)(x, seededTensor([6, 2, 3, 3], 2), null, { gamma_in: seededTensor([2, 6], 5) }, opts) },
  { what: 'gamma_out of length C_in', op: 'conv2d_modulated', error: ShapeError, mentions: 'gamma_out must have shape [2,6]', run: (o) => modulatedOp(o)(x, seededTensor([6, 2, 3, 3], 2), null, { gamma_out: seededTensor([2, 4], 5) }, opts) },
  { what: 'beta of the weight shape without N', op: 'conv2d_modulated', error: ShapeError, mentions: 'beta must have shape [2,6,2,3,3]', run: (o) => modulatedOp(o)(x, seededTensor([6, 2, 3, 3], 2), null, { beta: seededTensor([6, 2, 3, 3], 5) }, opts) },
  { what: 'negative eps', op: 'conv2d_modulated', error: ParameterError, mentions: 'eps must be a finite number ≥ 0', run: (o) => modulatedOp(o)(x, seededTensor([6, 2, 3, 3], 2), null, { demodulate: true, eps: -1 }, opts) },
  { what: 'stride 0', op: 'conv2d_mixture', error: ParameterError, mentions: 'stride', run: (o) => mixtureOp(o)(x, seededTensor([4, 6, 2, 3, 3], 2), null, seededTensor([2, 4], 4), { ...opts, stride: 0 }) },
];

for (const ops of [refOps, wasm.ops]) {
  Errors(`named errors before any work; the next call is still right (${ops.name})`, () => {
    const w = seededTensor([4, 6, 2, 3, 3], 2), r = seededTensor([2, 4], 4);
    const want = conv2dMixture(x, w, null, r, opts);
    for (const c of bad) {
      const before = ops.name === 'wasm' ? arenaStats().mark : 0;
      try {
        c.run(ops);
        assert.unreachable(`${c.what}: no error`);
      } catch (e) {
        assert.instance(e, c.error, `${c.what}: ${(e as Error).name}: ${(e as Error).message}`);
        const msg = (e as Error).message;
        assert.ok(msg.startsWith(`${c.op}: `), `${c.what}: op id first: ${msg}`);
        assert.ok(msg.includes(c.mentions), `${c.what}: message mentions "${c.mentions}": ${msg}`);
        if (c.error === ShapeError) assert.ok(msg.includes('input=[2,4,6,7]'), `${c.what}: shapes listed: ${msg}`);
      }
      if (ops.name === 'wasm') assert.is(arenaStats().mark, before, `${c.what}: arena untouched`);
      const b = mixtureBound(x, w, null, r, null, opts);
      const again = mixtureOp(ops)(x, w, null, r, opts);
      assertWithinDotBound(again.data, want.data, Float64Array.from(want.data, (_, i) => b.bound(i) / U), { reduction: 1, slack: 1, label: `after ${c.what}` });
    }
  });
}

Errors.run();
