// Swin's window ops (window_partition, window_reverse, roll, window_attention): PyTorch goldens are in
// spec/fixtures/swin.safetensors (spec/golden.test.ts); ref ≈ wasm is in spec/registry.test.ts. Here: the
// identities (partition/reverse and roll round trips, one window ≡ global attention with the relative bias,
// the official relative_position_index and SW-MSA mask on hand-checked entries) and the errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError } from '../ts/core/errors.js';
import * as ref from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { relativePositionIndex, swinAttentionMask } from '../ts/nn/swin.js';
import { windowAttentionBound } from '../ts/verify/golden_swin.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';

await wasm.init();
const backends = [ref, wasm] as const;

const Identities = suite('window_attention/identities');

Identities('windowReverse(windowPartition(x)) ≡ x bit for bit, and partition puts x[b, p·ws + i, q·ws + j] at window (b, p, q), token (i, j)', () => {
  fc.assert(fc.property(fc.record({ B: fc.integer({ min: 1, max: 2 }), nh: fc.integer({ min: 1, max: 3 }), nw: fc.integer({ min: 1, max: 3 }),
    ws: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 4 }), seed: fc.integer() }), (c) => {
    const H = c.nh * c.ws, W = c.nw * c.ws, x = seededTensor([c.B, H, W, c.C], c.seed);
    for (const o of backends) {
      const win = o.windowPartition(x, c.ws);
      assert.equal([...win.shape], [c.B * c.nh * c.nw, c.ws, c.ws, c.C]);
      const b = c.B - 1, p = c.nh - 1, q = c.nw - 1, i = c.ws - 1, j = 0;
      assert.is(win.at((b * c.nh + p) * c.nw + q, i, j, 0), x.at(b, p * c.ws + i, q * c.ws + j, 0));
      assertBitExact(o.windowReverse(win, c.ws, H, W).data, x.data, 'round trip');
    }
  }), { numRuns: runs(50) });
});

Identities('roll by the size of a dim is the identity; roll(roll(x, s), −s) ≡ x; roll(x, [a, b], [1, 2]) ≡ roll(roll(x, a, 1), b, 2)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: -9, max: 9 }), fc.integer({ min: -9, max: 9 }), fc.integer(), (h, w, a, b, seed) => {
    const x = seededTensor([2, h, w, 3], seed);
    for (const o of backends) {
      assertBitExact(o.roll(x, [h, -2 * w], [1, 2]).data, x.data, 'roll by the size');
      assertBitExact(o.roll(o.roll(x, [a, b], [1, 2]), [-a, -b], [1, 2]).data, x.data, 'roll back');
      assertBitExact(o.roll(x, [a, b], [1, 2]).data, o.roll(o.roll(x, a, 1), b, -2).data, 'per dim');
    }
    // torch.roll's definition on one entry: y[(i + a) mod h] = x[i]
    const y = ref.roll(x, a, 1), i = h - 1;
    assert.is(y.at(1, (((i + a) % h) + h) % h, 0, 2), x.at(1, i, 0, 2));
  }), { numRuns: runs(50) });
});

Identities('one window (window = H = W) ≡ global attention with the relative bias (scaled_dot_product_attention with the gathered bias as float mask)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 }), fc.integer(), (ws, heads, hd, B, seed) => {
    const N = ws * ws, C = heads * hd, x = seededTensor([B, ws, ws, 3 * C], seed);
    const table = seededTensor([(2 * ws - 1) ** 2, heads], seed + 1), index = relativePositionIndex(ws, ws);
    const windows = ref.windowPartition(x, ws);                              // one window per image: the map itself
    assertBitExact(windows.data, x.data, 'one window is the map');
    const y = ref.windowAttention(new Tensor(windows.data, [B, N, 3 * C]), table, index, null, { num_heads: heads });
    // global attention: q, k, v [B, heads, N, hd] from the same channels, bias[h, i, j] = table[index[i, j], h]
    const split = (t: number) => new Tensor(Float32Array.from({ length: B * heads * N * hd }, (_, e) => {
      const d = e % hd, n = Math.floor(e / hd) % N, h = Math.floor(e / (hd * N)) % heads, b = Math.floor(e / (hd * N * heads));
      return x.data[(b * N + n) * 3 * C + t * C + h * hd + d];
    }), [B, heads, N, hd]);
    const bias = new Tensor(Float32Array.from({ length: heads * N * N }, (_, e) => table.data[index.data[e % (N * N)] * heads + Math.floor(e / (N * N))]), [heads, N, N]);
    // window attention scales q in float32 first (the official q = q * scale); give SDPA the same scaled q and scale 1
    const scale = Math.fround(hd ** -0.5), q = split(0);
    const qs = new Tensor(q.data.map((v) => v * scale), q.shape);
    const g = ref.scaledDotProductAttention(qs, split(1), split(2), { attn_mask: bias, scale: 1 });
    const want = Float32Array.from({ length: B * N * C }, (_, e) => {
      const c = e % C, n = Math.floor(e / C) % N, b = Math.floor(e / (C * N)), h = Math.floor(c / hd), d = c % hd;
      return g.data[((b * heads + h) * N + n) * hd + d];
    });
    const bound = windowAttentionBound(new Tensor(windows.data, [B, N, 3 * C]), table, index, null, { num_heads: heads });
    y.data.forEach((v, e) => assert.ok(Math.abs(v - want[e]) <= bound[e], `element ${e}: window ${v}, global ${want[e]}, bound ${bound[e]}`));
  }), { numRuns: runs(40) });
});

Identities('relative_position_index: the official formula on a 2×3 window; values in [0, (2Wh−1)(2Ww−1)), centre on the diagonal', () => {
  const idx = relativePositionIndex(2, 3);
  // tokens i = (0, 0), j = (1, 2): (0 − 1 + 1)·5 + (0 − 2 + 2) = 0;  i = (1, 2), j = (0, 0): 2·5 + 4 = 14
  assert.is(idx.at(0, 5), 0);
  assert.is(idx.at(5, 0), 14);
  for (let i = 0; i < 6; i++) assert.is(idx.at(i, i), 1 * 5 + 2);
  assert.ok(idx.data.every((v) => v >= 0 && v < 15));
});

Identities('SW-MSA mask: the official 3×3 regions; windows away from the seam are unmasked, the corner window has 4 regions', () => {
  const m = swinAttentionMask(8, 8, 4, 2);                   // 2×2 windows of 16 tokens
  assert.equal([...m.shape], [4, 16, 16]);
  assert.ok(m.data.slice(0, 256).every((v) => v === 0), 'window (0, 0): one region');
  assert.ok(m.data.every((v) => v === 0 || v === -100));
  // window (1, 1): tokens (0, 0) and (3, 3) lie in regions (1, 1) and (2, 2)
  assert.is(m.at(3, 0, 15), -100);
  assert.is(m.at(3, 0, 1), 0);                              // (0, 0) and (0, 1): both in region (1, 1)
  assert.is(m.at(3, 0, 2), -100);                           // (0, 2) is in region (1, 2)
});

Identities('a −100 mask entry removes a key (its weight e⁻¹⁰⁰ underflows against the others): masking every key but one returns its v', () => {
  const N = 4, C = 2, x = seededTensor([1, N, 3 * C], 5), index = new Tensor(new Float32Array(N * N), [N, N]);
  const mask = new Tensor(Float32Array.from({ length: N * N }, (_, e) => (e % N === 2 ? 0 : -100)), [1, N, N]);
  for (const o of backends) {
    const y = o.windowAttention(x, new Tensor([0], [1, 1]), index, mask, { num_heads: 1 });
    for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) assert.ok(Math.abs(y.at(0, i, c) - x.at(0, 2, 2 * C + c)) < 1e-6);
  }
});

Identities.run();

const Errors = suite('window_attention/errors');

Errors('a window size that does not divide the map, wrong ranks and window counts: ShapeError with the shapes', () => {
  for (const o of backends) {
    assert.throws(() => o.windowPartition(Tensor.zeros([1, 6, 8, 2]), 4), (e: Error) => e instanceof ShapeError && /window_size must divide H and W/.test(e.message) && /\[1,6,8,2\]/.test(e.message));
    assert.throws(() => o.windowPartition(Tensor.zeros([6, 8, 2]), 2), (e: Error) => e instanceof ShapeError && /rank 4/.test(e.message));
    assert.throws(() => o.windowReverse(Tensor.zeros([3, 2, 2, 1]), 2, 4, 4), (e: Error) => e instanceof ShapeError && /multiple of the windows per image/.test(e.message));
    assert.throws(() => o.windowReverse(Tensor.zeros([4, 2, 3, 1]), 2, 4, 4), (e: Error) => e instanceof ShapeError);
  }
});

Errors('roll: mismatched shifts / dims, dims out of range, non-integers: ParameterError', () => {
  const x = Tensor.zeros([2, 3]);
  for (const o of backends) {
    assert.throws(() => o.roll(x, [1, 2], [0]), (e: Error) => e instanceof ParameterError && /same non-zero length/.test(e.message));
    assert.throws(() => o.roll(x, 1, 2), (e: Error) => e instanceof ParameterError && /dims\[0\] must be an integer in \[-2, 2\)/.test(e.message));
    assert.throws(() => o.roll(x, 0.5, 0), (e: Error) => e instanceof ParameterError);
  }
});

Errors('window attention: C ∤ heads, table / index / mask shapes, index out of range: named errors before any work', () => {
  const N = 4, qkv = Tensor.zeros([2, N, 12]), table = Tensor.zeros([9, 2]), index = new Tensor(new Float32Array(N * N), [N, N]);
  for (const o of backends) {
    assert.throws(() => o.windowAttention(qkv, table, index, null, { num_heads: 3 }), (e: Error) => e instanceof ShapeError && /divisible by 3·num_heads = 9/.test(e.message));
    assert.throws(() => o.windowAttention(qkv, Tensor.zeros([9, 3]), index, null, { num_heads: 2 }), (e: Error) => e instanceof ShapeError && /relative_position_bias_table must be \[T, num_heads = 2\]/.test(e.message));
    assert.throws(() => o.windowAttention(qkv, table, Tensor.zeros([N, N + 1]), null, { num_heads: 2 }), (e: Error) => e instanceof ShapeError && /relative_position_index must be \[N, N\] = \[4,4\]/.test(e.message));
    assert.throws(() => o.windowAttention(qkv, table, new Tensor(new Float32Array(N * N).fill(9), [N, N]), null, { num_heads: 2 }), (e: Error) => e instanceof ParameterError && /\[0, T = 9\)/.test(e.message));
    assert.throws(() => o.windowAttention(qkv, table, index, Tensor.zeros([3, N, N]), { num_heads: 2 }), (e: Error) => e instanceof ShapeError && /nW dividing B_ = 2/.test(e.message));
    assert.throws(() => o.windowAttention(qkv, table, index, Tensor.zeros([1, N, N - 1]), { num_heads: 2 }), (e: Error) => e instanceof ShapeError && /mask must be \[nW, N, N\]/.test(e.message));
  }
});

Errors.run();
