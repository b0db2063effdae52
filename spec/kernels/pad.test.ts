// as/pad.ts: pad2d__scalar ≡ pad2d__f32x4 ≡ TS twin and fill__scalar ≡ fill__f32x4, bit for bit (32-bit moves:
// −0 and NaN payloads kept). H, W sweep 0..9, every pad 0..3 per side (reflect: < the dimension), modes
// constant / reflect / replicate, constant values given as bits (NaN payload, −0).
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { randomArray, runKernel, bits } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

function source(s: number, n: number, mode: number): number {
  if (s >= 0 && s < n) return s;
  if (mode === 0) return -1;
  if (mode === 2) return s < 0 ? 0 : n - 1;
  return s < 0 ? -s : 2 * (n - 1) - s;
}

function twin(x: Float32Array, planes: number, H: number, W: number, t: number, b: number, l: number, r: number, mode: number, valueBits: number): Uint32Array {
  const Ho = H + t + b, Wo = W + l + r, out = new Uint32Array(planes * Ho * Wo), xb = new Uint32Array(x.buffer, x.byteOffset, x.length);
  let n = 0;
  for (let p = 0; p < planes; p++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    const si = source(i - t, H, mode), sj = source(j - l, W, mode);
    out[n++] = si >= 0 && sj >= 0 ? xb[(p * H + si) * W + sj] : valueBits;
  }
  return out;
}

const Kernels = suite('pad/kernels');

Kernels('pad2d: H, W 0..9, pads 0..3 per side, constant / reflect / replicate, planes 1..2 (with specials): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  const values = [bits(0), bits(-0), bits(1.5), 0x7fc0dead, bits(-Infinity)];
  for (let H = 0; H <= 9; H++) for (let W = 0; W <= 9; W++) for (let mode = 0; mode <= 2; mode++) {
    if (mode > 0 && (H === 0 || W === 0)) continue;                       // reflect/replicate need non-empty dims
    for (let t = 0; t <= 3; t++) for (const [l, r] of [[0, 0], [1, 2], [3, 1], [2, 3]]) {
      const bt = (t + seed) % 4;
      if (mode === 1 && (t >= H || bt >= H || l >= W || r >= W)) continue;   // reflect: pad < dimension
      const planes = 1 + (seed % 2), valueBits = values[seed % values.length];
      const x = randomArray(planes * H * W, seed, -2, 2, true);
      const want = twin(x, planes, H, W, t, bt, l, r, mode, valueBits);
      const wantF = new Float32Array(want.buffer);
      for (const v of ['pad2d__scalar', 'pad2d__f32x4'] as const) {
        const [got] = runKernel([x], [new Float32Array(want.length)], ([px], [py]) => k[v](px, py, planes, H, W, t, bt, l, r, mode, valueBits));
        assertBitExact(got, wantF, `${v} ${planes}x${H}x${W} pads t${t} b${bt} l${l} r${r} mode ${mode}`);
        const gb = new Uint32Array(got.buffer);          // and the exact bits (NaN payloads too)
        for (let i = 0; i < want.length; i++) {
          if (gb[i] !== want[i]) throw new Error(`${v}: bits differ at ${i}: 0x${gb[i].toString(16)} vs 0x${want[i].toString(16)}`);
        }
      }
      seed++;
    }
  }
});

Kernels('fill: n 0..37, any bit pattern: scalar ≡ f32x4 (exact bits)', () => {
  for (let n = 0; n <= 37; n++) for (const b of [0, bits(-0), 0x7fc0dead, bits(3.25)]) {
    for (const v of ['fill__scalar', 'fill__f32x4'] as const) {
      const [got] = runKernel([], [new Float32Array(n + 4).fill(9)], (_, [p]) => k[v](p, n, b));
      const gb = new Uint32Array(got.buffer);
      for (let i = 0; i < n + 4; i++) {
        const want = i < n ? b >>> 0 : bits(9);
        if (gb[i] !== want) throw new Error(`${v} n=${n}: word ${i} is 0x${gb[i].toString(16)}, want 0x${want.toString(16)}`);
      }
    }
  }
});

Kernels.run();
