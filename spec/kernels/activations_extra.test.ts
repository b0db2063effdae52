// as/activations_extra.ts: silu, hardsigmoid, tanh and leaky_relu — __scalar ≡ __f32x4 bit for bit (32-bit words),
// sizes swept 0..13 around the vector width, special values included; hardsigmoid and leaky_relu also equal a TS
// twin in PyTorch's float32 operation order, and each is within its stated bound of the float64 value.
// Kernels: silu__scalar / silu__f32x4, hardsigmoid__scalar / hardsigmoid__f32x4, tanh__scalar / tanh__f32x4,
// leaky_relu__scalar / leaky_relu__f32x4.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { randomArray } from '../support/kernel_io.js';
import { U } from '../../ts/core/numerics.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const f = Math.fround;
// Bit patterns, with every NaN mapped to the canonical quiet NaN: WebAssembly leaves the sign and payload of a
// NaN produced by arithmetic nondeterministic (core spec §4.3.3, "NaN propagation"), and V8 does differ between
// its baseline and optimising tiers (seen under load: silu(NaN) gave 0x7fc00000 on one path, 0xffc00000 on the other).
const words = (a: Float32Array) => Array.from(a, (v, i) => (Number.isNaN(v) ? 0x7fc00000 : new Uint32Array(a.buffer, a.byteOffset + 4 * i, 1)[0]));
type Unary = 'silu' | 'hardsigmoid' | 'tanh' | 'leaky_relu';

function run(name: Unary, variant: 'scalar' | 'f32x4', x: Float32Array, slope = 0.01): Float32Array {
  const k = kernels(), n = x.length;
  return withArena((a) => {
    const px = a.upload(x), py = a.alloc(Math.max(n, 1));
    if (name === 'leaky_relu') k[`leaky_relu__${variant}`](px, py, n, f(slope));
    else k[`${name}__${variant}`](px, py, n);
    return a.download(py, n);
  });
}

const exact: Record<Unary, (v: number, slope: number) => number> = {
  silu: (v) => v / (1 + Math.exp(-v)),
  hardsigmoid: (v) => Math.min(Math.max(v + 3, 0), 6) / 6,
  tanh: Math.tanh,
  leaky_relu: (v, s) => (v > 0 ? v : v * f(s)),
};
const bound: Record<Unary, (y: number) => number> = {
  silu: (y) => 8 * U * Math.abs(y) + 2 ** -126,
  hardsigmoid: (y) => 2 * U * Math.abs(y) + 2 ** -149,
  tanh: (y) => 4 * U * Math.abs(y) + 2 ** -149,
  leaky_relu: (y) => U * Math.abs(y) + 2 ** -149,
};
/** TS twins in PyTorch's float32 order (bit-exact ones only). */
const twin: Partial<Record<Unary, (v: number, slope: number) => number>> = {
  hardsigmoid: (v) => { const t = f(v + 3); const lo = t <= 0 ? 0 : t; const c = lo >= 6 ? 6 : lo; return f(c / 6); },
  leaky_relu: (v, s) => (v > 0 ? v : f(v * f(s))),
};

const K = suite('kernels/activations_extra');

for (const name of ['silu', 'hardsigmoid', 'tanh', 'leaky_relu'] as const) {
  K(`${name}: scalar ≡ f32x4 bit for bit, n = 0..13, specials; within the stated bound of float64`, () => {
    for (let n = 0; n <= 13; n++) for (const range of [1, 4, 30]) for (const slope of name === 'leaky_relu' ? [0.01, 0.2, -1.5] : [0]) {
      const x = randomArray(n, n * 31 + range, -range, range, true);
      const a = run(name, 'scalar', x, slope), b = run(name, 'f32x4', x, slope);
      assert.equal(words(a), words(b), `${name} scalar vs f32x4 n=${n} range=${range}`);
      const tw = twin[name];
      if (tw) assert.equal(words(a), words(Float32Array.from(x, (v) => tw(v, slope))), `${name} scalar vs TS twin n=${n}`);
      x.forEach((v, i) => {
        const want = exact[name](v, slope);
        if (!Number.isFinite(want) || !Number.isFinite(v)) {
          if (Number.isNaN(want)) assert.ok(Number.isNaN(a[i]), `${name}(${v}) = ${a[i]}, want NaN`);
          else assert.ok(Object.is(a[i], f(want)) || Math.abs(a[i] - want) <= bound[name](want), `${name}(${v}) = ${a[i]}, want ${want}`);
          return;
        }
        if (Math.abs(f(want)) === Infinity) return;
        assert.ok(Math.abs(a[i] - want) <= bound[name](want), `${name}(${v}) = ${a[i]}, want ${want}`);
      });
    }
  });
}

K.run();
