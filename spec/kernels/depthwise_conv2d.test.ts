// as/depthwise_conv2d.ts: every f32x4 kernel of the family ≡ depthwise_conv2d__scalar ≡ a TS float32 twin, bit for
// bit (Object.is per element): the generic depthwise_conv2d__f32x4 on every case, and each named special case
// (depthwise_conv2d__f32x4_3x3s1, _3x3s1p1, _3x3s2) on every case inside its contract. W (the vectorised
// dimension) sweeps 1..20 and widths that reach the 4- and 2-vector interior blocks and both border paths; 3x3
// stride 1 and 2 are swept exhaustively over H, W, padding and dilation; other kernels, strides and groupings by
// a property. Special values (NaN, ±Inf, −0, subnormals) in the input and in the weights: non-finite weights are
// outside _3x3s1p1's contract (ts/wasm/conv2d.ts depthwiseKernel sends them to _3x3s1's masked borders), whose
// result must still be the scalar twin's skip of taps outside the map.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { depthwiseKernel } from '../../ts/wasm/conv2d.js';
import { conv2dGeometry } from '../../ts/core/geometry.js';
import { Tensor } from '../../ts/core/tensor.js';
import { runs } from '../support/arbitraries.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

interface DwCase {
  C_out: number; cin: number; cout: number; H: number; W: number; k_h: number; k_w: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number; H_out: number; W_out: number;
}

/** Geometry with symmetric padding; null when the (dilated) kernel does not fit. */
function geometry(c: Omit<DwCase, 'H_out' | 'W_out'>): DwCase | null {
  const H_out = Math.floor((c.H + 2 * c.pt - c.dh * (c.k_h - 1) - 1) / c.sh) + 1;
  const W_out = Math.floor((c.W + 2 * c.pl - c.dw * (c.k_w - 1) - 1) / c.sw) + 1;
  return H_out >= 1 && W_out >= 1 ? { ...c, H_out, W_out } : null;
}

/** The TS twin: per output, acc = +0, then acc + w·x over (c, p, q) skipping taps outside, then + bias (float32). */
function twin(c: DwCase, x: Float32Array, w: Float32Array, bias: Float32Array | null): Float32Array {
  const y = new Float32Array(c.C_out * c.H_out * c.W_out);
  let n = 0;
  for (let o = 0; o < c.C_out; o++) {
    const g = Math.floor(o / c.cout);
    for (let i = 0; i < c.H_out; i++) for (let j = 0; j < c.W_out; j++) {
      let acc = 0;
      for (let ci = 0; ci < c.cin; ci++) for (let p = 0; p < c.k_h; p++) {
        const r = i * c.sh + p * c.dh - c.pt;
        if (r < 0 || r >= c.H) continue;
        for (let q = 0; q < c.k_w; q++) {
          const col = j * c.sw + q * c.dw - c.pl;
          if (col < 0 || col >= c.W) continue;
          acc = f(acc + f(w[((o * c.cin + ci) * c.k_h + p) * c.k_w + q] * x[((g * c.cin + ci) * c.H + r) * c.W + col]));
        }
      }
      if (bias) acc = f(acc + bias[o]);
      y[n++] = acc;
    }
  }
  return y;
}

function check(c: DwCase, seed: number, withBias: boolean, specialsX = false, specialsW = false): void {
  const groups = c.C_out / c.cout;
  const x = randomArray(groups * c.cin * c.H * c.W, seed, -2, 2, specialsX);
  const w = randomArray(c.C_out * c.cin * c.k_h * c.k_w, seed ^ 0x5bd1e995, -2, 2, specialsW);
  const b = withBias ? randomArray(c.C_out, seed ^ 0x27d4eb2f) : null;
  const want = twin(c, x, w, b);
  const label = `depthwise_conv2d ${JSON.stringify(c)} bias=${withBias} specials=${specialsX}/${specialsW}`;
  for (const variant of variantsFor(c, w)) {
    const [got] = runKernel(b ? [x, w, b] : [x, w], [new Float32Array(want.length)], ([px, pw, pb], [py]) => {
      k[variant](px, pw, pb ?? 0, py, c.C_out, c.cin, c.cout, c.H, c.W, c.k_h, c.k_w, c.sh, c.sw, c.dh, c.dw, c.pt, c.pl, c.H_out, c.W_out);
    });
    assertBitExact(got, want, `${label} ${variant} vs TS twin`, [c.C_out, c.H_out, c.W_out]);
  }
}

type Variant = 'depthwise_conv2d__scalar' | 'depthwise_conv2d__f32x4' | 'depthwise_conv2d__f32x4_3x3s1'
  | 'depthwise_conv2d__f32x4_3x3s1p1' | 'depthwise_conv2d__f32x4_3x3s2';

/** The scalar twin, the generic f32x4 kernel, and every special case whose contract (as/depthwise_conv2d.ts) holds. */
function variantsFor(c: DwCase, w: Float32Array): Variant[] {
  const out: Variant[] = ['depthwise_conv2d__scalar', 'depthwise_conv2d__f32x4'];
  if (c.cin === 1 && c.k_h === 3 && c.k_w === 3) {
    if (c.sw === 1 && c.W >= 4) out.push('depthwise_conv2d__f32x4_3x3s1');
    if (c.sw === 1 && c.dw === 1 && c.pl === 1 && c.W_out === c.W && c.W >= 8 && w.every(Number.isFinite)) out.push('depthwise_conv2d__f32x4_3x3s1p1');
    if (c.sw === 2) out.push('depthwise_conv2d__f32x4_3x3s2');
  }
  return out;
}

const Kernels = suite('depthwise_conv2d/kernels');

Kernels('3x3 stride 1 and 2, W 1..20, H 1..5, padding 0..3 (rows with no input row inside), dilation 1..2, depth multiplier 1..2, bias on/off: scalar ≡ f32x4 (generic, _3x3s1, _3x3s1p1, _3x3s2) ≡ twin', () => {
  let seed = 1;
  for (const s of [1, 2]) for (const [C_out, cout] of [[1, 1], [3, 1], [4, 2]]) for (let W = 1; W <= 20; W++) for (const H of [1, 2, 3, 5]) {
    for (const pad of [0, 1, 2, 3]) for (const dil of [1, 2]) {
      const c = geometry({ C_out, cin: 1, cout, H, W, k_h: 3, k_w: 3, sh: s, sw: s, dh: dil, dw: dil, pt: pad, pl: pad });
      if (c) check(c, seed++, (seed & 1) === 0);
    }
  }
});

Kernels('3x3 with different strides and dilations along H and W (the special cases are chosen by the W axis): scalar ≡ every applicable f32x4 kernel ≡ twin', () => {
  let seed = 3000;
  for (const [sh, sw] of [[1, 1], [2, 1], [3, 1], [1, 2], [3, 2]]) for (const [dh, dw] of [[1, 1], [2, 1], [1, 2]]) for (const W of [4, 8, 9, 13, 23]) {
    for (const [pt, pl] of [[1, 1], [0, 1], [2, 0], [1, 2]]) {
      const c = geometry({ C_out: 2, cin: 1, cout: 1, H: 7, W, k_h: 3, k_w: 3, sh, sw, dh, dw, pt, pl });
      if (c) check(c, seed++, (seed & 1) === 0);
    }
  }
});

Kernels('wide rows (4-vector blocks, 2-vector steps, single vectors, partial last vector): W 28..45, k 3x3 / 5x5 / 1x3, strides 1..3', () => {
  let seed = 1000;
  for (let W = 28; W <= 45; W++) {
    for (const [k_h, k_w, s, pad] of [[3, 3, 1, 1], [3, 3, 2, 1], [5, 5, 1, 2], [1, 3, 1, 0], [3, 3, 3, 1], [3, 1, 1, 1]]) {
      const c = geometry({ C_out: 2, cin: 1, cout: 1, H: 4, W, k_h, k_w, sh: s, sw: s, dh: 1, dw: 1, pt: pad, pl: pad });
      if (c) check(c, seed++, true);
    }
  }
});

Kernels('special values in the input (NaN, ±Inf, −0, subnormals) and in the weights (non-finite weights: masked borders)', () => {
  let seed = 5000;
  for (let W = 1; W <= 19; W += 2) for (const [k_h, k_w, s, pad] of [[3, 3, 1, 1], [3, 3, 2, 1], [5, 5, 1, 2], [3, 3, 1, 0]]) {
    const c = geometry({ C_out: 3, cin: 1, cout: 1, H: 5, W, k_h, k_w, sh: s, sw: s, dh: 1, dw: 1, pt: pad, pl: pad });
    if (!c) continue;
    check(c, seed++, true, true, false);
    check(c, seed++, true, false, true);
    check(c, seed++, false, true, true);
  }
});

const dwCase = fc.record({
  groups: fc.integer({ min: 1, max: 3 }), cin: fc.integer({ min: 1, max: 3 }), cout: fc.integer({ min: 1, max: 3 }),
  k_h: fc.integer({ min: 1, max: 5 }), k_w: fc.integer({ min: 1, max: 5 }), sh: fc.integer({ min: 1, max: 4 }), sw: fc.integer({ min: 1, max: 4 }),
  dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }), pt: fc.integer({ min: 0, max: 3 }), pl: fc.integer({ min: 0, max: 3 }),
  extraH: fc.integer({ min: 0, max: 6 }), extraW: fc.integer({ min: 0, max: 12 }), bias: fc.boolean(), specials: fc.boolean(), seed: fc.integer(),
}).map((c) => {
  // smallest map that fits the dilated kernel, plus an extra: valid by construction
  const H = Math.max(1, c.dh * (c.k_h - 1) + 1 - 2 * c.pt) + c.extraH, W = Math.max(1, c.dw * (c.k_w - 1) + 1 - 2 * c.pl) + c.extraW;
  return { g: geometry({ C_out: c.groups * c.cout, cin: c.cin, cout: c.cout, H, W, k_h: c.k_h, k_w: c.k_w, sh: c.sh, sw: c.sw, dh: c.dh, dw: c.dw, pt: c.pt, pl: c.pl })!, bias: c.bias, specials: c.specials, seed: c.seed };
});

Kernels('any kernel size, stride, dilation, padding and grouping (property): scalar ≡ f32x4 ≡ twin', () => {
  fc.assert(fc.property(dwCase, (c) => { check(c.g, c.seed, c.bias, c.specials, c.specials && (c.seed & 1) === 0); }), { numRuns: runs(1000) });
});

Kernels('ts/wasm/conv2d.ts depthwiseKernel: each geometry gets the kernel whose contract it meets (non-finite weights never the \'same\' kernel)', () => {
  const pick = (C: number, H: number, W: number, kh: number, kw: number, opts: { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number]; groups?: number }, w?: Float32Array) => {
    const groups = opts.groups ?? C;
    const weight = new Tensor(w ?? new Float32Array(C * (C / groups) * kh * kw).fill(0.5), [C, C / groups, kh, kw]);
    const g = conv2dGeometry('conv2d', [1, C, H, W], weight.shape, null, { groups, ...opts });
    const fn = depthwiseKernel(k, g, weight);
    return (['depthwise_conv2d__f32x4', 'depthwise_conv2d__f32x4_3x3s1', 'depthwise_conv2d__f32x4_3x3s1p1', 'depthwise_conv2d__f32x4_3x3s2'] as const).find((n) => k[n] === fn);
  };
  assert.is(pick(8, 28, 28, 3, 3, { padding: [1, 1] }), 'depthwise_conv2d__f32x4_3x3s1p1');
  assert.is(pick(8, 28, 28, 3, 3, { padding: [1, 1] }, new Float32Array(72).fill(0.5).fill(Infinity, 40, 41)), 'depthwise_conv2d__f32x4_3x3s1');
  assert.is(pick(8, 28, 7, 3, 3, { padding: [1, 1] }), 'depthwise_conv2d__f32x4_3x3s1');        // W < 8
  assert.is(pick(8, 28, 28, 3, 3, { padding: [0, 0] }), 'depthwise_conv2d__f32x4_3x3s1');
  assert.is(pick(8, 28, 28, 3, 3, { padding: [2, 2], dilation: [2, 2] }), 'depthwise_conv2d__f32x4_3x3s1');
  assert.is(pick(8, 28, 28, 3, 3, { padding: [1, 1], stride: [2, 1] }), 'depthwise_conv2d__f32x4_3x3s1p1');
  assert.is(pick(8, 28, 3, 3, 3, { padding: [1, 1] }), 'depthwise_conv2d__f32x4');                // W < 4
  assert.is(pick(8, 28, 28, 3, 3, { padding: [1, 1], stride: [2, 2] }), 'depthwise_conv2d__f32x4_3x3s2');
  assert.is(pick(8, 28, 28, 3, 3, { padding: [1, 1], stride: [3, 3] }), 'depthwise_conv2d__f32x4');
  assert.is(pick(8, 28, 28, 5, 5, { padding: [2, 2] }), 'depthwise_conv2d__f32x4');
  assert.is(pick(8, 28, 28, 3, 3, { padding: [1, 1], groups: 4 }), 'depthwise_conv2d__f32x4');  // 2 inputs per group
});

Kernels.run();
