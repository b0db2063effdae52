// as/sdpa.ts: the fused scaled dot-product attention kernel, sdpa__scalar ≡ sdpa__f32x4 ≡ TS twin bit for bit
// (Object.is per element), sweeping L, S, E, Ev over 0..9 and beyond (every size mod 4 and mod 8: the 4-row query
// blocks, the 8-key and 8-channel GEMM tiles and the 4-key softmax vectors all have tails), with and without
// an additive mask (full, row-broadcast, column-broadcast), causal, and special values.
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';
import { expfTwin } from '../support/float32_math.js';
import { sdpaScratchFloats } from '../../ts/wasm/scaled_dot_product_attention.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();
const pm = (a: number, b: number) => (a < b ? b : a);

/** The order of as/sdpa.ts's header, in float32 (Math.fround after every operation). */
function twin(q: Float32Array, kk: Float32Array, v: Float32Array, mask: Float32Array | null, L: number, S: number, E: number, Ev: number,
  scale: number, maskRow: number, maskCol: number, causal: boolean): Float32Array {
  const out = new Float32Array(L * Ev), l = new Float32Array(S), p = new Float32Array(S), S4 = S & ~3;
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < S; j++) {
      let acc = 0;
      for (let e = 0; e < E; e++) acc = f(acc + f(f(q[i * E + e] * scale) * kk[j * E + e]));
      if (mask) acc = f(acc + mask[i * maskRow + j * maskCol]);
      if (causal && j > i) acc = f(acc + -Infinity);
      l[j] = acc;
    }
    const m4 = [-Infinity, -Infinity, -Infinity, -Infinity];
    for (let j = 0; j < S4; j++) m4[j & 3] = pm(m4[j & 3], l[j]);
    let m = pm(pm(m4[0], m4[1]), pm(m4[2], m4[3]));
    for (let j = S4; j < S; j++) m = pm(m, l[j]);
    const s4 = [0, 0, 0, 0];
    for (let j = 0; j < S4; j++) { l[j] = expfTwin(f(l[j] - m)); s4[j & 3] = f(s4[j & 3] + l[j]); }
    let s = f(f(s4[0] + s4[1]) + f(s4[2] + s4[3]));
    for (let j = S4; j < S; j++) { l[j] = expfTwin(f(l[j] - m)); s = f(s + l[j]); }
    const rs = f(1 / s);
    for (let j = 0; j < S; j++) p[j] = f(l[j] * rs);
    for (let c = 0; c < Ev; c++) {
      let acc = 0;
      for (let j = 0; j < S; j++) acc = f(acc + f(p[j] * v[j * Ev + c]));
      out[i * Ev + c] = acc;
    }
  }
  return out;
}

const Kernels = suite('sdpa/kernels');

function check(L: number, S: number, E: number, Ev: number, maskKind: 'none' | 'full' | 'row' | 'col', causal: boolean, specials: boolean, seed: number, range = 2): void {
  const q = randomArray(L * E, seed, -range, range, specials), kk = randomArray(S * E, seed + 1, -range, range, specials);
  const v = randomArray(S * Ev, seed + 2, -2, 2, specials);
  const [maskRow, maskCol, mlen] = maskKind === 'full' ? [S, 1, L * S] : maskKind === 'row' ? [0, 1, S] : maskKind === 'col' ? [1, 0, L] : [0, 0, 0];
  const mask = maskKind === 'none' ? null : Float32Array.from(randomArray(mlen, seed + 3, -3, 3, false), (x, i) => (i % 5 === 2 ? -Infinity : x));
  const scale = f(1 / Math.sqrt(Math.max(E, 1)));
  const want = twin(q, kk, v, mask, L, S, E, Ev, scale, maskRow, maskCol, causal);
  for (const variant of ['sdpa__scalar', 'sdpa__f32x4'] as const) {
    const [got] = runKernel([q, kk, v, mask ?? new Float32Array(0)], [new Float32Array(L * Ev)], ([pq, pk, pv, pmk], [po], a) => {
      const scratch = a.alloc(sdpaScratchFloats(S, E));
      k[variant](pq, pk, pv, mask ? pmk : 0, po, scratch, L, S, E, Ev, scale, maskRow, maskCol, causal ? 1 : 0);
    });
    assertBitExact(got, want, `${variant} L=${L} S=${S} E=${E} Ev=${Ev} mask=${maskKind} causal=${causal} specials=${specials}`, [L, Ev]);
  }
}

Kernels('L, S 0..9, E, Ev 1..9 (every tail of the 4-row, 8-key, 8-channel tiles): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let L = 0; L <= 9; L++) for (let S = 0; S <= 9; S++) {
    for (const [E, Ev] of [[1, 1], [3, 5], [4, 8], [8, 9], [9, 2]]) check(L, S, E, Ev, 'none', false, false, seed++);
  }
});

Kernels('masks (full, row-broadcast, column-broadcast, with −∞ entries) and causal: scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1000;
  for (const [L, S] of [[1, 1], [3, 7], [5, 5], [7, 3], [9, 13], [16, 17]]) {
    for (const mk of ['none', 'full', 'row', 'col'] as const) for (const causal of [false, true]) check(L, S, 6, 7, mk, causal, false, seed++);
  }
});

Kernels('special values (NaN, ±∞, ±0, subnormal, huge) and wide logits: scalar ≡ f32x4 ≡ twin', () => {
  let seed = 5000;
  for (const [L, S, E, Ev] of [[4, 8, 4, 8], [5, 9, 3, 7], [2, 33, 16, 9]]) {
    for (const mk of ['none', 'full'] as const) check(L, S, E, Ev, mk, false, true, seed++);
    check(L, S, E, Ev, 'none', false, false, seed++, 40);
  }
});

Kernels('a realistic head: L = S = 49, E = Ev = 32 (Swin window), L = 37, S = 196, E = 32: scalar ≡ f32x4 ≡ twin', () => {
  check(49, 49, 32, 32, 'full', false, false, 9001);
  check(37, 196, 32, 24, 'none', true, false, 9002);
});

Kernels.run();
