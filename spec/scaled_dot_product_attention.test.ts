// scaled_dot_product_attention (F.scaled_dot_product_attention, PyTorch 2 semantics) and nn.MultiheadAttention:
// PyTorch goldens are in spec/fixtures/attention.safetensors (spec/golden.test.ts); ref ≈ wasm within the stated
// bound is in spec/registry.test.ts (spec/support/cases.ts). Here: identities that pin the semantics (softmax rows
// sum to 1, causal ≡ the explicit tril bool mask, scale folding, broadcasting ≡ expanding, MHA's packed path ≡ its
// separate projections, weights = softmax rows), the special values, and the errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, NotImplementedError, ParameterError, ShapeError } from '../ts/core/errors.js';
import type { BoolMask } from '../ts/core/check/scaled_dot_product_attention.js';
import { scaledDotProductAttention as refSdpa } from '../ts/ref/index.js';   // (registers 'ref' for the module)
import * as wasm from '../ts/wasm/index.js';
import { MultiheadAttention } from '../ts/nn/multihead_attention.js';
import { sdpaBound } from '../ts/verify/golden_attention.js';
import { localAttention } from '../ts/ref/local_attention.js';
import { seededTensor, runs, prng } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';

await wasm.init();
const U = 2 ** -24;
const backends = [['ref', refSdpa], ['wasm', wasm.scaledDotProductAttention]] as const;

const same = (a: ArrayLike<number>, b: ArrayLike<number>, label: string) => {
  assert.is(a.length, b.length, `${label}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])) || (a[i] === 0 && b[i] === 0))) {
      assert.unreachable(`${label}: element ${i}: ${a[i]} vs ${b[i]}`);
    }
  }
};
const tril = (L: number, S: number): BoolMask => ({ bool: Uint8Array.from({ length: L * S }, (_, x) => (x % S <= Math.floor(x / S) ? 1 : 0)), shape: [L, S] });

const Identities = suite('scaled_dot_product_attention/identities');

Identities('softmax rows sum to 1: a value with every row equal to c gives c (within (S + 4)·2u·|c|), both backends', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (L, S, E, seed) => {
    const q = seededTensor([2, L, E], seed, -3, 3), k = seededTensor([2, S, E], seed + 1, -3, 3);
    const row = seededTensor([5], seed + 2).data;
    const v = new Tensor(Float32Array.from({ length: 2 * S * 5 }, (_, i) => row[i % 5]), [2, S, 5]);
    for (const [name, op] of backends) {
      const y = op(q, k, v);
      y.data.forEach((x, i) => assert.ok(Math.abs(x - row[i % 5]) <= 2 * (S + 4) * U * Math.abs(row[i % 5]), `${name}: ${x} vs ${row[i % 5]}`));
    }
  }), { numRuns: runs(40) });
});

Identities('is_causal ≡ the explicit bool mask tril(ones(L, S)) (top-left aligned; square, wide and tall), bit for bit on both backends', () => {
  for (const [L, S] of [[6, 6], [3, 8], [8, 3], [1, 5], [9, 9]]) {
    const q = seededTensor([2, 2, L, 5], L * 31 + S), k = seededTensor([2, 2, S, 5], L + S * 17), v = seededTensor([2, 2, S, 6], L * S + 3);
    for (const [name, op] of backends) same(op(q, k, v, { is_causal: true }).data, op(q, k, v, { attn_mask: tril(L, S) }).data, `${name} L=${L} S=${S}`);
  }
});

Identities('a bool mask ≡ the float mask 0 / −∞ PyTorch converts it to, bit for bit on both backends', () => {
  const r = prng(7), shape = [2, 1, 5, 9];
  const bool = Uint8Array.from({ length: 90 }, () => (r() < 0.6 ? 1 : 0));
  const float = new Tensor(Float32Array.from(bool, (b) => (b ? 0 : -Infinity)), shape);
  const q = seededTensor([2, 3, 5, 4], 1), k = seededTensor([2, 3, 9, 4], 2), v = seededTensor([2, 3, 9, 4], 3);
  for (const [name, op] of backends) same(op(q, k, v, { attn_mask: { bool, shape } }).data, op(q, k, v, { attn_mask: float }).data, name);
});

Identities('scale folding: sdpa(2q, k, v, scale/2) ≡ sdpa(q, k, v, scale) and the default scale ≡ 1/√E, bit for bit', () => {
  const q = seededTensor([3, 7, 6], 11), k = seededTensor([3, 10, 6], 12), v = seededTensor([3, 10, 4], 13);
  const q2 = new Tensor(q.data.map((x) => 2 * x), q.shape);
  for (const [name, op] of backends) {
    same(op(q2, k, v, { scale: 0.35 / 2 }).data, op(q, k, v, { scale: 0.35 }).data, `${name} folding`);
    same(op(q, k, v).data, op(q, k, v, { scale: 1 / Math.sqrt(6) }).data, `${name} default scale`);
  }
});

Identities('scale folding into the key (non-power-of-two): sdpa(q, s·k, v, 1) ≈ sdpa(q, k, v, s) within the bound', () => {
  const q = seededTensor([2, 5, 8], 21), k = seededTensor([2, 9, 8], 22), v = seededTensor([2, 9, 3], 23), s = 0.3;
  const ks = new Tensor(k.data.map((x) => Math.fround(x * s)), k.shape);
  const want = refSdpa(q, k, v, { scale: s }).data, b = sdpaBound(q, k, v, { scale: s });
  for (const [name, op] of backends) op(q, ks, v, { scale: 1 }).data.forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= 2 * b[i], `${name} ${i}: ${x} vs ${want[i]}`));
});

Identities('broadcast batch dimensions ≡ the expanded operands (key/value shared by every head; a [L, S] mask shared by all), bit for bit', () => {
  const N = 2, H = 3, L = 5, S = 7, E = 4;
  const q = seededTensor([N, H, L, E], 31), k = seededTensor([N, 1, S, E], 32), v = seededTensor([N, 1, S, 6], 33), m = seededTensor([L, S], 34);
  const expand = (t: Tensor, inner: number) => new Tensor(Float32Array.from({ length: N * H * inner }, (_, i) => t.data[Math.floor(i / (H * inner)) * inner + (i % inner)]), [N, H, ...t.shape.slice(2)]);
  const mExp = new Tensor(Float32Array.from({ length: N * H * L * S }, (_, i) => m.data[i % (L * S)]), [N, H, L, S]);
  for (const [name, op] of backends) same(op(q, k, v, { attn_mask: m }).data, op(q, expand(k, S * E), expand(v, S * 6), { attn_mask: mExp }).data, name);
});

Identities('special values: a fully masked row is NaN (PyTorch 2.0-2.4), −∞ mask entries weigh 0, S = 0 gives zeros, NaN in q poisons only its row', () => {
  const q = seededTensor([1, 3, 4], 41), k = seededTensor([1, 5, 4], 42), v = seededTensor([1, 5, 2], 43);
  const bool = Uint8Array.from([1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  for (const [name, op] of backends) {
    const y = op(q, k, v, { attn_mask: { bool, shape: [3, 5] } }).data;
    assert.ok(Number.isNaN(y[2]) && Number.isNaN(y[3]), `${name}: fully masked row → NaN`);
    assert.ok(Math.abs(y[4] - v.data[8]) <= 2 * U * Math.abs(v.data[8]) && Math.abs(y[5] - v.data[9]) <= 2 * U * Math.abs(v.data[9]), `${name}: one kept key → its value`);
    const z = op(q, new Tensor(new Float32Array(0), [1, 0, 4]), new Tensor(new Float32Array(0), [1, 0, 2]));
    assert.equal([...z.shape], [1, 3, 2]);
    assert.ok(z.data.every((x) => x === 0), `${name}: S = 0 → zeros`);
    const qn = q.clone(); qn.data[4] = NaN;
    const w = op(qn, k, v).data;
    assert.ok(Number.isNaN(w[2]) && Number.isNaN(w[3]) && !Number.isNaN(w[0]) && !Number.isNaN(w[5]), `${name}: NaN row only`);
  }
});

Identities('global attention with the mask log(multiplicity of key j in the k×k window of query i) ≡ ACmix local attention (reflection-padded windows, stride 1, no pe)', () => {
  // a window that meets a key twice (reflection) weighs it e^{l}·2 = e^{l + log 2}; keys outside the window get −∞
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom(3, 5), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer(), (head, hd, ka, eh, ew, seed) => {
    const P = (ka - 1) / 2, H = P + 1 + eh, W = P + 1 + ew, C = head * hd, HW = H * W;
    const q = seededTensor([1, C, H, W], seed), k = seededTensor([1, C, H, W], seed + 1), v = seededTensor([1, C, H, W], seed + 2);
    const local = localAttention(q, k, v, null, { head, kernel_att: ka });
    const reflect = (x: number, n: number) => (x < 0 ? -x : x >= n ? 2 * (n - 1) - x : x);
    const count = new Float32Array(HW * HW);
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let a = 0; a < ka; a++) for (let b = 0; b < ka; b++) {
      count[(i * W + j) * HW + reflect(i + a - P, H) * W + reflect(j + b - P, W)] += 1;
    }
    const mask = new Tensor(count.map((m) => (m ? Math.log(m) : -Infinity)), [HW, HW]);
    const scaling = Math.fround(hd ** -0.5);
    const tokens = (t: Tensor, f: (x: number) => number) => new Tensor(Float32Array.from({ length: C * HW }, (_, x) => {
      const h = Math.floor(x / (HW * hd)), p = Math.floor(x / hd) % HW, d = x % hd;   // [1, head, HW, hd]
      return f(t.data[(h * hd + d) * HW + p]);
    }), [1, head, HW, hd]);
    const y = refSdpa(tokens(q, (x) => Math.fround(x * scaling)), tokens(k, (x) => x), tokens(v, (x) => x), { attn_mask: mask, scale: 1 }).data;
    for (let h = 0; h < head; h++) for (let p = 0; p < HW; p++) for (let d = 0; d < hd; d++) {
      const want = local.data[(h * hd + d) * HW + p], got = y[(h * HW + p) * hd + d];
      assert.ok(Math.abs(got - want) <= 4 * U * 2, `h=${h} p=${p} d=${d}: ${got} vs ${want}`);
    }
  }), { numRuns: runs(30) });
});

Identities.run();

const Mha = suite('multihead_attention/identities');

Mha('self-attention: the packed path (query = key = value, one Linear) ≡ separate projections of copies, bit for bit, both backends', () => {
  for (const batch_first of [false, true]) {
    const m = new MultiheadAttention(16, 4, { batch_first });
    const x = seededTensor(batch_first ? [2, 9, 16] : [9, 2, 16], 51);
    for (const backend of ['ref', 'wasm'] as const) {
      const a = m.forward(x, x, x, { backend }), b = m.forward(x, x.clone(), x.clone(), { backend });
      same(a.output.data, b.output.data, `${backend} batch_first=${batch_first}`);
      same(a.weights!.data, b.weights!.data, `${backend} weights`);
    }
  }
});

Mha('weights: rows sum to 1 (within S·2u), the average ≡ the mean of the per-head weights, need_weights false gives null', () => {
  const m = new MultiheadAttention(12, 3, { batch_first: true });
  const x = seededTensor([2, 5, 12], 61), kv = seededTensor([2, 7, 12], 62);
  const kpm: BoolMask = { bool: Uint8Array.from([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), shape: [2, 7] };
  for (const backend of ['ref', 'wasm'] as const) {
    const per = m.forward(x, kv, kv, { key_padding_mask: kpm, average_attn_weights: false, backend }).weights!;
    const avg = m.forward(x, kv, kv, { key_padding_mask: kpm, backend }).weights!;
    assert.equal([...per.shape], [2, 3, 5, 7]);
    assert.equal([...avg.shape], [2, 5, 7]);
    for (let r = 0; r < 2 * 3 * 5; r++) {
      let s = 0;
      for (let j = 0; j < 7; j++) s += per.data[r * 7 + j];
      assert.ok(Math.abs(s - 1) <= 7 * 2 * U, `${backend} row ${r} sums to ${s}`);
    }
    for (let n = 0; n < 2; n++) for (let x2 = 0; x2 < 35; x2++) {
      const mean = (per.data[(n * 3) * 35 + x2] + per.data[(n * 3 + 1) * 35 + x2] + per.data[(n * 3 + 2) * 35 + x2]) / 3;
      assert.ok(Math.abs(avg.data[n * 35 + x2] - mean) <= 4 * U, `${backend} average`);
    }
    for (const j of [2, 5]) assert.is(per.data[j], 0, `${backend}: a padded key weighs 0`);
    assert.is(m.forward(x, kv, kv, { need_weights: false, backend }).weights, null);
  }
});

Mha('state_dict keys as PyTorch: packed, kdim/vdim, bias false', () => {
  assert.equal([...new MultiheadAttention(8, 2).stateDict().keys()], ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  assert.equal([...new MultiheadAttention(8, 2, { kdim: 5, vdim: 3 }).stateDict().entries()].map(([k, t]) => `${k}:${t.shape}`),
    ['q_proj_weight:8,8', 'k_proj_weight:8,5', 'v_proj_weight:8,3', 'in_proj_bias:24', 'out_proj.weight:8,8', 'out_proj.bias:8']);
  assert.equal([...new MultiheadAttention(8, 2, { bias: false }).stateDict().keys()], ['in_proj_weight', 'out_proj.weight']);
});

Mha.run();

const Errors = suite('scaled_dot_product_attention/errors');

Errors('named errors, with every shape in the message, before any work', () => {
  const q = seededTensor([2, 5, 4], 1), k = seededTensor([2, 6, 4], 2), v = seededTensor([2, 6, 3], 3);
  for (const [, op] of backends) {
    let e = thrown(() => op(q, k, v, { dropout_p: 0.1 }));
    assert.instance(e, NotImplementedError);
    assert.match(e.message, 'dropout_p must be 0');
    e = thrown(() => op(q, k, v, { attn_mask: seededTensor([5, 6], 4), is_causal: true }));
    assert.instance(e, ParameterError);
    e = thrown(() => op(q, seededTensor([2, 6, 5], 2), v));
    assert.instance(e, ShapeError);
    assert.match(e.message, 'query=[2,5,4]');
    assert.instance(thrown(() => op(q, k, seededTensor([2, 7, 3], 3))), ShapeError);
    assert.instance(thrown(() => op(q, seededTensor([3, 6, 4], 2), seededTensor([3, 6, 3], 3))), ShapeError);
    e = thrown(() => op(q, k, v, { attn_mask: seededTensor([5, 7], 4) }));
    assert.instance(e, ShapeError);
    assert.match(e.message, 'attn_mask must be broadcastable to [...batch, L, S] = [2,5,6], got [5,7]');
    assert.instance(thrown(() => op(q, k, v, { attn_mask: seededTensor([3, 5, 6], 4) })), ShapeError);   // would enlarge the batch
    assert.instance(thrown(() => op(q, k, v, { attn_mask: { bool: new Int8Array(30), shape: [5, 6] } as unknown as BoolMask })), ArgumentError);
    assert.instance(thrown(() => op(q, k, v, { attn_mask: { bool: new Uint8Array(29), shape: [5, 6] } })), ArgumentError);
    assert.instance(thrown(() => op(q, k, v, { dropout: 0 } as object)), ArgumentError);
    assert.instance(thrown(() => op(q, k, v, { is_causal: 'yes' } as object)), ArgumentError);
    assert.instance(thrown(() => op(q, k, v, { scale: NaN })), ParameterError);
    assert.instance(thrown(() => op(seededTensor([4], 1), k, v)), ShapeError);
    assert.instance(thrown(() => op(seededTensor([2, 5, 0], 1), seededTensor([2, 6, 0], 2), v)), ShapeError);   // E = 0
  }
});

Errors('MultiheadAttention: constructor and forward errors', () => {
  assert.instance(thrown(() => new MultiheadAttention(10, 3)), ParameterError);
  assert.instance(thrown(() => new MultiheadAttention(8, 2, { dropout: 0.1 } as object)), ArgumentError);
  assert.instance(thrown(() => new MultiheadAttention(8, 2, { batch_first: 'true' } as object)), ArgumentError);
  const m = new MultiheadAttention(8, 2), x = seededTensor([5, 2, 8], 1);
  let e = thrown(() => m.forward(x, x, x, { key_padding_mask: { bool: new Uint8Array(10), shape: [5, 2] } }));
  assert.instance(e, ShapeError);
  assert.match(e.message, 'key_padding_mask must have shape [2,5]');
  e = thrown(() => m.forward(x, x, x, { attn_mask: seededTensor([3, 5, 5], 1) }));
  assert.instance(e, ShapeError);
  assert.instance(thrown(() => m.forward(x, seededTensor([5, 2, 7], 2), x)), ShapeError);
  assert.instance(thrown(() => m.forward(x, x, x, { need_weights: 1 } as object)), ArgumentError);
  assert.instance(thrown(() => m.forward(x, x, x, { average: true } as object)), ArgumentError);
});

Errors.run();
