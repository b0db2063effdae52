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
import { localAttention as localAttentionWasm } from '../ts/wasm/local_attention.js';
import { init as initWasm } from '../ts/wasm/module.js';
import { arenaStats } from '../ts/wasm/arena.js';
import { localAttentionBound, assertWithinAttentionBound } from './support/attention_bound.js';

/** The official code's steps, written with our pad/unfold/softmax ops (float32 between steps, like PyTorch). */
function officialComposition(q: Tensor, k: Tensor, v: Tensor, pe: Tensor, head: number, ka: number, stride: number): Tensor {
  const [N, C, H, W] = q.shape, hd = C / head, P = Math.floor(ka / 2), T = ka * ka, Ho = H / stride, Wo = W / stride;
  const f = Math.fround, scaling = f(hd ** -0.5);
  const win = (t: Tensor) => unfold(pad(t, [P, P, P, P], { mode: 'reflect' }), ka, { stride });   // [n, c·T, Ho·Wo]
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
  const padded = pad(v, [1, 1, 1, 1], { mode: 'reflect' });
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

// ---------------------------------------------------------------------------------------------
// local_attention/wasm: the fused WASM kernel (ts/wasm/local_attention.ts) against the float64 reference,
// within the derived per-element bound of spec/support/attention_bound.ts:
//   |wasm − ref| ≤ 2·u·(2(hd + 4)·Λ + 2T + 5)·Σ_t w_t|v_t|,   Λ = max_t Σ_d |q_d·s|(|k_td| + |pe_td| + |pe_cd|),
// i.e. logits are dot products of length hd (hd + 2 float32 roundings, amplified ×2 by the softmax), the
// exp costs ≤ 1 ulp, the softmax sum and the aggregation are reductions of length T = k_att².

await initWasm();

const wasmCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }), head: fc.integer({ min: 1, max: 5 }), head_dim: fc.integer({ min: 1, max: 9 }),
  ka: fc.constantFrom(1, 3, 5, 7), stride: fc.constantFrom(1, 2), extraH: fc.integer({ min: 0, max: 4 }), extraW: fc.integer({ min: 0, max: 9 }),
  pe: fc.boolean(), scale: fc.constantFrom(1, 4), seed: fc.integer(),
}).map((c) => {
  const P = Math.floor(c.ka / 2), fit = (e: number) => c.stride * (Math.ceil((P + 1) / c.stride) + e);   // P < H, stride | H
  return { ...c, C: c.head * c.head_dim, H: fit(c.extraH), W: fit(c.extraW) };                       // extra = 0: the minimum map
});

const Wasm = suite('local_attention/wasm');

Wasm('wasm equals the float64 reference within the derived bound (heads, head_dim, k_att 1/3/5/7, stride 1/2, maps down to the minimum, C = 1)', () => {
  let worst = 0;
  fc.assert(fc.property(wasmCase, (c) => {
    const lo = -2 * c.scale, hi = 2 * c.scale;                    // scale 4: peaked softmax, larger logits
    const q = seededTensor([c.N, c.C, c.H, c.W], c.seed, lo, hi), k = seededTensor([c.N, c.C, c.H, c.W], c.seed + 1, lo, hi);
    const v = seededTensor([c.N, c.C, c.H, c.W], c.seed + 2), pe = c.pe ? seededTensor([1, c.head_dim, c.H, c.W], c.seed + 3) : null;
    const options = { head: c.head, kernel_att: c.ka, stride: c.stride };
    const want = localAttention(q, k, v, pe, options), got = localAttentionWasm(q, k, v, pe, options);
    assert.equal(got.shape, want.shape);
    worst = Math.max(worst, assertWithinAttentionBound(got.data, want.data, localAttentionBound(q, k, v, pe, options), { case: c }));
  }), {
    numRuns: runs(80),
    examples: [[{ N: 1, head: 1, head_dim: 1, ka: 3, stride: 1, extraH: 0, extraW: 0, pe: true, scale: 1, seed: 1 }]].map(([c]) => {
      const P = 1; return [{ ...c, C: 1, H: P + 1, W: P + 1 }];
    }) as never,
  });
  assert.ok(worst < 1, `worst error/bound ${worst}`);
});

Wasm('kernel_att = 1 on wasm: the output is v itself (subsampled by stride), bit for bit', () => {
  const q = seededTensor([2, 6, 6, 8], 1), k = seededTensor([2, 6, 6, 8], 2), v = seededTensor([2, 6, 6, 8], 3);
  for (const stride of [1, 2]) {
    const y = localAttentionWasm(q, k, v, seededTensor([1, 3, 6, 8], 4), { head: 2, kernel_att: 1, stride });
    const Ho = 6 / stride, Wo = 8 / stride;
    for (let nc = 0; nc < 12; nc++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
      assert.ok(Object.is(y.data[(nc * Ho + i) * Wo + j], v.data[(nc * 6 + stride * i) * 8 + stride * j]), `stride ${stride} at ${nc},${i},${j}`);
    }
  }
});

Wasm('special values: NaN and ±∞ in q, k, v or pe land on the same outputs as in the reference', () => {
  const specials = [NaN, Infinity, -Infinity];
  for (let trial = 0; trial < 12; trial++) {
    const [N, head, hd, ka, stride, H, W] = [1, 2, 3, [3, 5, 7][trial % 3], 1 + (trial % 2), 8, 10];
    const C = head * hd, options = { head, kernel_att: ka, stride };
    const ts = [seededTensor([N, C, H, W], trial), seededTensor([N, C, H, W], trial + 50), seededTensor([N, C, H, W], trial + 90), seededTensor([1, hd, H, W], trial + 130)];
    const target = ts[trial % 4];
    target.data[(trial * 37) % target.size] = specials[trial % 3];
    const [q, k, v, pe] = ts;
    const want = localAttention(q, k, v, pe, options), got = localAttentionWasm(q, k, v, pe, options);
    let nans = 0;
    for (let i = 0; i < want.size; i++) {
      if (Number.isNaN(want.data[i])) nans++;
      assert.ok(Number.isNaN(want.data[i]) === Number.isNaN(got.data[i]), `trial ${trial}: NaN pattern differs at ${i}: got ${got.data[i]}, ref ${want.data[i]}`);
    }
    assert.ok(trial % 4 !== 0 || trial % 3 !== 0 || nans > 0, `trial ${trial}: a NaN in q reaches the output`);
    assertWithinAttentionBound(got.data, want.data, localAttentionBound(q, k, v, pe, options), { label: `special trial ${trial}` });
  }
});

Wasm('bad arguments throw the reference\'s errors before any WASM work, and nothing leaks', () => {
  const q = seededTensor([1, 4, 6, 6], 1), pe = seededTensor([1, 2, 6, 6], 2);
  const bad: Array<[Tensor, Tensor, Tensor | null, { head: number; kernel_att: number; stride?: number }]> = [
    [q, seededTensor([1, 4, 6, 5], 3), pe, { head: 2, kernel_att: 3 }],            // k shape differs
    [q, q, pe, { head: 3, kernel_att: 3 }],                                         // C not divisible by head
    [q, q, seededTensor([1, 3, 6, 6], 4), { head: 2, kernel_att: 3 }],              // pe channels
    [q, q, pe, { head: 2, kernel_att: 13 }],                                        // padding ≥ H
    [q, q, pe, { head: 2, kernel_att: 4 }],                                         // even window: no official output
    [q, q, pe, { head: 2, kernel_att: 3, stride: 4 }],                              // stride does not divide H
    [q, q, pe, { head: 0, kernel_att: 3 }],                                         // non-positive head
  ];
  const before = arenaStats();
  for (const [qq, kk, p, o] of bad) {
    let refError: Error | null = null, wasmError: Error | null = null;
    try { localAttention(qq, kk, qq, p, o); } catch (e) { refError = e as Error; }
    try { localAttentionWasm(qq, kk, qq, p, o); } catch (e) { wasmError = e as Error; }
    assert.ok(refError && wasmError, `both throw for ${JSON.stringify(o)}`);
    assert.is(wasmError!.constructor, refError!.constructor);
    assert.is(wasmError!.message, refError!.message);
  }
  assert.is(arenaStats().mark, before.mark);
  assert.is(arenaStats().depth, 0);
});

Wasm.run();

