// The whole Swin networks (ts/nn/swin_model.ts). The reduced PyTorch goldens (spec/fixtures/swin_model.safetensors,
// cross-checked against the official SwinTransformer / SwinTransformer_acmix by spec/fixtures/generate_swin_model.py)
// run in spec/golden.test.ts on both backends. Here: the full-size networks against the official ones (parameter
// counts, state_dict keys and shapes, the Swin-T + ACmix logits on formula weights), the stage structure, the
// options and the errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError, ArgumentError, StateDictError } from '../ts/core/errors.js';
import * as wasm from '../ts/wasm/index.js';
import { ops as refOps } from '../ts/ref/index.js';
import {
  SwinTransformer, SwinTransformerACmix, BasicLayer, BasicLayerACmix, swinTinyACmix, swinSmallACmix, swinTiny, swinSmall,
} from '../ts/nn/swin_model.js';
import { SwinTransformerBlockACmix, SwinTransformerBlock } from '../ts/nn/swin.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import { fixturePath, loadFixture, compare } from '../ts/verify/golden.js';
import { swinModelFromCase, swinModelChainK, loadFormulaWeights, formulaInput, formulaValues } from '../ts/verify/golden_swin_model.js';
import { chainBound } from '../ts/core/numerics.js';

await wasm.init();

const full = readSafetensors(readFileSync(fixturePath('swin_model_full.safetensors')));
const fullCase = JSON.parse(full.metadata.cases)[0] as { params: { counts: Record<string, { parameters: number; flops: number; acmix: boolean; state_dict: Record<string, number[]> }> } };
const counts = fullCase.params.counts;
const factories = { swin_tiny_acmix: swinTinyACmix, swin_small_acmix: swinSmallACmix, swin_tiny: swinTiny, swin_small: swinSmall } as const;

const Official = suite('swin_model/official');

for (const [name, make] of Object.entries(factories)) {
  Official(`${name}: parameter count and state_dict keys / shapes equal the official module's (${counts[name].parameters.toLocaleString('en')})`, () => {
    const m = make();
    assert.is(m instanceof SwinTransformerACmix, counts[name].acmix);
    assert.is(m.numParameters(), counts[name].parameters);
    const ours = [...m.stateDict()].map(([k, t]) => [k, [...t.shape].join('x')]), theirs = Object.entries(counts[name].state_dict).map(([k, s]) => [k, s.join('x')]);
    const diff = (a: string[][], b: string[][]) => { const set = new Set(b.map((e) => e.join(' '))); return a.map((e) => e.join(' ')).filter((e) => !set.has(e)); };
    assert.equal(diff(ours, theirs), [], 'ours, not official');
    assert.equal(diff(theirs, ours), [], 'official, not ours');
    assert.equal(ours.map(([k]) => k), theirs.map(([k]) => k), 'the official key order');
  });
}

Official('swin_tiny_acmix on formula weights (224x224, batch 1, wasm) gives the official logits within the chain bound', () => {
  const m = swinTinyACmix();
  loadFormulaWeights(m);
  const y = m.forward(formulaInput([1, 3, 224, 224]), { backend: 'wasm' });
  const expected = full.tensors.get('swin_tiny_acmix_formula.output')!;
  assert.equal([...y.shape], [1, 1000]);
  const K = swinModelChainK(m);
  const r = compare(y, expected, chainBound(K, expected.data));
  assert.ok(r.pass, `max abs error ${r.maxAbsError}, worst ratio ${r.worstRatio} of 4·K·u·(|y| + mean|y|), K = ${K}`);
  let argmax = 0;
  for (let i = 1; i < 1000; i++) if (y.data[i] > y.data[argmax]) argmax = i;
  let want = 0;
  for (let i = 1; i < 1000; i++) if (expected.data[i] > expected.data[want]) want = i;
  assert.is(argmax, want, 'the same class');
});

Official('formula weights reproduce the generator: a value per kind (LayerNorm 1 + r/4, others r/16) is a float32 in the stated range', () => {
  const w = formulaValues('layers.0.blocks.0.attn.qkv.weight', 1000), n = formulaValues('layers.0.blocks.0.norm1.weight', 1000);
  assert.ok(w.every((v) => v >= -1 / 32 && v < 1 / 32) && n.every((v) => v >= 0.875 && v < 1.125));
  assert.ok(new Set(w).size > 990, 'no short period');
  assert.not.equal([...formulaValues('a', 4)], [...formulaValues('b', 4)], 'the key enters the hash');
});

Official.run();

const Structure = suite('swin_model/structure');

Structure('Swin-T + ACmix: stages of [2, 2, 6, 2] ACmix blocks, shifts 0 / 3 alternating, the 7x7 stage unshifted with window 7, PatchMerging on all but the last', () => {
  const m = swinTinyACmix();
  assert.equal(m.layerList.map((l) => l.blockList.length), [2, 2, 6, 2]);
  assert.equal(m.layerList.map((l) => l.dim), [96, 192, 384, 768]);
  assert.equal(m.layerList.map((l) => l.input_resolution), [[56, 56], [28, 28], [14, 14], [7, 7]]);
  assert.ok(m.layerList.every((l) => l instanceof BasicLayerACmix && l.blockList.every((b) => b instanceof SwinTransformerBlockACmix)));
  assert.equal(m.layerList[2].blockList.map((b) => b.shift_size), [0, 3, 0, 3, 0, 3]);
  assert.equal(m.layerList[3].blockList.map((b) => [b.window_size, b.shift_size]), [[7, 0], [7, 0]]);
  assert.equal(m.layerList.map((l) => l.downsample !== null), [true, true, true, false]);
  assert.is(m.num_features, 768);
  assert.ok(!m.stateDict().has('layers.3.blocks.1.attn_mask'), 'no mask where the map fits one window');
  assert.ok(m.stateDict().has('layers.2.blocks.1.attn_mask'));
});

Structure('plain Swin with ape, no patch norm and no head: features [B, num_features]; forwardFeatures ≡ forward; ref ≈ wasm', () => {
  const m = new SwinTransformer({ img_size: 56, embed_dim: 8, depths: [2, 2], num_heads: [2, 4], ape: true, patch_norm: false, num_classes: 0 });
  assert.ok(m.layerList.every((l) => l instanceof BasicLayer && !(l instanceof BasicLayerACmix) && l.blockList.every((b) => b instanceof SwinTransformerBlock)));
  assert.ok(m.stateDict().has('absolute_pos_embed') && !m.stateDict().has('patch_embed.norm.weight') && !m.stateDict().has('head.weight'));
  const x = formulaInput([2, 3, 56, 56]);
  const y = m.forward(x, { backend: refOps }), f = m.forwardFeatures(x, { backend: refOps });
  assert.equal([...y.shape], [2, 16]);
  assert.equal([...y.data], [...f.data]);
  const yw = m.forward(x, { backend: 'wasm' });
  assert.ok(compare(yw, y, chainBound(swinModelChainK(m), y.data)).pass);
});

Structure('the batch is independent: each image of a batch of 2 equals its own batch-1 forward (wasm, bit for bit)', () => {
  const c = loadFixture('swin_model.safetensors').find((k) => k.name === 'swin_plain_ape')!;
  const m = swinModelFromCase(c), x = c.tensors.get('input')!;
  const both = m.forward(x, { backend: 'wasm' }), half = x.size / 2;
  const second = m.forward(new Tensor(x.data.slice(half), [1, ...x.shape.slice(1)]), { backend: 'wasm' });
  assert.equal([...both.data.slice(both.size / 2)], [...second.data]);
});

Structure('the checkpoint of a reduced network loads with and without the derived buffers (relative_position_index, attn_mask)', () => {
  for (const c of loadFixture('swin_model.safetensors')) {
    const m = swinModelFromCase(c);                         // strict load of the fixture's state
    const withBuffers = [...c.state.keys()].some((k) => k.endsWith('attn_mask'));
    assert.is(withBuffers, c.name === 'swin_plain_ape');
    const stripped = new Map([...c.state].filter(([k]) => !k.endsWith('attn_mask') && !k.endsWith('relative_position_index')));
    assert.equal(m.loadStateDict(stripped), { missingKeys: [], unexpectedKeys: [] });
  }
});

Structure.run();

const Errors = suite('swin_model/errors');

Errors('bad options and hyper-parameters throw named errors before anything is built', () => {
  assert.throws(() => new SwinTransformerACmix({ embed_dims: 96 } as never), (e: Error) => e instanceof ArgumentError && /'embed_dims'/.test(e.message));
  assert.throws(() => new SwinTransformerACmix(7 as never), (e: Error) => e instanceof ArgumentError);
  assert.throws(() => new SwinTransformer({ depths: [2, 2], num_heads: [3, 6, 12] }), (e: Error) => e instanceof ParameterError && /same length/.test(e.message));
  assert.throws(() => new SwinTransformer({ depths: [2, 0] , num_heads: [1, 2], img_size: 56 }), (e: Error) => e instanceof ParameterError && /depths/.test(e.message));
  assert.throws(() => new SwinTransformer({ img_size: 56, embed_dim: 10, depths: [2], num_heads: [3] }), (e: Error) => e instanceof ParameterError && /divisible by num_heads = 3/.test(e.message));
  assert.throws(() => new SwinTransformer({ img_size: 36, embed_dim: 8, depths: [1, 1], num_heads: [1, 1], window_size: 3 }), (e: Error) => e instanceof ParameterError && /even/.test(e.message));
  assert.throws(() => new SwinTransformer({ drop_path_rate: 1.5 }), (e: Error) => e instanceof ParameterError && /drop_path_rate/.test(e.message));
  assert.throws(() => new SwinTransformer({ num_classes: -1 }), (e: Error) => e instanceof ParameterError && /num_classes/.test(e.message));
  assert.throws(() => swinTinyACmix({ depths: [1, 1] } as never), (e: Error) => e instanceof ArgumentError && /'depths'/.test(e.message));
  assert.throws(() => new BasicLayer(8, [14, 14], 2, 2, 7, { drop_path: [0.1] }), (e: Error) => e instanceof ParameterError && /drop_path/.test(e.message));
});

Errors('forward: a wrong input shape is a ShapeError naming in_chans and img_size; a non-Tensor an ArgumentError', () => {
  const m = new SwinTransformerACmix({ img_size: 28, embed_dim: 4, depths: [1], num_heads: [1], num_classes: 3 });
  assert.throws(() => m.forward(Tensor.zeros([1, 3, 32, 32])), (e: Error) => e instanceof ShapeError && /\[B, 3, 28, 28\].*got \[1,3,32,32\]/.test(e.message));
  assert.throws(() => m.forward(Tensor.zeros([1, 1, 28, 28])), (e: Error) => e instanceof ShapeError);
  assert.throws(() => m.forward([1, 2, 3] as never), (e: Error) => e instanceof ArgumentError);
});

Errors('loadStateDict: a plain Swin checkpoint does not load into the ACmix network (missing rate / fc / dep_conv keys, listed)', () => {
  const plain = new SwinTransformer({ img_size: 28, embed_dim: 4, depths: [1], num_heads: [1], num_classes: 3 });
  const acmix = new SwinTransformerACmix({ img_size: 28, embed_dim: 4, depths: [1], num_heads: [1], num_classes: 3 });
  assert.throws(() => acmix.loadStateDict(plain.stateDict()), (e: Error) => e instanceof StateDictError && /layers\.0\.blocks\.0\.attn\.rate1/.test(e.message) && /dep_conv\.weight/.test(e.message));
});

Errors.run();

const Converter = suite('swin_model/converter');

// tools/pth_to_safetensors.py end to end: the reduced network's state, saved by torch as a training checkpoint
// {'model': {'module.<key>': tensor}, 'epoch': ...}, converted with --prefix module., loads strictly and gives the
// fixture's output. Needs Debian's python3-torch; without it the test says so and checks nothing else.
const PY_WRITE = `
import json, struct, sys, torch
b = open(sys.argv[1], 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n]); data = b[8 + n:]
pre = 'swin_acmix_reduced.state.'
sd = {}
for k, v in h.items():
    if k.startswith(pre):
        s, e = v['data_offsets']
        sd['module.' + k[len(pre):]] = torch.frombuffer(bytearray(data[s:e]), dtype=torch.float32).reshape(v['shape'])
ys, xs = [t.flatten() for t in torch.meshgrid(torch.arange(7), torch.arange(7), indexing='ij')]
sd['module.layers.0.blocks.0.attn.relative_position_index'] = (ys[:, None] - ys[None, :] + 6) * 13 + (xs[:, None] - xs[None, :] + 6)   # int64, as the official buffer
torch.save({'model': sd, 'optimizer': {}, 'epoch': 300}, sys.argv[2])
`;

Converter('a torch checkpoint {model: {module.<key>}} converts with --prefix module. and loads into SwinTransformerACmix with the fixture output', () => {
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    console.log('  swin_model/converter: /usr/bin/python3 has no torch: the converter is not exercised here');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'attnconv-pth-'));
  try {
    const pth = join(dir, 'ckpt.pth'), out = join(dir, 'ckpt.safetensors');
    const w = spawnSync('/usr/bin/python3', ['-c', PY_WRITE, fixturePath('swin_model.safetensors'), pth], { encoding: 'utf8' });
    assert.is(w.status, 0, w.stderr);
    const r = spawnSync('/usr/bin/python3', ['tools/pth_to_safetensors.py', pth, out, '--prefix', 'module.'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*ckpt\.safetensors/);
    const st = readSafetensors(readFileSync(out));
    const c = loadFixture('swin_model.safetensors').find((k) => k.name === 'swin_acmix_reduced')!;
    for (const [k, t] of c.state) assert.equal([...st.tensors.get(k)!.data], [...t.data], k);
    const m = swinModelFromCase(c);
    m.loadStateDict(st.tensors);                                      // strict; the int64 index arrives as float32
    const y = m.forward(c.tensors.get('input')!, { backend: 'wasm' }), expected = c.tensors.get('output')!;
    assert.ok(compare(y, expected, chainBound(swinModelChainK(m), expected.data)).pass);
    const bad = spawnSync('/usr/bin/python3', ['tools/pth_to_safetensors.py', pth, out, '--key', 'nope'], { encoding: 'utf8' });
    assert.is.not(bad.status, 0);
    assert.match(bad.stderr, /no entry 'nope'.*'model', 'optimizer', 'epoch'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Converter.run();
