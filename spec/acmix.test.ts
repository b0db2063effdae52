// acmix: the paper's identities on the official module (Pan et al., CVPR 2022, arXiv:2111.14556):
// Eq. (12) with one rate at 0 gives a single path; at the official init the convolution path is a sum of
// k² shifted maps (§4.2, Eq. 13-15); the projections are shared by both paths (§4.1).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ACmix } from '../ts/nn/acmix.js';
import { manualSeed } from '../ts/nn/init.js';
import { ops as refOps, localAttention, acmixFc, shift2d, conv2d, acmixForward } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, assertBitExact } from './support/close.js';
import { acmix as acmixWasm, acmixFc as acmixFcWasm, acmixForward as acmixForwardWasm } from '../ts/wasm/acmix.js';
import { conv2d as conv2dWasm } from '../ts/wasm/conv2d.js';
import { axpby } from '../ts/ref/index.js';
import { acmixPosition } from '../ts/core/check/acmix.js';
import type { ACmixTrace } from '../ts/nn/acmix.js';
import { localAttentionBound, assertWithinAttentionBound } from './support/attention_bound.js';

await wasm.init();

const acmixCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }), in_planes: fc.integer({ min: 1, max: 6 }), head: fc.integer({ min: 1, max: 3 }),
  head_dim: fc.integer({ min: 1, max: 3 }), kernel_att: fc.constantFrom(3, 5, 7), stride: fc.constantFrom(1, 2),
  extraH: fc.integer({ min: 0, max: 3 }), extraW: fc.integer({ min: 0, max: 3 }), seed: fc.integer(), randomise: fc.boolean(),
}).map((c) => {
  const P = Math.floor(c.kernel_att / 2), fit = (e: number) => c.stride * Math.ceil((P + 1 + e) / c.stride);
  return { ...c, out_planes: c.head * c.head_dim, H: fit(c.extraH), W: fit(c.extraW) };
});

function build(c: { in_planes: number; out_planes: number; kernel_att: number; head: number; stride: number; seed: number; randomise: boolean }): ACmix {
  manualSeed(c.seed);
  const m = new ACmix(c.in_planes, c.out_planes, { kernel_att: c.kernel_att, head: c.head, kernel_conv: 3, stride: c.stride });
  if (c.randomise) {   // every parameter random, so no initial value hides a bug
    let s = c.seed;
    for (const [, t] of m.stateDict()) t.data.set(seededTensor(t.shape, s++, -1, 1).data);
  }
  return m;
}

const Identities = suite('acmix/identities');

Identities('rate2 = 0: the block is rate1 × its attention path; rate1 = 0: rate2 × its conv path (Eq. 12)', () => {
  fc.assert(fc.property(acmixCase, (c) => {
    const m = build(c), x = seededTensor([c.N, c.in_planes, c.H, c.W], c.seed + 7);
    const full = m.forwardDetailed(x);
    m.loadStateDict({ rate1: Tensor.full([1], 1), rate2: Tensor.zeros([1]) }, { strict: false });
    assertWithinDotBound(m.forward(x).data, full.outAtt.data, null, { reduction: 1, label: 'rate2 = 0', case: c });
    m.loadStateDict({ rate1: Tensor.zeros([1]), rate2: Tensor.full([1], 1) }, { strict: false });
    assertWithinDotBound(m.forward(x).data, full.outConv.data, null, { reduction: 1, label: 'rate1 = 0', case: c });
  }), { numRuns: runs(40) });
});

Identities('the attention path is local attention on the shared projections q, k, v (§4.1)', () => {
  fc.assert(fc.property(acmixCase, (c) => {
    const m = build(c), x = seededTensor([c.N, c.in_planes, c.H, c.W], c.seed + 3);
    const r = m.forwardDetailed(x);
    const w = m.weights();
    const q = conv2d(x, w['conv1.weight'], w['conv1.bias']), k = conv2d(x, w['conv2.weight'], w['conv2.bias']), v = conv2d(x, w['conv3.weight'], w['conv3.bias']);
    assertBitExact(r.q.data, q.data, 'q'); assertBitExact(r.k.data, k.data, 'k'); assertBitExact(r.v.data, v.data, 'v');
    assertBitExact(r.outAtt.data, localAttention(q, k, v, r.pe, { head: c.head, kernel_att: c.kernel_att, stride: c.stride }).data, 'attention path');
  }), { numRuns: runs(30) });
});

Identities('official init, stride 1: the conv path is the sum of k² shifted fc maps (§4.2, Eq. 13-15)', () => {
  fc.assert(fc.property(acmixCase, (c0) => {
    const c = { ...c0, stride: 1, randomise: false, H: c0.H, W: c0.W };
    const m = build(c), x = seededTensor([c.N, c.in_planes, c.H, c.W], c.seed + 5);
    const r = m.forwardDetailed(x);
    const f = acmixFc(r.q, r.k, r.v, m.weights()['fc.weight'], { head: c.head });           // [N, head_dim·9, H, W]
    const hd = c.head_dim, plane = c.H * c.W;
    // channel o of the conv path belongs to dep_conv group d = ⌊o / head⌋ and sums Shift(f[d·9 + t], ⌊t/3⌋ − 1, t mod 3 − 1).
    const shifted = shift2d(f, Array.from({ length: hd * 9 }, (_, ch) => [Math.floor((ch % 9) / 3) - 1, (ch % 9) % 3 - 1] as [number, number]));
    const want = new Float32Array(c.N * c.out_planes * plane), absScale = new Float64Array(want.length);
    for (let n = 0; n < c.N; n++) for (let o = 0; o < c.out_planes; o++) {
      const d = Math.floor(o / c.head);
      for (let ij = 0; ij < plane; ij++) {
        let s = 0, a = 0;
        for (let t = 0; t < 9; t++) { const v = shifted.data[(n * hd * 9 + d * 9 + t) * plane + ij]; s += v; a += Math.abs(v); }
        want[(n * c.out_planes + o) * plane + ij] = s;
        absScale[(n * c.out_planes + o) * plane + ij] = a;
      }
    }
    assertWithinDotBound(r.outConv.data, want, absScale,
      { reduction: 9, label: 'conv path vs shift-and-sum', case: c });
  }), { numRuns: runs(30) });
});

Identities('batch independence: each image of a batch gives what it gives alone (ref and wasm)', () => {
  const m = build({ in_planes: 5, out_planes: 6, kernel_att: 5, head: 2, stride: 1, seed: 11, randomise: true });
  const x = seededTensor([3, 5, 6, 7], 12);
  for (const ops of [refOps, wasm.ops]) {
    const all = m.forward(x, { backend: ops });
    for (let n = 0; n < 3; n++) {
      const one = m.forward(new Tensor(x.data.slice(n * 210, (n + 1) * 210), [1, 5, 6, 7]), { backend: ops });
      assertBitExact(all.data.subarray(n * 252, (n + 1) * 252), one.data, `image ${n} on ${ops.name}`);
    }
  }
});

Identities.run();

const Wasm = suite('acmix/wasm');
Wasm('wasm forward equals ref forward on random ACmix configurations (conv2d runs on WASM, the rest delegates)', () => {
  fc.assert(fc.property(acmixCase, (c) => {
    const m = build(c), x = seededTensor([c.N, c.in_planes, c.H, c.W], c.seed + 9);
    const a = m.forward(x, { backend: 'ref' }), b = m.forward(x, { backend: 'wasm' });
    // Longest float32 reduction chain on wasm: the 1x1 projections (in_planes + 1) then dep_conv (81) in float32;
    // the attention path amplifies a projection error by at most |q|·|k| terms: a chain bound with K = in_planes + 3·head_dim + 2·k_att² + 81.
    let mean = 0; for (const v of a.data) mean += Math.abs(v); mean /= a.size;
    const K = c.in_planes + 1 + 3 * c.head_dim + 2 * c.kernel_att ** 2 + 81 + 3 * c.head;
    assertWithinDotBound(b.data, a.data, a.data.map((v) => Math.abs(v) + mean), { reduction: K, slack: 4, label: 'acmix wasm vs ref', case: c });
  }), { numRuns: runs(40) });
});
Wasm.run();

// ---------------------------------------------------------------------------------------------
// acmix/wasm (continued): the fused forward of ts/wasm/acmix.ts (Ops.acmixForward), step by step.
// Each stage is checked on the fused run's own inputs, so every bound is that of one step:
//   stage I and pe: one GEMM per image with the same order as ts/wasm/conv2d.ts → bit for bit;
//   attention path: the local-attention bound (spec/support/attention_bound.ts) on the fused q, k, v, pe;
//   conv path: fc (K = 3·head) then dep_conv (K = 9·9 + bias): a chain of two float32 reductions,
//     |Δ| ≤ 2·(3·head + 82)·u·Σ|w|·(Σ|fc|·|z|) + … = 2·(3·head + 82)·u·absScale,
//     absScale = conv2d(acmixFc(|q|, |k|, |v|, |fc|), |w|, |b|) (the reference on absolute values);
//   Eq. (12): fl(fl(rate1·att) + fl(rate2·conv)) exactly as the reference's axpby → bit for bit.

const Fused = suite('acmix/wasm');

Fused('fused forward, stage by stage: q, k, v, pe bit-exact; attention and conv paths within their bounds; Eq. 12 bit-exact', () => {
  fc.assert(fc.property(acmixCase, (c) => {
    const m = build(c), x = seededTensor([c.N, c.in_planes, c.H, c.W], c.seed + 21);
    const w = m.weights();
    const r = m.forwardDetailed(x, { backend: 'wasm' });
    for (const [key, t] of [['conv1', r.q], ['conv2', r.k], ['conv3', r.v]] as const) {
      assertBitExact(t.data, conv2dWasm(x, w[`${key}.weight`], w[`${key}.bias`]).data, `${key} (stage I)`);
    }
    assertBitExact(r.pe.data, conv2dWasm(acmixPosition(c.H, c.W), w['conv_p.weight'], w['conv_p.bias']).data, 'pe');
    const options = { head: c.head, kernel_att: c.kernel_att, stride: c.stride };
    assertWithinAttentionBound(r.outAtt.data, localAttention(r.q, r.k, r.v, r.pe, options).data,
      localAttentionBound(r.q, r.k, r.v, r.pe, options), { label: 'attention path', case: c });
    const convOptions = { groups: c.head_dim, padding: 1, stride: c.stride };
    const abs = (t: Tensor) => new Tensor(t.data.map(Math.abs), t.shape);
    const wantConv = conv2d(acmixFc(r.q, r.k, r.v, w['fc.weight'], { head: c.head }), w['dep_conv.weight'], null, convOptions);
    const absScale = conv2d(acmixFc(abs(r.q), abs(r.k), abs(r.v), abs(w['fc.weight']), { head: c.head }), abs(w['dep_conv.weight']), null, convOptions);
    assertWithinDotBound(r.outConv.data, wantConv.data, absScale.data, { reduction: 3 * c.head + 82, slack: 2, atol: 1e-30, label: 'conv path', case: c });
    assertBitExact(r.output.data, axpby(w.rate1.data[0], r.outAtt, w.rate2.data[0], r.outConv).data, 'Eq. 12 mix');
  }), { numRuns: runs(40) });
});

Fused('Eq. (12) on wasm: rate2 = 0 gives the attention path, rate1 = 0 the conv path, bit for bit', () => {
  fc.assert(fc.property(acmixCase, (c) => {
    const m = build(c), x = seededTensor([c.N, c.in_planes, c.H, c.W], c.seed + 23);
    const full = m.forwardDetailed(x, { backend: 'wasm' });
    m.loadStateDict({ rate1: Tensor.full([1], 1), rate2: Tensor.zeros([1]) }, { strict: false });
    assertBitExact(m.forward(x, { backend: 'wasm' }).data, full.outAtt.data, 'rate2 = 0: the attention path');
    m.loadStateDict({ rate1: Tensor.zeros([1]), rate2: Tensor.full([1], 1) }, { strict: false });
    assertBitExact(m.forward(x, { backend: 'wasm' }).data, full.outConv.data, 'rate1 = 0: the conv path');
  }), { numRuns: runs(25) });
});

Fused('the functional wasm acmix (output only) equals forwardDetailed\'s output; stage trace filled; arena restored', () => {
  const m = build({ in_planes: 5, out_planes: 6, kernel_att: 5, head: 3, stride: 2, seed: 31, randomise: true });
  const x = seededTensor([2, 5, 8, 6], 32);
  const before = arenaStatsOf();
  const trace: ACmixTrace = {};
  const detailed = m.forwardDetailed(x, { backend: 'wasm', trace });
  const direct = acmixForwardWasm(x, m.weights(), m.config);
  assertBitExact(acmixWasm(x, m.weights(), { kernel_att: 5, head: 3, stride: 2 }).data, detailed.output.data, 'functional acmix');
  assertBitExact(direct.output.data, detailed.output.data, 'acmixForward');
  for (const key of ['stage_i_ms', 'stage_ii_attention_ms', 'stage_ii_conv_ms', 'mix_ms'] as const) {
    assert.ok(typeof trace[key] === 'number' && trace[key]! >= 0, `trace.${key} = ${trace[key]}`);
  }
  assert.equal(arenaStatsOf(), before);
});

Fused('the fused forward throws the reference\'s errors before any work (state dict, odd H with stride 2)', () => {
  const m = build({ in_planes: 4, out_planes: 4, kernel_att: 3, head: 2, stride: 2, seed: 41, randomise: false });
  const before = arenaStatsOf();
  for (const [x, weights] of [
    [seededTensor([1, 4, 7, 8], 1), m.weights()],                                         // odd H with stride 2
    [seededTensor([1, 3, 8, 8], 2), m.weights()],                                         // in_planes mismatch
    [seededTensor([1, 4, 8, 8], 3), { ...m.weights(), 'fc.weight': Tensor.zeros([9, 5, 1, 1]) }],   // mis-shaped fc
  ] as const) {
    let refError: Error | null = null, wasmError: Error | null = null;
    try { acmixForward(x, weights, m.config); } catch (e) { refError = e as Error; }
    try { acmixForwardWasm(x, weights, m.config); } catch (e) { wasmError = e as Error; }
    assert.ok(refError && wasmError, 'both throw');
    assert.is(wasmError!.constructor, refError!.constructor);
    assert.is(wasmError!.message, refError!.message);
  }
  assert.equal(arenaStatsOf(), before);
});

Fused('acmixFc on wasm equals the reference within 2·(3·head)·u·Σ|fc|·|z| (and throws its errors)', () => {
  fc.assert(fc.property(fc.record({
    N: fc.integer({ min: 1, max: 2 }), head: fc.integer({ min: 1, max: 5 }), head_dim: fc.integer({ min: 1, max: 6 }),
    T: fc.integer({ min: 1, max: 10 }), H: fc.integer({ min: 1, max: 6 }), W: fc.integer({ min: 1, max: 19 }), seed: fc.integer(),
  }), (c) => {
    const C = c.head * c.head_dim, shape = [c.N, C, c.H, c.W];
    const q = seededTensor(shape, c.seed), k = seededTensor(shape, c.seed + 1), v = seededTensor(shape, c.seed + 2);
    const fcW = seededTensor([c.T, 3 * c.head, 1, 1], c.seed + 3);
    const abs = (t: Tensor) => new Tensor(t.data.map(Math.abs), t.shape);
    const want = acmixFc(q, k, v, fcW, { head: c.head }), got = acmixFcWasm(q, k, v, fcW, { head: c.head });
    assert.equal(got.shape, want.shape);
    assertWithinDotBound(got.data, want.data, acmixFc(abs(q), abs(k), abs(v), abs(fcW), { head: c.head }).data,
      { reduction: 3 * c.head, slack: 2, atol: 1e-30, label: 'acmix_fc', case: c, shape: want.shape });
  }), { numRuns: runs(40) });
  const q = seededTensor([1, 4, 3, 3], 1);
  for (const [kk, w, head] of [[seededTensor([1, 4, 3, 2], 2), seededTensor([9, 6, 1, 1], 3), 2], [q, seededTensor([9, 5, 1, 1], 3), 2], [q, seededTensor([9, 9, 1, 1], 3), 3]] as const) {
    let refError: Error | null = null, wasmError: Error | null = null;
    try { acmixFc(q, kk, q, w, { head: head }); } catch (e) { refError = e as Error; }
    try { acmixFcWasm(q, kk, q, w, { head: head }); } catch (e) { wasmError = e as Error; }
    assert.ok(refError && wasmError && wasmError.message === refError.message, `same error: ${refError?.message} / ${wasmError?.message}`);
  }
});

function arenaStatsOf(): { mark: number; depth: number } {
  const s = wasm.arenaStats();
  return { mark: s.mark, depth: s.depth };
}

Fused.run();

