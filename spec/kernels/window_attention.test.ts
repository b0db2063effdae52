// as/window_attention.ts: window_attention__scalar ≡ __f32x4 ≡ TS twin bit for bit (Object.is per element),
// sweeping N (tokens per window) and head_dim 1..9 (every N mod 4 and hd mod 4 / mod 16), with and without the
// mask, several windows and heads; special values (a NaN logit → NaN row, an all −∞ row → NaN) as PyTorch.
// as/window_partition.ts: window_partition__scalar ≡ __f32x4 (both directions) and roll_dim__scalar ≡ __f32x4 ≡
// the index definitions, bit for bit with special values (NaN payloads kept), run lengths 1..9 and beyond.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';
import { expfTwin } from '../support/float32_math.js';

await init();
const k = kernels();
const pm = (a: number, b: number) => (a < b ? b : a);

/** The kernel's float32 operation order (file header of as/window_attention.ts). */
function twin(qkv: Float32Array, bias: Float32Array, mask: Float32Array | null, B_: number, N: number, heads: number, hd: number, nW: number, scale: number): Float32Array {
  const C = heads * hd, C3 = 3 * C, N4 = N & ~3, out = new Float32Array(B_ * N * C), l = new Float32Array(N);
  for (let b = 0; b < B_; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < N; i++) {
    const qs = Array.from({ length: hd }, (_, d) => f(qkv[(b * N + i) * C3 + h * hd + d] * scale));
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let d = 0; d < hd; d++) acc = f(acc + f(qs[d] * qkv[(b * N + j) * C3 + C + h * hd + d]));
      acc = f(acc + bias[(h * N + i) * N + j]);
      if (mask) acc = f(acc + mask[((b % nW) * N + i) * N + j]);
      l[j] = acc;
    }
    const m4 = [-Infinity, -Infinity, -Infinity, -Infinity];
    for (let j = 0; j < N4; j++) m4[j & 3] = pm(m4[j & 3], l[j]);
    let m = pm(pm(m4[0], m4[1]), pm(m4[2], m4[3]));
    for (let j = N4; j < N; j++) m = pm(m, l[j]);
    const s4 = [0, 0, 0, 0];
    for (let j = 0; j < N4; j++) { l[j] = expfTwin(f(l[j] - m)); s4[j & 3] = f(s4[j & 3] + l[j]); }
    let s = f(f(s4[0] + s4[1]) + f(s4[2] + s4[3]));
    for (let j = N4; j < N; j++) { l[j] = expfTwin(f(l[j] - m)); s = f(s + l[j]); }
    for (let d = 0; d < hd; d++) {
      let acc = 0;
      for (let j = 0; j < N; j++) acc = f(acc + f(l[j] * qkv[(b * N + j) * C3 + 2 * C + h * hd + d]));
      out[(b * N + i) * C + h * hd + d] = f(acc / s);
    }
  }
  return out;
}

function run(variant: 'scalar' | 'f32x4', qkv: Float32Array, bias: Float32Array, mask: Float32Array | null, B_: number, N: number, heads: number, hd: number, nW: number, scale: number): Float32Array {
  const outLen = B_ * N * heads * hd;
  const inputs = [qkv, bias, mask ?? new Float32Array(1)];
  return runKernel(inputs, [new Float32Array(outLen), new Float32Array((hd + 1) * N + hd)], ([pq, pb, pm2], [py, ps]) => {
    k[`window_attention__${variant}`](pq, pb, mask ? pm2 : 0, py, ps, B_, N, heads, hd, mask ? nW : 0, scale);
  })[0];
}

const K = suite('kernels/window_attention');

K('window_attention: TS twin ≡ scalar ≡ f32x4 bit for bit (N, head_dim 1..9 and 16..19; mask on and off)', () => {
  let seed = 1;
  for (const N of [1, 2, 3, 4, 5, 7, 8, 9, 16, 25]) for (const hd of [1, 2, 3, 4, 5, 8, 9, 16, 17, 19]) for (const masked of [false, true]) {
    const heads = 1 + (seed % 2), nW = 2, B_ = 2 * nW, C = heads * hd, scale = f(hd ** -0.5);
    const qkv = randomArray(B_ * N * 3 * C, seed++, -3, 3);
    const bias = randomArray(heads * N * N, seed++, -1, 1);
    const mask = masked ? Float32Array.from(randomArray(nW * N * N, seed++, 0, 1), (v) => (v < 0.3 ? -100 : 0)) : null;
    const want = twin(qkv, bias, mask, B_, N, heads, hd, nW, scale);
    const a = run('scalar', qkv, bias, mask, B_, N, heads, hd, nW, scale);
    const b = run('f32x4', qkv, bias, mask, B_, N, heads, hd, nW, scale);
    assertBitExact(a, want, `scalar vs TS twin N=${N} hd=${hd} mask=${masked}`);
    assertBitExact(b, want, `f32x4 vs TS twin N=${N} hd=${hd} mask=${masked}`);
  }
});

K('window_attention: NaN in a key makes its rows NaN; an all −∞ bias row gives NaN (PyTorch); twins agree', () => {
  const N = 5, hd = 6, heads = 1, B_ = 1, C = hd;
  const qkv = randomArray(B_ * N * 3 * C, 99, -1, 1);
  qkv[1 * 3 * C + C + 2] = NaN;                              // key of token 1
  const bias = new Float32Array(N * N);
  const a = run('scalar', qkv, bias, null, B_, N, heads, hd, 0, 0.5), b = run('f32x4', qkv, bias, null, B_, N, heads, hd, 0, 0.5);
  assertBitExact(a, b, 'NaN key');
  assert.ok(a.every(Number.isNaN), 'every row attends to the NaN key');
  const bias2 = new Float32Array(N * N);
  for (let j = 0; j < N; j++) bias2[2 * N + j] = -Infinity;  // row 2 fully masked
  const c = run('f32x4', randomArray(B_ * N * 3 * C, 7, -1, 1), bias2, null, B_, N, heads, hd, 0, 0.5);
  for (let d = 0; d < hd; d++) assert.ok(Number.isNaN(c[2 * C + d]), 'all −∞ row → NaN');
  assert.ok(Number.isFinite(c[0]), 'other rows finite');
});

K('window_partition (both directions) and roll_dim: scalar ≡ f32x4 ≡ the index definition, bit for bit', () => {
  let seed = 500;
  for (const ws of [1, 2, 3, 5]) for (const C of [1, 2, 3, 4, 5, 7, 9]) for (const [nh, nw, B] of [[1, 1, 1], [2, 3, 2]]) {
    const H = nh * ws, W = nw * ws, n = B * H * W * C, x = randomArray(n, seed++, -2, 2, true);
    const want = new Float32Array(n);
    let o = 0;
    for (let b = 0; b < B; b++) for (let p = 0; p < nh; p++) for (let q = 0; q < nw; q++) for (let i = 0; i < ws; i++) for (let j = 0; j < ws; j++) for (let c = 0; c < C; c++) {
      want[o++] = x[((b * H + p * ws + i) * W + q * ws + j) * C + c];
    }
    for (const v of ['scalar', 'f32x4'] as const) {
      const fwd = runKernel([x], [new Float32Array(n)], ([s], [d]) => k[`window_partition__${v}`](s, d, B, H, W, C, ws, 0))[0];
      assertBitExact(fwd, want, `partition ${v} ws=${ws} C=${C}`);
      const back = runKernel([fwd], [new Float32Array(n)], ([s], [d]) => k[`window_partition__${v}`](s, d, B, H, W, C, ws, 1))[0];
      assertBitExact(back, x, `reverse ${v} ws=${ws} C=${C}`);
    }
  }
  for (const [outer, len, inner] of [[1, 1, 1], [2, 5, 3], [3, 7, 1], [1, 9, 9], [2, 56, 5]]) for (let shift = 0; shift < len; shift += Math.max(1, len >> 2)) {
    const n = outer * len * inner, x = randomArray(n, seed++, -2, 2, true), want = new Float32Array(n);
    for (let o = 0; o < outer; o++) for (let i = 0; i < len; i++) for (let t = 0; t < inner; t++) want[(o * len + (i + shift) % len) * inner + t] = x[(o * len + i) * inner + t];
    for (const v of ['scalar', 'f32x4'] as const) {
      const y = runKernel([x], [new Float32Array(n)], ([s], [d]) => k[`roll_dim__${v}`](s, d, outer, len, inner, shift))[0];
      assertBitExact(y, want, `roll_dim ${v} [${outer}, ${len}, ${inner}] shift ${shift}`);
    }
  }
});

K.run();
