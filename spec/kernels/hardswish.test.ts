// as/hardswish.ts: TS twin ≡ __scalar ≡ __f32x4 bit for bit (32-bit words), sizes swept 0..13 around the vector
// width, special values (NaN, ±Inf, ±0, ±3, ±6, subnormals) included; and within 3·u·|y| of the float64 value.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { prng } from '../support/arbitraries.js';
import { U } from '../../ts/core/numerics.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const f = Math.fround;

/** The TS twin: PyTorch's operation order with a float32 rounding after each operation. */
function hardswishTwin(v: number): number {
  const t = f(v + 3);
  const lo = t <= 0 ? 0 : t;
  const c = lo >= 6 ? 6 : lo;
  return f(f(v * c) / 6);
}

function values(n: number, seed: number, range: number): Float32Array {
  const r = prng(seed), specials = [NaN, Infinity, -Infinity, 0, -0, 3, -3, 6, -6, -1.5, 1e-40, -1e-40, 3.4e38, -3.4e38];
  return Float32Array.from({ length: n }, () => (r() < 0.2 ? specials[Math.floor(r() * specials.length)] : f((r() * 2 - 1) * range)));
}

const K = suite('kernels/hardswish');

K('hardswish: TS twin ≡ scalar ≡ f32x4 bit for bit; within 3·u·|y| + 2⁻¹⁴⁹ of float64 x·relu6(x+3)/6', () => {
  const k = kernels();
  for (let n = 0; n <= 13; n++) for (const range of [1, 4, 8, 1e30]) {
    const x = values(n, n * 11 + range, range);
    const [a, b] = (['scalar', 'f32x4'] as const).map((v) => withArena((ar) => {
      const px = ar.upload(x), py = ar.alloc(Math.max(n, 1));
      k[`hardswish__${v}`](px, py, n);
      return ar.download(py, n);
    }));
    assert.equal(bits(a), bits(b), `scalar vs f32x4 n=${n} range=${range}`);
    assert.equal(bits(a), bits(Float32Array.from(x, hardswishTwin)), `scalar vs TS twin n=${n} range=${range}`);
    x.forEach((v, i) => {
      if (Number.isNaN(v)) { assert.ok(Number.isNaN(a[i]), 'NaN → NaN'); return; }
      const want = (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
      if (!Number.isFinite(want)) { assert.ok(Object.is(a[i], want), `hardswish(${v}) = ${a[i]}, want ${want}`); return; }
      if (Math.abs(v) > 3e38) return;                        // v·6 overflows float32 before the division (as in PyTorch)
      assert.ok(Math.abs(a[i] - want) <= 3 * U * Math.abs(want) + 2 ** -149, `hardswish(${v}) = ${a[i]}, want ${want}`);
    });
  }
});

K('hardswish: in place (y = x) equals out of place', () => {
  const k = kernels(), x = values(37, 5, 8);
  const [a, b] = [false, true].map((inPlace) => withArena((ar) => {
    const px = ar.upload(x), py = inPlace ? px : ar.alloc(37);
    k.hardswish__f32x4(px, py, 37);
    return ar.download(py, 37);
  }));
  assert.equal(bits(a), bits(b));
});

K.run();
