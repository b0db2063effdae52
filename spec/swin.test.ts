// Swin modules (WindowAttention, SwinTransformerBlock, PatchMerging, PatchEmbed) and the Swin-ACmix ones: PyTorch
// goldens (cross-checked against the official code by spec/fixtures/generate_swin.py) run in spec/golden.test.ts.
// Here: the block identities, the official constructor rules, state_dict keys and buffers, and the errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError, ArgumentError } from '../ts/core/errors.js';
import * as ref from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import {
  SwinTransformerBlock, SwinTransformerBlockACmix, WindowAttention, WindowAttentionACmix, PatchMerging, PatchEmbed,
} from '../ts/nn/swin.js';
import { manualSeed } from '../ts/nn/init.js';
import { Sequential } from '../ts/nn/layers.js';
import { chainBound } from '../ts/core/numerics.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';

await wasm.init();

/** Every parameter random (the initial values — zero biases, unit norms, 0.5 rates — could hide a bug). */
function randomise(m: { stateDict(): Map<string, Tensor> }, seed: number): void {
  let s = seed;
  for (const [k, t] of m.stateDict()) {
    if (k.endsWith('relative_position_index') || k.endsWith('attn_mask')) continue;
    t.data.set(seededTensor(t.shape, s++, -0.5, 0.5).data);
  }
}

const Identities = suite('swin/identities');

Identities('a shifted block ≡ roll(+s) ∘ (the unshifted block run with the shifted block\'s mask) ∘ roll(−s) (norms, MLP and residual commute with the shift)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 3 }), fc.integer({ min: 2, max: 3 }), fc.integer(), (B, nh, nw, seed) => {
    const ws = 3, s = 1, H = nh * ws, W = nw * ws, dim = 4;
    const shifted = new SwinTransformerBlock(dim, [H, W], 2, { window_size: ws, shift_size: s, mlp_ratio: 2 });
    randomise(shifted, seed);
    const plain = new SwinTransformerBlock(dim, [H, W], 2, { window_size: ws, shift_size: 0, mlp_ratio: 2 });
    const state = new Map([...shifted.stateDict()].filter(([k]) => k !== 'attn_mask'));
    plain.loadStateDict(state);
    const x = seededTensor([B, H * W, dim], seed + 7);
    const y = shifted.forward(x);
    // the unshifted block on the rolled map, with the mask: written out from its parts
    const xr = new Tensor(ref.roll(new Tensor(x.data, [B, H, W, dim]), [-s, -s], [1, 2]).data, [B, H * W, dim]);
    const h = new Tensor(plain.norm1.forward(xr).data, [B, H, W, dim]);
    const win = ref.windowPartition(h, ws);
    const att = plain.attn.forward(new Tensor(win.data, [win.shape[0], ws * ws, dim]), { mask: shifted.attn_mask });
    const back = ref.windowReverse(new Tensor(att.data, [att.shape[0], ws, ws, dim]), ws, H, W);
    const x1 = ref.add(xr, new Tensor(back.data, [B, H * W, dim]));
    const z = ref.add(x1, plain.mlp.forward(plain.norm2.forward(x1)));
    const want = ref.roll(new Tensor(z.data, [B, H, W, dim]), [s, s], [1, 2]);
    assertBitExact(y.data, want.data, 'shifted block vs rolled unshifted block');
  }), { numRuns: runs(20) });
});

Identities('shift_size 0 given explicitly ≡ the default (unshifted) block, bit for bit on both backends; no attn_mask buffer', () => {
  manualSeed(11);
  const a = new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3, shift_size: 0 });
  randomise(a, 3);
  const b = new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3 });
  b.loadStateDict(a.stateDict());
  assert.not.ok(a.stateDict().has('attn_mask'));
  const x = seededTensor([2, 36, 8], 9);
  for (const backend of ['ref', 'wasm'] as const) assertBitExact(a.forward(x, { backend }).data, b.forward(x, { backend }).data, backend);
});

Identities('the official rule: min(input_resolution) ≤ window_size → window_size = min(resolution), shift_size = 0 (one window: global attention)', () => {
  const m = new SwinTransformerBlock(8, [4, 4], 2, { window_size: 7, shift_size: 3 });
  assert.is(m.window_size, 4);
  assert.is(m.shift_size, 0);
  assert.equal([...m.stateDict().get('attn.relative_position_bias_table')!.shape], [49, 2]);
  const acm = new SwinTransformerBlockACmix(8, [4, 4], 2, { window_size: 7, shift_size: 3 });
  assert.is(acm.window_size, 4);
});

Identities('Swin-ACmix block with rate1 = 1, rate2 = 0 ≡ the Swin block with the same weights (ACmix with β = 0 is its attention path)', () => {
  const dim = 8, res: [number, number] = [6, 9];
  for (const shift_size of [0, 1]) {
    const acm = new SwinTransformerBlockACmix(dim, res, 2, { window_size: 3, shift_size, mlp_ratio: 2 });
    randomise(acm, 21 + shift_size);
    acm.attn.stateDict().get('rate1')!.data.fill(1);
    acm.attn.stateDict().get('rate2')!.data.fill(0);
    const swin = new SwinTransformerBlock(dim, res, 2, { window_size: 3, shift_size, mlp_ratio: 2 });
    const keep = new Set(swin.stateDict().keys());
    swin.loadStateDict(new Map([...acm.stateDict()].filter(([k]) => keep.has(k))));
    const x = seededTensor([2, 54, dim], 4);
    for (const backend of ['ref', 'wasm'] as const) {
      const a = acm.forward(x, { backend }).data, b = swin.forward(x, { backend }).data;
      a.forEach((v, i) => assert.ok(v === b[i], `${backend} shift ${shift_size} element ${i}: ${v} vs ${b[i]}`));
    }
  }
});

Identities('Swin-ACmix official init: rates 0.5, dep_conv the one-hot shift kernels and no bias; conv path of a constant map is constant inside', () => {
  const m = new WindowAttentionACmix(8, 4, 2);
  const sd = m.stateDict();
  assert.is(sd.get('rate1')!.data[0], 0.5);
  assert.is(sd.get('rate2')!.data[0], 0.5);
  assert.not.ok(sd.has('dep_conv.bias'));
  const w = sd.get('dep_conv.weight')!;
  assert.equal([...w.shape], [8, 9, 3, 3]);
  for (let i = 0; i < 9; i++) assert.is(w.at(5, i, Math.floor(i / 3), i % 3), 1);
  assert.is(w.data.reduce((a, b) => a + b, 0), 8 * 9);
});

Identities('ref ≈ wasm for every Swin module within the chain bound', () => {
  manualSeed(5);
  const cases: [{ forward(x: Tensor, o?: object): Tensor; stateDict(): Map<string, Tensor> }, Tensor, number][] = [
    [new SwinTransformerBlock(12, [6, 9], 3, { window_size: 3, shift_size: 1 }), seededTensor([2, 54, 12], 1), 200],
    [new SwinTransformerBlockACmix(12, [6, 9], 3, { window_size: 3, shift_size: 1 }), seededTensor([2, 54, 12], 2), 300],
    [new PatchMerging([4, 6], 5), seededTensor([2, 24, 5], 3), 50],
    [new PatchEmbed({ img_size: [8, 12], patch_size: 4, in_chans: 3, embed_dim: 6, patch_norm: true }), seededTensor([2, 3, 8, 12], 4), 60],
    [new WindowAttention(8, [2, 3], 2), seededTensor([3, 6, 8], 5), 60],
  ];
  cases.forEach(([m, x, K], n) => {
    randomise(m, 40 + n);
    const a = m.forward(x, { backend: 'ref' }), b = m.forward(x, { backend: 'wasm' }), bound = chainBound(K, a.data);
    a.data.forEach((v, i) => assert.ok(Math.abs(v - b.data[i]) <= bound.bound(i), `module ${n} element ${i}: ${v} vs ${b.data[i]}`));
  });
});

Identities.run();

const State = suite('swin/state_dict');

State('official keys (microsoft/Swin-Transformer, LeapLabTHU/ACmix), buffers included', () => {
  const block = new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3, shift_size: 1 });
  assert.equal([...block.stateDict().keys()].sort(), [
    'attn.proj.bias', 'attn.proj.weight', 'attn.qkv.bias', 'attn.qkv.weight', 'attn.relative_position_bias_table', 'attn.relative_position_index',
    'attn_mask', 'mlp.fc1.bias', 'mlp.fc1.weight', 'mlp.fc2.bias', 'mlp.fc2.weight', 'norm1.bias', 'norm1.weight', 'norm2.bias', 'norm2.weight',
  ]);
  const acm = new SwinTransformerBlockACmix(8, [6, 6], 2, { window_size: 3, qkv_bias: false });
  assert.equal([...acm.attn.stateDict().keys()].sort(), [
    'dep_conv.weight', 'fc.bias', 'fc.weight', 'proj.bias', 'proj.weight', 'qkv.weight', 'rate1', 'rate2', 'relative_position_bias_table', 'relative_position_index',
  ]);
  assert.equal([...new PatchMerging([4, 4], 3).stateDict().keys()], ['reduction.weight', 'norm.weight', 'norm.bias']);
  assert.equal([...new PatchEmbed({ patch_norm: true }).stateDict().keys()], ['proj.weight', 'proj.bias', 'norm.weight', 'norm.bias']);
});

State('relative_position_index / attn_mask: accepted when present (checked by shape), recomputed when absent (the official load_pretrained deletes them)', () => {
  const a = new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3, shift_size: 1 });
  randomise(a, 8);
  const without = new Map([...a.stateDict()].filter(([k]) => !k.endsWith('relative_position_index') && k !== 'attn_mask'));
  const b = new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3, shift_size: 1 });
  const r = b.loadStateDict(without);
  assert.equal(r.missingKeys, []);
  const c = new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3, shift_size: 1 });
  c.loadStateDict(a.stateDict());
  const x = seededTensor([1, 36, 8], 2);
  assertBitExact(b.forward(x).data, c.forward(x).data, 'with and without the derived buffers');
  const bad = new Map(a.stateDict());
  bad.set('attn_mask', Tensor.zeros([3, 9, 9]));
  assert.throws(() => c.loadStateDict(bad), /attn_mask: expected \[4,9,9\]/);
});

State('the derived buffers are optional however deep the block sits (a Sequential of blocks loads a checkpoint without them)', () => {
  const mk = () => new Sequential(new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3, shift_size: 0 }),
    new SwinTransformerBlockACmix(8, [6, 6], 2, { window_size: 3, shift_size: 1 }));
  const a = mk();
  randomise(a, 9);
  const without = new Map([...a.stateDict()].filter(([k]) => !k.endsWith('relative_position_index') && !k.endsWith('attn_mask')));
  const b = mk();
  assert.equal(b.loadStateDict(without).missingKeys, []);
  const x = seededTensor([2, 36, 8], 3);
  assertBitExact(b.forward(x).data, a.forward(x).data, 'nested blocks with and without the derived buffers');
});

State.run();

const Errors = suite('swin/errors');

Errors('constructor: dim ∤ num_heads, window ∤ resolution, shift ∉ [0, window), odd PatchMerging resolution, unknown options', () => {
  assert.throws(() => new SwinTransformerBlock(10, [6, 6], 3, { window_size: 3 }), (e: Error) => e instanceof ParameterError && /divisible by num_heads = 3/.test(e.message));
  assert.throws(() => new SwinTransformerBlock(8, [8, 12], 2, { window_size: 5 }), (e: Error) => e instanceof ParameterError && /must divide input_resolution \[8, 12\]/.test(e.message));
  assert.throws(() => new SwinTransformerBlock(8, [8, 8], 2, { window_size: 4, shift_size: 4 }), (e: Error) => e instanceof ParameterError && /shift_size must be in \[0, window_size = 4\)/.test(e.message));
  assert.throws(() => new PatchMerging([5, 6], 4), (e: Error) => e instanceof ParameterError && /even/.test(e.message));
  assert.throws(() => new SwinTransformerBlock(8, [8, 8], 2, { window: 4 } as never), (e: Error) => e instanceof ArgumentError);
  assert.throws(() => new WindowAttention(9, 3, 2), (e: Error) => e instanceof ParameterError);
});

Errors('forward: tokens not [B, H·W, C], a PatchEmbed input of another size: ShapeError with the shapes', () => {
  const m = new SwinTransformerBlock(8, [6, 6], 2, { window_size: 3 });
  assert.throws(() => m.forward(Tensor.zeros([1, 35, 8])), (e: Error) => e instanceof ShapeError && /\[B, 36, 8\]/.test(e.message) && /\[1, ?35, ?8\]/.test(e.message));
  assert.throws(() => new PatchMerging([4, 4], 3).forward(Tensor.zeros([1, 16, 4])), (e: Error) => e instanceof ShapeError);
  assert.throws(() => new PatchEmbed({ img_size: 16 }).forward(Tensor.zeros([1, 3, 16, 20])), (e: Error) => e instanceof ShapeError && /img_size/.test(e.message));
});

Errors.run();
