// Dynamic depthwise convolution (Han et al., ICLR 2022): involution2d, DynamicDWConv (homogeneous),
// IDynamicDWConv (inhomogeneous), and the transformer seeds DynamicDWFeedForward / RoutedDownsample.
// Identities of dynconv-spec §13.12-13, 37; wasm ≈ ref; bad input. Golden cases in spec/golden.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError } from '../ts/core/errors.js';
import { conv2d } from '../ts/ref/conv2d.js';
import { involution2d } from '../ts/ref/involution2d.js';
import { linear } from '../ts/ref/linear.js';
import { layerNorm } from '../ts/ref/norm.js';
import { gelu } from '../ts/ref/activations.js';
import { DynamicDWConv, IDynamicDWConv } from '../ts/nn/dynamic_dw.js';
import { DynamicDWFeedForward, RoutedDownsample, tokensToNchw, nchwToTokens } from '../ts/nn/transformer_seeds.js';
import { manualSeed } from '../ts/nn/init.js';
import * as wasm from '../ts/wasm/index.js';
import { seededTensor, absTensor, runs } from './support/arbitraries.js';
import { assertWithinDotBound, assertBitExact } from './support/close.js';

await wasm.init();

const dwCase = fc.record({
  N: fc.integer({ min: 1, max: 3 }), G: fc.integer({ min: 1, max: 3 }), perGroup: fc.integer({ min: 1, max: 3 }),
  k: fc.constantFrom(1, 3, 5), stride: fc.constantFrom(1, 2), dilation: fc.constantFrom(1, 2),
  H: fc.integer({ min: 1, max: 8 }), W: fc.integer({ min: 1, max: 9 }), seed: fc.integer(),
}).map((c) => {
  const padding = Math.floor(c.dilation * (c.k - 1) / 2);
  const H_out = Math.floor((c.H + 2 * padding - c.dilation * (c.k - 1) - 1) / c.stride) + 1, W_out = Math.floor((c.W + 2 * padding - c.dilation * (c.k - 1) - 1) / c.stride) + 1;
  return { ...c, C: c.G * c.perGroup, padding, H_out, W_out };
});

/** Every parameter (and BN statistic) of a module random. */
function randomise<M extends { stateDict(): Map<string, Tensor> }>(m: M, seed: number): M {
  let s = seed;
  for (const [k, t] of m.stateDict()) t.data.set(seededTensor(t.shape, s++, k.endsWith('running_var') ? 0.5 : -1, k.endsWith('running_var') ? 2 : 1).data);
  return m;
}

const Identities = suite('dynamic_dw/identities');

Identities('involution2d with spatially constant kernels ≡ grouped depthwise conv2d whose kernel is shared by the group (§13.13; exact)', () => {
  fc.assert(fc.property(dwCase, (c) => {
    const x = seededTensor([c.N, c.C, c.H, c.W], c.seed), T = c.k * c.k, P = c.H_out * c.W_out;
    const base = seededTensor([c.G, T], c.seed + 1);
    const kernel = Tensor.zeros([c.N, c.G, T, c.H_out, c.W_out]);
    for (let n = 0; n < c.N; n++) for (let g = 0; g < c.G; g++) for (let t = 0; t < T; t++) kernel.data.fill(base.data[g * T + t], ((n * c.G + g) * T + t) * P, ((n * c.G + g) * T + t + 1) * P);
    const wdw = Tensor.zeros([c.C, 1, c.k, c.k]);
    for (let ch = 0; ch < c.C; ch++) wdw.data.set(base.data.subarray(Math.floor(ch / c.perGroup) * T, (Math.floor(ch / c.perGroup) + 1) * T), ch * T);
    const opts = { stride: c.stride, padding: c.padding, dilation: c.dilation };
    assertBitExact(involution2d(x, kernel, { kernel_size: c.k, ...opts }).data, conv2d(x, wdw, null, { ...opts, groups: c.C }).data);
  }), { numRuns: runs(60) });
});

Identities('DynamicDWConv with a constant generator (conv2 weight 0, bias vec(W)) ≡ static depthwise conv + static bias (§13.12; exact)', () => {
  fc.assert(fc.property(dwCase, fc.boolean(), (c0, bias) => {
    const c = { ...c0, C: Math.max(4, c0.C) };
    manualSeed(c.seed);
    const m = randomise(new DynamicDWConv(c.C, c.k, { bias, stride: c.stride, padding: c.padding }), c.seed);
    const wStatic = seededTensor([c.C, 1, c.k, c.k], c.seed + 2);
    m.conv2.weight.data.fill(0);
    m.conv2.bias!.data.set(wStatic.data);
    const x = seededTensor([c.N, c.C, c.H, c.W], c.seed + 3);
    const want = conv2d(x, wStatic, m.stateDict().get('bias') ?? null, { stride: c.stride, padding: c.padding, groups: c.C });
    assertBitExact(m.forward(x).data, want.data, 'ref');
    const scale = conv2d(absTensor(x), absTensor(wStatic), null, { stride: c.stride, padding: c.padding, groups: c.C });
    assertWithinDotBound(m.forward(x, { backend: 'wasm' }).data, want.data, scale.data.map((v, i) => v + Math.abs(want.data[i])), { reduction: c.k * c.k + 2, label: 'wasm', case: c });
  }), { numRuns: runs(40) });
});

Identities('IDynamicDWConv with a constant generator ≡ grouped depthwise conv with the group kernels (exact)', () => {
  fc.assert(fc.property(dwCase, (c0) => {
    const k = c0.k, C = 4 * c0.G, group_channels = 4;               // C/4 ≥ 1 hidden channels
    manualSeed(c0.seed);
    const m = randomise(new IDynamicDWConv(C, k, group_channels), c0.seed);
    const gen = m.conv2.modules[0] as unknown as { weight: Tensor; bias: Tensor };
    const base = seededTensor([c0.G * k * k], c0.seed + 4);
    gen.weight.data.fill(0); gen.bias.data.set(base.data);
    const x = seededTensor([c0.N, C, c0.H, c0.W], c0.seed + 5);
    const wdw = Tensor.zeros([C, 1, k, k]);
    for (let ch = 0; ch < C; ch++) wdw.data.set(base.data.subarray(Math.floor(ch / group_channels) * k * k, (Math.floor(ch / group_channels) + 1) * k * k), ch * k * k);
    assertBitExact(m.forward(x).data, conv2d(x, wdw, null, { padding: (k - 1) / 2, groups: C }).data);
  }), { numRuns: runs(30) });
});

Identities('RoutedDownsample with one expert and r ≡ 1 (router bias +∞) ≡ Swin V2 PatchMerging: Linear(4C → 2C) on [x0, x1, x2, x3], then LayerNorm (§13.37; fp)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (N, C, h, w, seed) => {
    const H = 2 * h, W = 2 * w;
    manualSeed(seed);
    const m = randomise(new RoutedDownsample(C, { num_experts: 1 }), seed);
    m.routing_fn.stateDict().get('bias')!.data.fill(Infinity);
    const lin = seededTensor([2 * C, 4 * C], seed + 1);
    // conv weight[o, c, dy, dx] = Wlin[o, slot(dy, dx)·C + c], slot(0,0) = 0, slot(1,0) = 1, slot(0,1) = 2, slot(1,1) = 3
    const wconv = m.reduction.stateDict().get('weight')!;
    const slot = [[0, 2], [1, 3]];
    for (let o = 0; o < 2 * C; o++) for (let ch = 0; ch < C; ch++) for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
      wconv.data[((o * C + ch) * 2 + dy) * 2 + dx] = lin.data[o * 4 * C + slot[dy][dx] * C + ch];
    }
    const x = seededTensor([N, H * W, C], seed + 2);
    const merged = Tensor.zeros([N, h * w, 4 * C]);
    for (let n = 0; n < N; n++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let s = 0; s < 4; s++) {
      const dy = s === 1 || s === 3 ? 1 : 0, dx = s >= 2 ? 1 : 0;
      for (let ch = 0; ch < C; ch++) merged.data[((n * h * w) + i * w + j) * 4 * C + s * C + ch] = x.data[(n * H * W + (2 * i + dy) * W + 2 * j + dx) * C + ch];
    }
    const norm = m.norm.stateDict();
    const want = layerNorm(linear(merged, lin, null), [2 * C], norm.get('weight')!, norm.get('bias')!, { eps: 1e-5 });
    const got = m.forwardTokens(x, H, W);
    assertWithinDotBound(got.data, want.data, null, { reduction: 16 * C + 16, slack: 8, atol: 1e-5, label: 'PatchMerging', case: { N, C, H, W } });
  }), { numRuns: runs(30) });
});

Identities('DynamicDWFeedForward with an identity generated kernel (centre tap 1) ≡ fc2(GELU(fc1(x) + dw bias)) (fp)', () => {
  manualSeed(9);
  const m = randomise(new DynamicDWFeedForward(4, 8, { kernel_size: 3 }), 9);
  m.dwconv.conv2.weight.data.fill(0);
  const b = m.dwconv.conv2.bias!.data; b.fill(0);
  for (let ch = 0; ch < 8; ch++) b[ch * 9 + 4] = 1;
  const x = seededTensor([2, 12, 4], 10), H = 3, W = 4;
  const sd = m.stateDict(), dwb = sd.get('dwconv.bias')!;
  const h = linear(x, sd.get('fc1.weight')!, sd.get('fc1.bias')!);
  const hb = new Tensor(h.data.map((v, i) => v + dwb.data[i % 8]), h.shape);
  const want = linear(gelu(hb), sd.get('fc2.weight')!, sd.get('fc2.bias')!);
  for (const backend of ['ref', 'wasm'] as const) {
    assertWithinDotBound(m.forwardTokens(x, H, W, { backend }).data, want.data, null, { reduction: 64, slack: 8, atol: 1e-5, label: backend });
  }
  // tokens ↔ NCHW round trip is the identity
  assertBitExact(nchwToTokens(tokensToNchw(x, H, W)).data, x.data, 'round trip');
});

Identities('modules on wasm ≈ ref (chain bound) and batch independence', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 }), fc.integer(), (N, H, W, seed) => {
    manualSeed(seed);
    const mods = [
      { m: randomise(new DynamicDWConv(8, 3, { bias: true, stride: 1, padding: 1 }), seed), x: seededTensor([N, 8, H, W], seed + 1) },
      { m: randomise(new IDynamicDWConv(8, 3, 4), seed), x: seededTensor([N, 8, H, W], seed + 2) },
    ];
    for (const { m, x } of mods) {
      const ref = m.forward(x), got = m.forward(x, { backend: 'wasm' });
      let mean = 0; for (const v of ref.data) mean += Math.abs(v); mean /= ref.size;
      assertWithinDotBound(got.data, ref.data, ref.data.map((v) => Math.abs(v) + mean), { reduction: H * W + 40, slack: 4, label: m.constructor.name, case: { N, H, W, seed } });
      for (let n = 0; n < N; n++) {
        const one = m.forward(new Tensor(x.data.slice(n * (x.size / N), (n + 1) * (x.size / N)), [1, ...x.shape.slice(1)]));
        assertBitExact(ref.data.subarray(n * one.size, (n + 1) * one.size), one.data, `${m.constructor.name} sample ${n}`);
      }
    }
  }), { numRuns: runs(20) });
});

Identities.run();

const Errors = suite('dynamic_dw/errors');
Errors('named errors before any work; the next call is right', () => {
  manualSeed(1);
  const dw = new DynamicDWConv(8, 3), idw = new IDynamicDWConv(8, 3, 2), ffn = new DynamicDWFeedForward(4, 8), down = new RoutedDownsample(4, { num_experts: 2 });
  const x = seededTensor([2, 8, 5, 6], 2), t = seededTensor([2, 12, 4], 3);
  const want = [dw.forward(x), idw.forward(x), ffn.forwardTokens(t, 3, 4), down.forwardTokens(seededTensor([2, 16, 4], 4), 4, 4)];
  const cases: [string, () => unknown, RegExp][] = [
    ['involution kernel groups not dividing C', () => involution2d(x, seededTensor([2, 3, 9, 5, 6], 1), { kernel_size: 3, padding: 1 }), /kernel groups G = kernel.shape\[1\] must divide C = 8/],
    ['involution kernel taps ≠ k²', () => involution2d(x, seededTensor([2, 2, 8, 5, 6], 1), { kernel_size: 3, padding: 1 }), /kernel.shape\[2\] must equal k_h·k_w = 9/],
    ['involution kernel map ≠ output', () => involution2d(x, seededTensor([2, 2, 9, 5, 5], 1), { kernel_size: 3, padding: 1 }), /kernel's map/],
    ['involution kernel batch', () => involution2d(x, seededTensor([1, 2, 9, 5, 6], 1), { kernel_size: 3, padding: 1 }), /kernel.shape\[0\] must equal N = 2/],
    ['DynamicDWConv channels', () => dw.forward(seededTensor([2, 6, 5, 6], 1)), /dim = 8, got 6/],
    ['DynamicDWConv too small', () => new DynamicDWConv(8, 7, { bias: true, stride: 1, padding: 0 }).forward(seededTensor([2, 8, 5, 6], 1)), /dilated kernel \[7,7\]/],
    ['IDynamicDWConv channels', () => idw.forward(seededTensor([2, 4, 5, 6], 1)), /channels = 8, got 4/],
    ['FFN tokens ≠ H·W', () => ffn.forwardTokens(t, 3, 5), /input.shape\[1\] must equal H·W = 3·5 = 15/],
    ['FFN dim', () => ffn.forwardTokens(seededTensor([2, 12, 5], 1), 3, 4), /dim = 4, got 5/],
    ['downsample odd H', () => down.forwardTokens(seededTensor([2, 12, 4], 1), 3, 4), /H and W must be even/],
  ];
  for (const [what, run, re] of cases) {
    assert.throws(run, (e: Error) => e instanceof ShapeError && re.test(e.message), what);
    assertBitExact(dw.forward(x).data, want[0].data, `after ${what}`);
    assertBitExact(idw.forward(x).data, want[1].data, `after ${what}`);
  }
  assert.throws(() => new DynamicDWConv(8, 3, { bias: true, stride: 1, padding: 1, groups: 4 }), (e: Error) => e instanceof ParameterError && /groups must equal dim/.test(e.message));
  assert.throws(() => new IDynamicDWConv(8, 3, 3), (e: Error) => e instanceof ParameterError);
  assert.throws(() => new IDynamicDWConv(8, 4, 2), (e: Error) => e instanceof ParameterError && /odd/.test(e.message));
  assert.throws(() => new DynamicDWFeedForward(4, 8, { kernel_size: 2 }), (e: Error) => e instanceof ParameterError);
  void want;
});
Errors.run();
