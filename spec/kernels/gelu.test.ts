// as/gelu.ts: gelu, gelu_tanh and erf, each __scalar ≡ __f32x4 ≡ TS twin bit for bit (n 0..37: every n mod 4,
// vectors whose lanes fall in different pieces of erf), and the accuracy of the float32 erf (dense sweep
// against the reference's float64 erf, ts/ref/activations.ts) and of gelu against ts/wasm/gelu.ts's bounds.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { erf } from '../../ts/ref/activations.js';
import { assertBitExact, U } from '../support/close.js';
import { f, randomArray, runKernel, ulpError } from '../support/kernel_io.js';
import { erfTwin, geluTwin, geluTanhTwin } from '../support/float32_math.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

const Kernels = suite('gelu/kernels');

const VARIANTS = [
  ['gelu', geluTwin], ['gelu_tanh', geluTanhTwin], ['erf', erfTwin],
] as const;

for (const [name, twin] of VARIANTS) {
  Kernels(`${name}: n 0..37, ranges ±1, ±6, ±12 (with specials): scalar ≡ f32x4 ≡ twin`, () => {
    let seed = 1;
    for (let n = 0; n <= 37; n++) for (const range of [1, 6, 12]) {
      const x = randomArray(n, seed++, -range, range, n % 3 === 0);
      const want = Float32Array.from(x, twin);
      for (const v of [`${name}__scalar`, `${name}__f32x4`] as const) {
        const [got] = runKernel([x], [new Float32Array(n)], ([px], [py]) => k[v](px, py, n));
        assertBitExact(got, want, `${v} n=${n} range=${range}`);
      }
    }
  });
}

/** Every `step`-th float32 in [0, hi] (bit patterns), with both signs. */
function sweep(hi: number, step: number): Float32Array {
  const toF = new Float32Array(1), toU = new Uint32Array(toF.buffer), xs: number[] = [];
  toF[0] = hi; const top = toU[0];
  for (let b = 0; b <= top; b += step) { toU[0] = b; xs.push(toF[0], -toF[0]); }
  return Float32Array.from(xs);
}

Kernels('erf accuracy over a dense sweep (every 509th float32 of [−4.5, 4.5]) against a float64 erf: ≤ 1.15 ulp; erf(±0) = ±0, erf(±∞) = ±1, erf(NaN) = NaN', () => {
  const x = sweep(4.5, 509);
  const [y] = runKernel([x], [new Float32Array(x.length)], ([px], [py]) => k.erf__f32x4(px, py, x.length));
  let max = 0, at = 0;
  for (let i = 0; i < x.length; i++) { const e = ulpError(y[i], erf(x[i])); if (e > max) { max = e; at = x[i]; } }
  assert.ok(x.length > 4_000_000, `sweep of ${x.length} points`);
  assert.ok(max <= 1.15, `erf max error ${max.toFixed(4)} ulp at x = ${at} (bound 1.15 ulp)`);
  const sp = Float32Array.from([0, -0, Infinity, -Infinity, NaN]);
  const [s] = runKernel([sp], [new Float32Array(5)], ([px], [py]) => k.erf__f32x4(px, py, 5));
  assert.ok(Object.is(s[0], 0) && Object.is(s[1], -0) && s[2] === 1 && s[3] === -1 && Number.isNaN(s[4]), `specials: ${[...s]}`);
});

Kernels("gelu accuracy over a dense sweep of [−5.6, 5.6]: 'none' ≤ (3.5 + 4t²)·u·|y| + 2⁻¹⁴⁹ (stated: 12 + 4t²), 'tanh' ≤ (3 + 4|z₂|)·u·|y| + 2⁻¹⁴⁹ (stated: 6 + 4|z₂|)", () => {
  const x = sweep(5.6, 997);
  const [yn, yt] = runKernel([x], [new Float32Array(x.length), new Float32Array(x.length)], ([px], [pn, pt]) => {
    k.gelu__f32x4(px, pn, x.length);
    k.gelu_tanh__f32x4(px, pt, x.length);
  });
  let worstNone = 0, worstTanh = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i], t = v / Math.SQRT2;
    if (t <= -3.92) continue;
    const exactNone = v * 0.5 * (1 + erf(t));
    // gelu_tanh = x·σ(2z) = x / (1 + e^{−2z}): the float64 form without 1 + tanh's cancellation
    const z2 = 2 * Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v), exactTanh = v / (1 + Math.exp(-z2));
    const sub = 2 ** -149;                                   // x·½ of a subnormal x rounds: one subnormal ulp
    if (exactNone !== 0) worstNone = Math.max(worstNone, (Math.abs(yn[i] - exactNone) - sub) / (U * Math.abs(exactNone)) - 4 * t * t);
    if (exactTanh !== 0) worstTanh = Math.max(worstTanh, (Math.abs(yt[i] - exactTanh) - sub) / (U * Math.abs(exactTanh)) - 4 * Math.abs(z2));
  }
  assert.ok(worstNone <= 3.5, `gelu: max (error/(u·|y|) − 4t²) = ${worstNone.toFixed(3)} (measured bound 3.5, stated 12)`);
  assert.ok(worstTanh <= 3, `gelu_tanh: max (error/(u·|y|) − 4|z₂|) = ${worstTanh.toFixed(3)} (measured bound 3, stated 6)`);
  // below t = −3.92 the erf form returns −0 (|gelu| < 1.1e-8·|x| there); far right it is x
  const [tail] = runKernel([Float32Array.from([-5.6, -8, -30, 6, 30])], [new Float32Array(5)], ([px], [py]) => k.gelu__f32x4(px, py, 5));
  assert.ok(Object.is(tail[0], -0) && Object.is(tail[1], -0) && Object.is(tail[2], -0) && tail[3] === 6 && tail[4] === 30, `tails: ${[...tail]}`);
  assert.is(f(tail[3]), 6);
});

Kernels.run();
