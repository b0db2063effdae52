// as/bilinear_gather.ts and as/channel_affine.ts: __scalar ≡ __f32x4 ≡ a TS twin (Math.fround after every
// float32 operation), bit for bit (32-bit words compared, so −0 and NaN payloads count). Sweeps W_out 1..9 (every
// W_out mod 4 of the f32x4 tails), offsets on exact borders (−1, H−1, H, half steps), NaN/Inf offsets, masks.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { init } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { prng, runs } from '../support/arbitraries.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const f = Math.fround;

interface TableCase { k_h: number; k_w: number; H: number; W: number; H_out: number; W_out: number; stride_h: number; stride_w: number; pad_h: number; pad_w: number; dilation_h: number; dilation_w: number; mask: boolean; seed: number }

/** Offsets: half-pixel steps in [−5, 5] (exact borders), random reals, and a few NaN / ±Inf. */
function offsets(n: number, seed: number): Float32Array {
  const rand = prng(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    out[i] = r < 0.4 ? Math.round((rand() * 20 - 10)) / 2 : r < 0.97 ? f(rand() * 12 - 6) : [NaN, Infinity, -Infinity][Math.floor(rand() * 3)];
  }
  return out;
}

/** TS twin of deform_sample_table (float32 by Math.fround after every operation). */
function tableTwin(off: Float32Array, mask: Float32Array | null, c: TableCase): Uint32Array {
  const P = c.H_out * c.W_out, T = c.k_h * c.k_w, TP = T * P, Wp = c.W + 2;
  const words = new Uint32Array(6 * TP), fl = new Float32Array(words.buffer), ints = new Int32Array(words.buffer);
  for (let t = 0; t < T; t++) {
    const p = Math.floor(t / c.k_w), q = t % c.k_w;
    for (let i = 0; i < c.H_out; i++) for (let j = 0; j < c.W_out; j++) {
      const pos = i * c.W_out + j, e = t * P + pos;
      const py = f((i * c.stride_h - c.pad_h + p * c.dilation_h) + off[2 * t * P + pos]);
      const px = f((j * c.stride_w - c.pad_w + q * c.dilation_w) + off[(2 * t + 1) * P + pos]);
      let idx = 0, w00 = 0, w01 = 0, w10 = 0, w11 = 0;
      if (py > -1 && py < c.H && px > -1 && px < c.W) {
        const y0 = Math.floor(py), x0 = Math.floor(px), ly = f(py - y0), lx = f(px - x0), hy = f(1 - ly), hx = f(1 - lx);
        w00 = f(hy * hx); w01 = f(hy * lx); w10 = f(ly * hx); w11 = f(ly * lx);
        idx = (y0 + 1) * Wp + (x0 + 1);
      }
      ints[e] = idx; fl[TP + e] = w00; fl[2 * TP + e] = w01; fl[3 * TP + e] = w10; fl[4 * TP + e] = w11;
      fl[5 * TP + e] = mask ? mask[e] : 1;
    }
  }
  return words;
}

function runTable(variant: 'scalar' | 'f32x4', off: Float32Array, mask: Float32Array | null, c: TableCase): Uint32Array {
  const k = kernels(), n = 6 * c.k_h * c.k_w * c.H_out * c.W_out;
  return withArena((a) => {
    const po = a.upload(off), pm = mask ? a.upload(mask) : 0, pt = a.alloc(n);
    k[`deform_sample_table__${variant}`](po, pm, pt, c.k_h, c.k_w, c.H, c.W, c.H_out, c.W_out, c.stride_h, c.stride_w, c.pad_h, c.pad_w, c.dilation_h, c.dilation_w);
    return new Uint32Array(a.download(pt, n).buffer);
  });
}

const tableCase = fc.record({
  k_h: fc.integer({ min: 1, max: 3 }), k_w: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 6 }), W: fc.integer({ min: 1, max: 7 }),
  H_out: fc.integer({ min: 1, max: 4 }), W_out: fc.integer({ min: 1, max: 9 }), stride_h: fc.integer({ min: 1, max: 2 }), stride_w: fc.integer({ min: 1, max: 3 }),
  pad_h: fc.integer({ min: 0, max: 2 }), pad_w: fc.integer({ min: 0, max: 2 }), dilation_h: fc.integer({ min: 1, max: 2 }), dilation_w: fc.integer({ min: 1, max: 2 }),
  mask: fc.boolean(), seed: fc.integer(),
});

const Table = suite('kernels/deform_sample_table');
Table('scalar ≡ f32x4 ≡ TS twin, bit for bit (property: W_out 1..9, borders, NaN/Inf offsets, mask or none)', () => {
  fc.assert(fc.property(tableCase, (c) => {
    const T = c.k_h * c.k_w, P = c.H_out * c.W_out;
    const off = offsets(2 * T * P, c.seed), mask = c.mask ? Float32Array.from(offsets(T * P, c.seed + 1), (v) => (Number.isFinite(v) ? v : 0.5)) : null;
    const twin = tableTwin(off, mask, c);
    for (const v of ['scalar', 'f32x4'] as const) {
      const got = runTable(v, off, mask, c);
      for (let i = 0; i < twin.length; i++) if (got[i] !== twin[i]) assert.unreachable(`${v}: word ${i} is 0x${got[i].toString(16)}, twin 0x${twin[i].toString(16)} (${JSON.stringify(c)})`);
    }
  }), { numRuns: runs(300) });
});
Table.run();

const Gather = suite('kernels/bilinear_gather');

function gatherTwin(xp: Float32Array, table: Uint32Array, C: number, T: number, P: number, Wp: number, plane: number): Float32Array {
  const fl = new Float32Array(table.buffer), ints = new Int32Array(table.buffer), TP = T * P, out = new Float32Array(C * TP);
  for (let c = 0; c < C; c++) for (let e = 0; e < TP; e++) {
    const i = c * plane + ints[e];
    const val = f(f(f(f(fl[TP + e] * xp[i]) + f(fl[2 * TP + e] * xp[i + 1])) + f(fl[3 * TP + e] * xp[i + Wp])) + f(fl[4 * TP + e] * xp[i + Wp + 1]));
    out[c * TP + e] = f(fl[5 * TP + e] * val);
  }
  return out;
}

Gather('pad_border1 and bilinear_gather: scalar ≡ f32x4 ≡ TS twin, bit for bit (property over tables of the sweep above)', () => {
  fc.assert(fc.property(tableCase, fc.integer({ min: 1, max: 3 }), (c, C) => {
    const k = kernels(), T = c.k_h * c.k_w, P = c.H_out * c.W_out, Hp = c.H + 2, Wp = c.W + 2, plane = Hp * Wp;
    const rand = prng(c.seed ^ 0x5bd1e995);
    const x = Float32Array.from({ length: C * c.H * c.W }, () => (rand() < 0.05 ? -0 : f(rand() * 4 - 2)));
    const off = offsets(2 * T * P, c.seed), mask = c.mask ? Float32Array.from({ length: T * P }, () => f(rand())) : null;
    const table = tableTwin(off, mask, c);
    // the padded planes: interior = x, border = +0
    const xpTwin = new Float32Array(C * plane);
    for (let ch = 0; ch < C; ch++) for (let r = 0; r < c.H; r++) for (let q = 0; q < c.W; q++) xpTwin[ch * plane + (r + 1) * Wp + q + 1] = x[(ch * c.H + r) * c.W + q];
    const want = gatherTwin(xpTwin, table, C, T, P, Wp, plane);
    for (const v of ['scalar', 'f32x4'] as const) {
      const [xp, col] = withArena((a) => {
        const px = a.upload(x), pxp = a.alloc(C * plane), pt = a.alloc(table.length), pc = a.alloc(C * T * P);
        new Uint32Array(a.view(pt, table.length).buffer, pt, table.length).set(table);
        k[`pad_border1__${v}`](px, pxp, C, c.H, c.W);
        k[`bilinear_gather__${v}`](pxp, pt, pc, C, T, P, Wp, plane);
        return [a.download(pxp, C * plane), a.download(pc, C * T * P)];
      });
      const bitsEq = (a: Float32Array, b: Float32Array, what: string) => {
        const ua = new Uint32Array(a.buffer), ub = new Uint32Array(b.buffer);
        for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) assert.unreachable(`${v} ${what}: word ${i}: ${a[i]} vs twin ${b[i]} (${JSON.stringify(c)})`);
      };
      bitsEq(xp, xpTwin, 'pad_border1');
      bitsEq(col, want, 'bilinear_gather');
    }
  }), { numRuns: runs(200) });
});
Gather.run();

const Affine = suite('kernels/channel_affine');
Affine('scalar ≡ f32x4 ≡ TS twin (x·s, then + b), plane 0..9, with and without shift, in place', () => {
  const k = kernels();
  for (let plane = 0; plane <= 9; plane++) for (const withShift of [false, true]) {
    const C = 3, rand = prng(plane * 2 + (withShift ? 1 : 0));
    const x = Float32Array.from({ length: C * plane }, () => f(rand() * 4 - 2)), s = Float32Array.from({ length: C }, () => f(rand() * 2)), b = Float32Array.from({ length: C }, () => f(rand() - 0.5));
    const want = x.map((v, i) => f(f(v * s[Math.floor(i / plane)]) + (withShift ? b[Math.floor(i / plane)] : 0)));
    for (const v of ['scalar', 'f32x4'] as const) {
      const got = withArena((a) => {
        const px = a.upload(x), ps = a.upload(s), pb = withShift ? a.upload(b) : 0;
        k[`channel_affine__${v}`](px, px, ps, pb, C, plane);    // in place
        return a.download(px, C * plane);
      });
      assert.equal(Array.from(new Uint32Array(got.buffer)), Array.from(new Uint32Array(want.buffer)), `${v} plane ${plane} shift ${withShift}`);
    }
  }
});
Affine.run();
