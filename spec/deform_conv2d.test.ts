// deform_conv2d: the identities of dynconv-spec §13 (17-24) on the reference, bad input on both backends,
// the DeformConv2d / DCNv2 modules. Golden cases against torchvision run in spec/golden.test.ts
// (spec/fixtures/dynconv.safetensors); wasm ≈ ref in deform_conv2d/wasm below.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError } from '../ts/core/errors.js';
import { conv2d } from '../ts/ref/conv2d.js';
import { deformConv2d, deformConv2dErrorScales } from '../ts/ref/deform_conv2d.js';
import { type DeformConv2dOptions } from '../ts/core/check/deform_conv2d.js';
import { DeformConv2d, DCNv2 } from '../ts/nn/deform_conv2d.js';
import { manualSeed } from '../ts/nn/init.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { arenaStats } from '../ts/wasm/arena.js';
import { seededTensor, absTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, assertBitExact, U } from './support/close.js';

await wasm.init();

// Shapes by construction: C_in = groups·cinPerGroup·…, offset_groups | C_in, conv-valid input sizes.
const deformCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 2 }),
  cinPerGroup: fc.integer({ min: 1, max: 3 }),
  coutPerGroup: fc.integer({ min: 1, max: 5 }),
  offsetGroupsPerGroup: fc.integer({ min: 1, max: 2 }),   // offset_groups = groups·this when it divides C_in
  k_h: fc.integer({ min: 1, max: 3 }), k_w: fc.integer({ min: 1, max: 3 }),
  stride_h: fc.integer({ min: 1, max: 2 }), stride_w: fc.integer({ min: 1, max: 2 }),
  dilation_h: fc.integer({ min: 1, max: 2 }), dilation_w: fc.integer({ min: 1, max: 2 }),
  pad_h: fc.integer({ min: 0, max: 2 }), pad_w: fc.integer({ min: 0, max: 2 }),
  extraH: fc.integer({ min: 0, max: 6 }), extraW: fc.integer({ min: 0, max: 8 }),
  useMask: fc.boolean(), bias: fc.boolean(),
  offsetScale: fc.constantFrom(0, 0.5, 2, 6),
  seed: fc.integer(),
}).map((c) => {
  const C_in = c.groups * c.cinPerGroup;
  const G = C_in % (c.groups * c.offsetGroupsPerGroup) === 0 ? c.groups * c.offsetGroupsPerGroup : c.groups;
  const effH = c.dilation_h * (c.k_h - 1) + 1, effW = c.dilation_w * (c.k_w - 1) + 1;
  const H = Math.max(1, effH - 2 * c.pad_h) + c.extraH, W = Math.max(1, effW - 2 * c.pad_w) + c.extraW;
  const H_out = Math.floor((H + 2 * c.pad_h - effH) / c.stride_h) + 1, W_out = Math.floor((W + 2 * c.pad_w - effW) / c.stride_w) + 1;
  return { ...c, C_in, C_out: c.groups * c.coutPerGroup, offset_groups: G, H, W, H_out, W_out };
});
type DeformCase = typeof deformCase extends fc.Arbitrary<infer T> ? T : never;

function tensors(c: DeformCase) {
  const T = c.k_h * c.k_w;
  const x = seededTensor([c.N, c.C_in, c.H, c.W], c.seed);
  const w = seededTensor([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x9e3779b9);
  const b = c.bias ? seededTensor([c.C_out], c.seed ^ 0x85ebca6b) : null;
  const offset = seededTensor([c.N, 2 * c.offset_groups * T, c.H_out, c.W_out], c.seed ^ 0x27d4eb2f, -c.offsetScale, c.offsetScale);
  const mask = c.useMask ? seededTensor([c.N, c.offset_groups * T, c.H_out, c.W_out], c.seed ^ 0x165667b1, 0, 1) : null;
  const options: DeformConv2dOptions = {
    stride: [c.stride_h, c.stride_w], padding: [c.pad_h, c.pad_w], dilation: [c.dilation_h, c.dilation_w], mask,
  };
  return { x, w, b, offset, mask, options, convOptions: { stride: options.stride, padding: options.padding, dilation: options.dilation, groups: c.groups } };
}

// ---------------------------------------------------------------------------------------------

const Identities = suite('deform_conv2d/identities');

Identities('zero offsets, mask = None or ones ⇒ conv2d with the same stride/padding/dilation/groups (§13.17; bit-exact in float64)', () => {
  fc.assert(fc.property(deformCase, (c) => {
    const { x, w, b, offset, convOptions, options } = tensors(c);
    const zero = Tensor.zeros(offset.shape);
    const want = conv2d(x, w, b, convOptions);
    assertBitExact(deformConv2d(x, zero, w, b, { ...options, mask: null }).data, want.data, 'mask None');
    const ones = Tensor.full([c.N, c.offset_groups * c.k_h * c.k_w, c.H_out, c.W_out], 1);
    assertBitExact(deformConv2d(x, zero, w, b, { ...options, mask: ones }).data, want.data, 'mask ones');
  }), { numRuns: runs(60) });
});

Identities('mask = None ≡ mask of ones, for any offsets (§13.18; exact)', () => {
  fc.assert(fc.property(deformCase, (c) => {
    const { x, w, b, offset, options } = tensors(c);
    const ones = Tensor.full([c.N, c.offset_groups * c.k_h * c.k_w, c.H_out, c.W_out], 1);
    assertBitExact(deformConv2d(x, offset, w, b, { ...options, mask: ones }).data, deformConv2d(x, offset, w, b, { ...options, mask: null }).data);
  }), { numRuns: runs(40) });
});

Identities('integer offsets (Δy_g, Δx_g) per offset group ⇒ conv2d of the input shifted per group, zero fill, borders included (§13.20; exact)', () => {
  fc.assert(fc.property(deformCase, fc.array(fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 })), { minLength: 4, maxLength: 4 }), (c, shifts) => {
    const { x, w, b, convOptions } = tensors(c);
    const T = c.k_h * c.k_w, P = c.H_out * c.W_out, cinPerOg = c.C_in / c.offset_groups;
    const offset = Tensor.zeros([c.N, 2 * c.offset_groups * T, c.H_out, c.W_out]);
    for (let n = 0; n < c.N; n++) for (let g = 0; g < c.offset_groups; g++) for (let t = 0; t < T; t++) {
      const [dy, dx] = shifts[g % 4];
      offset.data.fill(dy, ((n * c.offset_groups + g) * 2 * T + 2 * t) * P, ((n * c.offset_groups + g) * 2 * T + 2 * t + 1) * P);
      offset.data.fill(dx, ((n * c.offset_groups + g) * 2 * T + 2 * t + 1) * P, ((n * c.offset_groups + g) * 2 * T + 2 * t + 2) * P);
    }
    // The shifted input lives on the padded canvas: xs[a, b] = x[a − pad_h + Δy, b − pad_w + Δx] (0 outside x),
    // so the deformable conv reads x wherever the shifted grid point lies inside x, even where the unshifted
    // point is padding; then an unpadded conv2d.
    const Hp = c.H + 2 * c.pad_h, Wp = c.W + 2 * c.pad_w;
    const xs = Tensor.zeros([c.N, c.C_in, Hp, Wp]);
    for (let n = 0; n < c.N; n++) for (let ch = 0; ch < c.C_in; ch++) {
      const [dy, dx] = shifts[Math.floor(ch / cinPerOg) % 4];
      for (let a = 0; a < Hp; a++) for (let bb = 0; bb < Wp; bb++) {
        const yy = a - c.pad_h + dy, xx = bb - c.pad_w + dx;
        if (yy >= 0 && yy < c.H && xx >= 0 && xx < c.W) xs.data[((n * c.C_in + ch) * Hp + a) * Wp + bb] = x.data[((n * c.C_in + ch) * c.H + yy) * c.W + xx];
      }
    }
    const want = conv2d(xs, w, b, { ...convOptions, padding: 0 });
    assertBitExact(deformConv2d(x, offset, w, b, { stride: convOptions.stride, padding: convOptions.padding, dilation: convOptions.dilation }).data, want.data);
  }), { numRuns: runs(60) });
});

Identities('constant mask m ⇒ m·conv2d(x, W) + bias (§13.19; fp)', () => {
  fc.assert(fc.property(deformCase, fc.double({ min: 0, max: 1, noNaN: true }), (c, m0) => {
    const m = Math.fround(m0);
    const { x, w, b, offset, convOptions, options } = tensors(c);
    const mask = Tensor.full([c.N, c.offset_groups * c.k_h * c.k_w, c.H_out, c.W_out], m);
    const got = deformConv2d(x, Tensor.zeros(offset.shape), w, b, { ...options, mask });
    const conv = conv2d(x, w, null, convOptions), absConv = conv2d(absTensor(x), absTensor(w), null, convOptions);
    const want = conv.data.map((v, i) => m * v + (b ? b.data[Math.floor(i / (c.H_out * c.W_out)) % c.C_out] : 0));
    const scale = absConv.data.map((v, i) => m * v + (b ? Math.abs(b.data[Math.floor(i / (c.H_out * c.W_out)) % c.C_out]) : 0));
    // A subnormal m (fc.double reaches 3e-40) makes the products subnormal, where float32 rounding is absolute:
    // each of the K + 4 roundings adds ≤ 2^-149 on top of the relative bound.
    const K = c.cinPerGroup * c.k_h * c.k_w;
    assertWithinDotBound(got.data, want, scale, { reduction: 4, atol: (K + 4) * 2 ** -149, label: 'constant mask', case: c });
  }), { numRuns: runs(40) });
});

Identities('offset groups: G = 1 ≡ G′ groups with the same offsets replicated (§13.22; exact)', () => {
  fc.assert(fc.property(deformCase, fc.integer({ min: 2, max: 3 }), (c0, Gp) => {
    const c = { ...c0, offset_groups: 1 };
    const { x, w, b, offset, mask, options } = tensors(c);
    // C_in must be divisible by G′: replicate the channels of x (and of the weight's input axis) when needed.
    const C_in = c.C_in * Gp, groups = c.groups;
    const xr = Tensor.zeros([c.N, C_in, c.H, c.W]);
    const wr = Tensor.zeros([c.C_out, C_in / groups, c.k_h, c.k_w]);
    const plane = c.H * c.W, kk = c.k_h * c.k_w;
    // new channel order: group-major, each original channel repeated Gp times in place
    for (let n = 0; n < c.N; n++) for (let ch = 0; ch < c.C_in; ch++) for (let r = 0; r < Gp; r++) {
      xr.data.set(x.data.subarray((n * c.C_in + ch) * plane, (n * c.C_in + ch + 1) * plane), (n * C_in + ch * Gp + r) * plane);
    }
    for (let o = 0; o < c.C_out; o++) for (let ci = 0; ci < c.cinPerGroup; ci++) for (let r = 0; r < Gp; r++) {
      wr.data.set(w.data.subarray((o * c.cinPerGroup + ci) * kk, (o * c.cinPerGroup + ci + 1) * kk), (o * c.cinPerGroup * Gp + ci * Gp + r) * kk);
    }
    const rep = (t: Tensor, per: number) => {
      const out = Tensor.zeros([c.N, t.shape[1] * Gp, c.H_out, c.W_out]), block = per * c.H_out * c.W_out;
      for (let n = 0; n < c.N; n++) for (let g = 0; g < Gp; g++) out.data.set(t.data.subarray(n * block, (n + 1) * block), (n * Gp + g) * block);
      return out;
    };
    const one = deformConv2d(xr, offset, wr, b, options.mask ? options : { ...options, mask: null });
    const many = deformConv2d(xr, rep(offset, 2 * kk), wr, b, { ...options, mask: mask ? rep(mask, kk) : null });
    assertBitExact(many.data, one.data);
  }), { numRuns: runs(30) });
});

Identities('weight groups g ≡ g independent calls on channel slices sharing their offsets (§13.23; exact)', () => {
  fc.assert(fc.property(deformCase, (c) => {
    const { x, w, b, offset, mask, options } = tensors(c);
    const full = deformConv2d(x, offset, w, b, options);
    const T = c.k_h * c.k_w, Gg = c.offset_groups / c.groups;
    const slice = (t: Tensor, from: number, count: number) => {
      const per = t.shape[1], out = Tensor.zeros([t.shape[0], count, t.shape[2], t.shape[3]]), sz = t.shape[2] * t.shape[3];
      for (let n = 0; n < t.shape[0]; n++) out.data.set(t.data.subarray((n * per + from) * sz, (n * per + from + count) * sz), n * count * sz);
      return out;
    };
    for (let g = 0; g < c.groups; g++) {
      const part = deformConv2d(slice(x, g * c.cinPerGroup, c.cinPerGroup), slice(offset, g * Gg * 2 * T, Gg * 2 * T),
        new Tensor(w.data.slice(g * c.coutPerGroup * c.cinPerGroup * T, (g + 1) * c.coutPerGroup * c.cinPerGroup * T), [c.coutPerGroup, c.cinPerGroup, c.k_h, c.k_w]),
        b ? new Tensor(b.data.slice(g * c.coutPerGroup, (g + 1) * c.coutPerGroup), [c.coutPerGroup]) : null,
        { ...options, mask: mask ? slice(mask, g * Gg * T, Gg * T) : null });
      assertBitExact(part.data, slice(full, g * c.coutPerGroup, c.coutPerGroup).data, `group ${g}`);
    }
  }), { numRuns: runs(30) });
});

Identities('border rule by hand (1x1 kernel, weight 1): exact pixel at py = H−1, 0 at py ≤ −1 or ≥ H, partial weights in (−1, 0) (§13.24)', () => {
  // x = arange(12) as [1, 1, 3, 4]; one output pixel per sample point (H_out = W_out = 1, stride 1, no padding
  // would give 3x4 outputs, so use a 1x1 input grid: take output (0, 0) and move it with the offset).
  const x = new Tensor(Float32Array.from({ length: 12 }, (_, i) => i), [1, 1, 3, 4]);
  const w = Tensor.full([1, 1, 1, 1], 1);
  const at = (dy: number, dx: number) => {
    const off = Tensor.zeros([1, 2, 3, 4]);
    off.data[0] = dy; off.data[12] = dx;     // output (0, 0): sample at (dy, dx)
    return deformConv2d(x, off, w).data[0];
  };
  assert.is(at(2, 3), 11);            // py = H − 1, px = W − 1: the last pixel, exactly
  assert.is(at(2, 0), 8);
  assert.is(at(-1, 0), 0);            // py = −1: outside
  assert.is(at(3, 0), 0);             // py = H: outside
  assert.is(at(0, 4), 0);             // px = W
  assert.is(at(0, -1), 0);            // px = −1
  assert.is(at(-0.5, 0), 0);          // row −1 (zero) and row 0 (value 0) averaged
  assert.is(at(-0.5, 1), 0.5);        // ½·0 + ½·x[0, 1] = ½
  assert.is(at(2.5, 1), 4.5);         // ½·x[2, 1] + ½·(row 3 = 0) = 4.5
  assert.is(at(1.25, 2.5), Math.fround(0.75 * 6.5 + 0.25 * 10.5));   // interior: 0.75·(6+7)/2 + 0.25·(10+11)/2
  const nearEdge = at(-0.999, 3);    // inside (−1, 0): ≈ 0.001·x[0, 3], small but not 0
  assert.ok(nearEdge > 0.0029 && nearEdge < 0.0031, `near the edge: ${nearEdge}`);
});

Identities('batch independence: each image gives what it gives alone (ref)', () => {
  fc.assert(fc.property(deformCase, (c0) => {
    const c = { ...c0, N: 2 };
    const { x, w, b, offset, mask, options } = tensors(c);
    const all = deformConv2d(x, offset, w, b, options);
    const one = (t: Tensor, n: number) => new Tensor(t.data.slice(n * (t.size / 2), (n + 1) * (t.size / 2)), [1, ...t.shape.slice(1)]);
    for (let n = 0; n < 2; n++) {
      const y = deformConv2d(one(x, n), one(offset, n), w, b, { ...options, mask: mask ? one(mask, n) : null });
      assertBitExact(all.data.subarray(n * y.size, (n + 1) * y.size), y.data, `image ${n}`);
    }
  }), { numRuns: runs(20) });
});

Identities.run();

// ---------------------------------------------------------------------------------------------

const Wasm = suite('deform_conv2d/wasm');

Wasm('wasm deformConv2d ≈ ref within 2·(K+8)·u·Σ|terms| + 4·u·Σ|w·m|·|p|·max|x| (property)', () => {
  fc.assert(fc.property(deformCase, (c) => {
    const { x, w, b, offset, options } = tensors(c);
    const ref = deformConv2d(x, offset, w, b, options);
    const got = wasm.ops.deformConv2d(x, offset, w, b, options);
    assert.equal([...got.shape], [...ref.shape]);
    const s = deformConv2dErrorScales(x, offset, w, b, options);
    const bound = s.absScale.map((a, i) => 2 * (s.reduction + 8) * a + 4 * s.coordScale[i]);
    assertWithinDotBound(got.data, ref.data, bound, { reduction: 1, slack: 1, atol: 1e-30, label: 'deform_conv2d/wasm', case: c, shape: ref.shape });
  }), { numRuns: runs(150) });
});

Wasm.run();

// ---------------------------------------------------------------------------------------------

const Errors = suite('deform_conv2d/errors');

const good = () => ({
  x: seededTensor([2, 4, 6, 7], 1), w: seededTensor([6, 2, 3, 3], 2), b: seededTensor([6], 3),
  offset: seededTensor([2, 36, 6, 7], 4), mask: seededTensor([2, 18, 6, 7], 5, 0, 1),
});
interface Bad { what: string; error: typeof ShapeError | typeof ParameterError; mentions: string; mutate: (g: ReturnType<typeof good>, o: DeformConv2dOptions) => void }
const bad: Bad[] = [
  { what: 'offset channels not a multiple of 2·k_h·k_w', error: ShapeError, mentions: 'offset.shape[1] must equal 2·offset_groups·k_h·k_w', mutate: (g) => { g.offset = seededTensor([2, 35, 6, 7], 4); } },
  { what: 'offset channels 0', error: ShapeError, mentions: 'offset.shape[1]', mutate: (g) => { g.offset = Tensor.zeros([2, 0, 6, 7]); } },
  { what: 'offset groups not dividing C_in', error: ShapeError, mentions: 'divisible by offset_groups', mutate: (g) => { g.offset = seededTensor([2, 54, 6, 7], 4); g.mask = seededTensor([2, 27, 6, 7], 5); } },
  { what: 'offset map ≠ output size', error: ShapeError, mentions: "offset's map", mutate: (g) => { g.offset = seededTensor([2, 36, 6, 6], 4); } },
  { what: 'offset batch ≠ N', error: ShapeError, mentions: 'offset.shape[0] must equal N = 2', mutate: (g) => { g.offset = seededTensor([1, 36, 6, 7], 4); } },
  { what: 'mask channels ≠ offset_groups·k_h·k_w', error: ShapeError, mentions: 'mask.shape[1] must equal offset_groups·k_h·k_w', mutate: (g) => { g.mask = seededTensor([2, 9, 6, 7], 5); } },
  { what: 'mask map ≠ output size', error: ShapeError, mentions: "mask's map", mutate: (g) => { g.mask = seededTensor([2, 18, 5, 7], 5); } },
  { what: 'mask of rank 3', error: ShapeError, mentions: 'mask must have rank 4', mutate: (g) => { g.mask = seededTensor([2, 18, 42], 5); } },
  { what: 'weight.shape[1] not dividing C_in', error: ShapeError, mentions: 'weight.shape[1] must divide C_in', mutate: (g) => { g.w = seededTensor([6, 3, 3, 3], 2); } },
  { what: 'groups not dividing C_out', error: ShapeError, mentions: 'divisible by groups', mutate: (g) => { g.w = seededTensor([5, 2, 3, 3], 2); g.b = seededTensor([5], 3); } },
  { what: 'bias of the wrong length', error: ShapeError, mentions: 'bias must have shape [6]', mutate: (g) => { g.b = seededTensor([4], 3); } },
  { what: 'input of rank 3', error: ShapeError, mentions: 'input must have rank 4', mutate: (g) => { g.x = seededTensor([2, 4, 42], 1); } },
  { what: 'output smaller than 1x1', error: ShapeError, mentions: 'must be at least [1,1]', mutate: (g, o) => { o.padding = 0; g.x = seededTensor([2, 4, 1, 7], 1); } },
  { what: 'stride 0', error: ParameterError, mentions: 'stride', mutate: (_g, o) => { o.stride = 0; } },
  { what: 'negative padding', error: ParameterError, mentions: 'padding', mutate: (_g, o) => { o.padding = -1; } },
];

for (const ops of [refOps, wasm.ops]) {
  Errors(`named errors before any work, the next call is still right (${ops.name})`, () => {
    const g0 = good();
    const want = deformConv2d(g0.x, g0.offset, g0.w, g0.b, { padding: 1, mask: g0.mask });
    for (const c of bad) {
      const g = good(), o: DeformConv2dOptions = { padding: 1 };
      c.mutate(g, o);
      const before = ops.name === 'wasm' ? arenaStats().mark : 0;
      try {
        ops.deformConv2d(g.x, g.offset, g.w, g.b, { ...o, mask: g.mask });
        assert.unreachable(`${c.what}: no error`);
      } catch (e) {
        assert.instance(e, c.error, `${c.what}: ${(e as Error).name}: ${(e as Error).message}`);
        const msg = (e as Error).message;
        assert.ok(msg.startsWith('deform_conv2d: '), `${c.what}: op id first: ${msg}`);
        assert.ok(msg.includes(c.mentions), `${c.what}: message mentions "${c.mentions}": ${msg}`);
        if (c.error === ShapeError) assert.ok(msg.includes('input=[') && msg.includes('offset=['), `${c.what}: shapes listed: ${msg}`);
      }
      if (ops.name === 'wasm') assert.is(arenaStats().mark, before, `${c.what}: arena untouched`);
      const again = ops.deformConv2d(g0.x, g0.offset, g0.w, g0.b, { padding: 1, mask: g0.mask });
      assertWithinDotBound(again.data, want.data, null, { reduction: 64, slack: 4, atol: 1e-5, label: `after ${c.what}` });
    }
  });
}

Errors('torchvision output size: truncating division accepts H = 2, k = 3, stride 2 (H_out = 1), as torchvision does', () => {
  const x = seededTensor([1, 2, 2, 5], 7), w = seededTensor([3, 2, 3, 3], 8);
  const y = deformConv2d(x, Tensor.zeros([1, 18, 1, 2]), w, null, { stride: 2 });
  assert.equal([...y.shape], [1, 3, 1, 2]);
  // ≡ conv2d on the input padded by one zero row at the bottom
  const xp = Tensor.zeros([1, 2, 3, 5]);
  for (let c = 0; c < 2; c++) xp.data.set(x.data.subarray(c * 10, (c + 1) * 10), c * 15);
  assertBitExact(y.data, conv2d(xp, w, null, { stride: 2 }).data);
});

Errors.run();

// ---------------------------------------------------------------------------------------------

const Modules = suite('deform_conv2d/modules');

Modules('DeformConv2d: torchvision keys and shapes, forward = deformConv2d, missing offset is a named error', () => {
  manualSeed(3);
  const m = new DeformConv2d(4, 6, 3, { padding: 1, groups: 2 });
  assert.equal([...m.stateDict().keys()], ['weight', 'bias']);
  assert.equal([...m.weight.shape], [6, 2, 3, 3]);
  const bound = 1 / Math.sqrt(2 * 9);
  assert.ok(m.weight.data.every((v) => Math.abs(v) <= bound), 'U(±1/√fan_in) init');
  const g = good();
  for (const backend of ['ref', 'wasm'] as const) {
    const y = m.forward(g.x, g.offset, g.mask, { backend });
    const want = deformConv2d(g.x, g.offset, m.weight, m.bias, { padding: 1, mask: g.mask });
    assertWithinDotBound(y.data, want.data, null, { reduction: 64, slack: 4, atol: 1e-5, label: backend });
  }
  assert.throws(() => (m as any).forward(g.x), (e: Error) => e instanceof ShapeError && /offset is missing/.test(e.message));
  assert.throws(() => m.forward(seededTensor([2, 3, 6, 7], 1), g.offset), (e: Error) => e instanceof ShapeError && /in_channels = 4/.test(e.message));
  assert.throws(() => new DeformConv2d(4, 6, 3, { groups: 4 }), (e: Error) => e instanceof ParameterError);
});

Modules('DCNv2: mmcv keys; at init (zero offset conv) y = ½·conv2d(x, W) + bias; offsets are cat(o1, o2), mask σ(m)', () => {
  manualSeed(4);
  const m = new DCNv2(4, 3, 3, { padding: 1, stride: 2, deform_groups: 2 });
  assert.equal([...m.stateDict().keys()], ['weight', 'bias', 'conv_offset.weight', 'conv_offset.bias']);
  assert.equal([...m.conv_offset.weight.shape], [3 * 2 * 9, 4, 3, 3]);
  const bias = seededTensor([3], 9);
  m.loadStateDict({ bias }, { strict: false });
  const x = seededTensor([2, 4, 7, 6], 10);
  const half = conv2d(x, m.stateDict().get('weight')!, null, { stride: 2, padding: 1 });
  const want = half.data.map((v, i) => 0.5 * v + bias.data[Math.floor(i / 12) % 3]);
  for (const backend of ['ref', 'wasm'] as const) {
    assertWithinDotBound(m.forward(x, { backend }).data, want, null, { reduction: 40, slack: 4, atol: 1e-6, label: `init on ${backend}` });
  }
  // With a random offset conv: offset channel k < 2·G·T is conv_offset channel k, mask channel k is σ(channel 2·G·T + k).
  const s = 11;
  m.loadStateDict({ 'conv_offset.weight': seededTensor(m.conv_offset.weight.shape, s, -0.3, 0.3), 'conv_offset.bias': seededTensor([54], s + 1) }, { strict: false });
  const raw = conv2d(x, m.conv_offset.weight, m.conv_offset.bias, { stride: 2, padding: 1 });
  const { offset, mask } = m.offsetAndMask(x);
  const plane = 4 * 3;
  for (let n = 0; n < 2; n++) {
    assertBitExact(offset.data.subarray(n * 36 * plane, (n + 1) * 36 * plane), raw.data.subarray(n * 54 * plane, (n * 54 + 36) * plane), 'offset = cat(o1, o2)');
    const logits = raw.data.subarray((n * 54 + 36) * plane, (n + 1) * 54 * plane);
    mask.data.subarray(n * 18 * plane, (n + 1) * 18 * plane).forEach((v, i) => assert.ok(Math.abs(v - 1 / (1 + Math.exp(-logits[i]))) <= 2 * U, 'mask = σ(m)'));
  }
  assert.throws(() => m.forward(seededTensor([2, 5, 7, 6], 1)), (e: Error) => e instanceof ShapeError && /in_channels = 4/.test(e.message));
  assert.throws(() => new DCNv2(4, 3, 3, { deform_groups: 3 }), (e: Error) => e instanceof ParameterError);
});

Modules.run();
