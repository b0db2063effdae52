// as/sigmoid.ts, as/global_avg_pool.ts, as/weighted_tap_sum.ts: __scalar ≡ __f32x4 bit for bit (32-bit words),
// sizes swept 0..13 around the vector width, special values (NaN, ±Inf, ±0, huge) included; and each within its
// stated bound of the float64 value.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { prng } from '../support/arbitraries.js';
import { U } from '../../ts/core/numerics.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function values(n: number, seed: number, range = 4): Float32Array {
  const r = prng(seed), specials = [NaN, Infinity, -Infinity, 0, -0, 88, -88, 104, -104, 1e-40];
  return Float32Array.from({ length: n }, () => (r() < 0.15 ? specials[Math.floor(r() * specials.length)] : Math.fround((r() * 2 - 1) * range)));
}

const K = suite('kernels/dynconv_elementwise');

K('sigmoid: scalar ≡ f32x4; within 8·u·σ(x) + 2⁻¹⁴⁸ of float64 σ; NaN → NaN, +Inf → 1, −Inf → 0', () => {
  const k = kernels();
  for (let n = 0; n <= 13; n++) for (const range of [4, 30, 120]) {
    const x = values(n, n * 7 + range, range);
    const [a, b] = (['scalar', 'f32x4'] as const).map((v) => withArena((ar) => {
      const px = ar.upload(x), py = ar.alloc(Math.max(n, 1));
      k[`sigmoid__${v}`](px, py, n);
      return ar.download(py, n);
    }));
    assert.equal(bits(a), bits(b), `n=${n} range=${range}`);
    x.forEach((v, i) => {
      const want = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      if (Number.isNaN(v)) assert.ok(Number.isNaN(a[i]), 'NaN');
      else assert.ok(Math.abs(a[i] - want) <= 8 * U * want + 2 ** -148, `σ(${v}) = ${a[i]}, want ${want}`);
    });
  }
});

K('global_avg_pool: scalar ≡ f32x4 (four interleaved partial sums); within (size/4 + 4)·u·mean|x| of the mean', () => {
  const k = kernels();
  for (let size = 1; size <= 13; size++) {
    const planes = 3, x = values(planes * size, size, 4).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v : 0.5));
    const [a, b] = (['scalar', 'f32x4'] as const).map((v) => withArena((ar) => {
      const px = ar.upload(x), py = ar.alloc(planes);
      k[`global_avg_pool__${v}`](px, py, planes, size);
      return ar.download(py, planes);
    }));
    assert.equal(bits(a), bits(b), `size=${size}`);
    for (let p = 0; p < planes; p++) {
      let s = 0, m = 0;
      for (let i = 0; i < size; i++) { s += x[p * size + i]; m += Math.abs(x[p * size + i]); }
      assert.ok(Math.abs(a[p] - s / size) <= (size / 4 + 4) * U * (m / size) + 1e-45, `plane ${p}`);
    }
  }
});

K('weighted_tap_sum: scalar ≡ f32x4 (taps in order per position, NaN/Inf carried); P swept 0..13, T 1..9', () => {
  const k = kernels();
  for (let P = 0; P <= 13; P++) for (const T of [1, 4, 9]) {
    const col = values(T * P, P * 31 + T), kern = values(T * P, P * 17 + T + 1);
    const [a, b] = (['scalar', 'f32x4'] as const).map((v) => withArena((ar) => {
      const pc = ar.upload(col), pk = ar.upload(kern), py = ar.alloc(Math.max(P, 1));
      k[`weighted_tap_sum__${v}`](pc, pk, py, T, P);
      return ar.download(py, P);
    }));
    assert.equal(bits(a), bits(b), `P=${P} T=${T}`);
  }
});

K.run();
