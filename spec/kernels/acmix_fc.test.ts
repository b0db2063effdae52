// as/acmix_fc.ts: ACmix's conv-path kernels, each __scalar ≡ __f32x4 ≡ a TS float32 twin, bit for bit
// (Object.is per element): acmix_fc (the light fc, written into a padded slab), dep_conv (one group of
// the grouped dep_conv, direct over a padded slab) and acmix_mix (Eq. 12). dep_conv is also checked
// against ts/wasm/conv2d.ts (im2col + gemm) on the same padded input: same order, same bits.
// Sweeps: W 1..17 (the 8-pixel tile and every tail), T and C_out 1..9 (every tail of the 4-row tile),
// strides 1..3, kernels 1..3, special values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { init } from '../../ts/wasm/module.js';
import { withArena, arenaStats } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { conv2d as wasmConv2d } from '../../ts/wasm/conv2d.js';
import { Tensor } from '../../ts/core/tensor.js';
import { prng, runs } from '../support/arbitraries.js';
import { assertBitExact } from '../support/close.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const kern = kernels();
const f = Math.fround;

function randomArray(length: number, seed: number, lo = -2, hi = 2): Float32Array {
  const rand = prng(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = f(lo + (hi - lo) * rand());
  return out;
}

function sprinkle(arr: Float32Array, seed: number, rate = 0.05): Float32Array {
  const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-40, 3e38, -3e38];
  const rand = prng(seed);
  for (let i = 0; i < arr.length; i++) if (rand() < rate) arr[i] = specials[Math.floor(rand() * specials.length)];
  return arr;
}

// ---------------------------------------------------------------------------------------------
// acmix_fc

interface FcCase { T: number; K: number; H: number; W: number; pad: number; zGap: number; seed: number; special?: boolean }

/** out[t, pad + y, pad + x] = Σ_m fc[t, m] · z[m·zStride + y·W + x], m in order from +0; the rest of the slab untouched. */
function fcTwin(c: FcCase, z: Float32Array, zStride: number, fcW: Float32Array, slab0: Float32Array): Float32Array {
  const Wp = c.W + 2 * c.pad, planeP = (c.H + 2 * c.pad) * Wp;
  const out = slab0.slice();
  for (let t = 0; t < c.T; t++) for (let y = 0; y < c.H; y++) for (let x = 0; x < c.W; x++) {
    let acc = 0;
    for (let m = 0; m < c.K; m++) acc = f(acc + f(fcW[t * c.K + m] * z[m * zStride + y * c.W + x]));
    out[t * planeP + (y + c.pad) * Wp + x + c.pad] = acc;
  }
  return out;
}

function checkFc(c: FcCase): void {
  const HW = c.H * c.W, zStride = HW + c.zGap;
  const z = randomArray(c.K * zStride, c.seed), fcW = randomArray(c.T * c.K, c.seed + 1);
  if (c.special) { sprinkle(z, c.seed + 2); sprinkle(fcW, c.seed + 3, 0.02); }
  const Wp = c.W + 2 * c.pad, planeP = (c.H + 2 * c.pad) * Wp;
  const slab0 = randomArray(c.T * planeP, c.seed + 4, 7, 8);          // the border must stay as it was
  const want = fcTwin(c, z, zStride, fcW, slab0);
  for (const variant of ['acmix_fc__scalar', 'acmix_fc__f32x4'] as const) {
    const got = withArena((a) => {
      const pz = a.upload(z), pw = a.upload(fcW), slab = a.upload(slab0);
      const packed = a.alloc(Math.ceil(c.T / 4) * 4 * c.K);
      kern.pack_a__f32x4(c.T, c.K, pw, c.K, packed);
      kern[variant](pz, zStride, packed, slab + 4 * (c.pad * Wp + c.pad), planeP, Wp, c.T, c.K, c.H, c.W);
      return a.download(slab, slab0.length);
    });
    assertBitExact(got, want, `${variant} ${JSON.stringify(c)}`, [c.T, c.H + 2 * c.pad, Wp]);
  }
}

const Fc = suite('acmix_fc/kernels');

Fc('W 1..17 × T 1..9 × K ∈ {1, 3, 12}, padded and dense outputs: scalar ≡ f32x4 ≡ twin, border untouched', () => {
  let seed = 1;
  for (let W = 1; W <= 17; W++) for (let T = 1; T <= 9; T++) for (const K of [1, 3, 12]) {
    checkFc({ T, K, H: 1 + (W % 3), W, pad: (W + T) % 2, zGap: K % 2, seed: seed++ });
  }
});

Fc('special values (NaN, ±∞, −0, subnormals, huge) give the same bits', () => {
  for (let s = 0; s < 12; s++) checkFc({ T: 9, K: 6 + s, H: 3, W: 5 + s, pad: 1, zGap: s, seed: 1000 + s, special: true });
});

Fc.run();

// ---------------------------------------------------------------------------------------------
// dep_conv

interface DepCase { Cin: number; Cout: number; k_h: number; k_w: number; stride: number; H_out: number; W_out: number; bias: boolean; seed: number; special?: boolean }

function depGeometry(c: DepCase) {
  const Hs = c.stride * (c.H_out - 1) + c.k_h, Ws = c.stride * (c.W_out - 1) + c.k_w;     // the slab the windows cover
  const xRow = Ws + 3, xPlane = Hs * xRow + 5;                                                // with row and plane gaps
  const readable = (c.Cin - 1) * xPlane + (c.stride * (c.H_out - 1) + c.k_h - 1) * xRow + c.stride * Math.ceil(c.W_out / 8) * 8 + c.k_w + 4 * c.stride;
  return { Hs, Ws, xRow, xPlane, slabFloats: readable + 1 };
}

function depTwin(c: DepCase, x: Float32Array, xPlane: number, xRow: number, w: Float32Array, b: Float32Array | null): Float32Array {
  const K = c.Cin * c.k_h * c.k_w, y = new Float32Array(c.Cout * c.H_out * c.W_out);
  for (let o = 0; o < c.Cout; o++) for (let i = 0; i < c.H_out; i++) for (let j = 0; j < c.W_out; j++) {
    let acc = 0;
    for (let ch = 0; ch < c.Cin; ch++) for (let p = 0; p < c.k_h; p++) for (let q = 0; q < c.k_w; q++) {
      acc = f(acc + f(w[o * K + (ch * c.k_h + p) * c.k_w + q] * x[ch * xPlane + (c.stride * i + p) * xRow + c.stride * j + q]));
    }
    if (b) acc = f(acc + b[o]);
    y[(o * c.H_out + i) * c.W_out + j] = acc;
  }
  return y;
}

function runDep(c: DepCase, variant: 'dep_conv__scalar' | 'dep_conv__f32x4_4x8', x: Float32Array, w: Float32Array, b: Float32Array | null): Float32Array {
  const { xRow, xPlane } = depGeometry(c);
  const K = c.Cin * c.k_h * c.k_w, size = c.Cout * c.H_out * c.W_out;
  return withArena((a) => {
    const px = a.upload(x), pw = a.upload(w), pb = b ? a.upload(b) : 0, py = a.alloc(size);
    const packed = a.alloc(Math.ceil(c.Cout / 4) * 4 * K), offsets = a.alloc(K);
    kern.pack_a__f32x4(c.Cout, K, pw, K, packed);
    kern[variant](px, xPlane, xRow, c.Cin, c.k_h, c.k_w, c.stride, packed, pb, c.Cout, py, c.H_out * c.W_out, c.H_out, c.W_out, offsets);
    return a.download(py, size);
  });
}

function checkDep(c: DepCase): void {
  const { xRow, xPlane, slabFloats } = depGeometry(c);
  const K = c.Cin * c.k_h * c.k_w;
  const x = randomArray(slabFloats, c.seed), w = randomArray(c.Cout * K, c.seed + 1);
  const b = c.bias ? randomArray(c.Cout, c.seed + 2) : null;
  if (c.special) { sprinkle(x, c.seed + 3, 0.02); sprinkle(w, c.seed + 4, 0.02); }
  const want = depTwin(c, x, xPlane, xRow, w, b);
  for (const variant of ['dep_conv__scalar', 'dep_conv__f32x4_4x8'] as const) {
    assertBitExact(runDep(c, variant, x, w, b), want, `${variant} ${JSON.stringify(c)}`, [c.Cout, c.H_out, c.W_out]);
  }
}

const Dep = suite('dep_conv/kernels');

Dep('W_out 1..17 × C_out 1..9 × stride 1/2/3 (3x3, C_in 9 as in ACmix): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let W_out = 1; W_out <= 17; W_out++) for (let Cout = 1; Cout <= 9; Cout++) for (const stride of [1, 2, 3]) {
    checkDep({ Cin: 9, Cout, k_h: 3, k_w: 3, stride, H_out: 1 + (W_out % 2), W_out, bias: (W_out + Cout) % 2 === 0, seed: seed++ });
  }
});

Dep('kernels 1..3 × 1..3, C_in 1..4, special values: scalar ≡ f32x4 ≡ twin', () => {
  let seed = 500;
  for (let k_h = 1; k_h <= 3; k_h++) for (let k_w = 1; k_w <= 3; k_w++) for (let Cin = 1; Cin <= 4; Cin++) {
    checkDep({ Cin, Cout: 5, k_h, k_w, stride: 1 + ((k_h + Cin) % 2), H_out: 3, W_out: 11, bias: true, seed: seed++, special: Cin === 3 });
  }
});

Dep('the same bits as ts/wasm/conv2d.ts (im2col + gemm) on the padded input, grouped as in ACmix', () => {
  fc.assert(fc.property(fc.record({
    H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 19 }), head: fc.integer({ min: 1, max: 6 }),
    stride: fc.constantFrom(1, 2), bias: fc.boolean(), seed: fc.integer(),
  }), (r) => {
    // One dep_conv group: 9 input maps, head outputs, 3x3, padding 1 (the official dep_conv), stride 1 or 2.
    const Hp = r.H + 2, Wp = r.W + 2, H_out = Math.floor((r.H - 1) / r.stride) + 1, W_out = Math.floor((r.W - 1) / r.stride) + 1;
    const x = randomArray(9 * r.H * r.W, r.seed), w = randomArray(r.head * 81, r.seed + 1);
    const b = r.bias ? randomArray(r.head, r.seed + 2) : null;
    const want = wasmConv2d(new Tensor(x, [1, 9, r.H, r.W]), new Tensor(w, [r.head, 9, 3, 3]), b ? new Tensor(b, [r.head]) : null, { padding: 1, stride: r.stride });
    const got = withArena((a) => {
      const slab = a.zeros(9 * Hp * Wp + 16 * r.stride + 32), view = a.view(slab, 9 * Hp * Wp);
      for (let c = 0; c < 9; c++) for (let i = 0; i < r.H; i++) view.set(x.subarray((c * r.H + i) * r.W, (c * r.H + i + 1) * r.W), c * Hp * Wp + (i + 1) * Wp + 1);
      const pw = a.upload(w), pb = b ? a.upload(b) : 0, py = a.alloc(r.head * H_out * W_out);
      const packed = a.alloc(Math.ceil(r.head / 4) * 4 * 81), offsets = a.alloc(81);
      kern.pack_a__f32x4(r.head, 81, pw, 81, packed);
      kern.dep_conv__f32x4_4x8(slab, Hp * Wp, Wp, 9, 3, 3, r.stride, packed, pb, r.head, py, H_out * W_out, H_out, W_out, offsets);
      return a.download(py, r.head * H_out * W_out);
    });
    assertBitExact(got, want.data, `dep_conv vs wasm conv2d ${JSON.stringify(r)}`, want.shape);
  }), { numRuns: runs(40) });
});

Dep('the arena is back at its mark after every call', () => {
  const before = arenaStats().mark;
  checkDep({ Cin: 9, Cout: 4, k_h: 3, k_w: 3, stride: 1, H_out: 4, W_out: 13, bias: true, seed: 9 });
  assert.is(arenaStats().mark, before);
});

Dep.run();

// ---------------------------------------------------------------------------------------------
const Mix = suite('acmix_mix/kernels');

Mix('n 0..19 and special values: out = fl(fl(r1·a) + fl(r2·c)), scalar ≡ f32x4 ≡ twin, in place too', () => {
  for (let n = 0; n <= 19; n++) for (const [r1, r2] of [[0.5, 0.5], [1, 0], [0, 1], [f(-0.3), f(1.7)]]) {
    const att = sprinkle(randomArray(n, n), n + 100, 0.1), conv = sprinkle(randomArray(n, n + 7), n + 200, 0.1);
    const want = att.map((v, i) => f(f(r1 * v) + f(r2 * conv[i])));
    for (const variant of ['acmix_mix__scalar', 'acmix_mix__f32x4'] as const) {
      for (const inPlace of [false, true]) {
        const got = withArena((a) => {
          const pa = a.upload(att), pc = a.upload(conv), po = inPlace ? pa : a.alloc(n);
          kern[variant](pa, pc, po, n, r1, r2);
          return a.download(po, n);
        });
        assertBitExact(got, want, `${variant} n=${n} rates=${r1},${r2} inPlace=${inPlace}`);
      }
    }
  }
});

Mix.run();
