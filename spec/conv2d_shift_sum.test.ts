// conv2d_shift_sum: the paper's identity that a k×k convolution equals Stage I (k² one-by-one projections)
// followed by Stage II (shift and sum) — ACmix §3.1, Eq. (2)-(7) — over random shapes, strides, paddings,
// dilations and groups; and the classical dilation identity.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { conv2d } from '../ts/ref/conv2d.js';
import { conv2dShiftSum, conv2dStageI, conv2dStageII } from '../ts/ref/conv2d_shift_sum.js';
import { seededTensor, absTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound } from './support/close.js';

const convCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 3 }),
  cinPerGroup: fc.integer({ min: 1, max: 3 }), coutPerGroup: fc.integer({ min: 1, max: 3 }),
  k_h: fc.integer({ min: 1, max: 3 }), k_w: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 3 }), padding: fc.integer({ min: 0, max: 2 }), dilation: fc.integer({ min: 1, max: 2 }),
  extraH: fc.integer({ min: 0, max: 6 }), extraW: fc.integer({ min: 0, max: 6 }), bias: fc.boolean(), seed: fc.integer(),
}).map((c) => ({
  ...c, C_in: c.groups * c.cinPerGroup, C_out: c.groups * c.coutPerGroup,
  H: Math.max(1, c.dilation * (c.k_h - 1) + 1 - 2 * c.padding) + c.extraH,
  W: Math.max(1, c.dilation * (c.k_w - 1) + 1 - 2 * c.padding) + c.extraW,
}));

const Identities = suite('conv2d_shift_sum/identities');

Identities('conv2d == Stage II(Stage I(x)) (Eq. 2-7) on random shapes, strides, paddings, dilations, groups', () => {
  fc.assert(fc.property(convCase, (c) => {
    const x = seededTensor([c.N, c.C_in, c.H, c.W], c.seed);
    const w = seededTensor([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x5bd1e995);
    const b = c.bias ? seededTensor([c.C_out], c.seed + 1) : null;
    const opts = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
    const direct = conv2d(x, w, b, opts);
    const twoStage = conv2dShiftSum(x, w, b, opts);
    assert.equal([...twoStage.shape], [...direct.shape]);
    // Stage I rounds each tap's projection once, Stage II sums k_h·k_w rounded terms: K = taps + C_in/groups.
    const absScale = conv2d(absTensor(x), absTensor(w), b ? absTensor(b) : null, opts).data;
    assertWithinDotBound(twoStage.data, direct.data, absScale, { reduction: c.k_h * c.k_w + c.cinPerGroup + 1, slack: 2, label: 'two-stage vs direct', case: c, shape: direct.shape });
  }), { numRuns: runs(150) });
});

Identities('Stage I is k² 1x1 convolutions: tap (p, q) of Stage I == conv2d with weight[:, :, p, q]', () => {
  fc.assert(fc.property(convCase, (c) => {
    const x = seededTensor([c.N, c.C_in, c.H, c.W], c.seed);
    const w = seededTensor([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x1234567);
    const proj = conv2dStageI(x, w, { groups: c.groups });
    const T = c.k_h * c.k_w, plane = c.H * c.W;
    for (let t = 0; t < T; t++) {
      const wt = new Tensor(w.data.filter((_, i) => i % T === t), [c.C_out, c.cinPerGroup, 1, 1]);
      const y = conv2d(x, wt, null, { groups: c.groups });
      for (let n = 0; n < c.N; n++) {
        const got = proj.data.subarray(((n * T + t) * c.C_out) * plane, ((n * T + t + 1) * c.C_out) * plane);
        const want = y.data.subarray(n * c.C_out * plane, (n + 1) * c.C_out * plane);
        assert.equal(Array.from(got), Array.from(want), `tap ${t}, image ${n}`); // same float64 sum, same order: bit-exact
      }
    }
  }), { numRuns: runs(60) });
});

Identities('dilation d == a kernel with d − 1 zeros inserted between taps (tfjs identity)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const x = seededTensor([c.N, c.C_in, c.H, c.W], c.seed);
    const w = seededTensor([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x777);
    const kh = c.dilation * (c.k_h - 1) + 1, kw = c.dilation * (c.k_w - 1) + 1;
    const wz = Tensor.zeros([c.C_out, c.cinPerGroup, kh, kw]);
    for (let oc = 0; oc < c.C_out * c.cinPerGroup; oc++) for (let p = 0; p < c.k_h; p++) for (let q = 0; q < c.k_w; q++) {
      wz.data[(oc * kh + p * c.dilation) * kw + q * c.dilation] = w.data[(oc * c.k_h + p) * c.k_w + q];
    }
    const a = conv2d(x, w, null, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
    const b = conv2d(x, wz, null, { stride: c.stride, padding: c.padding, groups: c.groups });
    assert.equal(Array.from(a.data), Array.from(b.data)); // zero terms add exactly: bit-exact
  }), { numRuns: runs(80) });
});

Identities('Stage II with stride equals Stage II at stride 1 subsampled every `stride` pixels', () => {
  fc.assert(fc.property(convCase, (c) => {
    const x = seededTensor([c.N, c.C_in, c.H, c.W], c.seed);
    const w = seededTensor([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x999);
    const proj = conv2dStageI(x, w, { groups: c.groups });
    const s1 = conv2dStageII(proj, [c.k_h, c.k_w], null, { padding: c.padding, dilation: c.dilation });
    const s = conv2dStageII(proj, [c.k_h, c.k_w], null, { stride: c.stride, padding: c.padding, dilation: c.dilation });
    const [, , H1, W1] = s1.shape, [, , Hs, Ws] = s.shape;
    for (let nc = 0; nc < c.N * c.C_out; nc++) for (let i = 0; i < Hs; i++) for (let j = 0; j < Ws; j++) {
      assert.is(s.data[(nc * Hs + i) * Ws + j], s1.data[(nc * H1 + i * c.stride) * W1 + j * c.stride]);
    }
  }), { numRuns: runs(60) });
});

Identities.run();
