// as/local_attention.ts: local_attention__scalar ≡ local_attention__f32x4 ≡ a TS float32 twin, bit for
// bit (Object.is per element).
//
// The twin below is an independent transcription of the kernel's documented order (file header of
// as/local_attention.ts), with Math.fround after every × and + (exact float32 emulation: double rounding
// is harmless for +, ×, ÷ since 53 ≥ 2·24 + 2); its exp is the library's expf twin (spec/support/
// float32_math.ts: the kernel uses as/lib/math.ts expf, whose accuracy spec/kernels/softmax_rows.test.ts
// measures).
// Sweeps: W_out 1..17 (the 8-pixel tile, the 4-pixel tile and every partial store), head_dim 1..9 (every
// channel tail of the 3-channel groups), heads 1..9, k_att 1/3/5/7, stride 1/2/3, pe present or not,
// minimum maps; a fast-check property over everything at once; special values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { init } from '../../ts/wasm/module.js';
import { withArena, arenaStats } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { prng, runs } from '../support/arbitraries.js';
import { assertBitExact } from '../support/close.js';
import { expfTwin } from '../support/float32_math.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const kern = kernels();
const f = Math.fround;

// ---------------------------------------------------------------------------------------------
// the TS twin of the fused kernel (one image)

interface KernelCase {
  C: number; H: number; W: number; head: number; ka: number; stride: number; pe: boolean; seed: number;
}

const reflect = (s: number, n: number) => (s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s);
const pmax = (a: number, b: number) => (a < b ? b : a);

function twin(c: KernelCase, q: Float32Array, k: Float32Array, v: Float32Array, pe: Float32Array | null): Float32Array {
  const { C, H, W, head, ka, stride: s } = c;
  const hd = C / head, T = ka * ka, P = (ka - 1) >> 1, Ho = H / s, Wo = W / s, plane = H * W;
  const scaling = f(hd ** -0.5);
  const out = new Float32Array(C * Ho * Wo);
  const L = new Float64Array(T);
  for (let h = 0; h < head; h++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    const qs = Array.from({ length: hd }, (_, d) => f(q[(h * hd + d) * plane + s * i * W + s * j] * scaling));
    let cq = 0;
    if (pe) for (let d = 0; d < hd; d++) cq = f(cq + f(qs[d] * pe[d * plane + s * i * W + s * j]));
    const ys: number[] = [], xs: number[] = [];
    for (let a = 0; a < ka; a++) for (let b = 0; b < ka; b++) { ys.push(reflect(s * i + a - P, H)); xs.push(reflect(s * j + b - P, W)); }
    for (let t = 0; t < T; t++) {
      let acc = 0;
      for (let d = 0; d < hd; d++) {
        const at = d * plane + ys[t] * W + xs[t];
        const kp = pe ? f(k[h * hd * plane + at] - pe[at]) : k[h * hd * plane + at];
        acc = f(acc + f(qs[d] * kp));
      }
      L[t] = f(acc + cq);
    }
    let m = -Infinity, t = 0;
    for (; t + 3 <= T; t += 3) m = pmax(m, pmax(pmax(L[t], L[t + 1]), L[t + 2]));
    for (; t < T; t++) m = pmax(m, L[t]);
    let S = 0;
    for (let u = 0; u < T; u++) { L[u] = expfTwin(f(L[u] - m)); S = f(S + L[u]); }
    for (let d = 0; d < hd; d++) {
      let acc = 0;
      for (let u = 0; u < T; u++) acc = f(acc + f(L[u] * v[(h * hd + d) * plane + ys[u] * W + xs[u]]));
      out[((h * hd + d) * Ho + i) * Wo + j] = f(acc / S);
    }
  }
  return out;
}

function randomArray(length: number, seed: number, lo = -2, hi = 2): Float32Array {
  const rand = prng(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = f(lo + (hi - lo) * rand());
  return out;
}

function runKernel(c: KernelCase, variant: 'scalar' | 'f32x4', q: Float32Array, k: Float32Array, v: Float32Array, pe: Float32Array | null): Float32Array {
  const { C, H, W, head, ka, stride } = c;
  const size = C * (H / stride) * (W / stride);
  return withArena((a) => {
    const pq = a.upload(q), pk = a.upload(k), pv = a.upload(v), ppe = pe ? a.upload(pe) : 0, po = a.alloc(size);
    const P = (ka - 1) >> 1;
    const scratch = a.alloc(kern.local_attention_scratch_floats(C, H, W, head, ka, stride, P));
    const fn = variant === 'scalar' ? kern.local_attention__scalar : kern.local_attention__f32x4;
    fn(pq, pk, pv, ppe, po, scratch, C, H, W, head, ka, stride, P, f((C / head) ** -0.5));
    return a.download(po, size);
  });
}

function checkCase(c: KernelCase, data?: { q: Float32Array; k: Float32Array; v: Float32Array; pe: Float32Array | null }): void {
  const n = c.C * c.H * c.W;
  const q = data?.q ?? randomArray(n, c.seed), k = data?.k ?? randomArray(n, c.seed ^ 0x5bd1e995);
  const v = data?.v ?? randomArray(n, c.seed ^ 0x27d4eb2f);
  const pe = data ? data.pe : c.pe ? randomArray((c.C / c.head) * c.H * c.W, c.seed ^ 0x165667b1) : null;
  const want = twin(c, q, k, v, pe);
  const shape = [c.C, c.H / c.stride, c.W / c.stride];
  const label = `local_attention ${JSON.stringify(c)}`;
  assertBitExact(runKernel(c, 'scalar', q, k, v, pe), want, `${label} scalar vs TS twin`, shape);
  assertBitExact(runKernel(c, 'f32x4', q, k, v, pe), want, `${label} f32x4 vs TS twin`, shape);
}

/** Smallest valid side for a window (P < side) that is a multiple of stride, plus `extra` strides. */
const side = (ka: number, stride: number, extra: number) => stride * (Math.ceil(((ka - 1) / 2 + 1) / stride) + extra);

// ---------------------------------------------------------------------------------------------
const Kernels = suite('local_attention/kernels');

Kernels('W_out 1..17 × k_att 1/3/5/7 × stride 1/2 (8- and 4-pixel tiles, every partial store), pe on/off', () => {
  let seed = 1;
  for (const ka of [1, 3, 5, 7]) for (const stride of [1, 2]) for (let Wo = 1; Wo <= 17; Wo++) {
    const W = stride * Wo;
    if ((ka - 1) / 2 >= W) continue;                          // reflection needs P < W
    checkCase({ C: 6, H: side(ka, stride, 0), W, head: 2, ka, stride, pe: Wo % 2 === 0, seed: seed++ });
  }
});

Kernels('head_dim 1..9 (every tail of the 3-channel groups) × heads 1..3, k_att 3/7, stride 1/2', () => {
  let seed = 100;
  for (let hd = 1; hd <= 9; hd++) for (let head = 1; head <= 3; head++) for (const [ka, stride] of [[3, 1], [7, 1], [3, 2], [7, 2]]) {
    checkCase({ C: hd * head, H: side(ka, stride, 1), W: side(ka, stride, 2), head, ka, stride, pe: (hd + head) % 2 === 0, seed: seed++ });
  }
});

Kernels('heads 1..9 with head_dim 1 and 2; stride 3; minimum maps (P = H − 1 = W − 1)', () => {
  let seed = 300;
  for (let head = 1; head <= 9; head++) for (const hd of [1, 2]) checkCase({ C: head * hd, H: 5, W: 11, head, ka: 3, stride: 1, pe: true, seed: seed++ });
  for (const ka of [1, 3, 5, 7]) checkCase({ C: 4, H: 6, W: 9, head: 2, ka, stride: 3, pe: true, seed: seed++ });
  for (const ka of [3, 5, 7]) for (const pe of [false, true]) {
    const m = (ka - 1) / 2 + 1;                              // the smallest map a k_att window can reflect in
    checkCase({ C: 3, H: m, W: m, head: 1, ka, stride: 1, pe, seed: seed++ });
    checkCase({ C: 2, H: m, W: 2 * m + 5, head: 2, ka, stride: 1, pe, seed: seed++ });
  }
});

Kernels('special values: NaN, ±∞, −0, huge logits — same bits (Object.is) in both variants and the twin', () => {
  const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-40, 3e38, -3e38, 60, -60];
  let seed = 500;
  for (const [ka, stride, W] of [[3, 1, 9], [5, 2, 10], [7, 1, 12], [1, 1, 5]]) {
    const c: KernelCase = { C: 6, H: side(ka, stride, 1), W, head: 2, ka, stride, pe: true, seed: seed++ };
    const n = c.C * c.H * c.W, rand = prng(seed++);
    const arrays = [randomArray(n, seed++), randomArray(n, seed++), randomArray(n, seed++), randomArray(3 * c.H * c.W, seed++)];
    for (const arr of arrays) for (let i = 0; i < arr.length; i++) if (rand() < 0.03) arr[i] = specials[Math.floor(rand() * specials.length)];
    checkCase(c, { q: arrays[0], k: arrays[1], v: arrays[2], pe: arrays[3] });
  }
  // logits of ±1e4 (exp arguments far below −104): weights 0 and 1, no NaN
  const c: KernelCase = { C: 4, H: 5, W: 9, head: 1, ka: 3, stride: 1, pe: false, seed: 9 };
  checkCase(c, { q: randomArray(180, 1, -100, 100), k: randomArray(180, 2, -100, 100), v: randomArray(180, 3), pe: null });
});

Kernels('property: random C = head·head_dim, maps, k_att, stride, pe: scalar ≡ f32x4 ≡ twin', () => {
  const arb = fc.record({
    head: fc.integer({ min: 1, max: 9 }), head_dim: fc.integer({ min: 1, max: 9 }), ka: fc.constantFrom(1, 3, 5, 7),
    stride: fc.constantFrom(1, 2, 3), extraH: fc.integer({ min: 0, max: 3 }), extraW: fc.integer({ min: 0, max: 9 }),
    pe: fc.boolean(), seed: fc.integer(),
  }).map((r) => ({ C: r.head * r.head_dim, H: side(r.ka, r.stride, r.extraH), W: side(r.ka, r.stride, r.extraW), head: r.head, ka: r.ka, stride: r.stride, pe: r.pe, seed: r.seed }));
  fc.assert(fc.property(arb, (c) => { checkCase(c); }), { numRuns: runs(60) });
});

Kernels('local_attention_scratch_floats is the documented layout (as/local_attention_slab.ts): TAPS, KP, VS, QS, CQ, LOGITS', () => {
  const up4 = (n: number) => (n + 3) & ~3;
  for (const ka of [1, 3, 5, 7]) for (const stride of [1, 2, 3]) for (const head of [1, 2, 3]) for (const hd of [1, 4, 7]) for (const extraW of [0, 1, 5]) {
    const P = (ka - 1) >> 1, H = side(ka, stride, 1), W = side(ka, stride, extraW), C = head * hd, T = ka * ka;
    const W_out4 = up4(W / stride), Ls = W_out4 + Math.floor((ka - 1) / stride), slab = (H + 2 * P) * stride * hd * Ls;
    const want = up4(T) + 2 * slab + (H / stride) * hd * W_out4 + (H / stride) * W_out4 + 8 * T;
    assert.is(kern.local_attention_scratch_floats(C, H, W, head, ka, stride, P), want, JSON.stringify({ C, H, W, head, ka, stride }));
  }
});

Kernels('the arena is back at its mark after every call (scratch is the caller\'s, nothing leaks)', () => {
  const before = arenaStats().mark;
  checkCase({ C: 8, H: 7, W: 10, head: 2, ka: 5, stride: 1, pe: true, seed: 3 });
  assert.is(arenaStats().mark, before);
});

Kernels.run();
