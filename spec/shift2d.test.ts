// shift2d: the Shift operation (ACmix Eq. 4; Wu et al. 2018) and its identity with a depthwise convolution
// whose kernel is one-hot (ACmix §4.2, Eq. 13-15). Data movement: bit-exact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { conv2d } from '../ts/ref/conv2d.js';
import { shift2d, shift2dAsConv } from '../ts/ref/shift2d.js';
import { shiftKernel, shiftKernels } from '../ts/core/check/shift2d.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';

const shiftCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 9 }),
  r: fc.integer({ min: 1, max: 2 }), seed: fc.integer(), pick: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
});

const Identities = suite('shift2d/identities');

Identities('Shift(dy, dx) == depthwise conv2d with the one-hot kernel, padding ⌊k/2⌋, per channel (Eq. 13-15)', () => {
  fc.assert(fc.property(shiftCase, (c) => {
    const k = 2 * c.r + 1;
    const x = seededTensor([c.N, c.C, c.H, c.W], c.seed);
    const shifts = Array.from({ length: c.C }, (_, ch) => [((c.pick[ch] ?? 0) % k) - c.r, (((c.pick[ch] ?? 0) >> 3) % k) - c.r] as [number, number]);
    const w = Tensor.zeros([c.C, 1, k, k]);
    shifts.forEach(([dy, dx], ch) => w.data.set(shiftKernel(k, dy, dx).data, ch * k * k));
    const viaConv = conv2d(x, w, null, { padding: c.r, groups: c.C });
    assertBitExact(shift2d(x, shifts).data, viaConv.data, `shift2d vs one-hot depthwise conv, shifts ${JSON.stringify(shifts)}`, x.shape);
  }), { numRuns: runs(150) });
});

Identities('shift by [0, 0] is the identity; a shift past the map gives zeros', () => {
  const x = seededTensor([1, 2, 5, 7], 42);
  assertBitExact(shift2d(x, [0, 0]).data, x.data, 'identity');
  assert.ok(shift2d(x, [5, 0]).data.every((v) => v === 0), 'rows shifted out entirely');
  assert.ok(shift2d(x, [0, -7]).data.every((v) => v === 0), 'columns shifted out entirely');
});

Identities('shiftKernels(k)[t] is one-hot at (⌊t/k⌋, t mod k): the official dep_conv init performs Shift(⌊t/k⌋ − ⌊k/2⌋, t mod k − ⌊k/2⌋)', () => {
  for (const k of [1, 3, 5]) {
    const ks = shiftKernels(k), r = (k - 1) / 2;
    for (let t = 0; t < k * k; t++) {
      const one = new Tensor(ks.data.slice(t * k * k, (t + 1) * k * k), [k, k]);
      assertBitExact(one.data, shiftKernel(k, Math.floor(t / k) - r, (t % k) - r).data, `k=${k}, t=${t}`);
    }
  }
});

Identities.run();

const AsConv = suite('shift2d/as_grouped_conv');
AsConv('shift2dAsConv (one grouped conv with one-hot kernels, §4.2) == shift2d bit for bit', () => {
  fc.assert(fc.property(shiftCase, (c) => {
    const x = seededTensor([c.N, c.C, c.H, c.W], c.seed);
    const shifts = Array.from({ length: c.C }, (_, ch) => [((c.pick[ch] ?? 0) % 5) - 2, (((c.pick[ch] ?? 0) >> 4) % 3) - 1] as [number, number]);
    assertBitExact(shift2dAsConv(x, shifts).data, shift2d(x, shifts).data, `shifts ${JSON.stringify(shifts)}`, x.shape);
  }), { numRuns: runs(100) });
});
AsConv.run();
