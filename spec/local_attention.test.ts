// local_attention: ACmix's attention path (§3.2, Eq. 8-9 with the official relative position term),
// checked against an independent composition that follows the official PyTorch code step by step
// (reflection pad → unfold → logits → softmax → weighted sum), and against limits with known answers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { localAttention, localAttentionWeights } from '../ts/ref/local_attention.js';
import { pad } from '../ts/ref/pad.js';
import { unfold } from '../ts/ref/unfold.js';
import { softmax } from '../ts/ref/activations.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, U } from './support/close.js';

/** The official code's steps, written with our pad/unfold/softmax ops (float32 between steps, like PyTorch). */
function officialComposition(q: Tensor, k: Tensor, v: Tensor, pe: Tensor, head: number, ka: number, stride: number): Tensor {
  const [N, C, H, W] = q.shape, hd = C / head, P = Math.floor(ka / 2), T = ka * ka, Ho = H / stride, Wo = W / stride;
  const f = Math.fround, scaling = f(hd ** -0.5);
  const win = (t: Tensor) => unfold(pad(t, [P, P, P, P], 'reflect'), ka, { stride });   // [n, c·T, Ho·Wo]
  const uk = win(k), uv = win(v), upe = win(pe);
  const logits = Tensor.zeros([N * head, T, Ho, Wo]);
  for (let n = 0; n < N; n++) for (let h = 0; h < head; h++) for (let t = 0; t < T; t++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    let s = 0;
    for (let d = 0; d < hd; d++) {
      const c = h * hd + d, qs = f(q.data[((n * C + c) * H + i * stride) * W + j * stride] * scaling);
      const kk = uk.data[((n * C + c) * T + t) * Ho * Wo + i * Wo + j], pc = pe.data[(d * H + i * stride) * W + j * stride], pw = upe.data[(d * T + t) * Ho * Wo + i * Wo + j];
      s += qs * (kk + pc - pw);
    }
    logits.data[(((n * head + h) * T + t) * Ho + i) * Wo + j] = s;
  }
  const att = softmax(logits, 1);
  const out = Tensor.zeros([N, C, Ho, Wo]);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let ij = 0; ij < Ho * Wo; ij++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += att.data[((n * head + Math.floor(c / hd)) * T + t) * Ho * Wo + ij] * uv.data[((n * C + c) * T + t) * Ho * Wo + ij];
    out.data[(n * C + c) * Ho * Wo + ij] = s;
  }
  return out;
}

const attCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }), head: fc.integer({ min: 1, max: 3 }), head_dim: fc.integer({ min: 1, max: 3 }),
  ka: fc.constantFrom(1, 3, 5, 7), stride: fc.constantFrom(1, 2), extraH: fc.integer({ min: 0, max: 3 }), extraW: fc.integer({ min: 0, max: 3 }), seed: fc.integer(),
}).map((c) => {
  const P = Math.floor(c.ka / 2), min = P + 1;                       // reflection needs P < H
  const fit = (e: number) => c.stride * Math.ceil((min + e) / c.stride); // stride | H
  return { ...c, C: c.head * c.head_dim, H: fit(c.extraH), W: fit(c.extraW) };
});

const Identities = suite('local_attention/identities');

Identities('equals the official pad → unfold → softmax composition (random shapes, heads, windows, stride)', () => {
  fc.assert(fc.property(attCase, (c) => {
    const q = seededTensor([c.N, c.C, c.H, c.W], c.seed), k = seededTensor([c.N, c.C, c.H, c.W], c.seed + 1);
    const v = seededTensor([c.N, c.C, c.H, c.W], c.seed + 2), pe = seededTensor([1, c.head_dim, c.H, c.W], c.seed + 3);
    const got = localAttention(q, k, v, pe, { head: c.head, kernel_att: c.ka, stride: c.stride });
    const want = officialComposition(q, k, v, pe, c.head, c.ka, c.stride);
    // The composition rounds logits and weights to float32: logit error ≲ 3·hd·u·Σ|q|(|k|+2|pe|) ≤ 3·hd·u·hd·2·6
    // in [−2, 2] data, which moves each weight by a relative (≤ 2·that) and the sum by T·u; output scale Σ|v| ≤ 2.
    const hd = c.head_dim, T = c.ka * c.ka, logitErr = 3 * hd * U * hd * 2 * 6 * 2;
    assertWithinDotBound(got.data, want.data, null, { reduction: 1, atol: 2 * (2 * logitErr + 2 * T * U) * 2, label: 'local attention', case: c, shape: got.shape });
  }), { numRuns: runs(60) });
});

Identities('kernel_att = 1: every window is the query pixel itself, so the output is v (subsampled by stride)', () => {
  const q = seededTensor([2, 4, 6, 8], 1), k = seededTensor([2, 4, 6, 8], 2), v = seededTensor([2, 4, 6, 8], 3);
  const y = localAttention(q, k, v, seededTensor([1, 2, 6, 8], 4), { head: 2, kernel_att: 1, stride: 2 });
  for (let nc = 0; nc < 8; nc++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) assert.is(y.data[(nc * 3 + i) * 4 + j], v.data[(nc * 6 + 2 * i) * 8 + 2 * j]);
});

Identities('q = 0: uniform weights, the output is the k_att × k_att mean of v over the reflection-padded map', () => {
  const v = seededTensor([1, 3, 7, 6], 9), zero = Tensor.zeros([1, 3, 7, 6]);
  const y = localAttention(zero, seededTensor([1, 3, 7, 6], 10), v, null, { head: 3, kernel_att: 3 });
  const w = localAttentionWeights(zero, seededTensor([1, 3, 7, 6], 10), null, { head: 3, kernel_att: 3 });
  assert.ok(w.data.every((a) => Math.abs(a - 1 / 9) < 1e-7), 'weights are 1/9');
  const padded = pad(v, [1, 1, 1, 1], 'reflect');
  for (let c = 0; c < 3; c++) for (let i = 0; i < 7; i++) for (let j = 0; j < 6; j++) {
    let s = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += padded.data[(c * 9 + i + a) * 8 + j + b];
    assert.ok(Math.abs(y.data[(c * 7 + i) * 6 + j] - s / 9) <= 9 * 2 * U * 2, `mean at ${c},${i},${j}`);
  }
});

Identities('attention weights sum to 1 over each window and are all positive', () => {
  const q = seededTensor([1, 4, 8, 8], 5, -4, 4), k = seededTensor([1, 4, 8, 8], 6, -4, 4);
  const w = localAttentionWeights(q, k, seededTensor([1, 2, 8, 8], 7), { head: 2, kernel_att: 5 });
  for (let h = 0; h < 2; h++) for (let ij = 0; ij < 64; ij++) {
    let s = 0;
    for (let t = 0; t < 25; t++) { const a = w.data[(h * 25 + t) * 64 + ij]; assert.ok(a > 0); s += a; }
    assert.ok(Math.abs(s - 1) < 25 * U * 2, `sum ${s}`);
  }
});

Identities.run();
