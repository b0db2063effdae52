// as/local_attention.ts: local_attention__scalar ≡ local_attention__f32x4 ≡ a TS float32 twin, bit for
// bit (Object.is per element), and the accuracy of the kernel's float32 exp against Math.exp.
//
// The twin below is an independent transcription of the kernel's documented order (file header of
// as/local_attention.ts), with Math.fround after every × and + (exact float32 emulation: double rounding
// is harmless for +, ×, ÷ since 53 ≥ 2·24 + 2), and the exp written from its stated algorithm.
// Sweeps: W_out 1..17 (the 8-pixel tile, the 4-pixel tile and every partial store), head_dim 1..9 (every
// channel tail of the 3-channel groups), heads 1..9, k_att 1/3/5/7, stride 1/2/3, pe present or not,
// minimum maps; a fast-check property over everything at once; special values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { init } from '../../ts/wasm/module.js';
import { withArena, arenaStats } from '../../ts/wasm/arena.js';
import { localAttentionKernels } from '../../ts/wasm/local_attention.js';
import { prng, runs } from '../support/arbitraries.js';
import { assertBitExact, ulpDistance } from '../support/close.js';

await init();
const kern = localAttentionKernels();
const f = Math.fround;

// ---------------------------------------------------------------------------------------------
// the TS twin of expf (as/local_attention.ts: clamp, magic-add rounding, Cody–Waite, degree 6, two scalings)

const bitsI = new Int32Array(1), bitsF = new Float32Array(bitsI.buffer);
const toBits = (x: number) => { bitsF[0] = x; return bitsI[0]; };
const fromBits = (b: number) => { bitsI[0] = b; return bitsF[0]; };
const EXP_LO = f(-104), EXP_HI = f(88.8), LOG2E = f(1.44269502162933349609375), MAGIC = f(12582912);
const LN2_HI = f(0.693359375), LN2_LO = f(-2.121944400e-4);
const C2 = f(0.4999999403953552), C3 = f(0.16666430234909058), C4 = f(0.041668009012937546);
const C5 = f(0.008374234661459923), C6 = f(0.0013843541964888573);

function expTwin(x: number): number {
  x = x < EXP_LO ? EXP_LO : x;
  x = EXP_HI < x ? EXP_HI : x;
  const t = f(f(x * LOG2E) + MAGIC);
  const n = f(t - MAGIC);
  let r = f(x - f(n * LN2_HI));
  r = f(r - f(n * LN2_LO));
  let p = C6;
  for (const c of [C5, C4, C3, C2, 1]) p = f(f(p * r) + c);
  const y = f(f(r * p) + 1);
  const ni = (toBits(t) - 0x4b400000) | 0, n1 = ni >> 1, n2 = ni - n1;
  return f(f(y * fromBits((n1 + 127) << 23)) * fromBits((n2 + 127) << 23));
}

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
    for (let u = 0; u < T; u++) { L[u] = expTwin(f(L[u] - m)); S = f(S + L[u]); }
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
const Exp = suite('local_attention/exp');

Exp('expf: ≤ 1 ulp from Math.exp over a dense sweep of [−104, 88.7] (every 509th float32, ~4.2M values); scalar ≡ f32x4 ≡ twin', () => {
  // Bit patterns of the sweep: 0 .. bits(88.7) and −0 .. bits(−104), step 509 (odd: every mantissa residue).
  const step = 509, hiBits = toBits(f(88.7)), loBits = toBits(f(-104)) & 0x7fffffff;
  const xs: number[] = [];
  for (let b = 0; b <= hiBits; b += step) xs.push(fromBits(b));
  for (let b = 0; b <= loBits; b += step) xs.push(fromBits((b | 0x80000000) | 0));
  const src = Float32Array.from(xs);
  const run = (name: 'local_attention_exp__scalar' | 'local_attention_exp__f32x4') => withArena((a) => {
    const p = a.upload(src), d = a.alloc(src.length);
    kern[name](p, d, src.length);
    return a.download(d, src.length);
  });
  const s = run('local_attention_exp__scalar'), v = run('local_attention_exp__f32x4');
  let worst = 0, at = 0;
  for (let i = 0; i < src.length; i++) {
    const e = ulpDistance(s[i], f(Math.exp(src[i])));
    if (e > worst) { worst = e; at = src[i]; }
    if (!Object.is(s[i], v[i])) assert.unreachable(`scalar ${s[i]} ≠ f32x4 ${v[i]} at x = ${src[i]}`);
  }
  assert.ok(worst <= 1, `max error ${worst} ulp at x = ${at} (exp ${Math.exp(at)})`);
  for (let i = 0; i < src.length; i += 97) assert.ok(Object.is(expTwin(src[i]), s[i]), `twin at ${src[i]}`);
});

Exp('expf: special values — exp(±0) = 1, exp(−∞) = +0, exp(+∞) = +∞, NaN → NaN, underflow → +0, overflow → +∞', () => {
  const xs = [0, -0, -Infinity, Infinity, NaN, -104, -200, -103.28, -87.34, 88.72, 88.73, 100, 1, -1, -1e-30, 1e-30].map(f);
  const want = [1, 1, 0, Infinity, NaN, 0, 0, null, null, null, Infinity, Infinity, null, null, 1, 1];
  for (const name of ['local_attention_exp__scalar', 'local_attention_exp__f32x4'] as const) {
    const got = withArena((a) => { const p = a.upload(Float32Array.from(xs)), d = a.alloc(xs.length); kern[name](p, d, xs.length); return a.download(d, xs.length); });
    xs.forEach((x, i) => {
      const w = want[i] ?? f(Math.exp(x));
      assert.ok(Object.is(got[i], w) || ulpDistance(got[i], w) <= 1, `${name}(${x}) = ${got[i]}, want ${w}`);
    });
    assert.ok(got[7] > 0 && got[7] < 2 ** -126, `${name}: exp(−103.28) is subnormal, got ${got[7]}`);
  }
});

Exp.run();

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

Kernels('the arena is back at its mark after every call (scratch is the caller\'s, nothing leaks)', () => {
  const before = arenaStats().mark;
  checkCase({ C: 8, H: 7, W: 10, head: 2, ka: 5, stride: 1, pe: true, seed: 3 });
  assert.is(arenaStats().mark, before);
});

Kernels.run();
