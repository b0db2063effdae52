// as/im2col.ts: im2col__scalar ≡ im2col__f32x4 ≡ a TS twin, bit for bit (32-bit words compared, so
// NaN payloads and −0 count). Data movement is exact: inputs are random bit patterns (NaNs with
// payloads, −0, subnormals, Inf included), padding must come out as +0.
// Exhaustive sweep of the horizontal axis (W 1..9, k_w 1..3, stride_w 1..3, dilation_w 1..2,
// pad_left/right 0..2 — every W mod 4 and both the stride-1 and stride-2 fast paths), the same
// for the vertical axis (and for negative pad_top: bands of output rows), and a fast-check property
// over everything at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { init, kernels } from '../../ts/wasm/module.js';
import { withArena, arenaStats } from '../../ts/wasm/arena.js';
import { prng, runs } from '../support/arbitraries.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)

interface Im2colCase {
  C: number; H: number; W: number; k_h: number; k_w: number;
  stride_h: number; stride_w: number; dilation_h: number; dilation_w: number;
  pad_top: number; pad_left: number; pad_bottom: number; pad_right: number;
}

function outSize(size: number, k: number, stride: number, dilation: number, padA: number, padB: number): number {
  return Math.floor((size + padA + padB - dilation * (k - 1) - 1) / stride) + 1;
}

/** col[(c·k_h + p)·k_w + q, i·W_out + j] = x[c, i·s_h + p·d_h − pad_top, j·s_w + q·d_w − pad_left] or +0. */
function im2colTwin(x: Uint32Array, c: Im2colCase, H_out: number, W_out: number): Uint32Array {
  const col = new Uint32Array(c.C * c.k_h * c.k_w * H_out * W_out);
  for (let ch = 0; ch < c.C; ch++) for (let p = 0; p < c.k_h; p++) for (let q = 0; q < c.k_w; q++) {
    const row = (ch * c.k_h + p) * c.k_w + q;
    for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
      const y = i * c.stride_h + p * c.dilation_h - c.pad_top;
      const xx = j * c.stride_w + q * c.dilation_w - c.pad_left;
      col[row * H_out * W_out + i * W_out + j] = y >= 0 && y < c.H && xx >= 0 && xx < c.W ? x[(ch * c.H + y) * c.W + xx] : 0;
    }
  }
  return col;
}

function randomBits(length: number, seed: number): Uint32Array {
  const rand = prng(seed);
  const out = new Uint32Array(length);
  const specials = [0x7fc00000, 0x7fa5a5a5, 0xffc00001, 0x80000000, 0x7f800000, 0xff800000, 0x00000001];
  for (let i = 0; i < length; i++) {
    out[i] = rand() < 0.1 ? specials[Math.floor(rand() * specials.length)] : Math.floor(rand() * 2 ** 32) >>> 0;
  }
  return out;
}

function runIm2col(variant: 'im2col__scalar' | 'im2col__f32x4', x: Uint32Array, c: Im2colCase, H_out: number, W_out: number): Uint32Array {
  const k = kernels();
  return withArena((a) => {
    const px = a.alloc(x.length);
    new Uint32Array(a.view(px, x.length).buffer, px, x.length).set(x); // bits, not values (keeps NaN payloads)
    const n = c.C * c.k_h * c.k_w * H_out * W_out;
    const pcol = a.alloc(n);
    k[variant](px, pcol, c.C, c.H, c.W, c.k_h, c.k_w, c.stride_h, c.stride_w, c.dilation_h, c.dilation_w,
      c.pad_top, c.pad_left, H_out, W_out);
    const f = a.download(pcol, n);
    return new Uint32Array(f.buffer);
  });
}

function assertBitsEqual(got: Uint32Array, want: Uint32Array, label: string): void {
  assert.is(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      assert.unreachable(`${label}: word ${i} is 0x${got[i].toString(16)}, want 0x${want[i].toString(16)}`);
    }
  }
}

let checked = 0;
function checkCase(c: Im2colCase, seed: number): void {
  const H_out = outSize(c.H, c.k_h, c.stride_h, c.dilation_h, c.pad_top, c.pad_bottom);
  const W_out = outSize(c.W, c.k_w, c.stride_w, c.dilation_w, c.pad_left, c.pad_right);
  const x = randomBits(c.C * c.H * c.W, seed);
  const want = im2colTwin(x, c, H_out, W_out);
  const label = `im2col ${JSON.stringify(c)}`;
  assertBitsEqual(runIm2col('im2col__scalar', x, c, H_out, W_out), want, `${label} scalar vs TS twin`);
  assertBitsEqual(runIm2col('im2col__f32x4', x, c, H_out, W_out), want, `${label} f32x4 vs TS twin`);
  checked++;
}

const base: Im2colCase = {
  C: 2, H: 3, W: 3, k_h: 1, k_w: 1, stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1,
  pad_top: 0, pad_left: 0, pad_bottom: 0, pad_right: 0,
};

// ---------------------------------------------------------------------------------------------
const Kernels = suite('im2col/kernels');

Kernels('horizontal sweep: W 1..9 × k_w 1..3 × stride_w 1..3 × dilation_w 1..2 × pad_left, pad_right 0..2', () => {
  let seed = 1;
  for (let W = 1; W <= 9; W++) for (let k_w = 1; k_w <= 3; k_w++) for (let stride_w = 1; stride_w <= 3; stride_w++)
    for (let dilation_w = 1; dilation_w <= 2; dilation_w++) for (let pad_left = 0; pad_left <= 2; pad_left++)
      for (let pad_right = 0; pad_right <= 2; pad_right++) {
        if (W + pad_left + pad_right < dilation_w * (k_w - 1) + 1) continue; // no output column: not a conv
        checkCase({ ...base, H: 2, k_h: 2, pad_top: 1, W, k_w, stride_w, dilation_w, pad_left, pad_right }, seed++);
      }
});

Kernels('vertical sweep: H 1..9 × k_h 1..3 × stride_h 1..3 × dilation_h 1..2 × pad_top, pad_bottom 0..2', () => {
  let seed = 5000;
  for (let H = 1; H <= 9; H++) for (let k_h = 1; k_h <= 3; k_h++) for (let stride_h = 1; stride_h <= 3; stride_h++)
    for (let dilation_h = 1; dilation_h <= 2; dilation_h++) for (let pad_top = 0; pad_top <= 2; pad_top++)
      for (let pad_bottom = 0; pad_bottom <= 2; pad_bottom++) {
        if (H + pad_top + pad_bottom < dilation_h * (k_h - 1) + 1) continue;
        checkCase({ ...base, W: 6, k_w: 3, pad_left: 1, pad_right: 1, H, k_h, stride_h, dilation_h, pad_top, pad_bottom }, seed++);
      }
});

Kernels('wide rows: the v128 interior paths over many vectors (W 31..37, stride 1 and 2)', () => {
  let seed = 9000;
  for (let W = 31; W <= 37; W++) for (const stride_w of [1, 2]) for (const k_w of [1, 3]) {
    checkCase({ ...base, C: 3, H: 5, k_h: 3, pad_top: 1, pad_bottom: 1, W, k_w, stride_w, pad_left: 1, pad_right: 2 }, seed++);
  }
});

Kernels('bands of output rows: negative pad_top (row 0 at input row −pad_top) ≡ rows i0.. of the whole conv', () => {
  // H 1..9 × k_h 1..3 × stride_h 1..2 × dilation_h 1..2 × pad_top −4..0 × pad_bottom 0..2; the twin
  // applies the same formula, and each band equals the matching rows of the unbanded matrix.
  let seed = 7000;
  for (let H = 1; H <= 9; H++) for (let k_h = 1; k_h <= 3; k_h++) for (let stride_h = 1; stride_h <= 2; stride_h++)
    for (let dilation_h = 1; dilation_h <= 2; dilation_h++) for (let pad_top = -4; pad_top <= 0; pad_top++)
      for (let pad_bottom = 0; pad_bottom <= 2; pad_bottom++) {
        if (H + pad_top + pad_bottom < dilation_h * (k_h - 1) + 1) continue;
        checkCase({ ...base, W: 6, k_w: 3, pad_left: 1, pad_right: 1, H, k_h, stride_h, dilation_h, pad_top, pad_bottom }, seed++);
      }
  // a 3x3 pad-1 conv of 7 rows cut into bands of 1..7 rows: every band is the slice of the whole matrix
  const c: Im2colCase = { ...base, C: 2, H: 7, W: 9, k_h: 3, k_w: 3, pad_top: 1, pad_left: 1, pad_bottom: 1, pad_right: 1 };
  const x = randomBits(c.C * c.H * c.W, 77);
  const whole = im2colTwin(x, c, 7, 9);
  for (let rows = 1; rows <= 7; rows++) for (let i0 = 0; i0 < 7; i0 += rows) {
    const r = Math.min(rows, 7 - i0), band = { ...c, pad_top: c.pad_top - i0 };
    const want = new Uint32Array(c.C * 9 * r * 9);
    for (let row = 0; row < c.C * 9; row++) want.set(whole.subarray(row * 63 + i0 * 9, row * 63 + (i0 + r) * 9), row * r * 9);
    assertBitsEqual(runIm2col('im2col__scalar', x, band, r, 9), want, `band rows ${i0}..${i0 + r} scalar`);
    assertBitsEqual(runIm2col('im2col__f32x4', x, band, r, 9), want, `band rows ${i0}..${i0 + r} f32x4`);
  }
});

Kernels('zero-size corners: C = 0 writes nothing; H = 0 with padding gives all +0', () => {
  checkCase({ ...base, C: 0 }, 1);
  checkCase({ ...base, C: 2, H: 0, pad_top: 1, pad_bottom: 1 }, 2);
});

// Shapes by construction: the padded input always holds the dilated kernel, no .filter.
const im2colArb = fc.record({
  C: fc.integer({ min: 1, max: 3 }),
  k_h: fc.integer({ min: 1, max: 4 }), k_w: fc.integer({ min: 1, max: 4 }),
  stride_h: fc.integer({ min: 1, max: 3 }), stride_w: fc.integer({ min: 1, max: 3 }),
  dilation_h: fc.integer({ min: 1, max: 3 }), dilation_w: fc.integer({ min: 1, max: 3 }),
  pad_top: fc.integer({ min: 0, max: 3 }), pad_left: fc.integer({ min: 0, max: 3 }),
  pad_bottom: fc.integer({ min: 0, max: 3 }), pad_right: fc.integer({ min: 0, max: 3 }),
  extraH: fc.integer({ min: 0, max: 12 }), extraW: fc.integer({ min: 0, max: 20 }),
  seed: fc.integer(),
}).map(({ extraH, extraW, seed, ...c }) => {
  const H = Math.max(1, c.dilation_h * (c.k_h - 1) + 1 - c.pad_top - c.pad_bottom) + extraH;
  const W = Math.max(1, c.dilation_w * (c.k_w - 1) + 1 - c.pad_left - c.pad_right) + extraW;
  return { c: { ...c, H, W }, seed };
});

Kernels('property: scalar ≡ f32x4 ≡ TS twin over random geometries', () => {
  fc.assert(fc.property(im2colArb, ({ c, seed }) => { checkCase(c, seed); }), { numRuns: runs(300) });
});

Kernels('no arena leak', () => {
  assert.is(arenaStats().mark, arenaStats().base);
  assert.ok(checked > 1000, `checked ${checked} cases`);
});

Kernels.run();
