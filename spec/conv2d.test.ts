// conv2d: ts/wasm/conv2d.ts against the float64 reference ts/ref/conv2d.ts.
// One suite per block: conv2d/wasm (ref ≈ wasm property), conv2d/errors (same named errors, nothing
// leaked). conv2d/golden and conv2d/identities go in their own blocks below.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import type { Conv2dOptions } from '../ts/core/geometry.js';
import { conv2d as refConv2d } from '../ts/ref/conv2d.js';
import { conv2d as wasmConv2d } from '../ts/wasm/conv2d.js';
import { init, memory } from '../ts/wasm/module.js';
import { arenaStats } from '../ts/wasm/arena.js';
import { seededTensor, absTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound } from './support/close.js';
import { thrown } from './support/thrown.js';

await init();

const lo = Math.fround(-2), hi = Math.fround(2);

/** wasm vs ref within the dot-product bound, absScale = conv2d(|x|, |w|, |b|) (the Σ|terms| oracle). */
function assertConvClose(x: Tensor, w: Tensor, b: Tensor | null, options: Conv2dOptions, label: string, c: unknown): void {
  const ref = refConv2d(x, w, b, options);
  const got = wasmConv2d(x, w, b, options);
  assert.equal(got.shape, ref.shape, `${label}: output shape`);
  const absScale = refConv2d(absTensor(x), absTensor(w), b ? absTensor(b) : null, options).data;
  const [, cinPerGroup, k_h, k_w] = w.shape;
  assertWithinDotBound(got.data, ref.data, absScale, {
    reduction: cinPerGroup * k_h * k_w + 1, slack: 2, atol: 1e-30, label, case: c, shape: ref.shape,
  });
}

// ---------------------------------------------------------------------------------------------
// conv2d/wasm: fast-check property, shapes by construction (STYLE §2.9, Example 3)

type PaddingCase = { kind: 'int'; p: number } | { kind: 'pair'; ph: number; pw: number } | { kind: 'same' } | { kind: 'valid' };

const paddingArb: fc.Arbitrary<PaddingCase> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 2 }).map((p) => ({ kind: 'int' as const, p })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(([ph, pw]) => ({ kind: 'pair' as const, ph, pw })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'same' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'valid' as const }) },
);

const convCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  cinPerGroup: fc.integer({ min: 1, max: 4 }),     // 1 with coutPerGroup 1: depthwise
  coutPerGroup: fc.integer({ min: 1, max: 6 }),    // crosses the 4-row tile of the GEMM
  k_h: fc.integer({ min: 1, max: 3 }),
  k_w: fc.integer({ min: 1, max: 3 }),
  stride_h: fc.integer({ min: 1, max: 3 }),
  stride_w: fc.integer({ min: 1, max: 3 }),
  dilation_h: fc.integer({ min: 1, max: 2 }),
  dilation_w: fc.integer({ min: 1, max: 2 }),
  padding: paddingArb,
  extraH: fc.integer({ min: 0, max: 8 }),          // H, W swept 1..9 above the minimum: every W mod 4
  extraW: fc.integer({ min: 0, max: 8 }),
  bias: fc.boolean(),
  seed: fc.integer(),
}).map((c) => {
  // 'same' needs stride 1 (PyTorch's rule); other paddings keep the generated stride.
  const same = c.padding.kind === 'same';
  const stride_h = same ? 1 : c.stride_h, stride_w = same ? 1 : c.stride_w;
  const effH = c.dilation_h * (c.k_h - 1) + 1, effW = c.dilation_w * (c.k_w - 1) + 1;
  const [padH, padW] = c.padding.kind === 'int' ? [2 * c.padding.p, 2 * c.padding.p]
    : c.padding.kind === 'pair' ? [2 * c.padding.ph, 2 * c.padding.pw]
    : c.padding.kind === 'same' ? [effH - 1, effW - 1] : [0, 0];
  // Smallest input that still gives H_out ≥ 1, plus the generated extra: valid by construction.
  const H = Math.max(1, effH - padH) + c.extraH, W = Math.max(1, effW - padW) + c.extraW;
  const padding: Conv2dOptions['padding'] = c.padding.kind === 'int' ? c.padding.p
    : c.padding.kind === 'pair' ? [c.padding.ph, c.padding.pw] : c.padding.kind;
  return {
    N: c.N, C_in: c.groups * c.cinPerGroup, C_out: c.groups * c.coutPerGroup, H, W, k_h: c.k_h, k_w: c.k_w,
    options: { stride: [stride_h, stride_w], padding, dilation: [c.dilation_h, c.dilation_w], groups: c.groups } as Conv2dOptions,
    bias: c.bias, seed: c.seed,
  };
});

const Wasm = suite('conv2d/wasm');

Wasm('wasm.conv2d ≈ ref.conv2d within the dot-product bound (property)', () => {
  fc.assert(fc.property(convCase, (c) => {
    const x = seededTensor([c.N, c.C_in, c.H, c.W], c.seed, lo, hi);
    const w = seededTensor([c.C_out, c.C_in / c.options.groups!, c.k_h, c.k_w], c.seed ^ 0x9e3779b9, lo, hi);
    const b = c.bias ? seededTensor([c.C_out], c.seed ^ 0x85ebca6b, lo, hi) : null;
    assertConvClose(x, w, b, c.options, 'conv2d/wasm', c);
  }), { numRuns: runs(200), examples: [] /* every counterexample found goes here and into conv2d/golden */ });
});

Wasm('real-layer-sized cases: full 4x8 tiles, several GEMM column blocks, 1x1 fast path', () => {
  const cases: Array<{ x: number[]; w: number[]; options: Conv2dOptions }> = [
    { x: [1, 64, 12, 12], w: [6, 64, 3, 3], options: { padding: 1 } },            // K = 576: 2 column blocks (whole image: bands of 108)
    { x: [1, 64, 16, 16], w: [6, 64, 3, 3], options: { padding: 1 } },            // K = 576: bands of 7, 7, 2 output rows
    { x: [2, 128, 16, 16], w: [8, 64, 3, 3], options: { padding: 1, groups: 2 } }, // banded, 2 images × 2 groups
    { x: [1, 64, 32, 31], w: [5, 64, 3, 3], options: { stride: 2, padding: [1, 1] } }, // banded, stride 2: 16x16 out, bands of 7 rows
    { x: [2, 19, 11, 13], w: [13, 19, 1, 1], options: {} },                         // 1x1: GEMM on the input
    { x: [1, 16, 9, 10], w: [12, 8, 1, 1], options: { groups: 2 } },                // grouped 1x1
    { x: [1, 8, 17, 19], w: [10, 4, 3, 3], options: { groups: 2, stride: 2, padding: [1, 2] } },
    { x: [1, 6, 15, 15], w: [6, 1, 3, 3], options: { groups: 6, padding: 'same', dilation: 2 } }, // depthwise
    { x: [1, 3, 20, 21], w: [8, 3, 7, 5], options: { stride: [2, 1], padding: 'valid' } },
    { x: [1, 8, 10, 10], w: [8, 8, 1, 1], options: { stride: 2 } },                 // 1x1 strided: im2col path
  ];
  let seed = 1;
  for (const c of cases) {
    const x = seededTensor(c.x, seed++, lo, hi), w = seededTensor(c.w, seed++, lo, hi), b = seededTensor([c.w[0]], seed++, lo, hi);
    assertConvClose(x, w, b, c.options, 'conv2d/wasm', c);
    assertConvClose(x, w, null, c.options, 'conv2d/wasm', c);
  }
});

Wasm('NaN and Inf propagate as in the reference', () => {
  const x = seededTensor([1, 2, 5, 5], 3, lo, hi);
  x.data[7] = NaN; x.data[31] = Infinity;
  const w = seededTensor([3, 2, 3, 3], 4, lo, hi);
  const ref = refConv2d(x, w, null, { padding: 1 }), got = wasmConv2d(x, w, null, { padding: 1 });
  for (let i = 0; i < ref.data.length; i++) {
    assert.is(Number.isNaN(got.data[i]), Number.isNaN(ref.data[i]), `NaN pattern at ${i}`);
    if (!Number.isFinite(ref.data[i]) && !Number.isNaN(ref.data[i])) assert.is(got.data[i], ref.data[i], `Inf at ${i}`);
  }
});

Wasm('the arena is back at its base after every call (no leak)', () => {
  const x = seededTensor([1, 4, 8, 8], 5), w = seededTensor([4, 4, 3, 3], 6);
  wasmConv2d(x, w, null, { padding: 1 });
  const { mark, base, depth } = arenaStats();
  assert.is(mark, base);
  assert.is(depth, 0);
});

Wasm.run();

// ---------------------------------------------------------------------------------------------
// conv2d/errors: the same named errors as the reference, thrown before any WASM memory is touched

const Errors = suite('conv2d/errors');

interface ErrorCase { what: string; x: number[]; w: number[]; b?: number[]; options?: Conv2dOptions; error: 'ShapeError' | 'ParameterError' }

const errorCases: ErrorCase[] = [
  { what: 'input of rank 3', x: [1, 3, 8], w: [4, 3, 3, 3], error: 'ShapeError' },
  { what: 'weight of rank 5', x: [1, 3, 8, 8], w: [4, 3, 3, 3, 1], error: 'ShapeError' },
  { what: 'channel mismatch (weight.shape[1] ≠ C_in / groups)', x: [1, 3, 8, 8], w: [4, 2, 3, 3], error: 'ShapeError' },
  { what: 'groups not dividing C_in', x: [1, 3, 8, 8], w: [4, 1, 3, 3], options: { groups: 2 }, error: 'ShapeError' },
  { what: 'groups not dividing C_out', x: [1, 4, 8, 8], w: [3, 2, 3, 3], options: { groups: 2 }, error: 'ShapeError' },
  { what: 'kernel larger than the padded input', x: [1, 1, 2, 2], w: [1, 1, 3, 3], error: 'ShapeError' },
  { what: 'dilated kernel larger than the padded input', x: [1, 1, 4, 4], w: [1, 1, 3, 3], options: { dilation: 2, padding: [1, 0] }, error: 'ShapeError' },
  { what: 'bias of the wrong length', x: [1, 3, 8, 8], w: [4, 3, 3, 3], b: [3], error: 'ShapeError' },
  { what: 'stride 0', x: [1, 3, 8, 8], w: [4, 3, 3, 3], options: { stride: 0 }, error: 'ParameterError' },
  { what: 'stride 1.5', x: [1, 3, 8, 8], w: [4, 3, 3, 3], options: { stride: 1.5 }, error: 'ParameterError' },
  { what: 'negative padding', x: [1, 3, 8, 8], w: [4, 3, 3, 3], options: { padding: -1 }, error: 'ParameterError' },
  { what: "padding 'same' with stride 2", x: [1, 3, 8, 8], w: [4, 3, 3, 3], options: { padding: 'same', stride: 2 }, error: 'ParameterError' },
  { what: 'groups 0', x: [1, 3, 8, 8], w: [4, 3, 3, 3], options: { groups: 0 }, error: 'ParameterError' },
];


for (const c of errorCases) {
  Errors(`${c.what}: ${c.error}, same message as ref, arena and memory untouched, next call right`, () => {
    const x = seededTensor(c.x, 1), w = seededTensor(c.w, 2), b = c.b ? seededTensor(c.b, 3) : null;
    const before = arenaStats(), bytes = memory().buffer.byteLength;
    const refError = thrown(() => refConv2d(x, w, b, c.options));
    const wasmError = thrown(() => wasmConv2d(x, w, b, c.options));
    assert.is(refError.name, c.error, `ref throws ${c.error}`);
    assert.is(wasmError.name, c.error, `wasm throws ${c.error}`);
    assert.is(wasmError.constructor, refError.constructor);
    assert.is(wasmError.message, refError.message);
    assert.ok(wasmError.message.startsWith('conv2d: '), 'message starts with the op id');
    assert.is(arenaStats().mark, before.mark, 'arena mark unchanged');
    assert.is(arenaStats().depth, 0);
    assert.is(memory().buffer.byteLength, bytes, 'memory not grown');
    // The backend is still usable and right.
    const vx = seededTensor([1, 3, 6, 7], 4), vw = seededTensor([5, 3, 3, 3], 5), vb = seededTensor([5], 6);
    assertConvClose(vx, vw, vb, { padding: 1 }, 'conv2d/errors next call', c.what);
  });
}

Errors('before `await init()`: BackendError for a valid call, the ShapeError still first for a bad one', () => {
  // A fresh process: this file has already initialised the module in this one.
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { conv2d } from './ts/wasm/conv2d.js';
    import { Tensor } from './ts/core/tensor.js';
    const name = (fn) => { try { fn(); return 'no throw'; } catch (e) { return e.name + ': ' + e.message; } };
    console.log(name(() => conv2d(Tensor.zeros([1, 1, 3, 3]), Tensor.zeros([1, 1, 1, 1]))));
    console.log(name(() => conv2d(Tensor.zeros([1, 1, 3]), Tensor.zeros([1, 1, 1, 1]))));
  `], { cwd: root, encoding: 'utf8' });
  const [valid, bad] = r.stdout.trim().split('\n');
  assert.is(valid, 'BackendError: wasm backend used before `await wasm.init()`', r.stderr);
  assert.match(bad, /^ShapeError: conv2d: input must have rank 4/);
});

Errors.run();
