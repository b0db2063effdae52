// acmix: the paper's identities on the official module (Pan et al., CVPR 2022, arXiv:2111.14556):
// Eq. (12) with one rate at 0 gives a single path; at the official init the convolution path is a sum of
// k² shifted maps (§4.2, Eq. 13-15); the projections are shared by both paths (§4.1).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ACmix } from '../ts/nn/acmix.js';
import { manualSeed } from '../ts/nn/init.js';
import { ops as refOps, localAttention, acmixFc, shift2d, conv2d } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, assertBitExact } from './support/close.js';

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
  const m = new ACmix(c.in_planes, c.out_planes, c.kernel_att, c.head, 3, c.stride);
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
    const f = acmixFc(r.q, r.k, r.v, m.weights()['fc.weight'], c.head);           // [N, head_dim·9, H, W]
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
