// Module.loadStateDict beyond one module's own keys: `prefix` (a sub-module from a whole-model state_dict, as
// PyTorch users write `{k[len(p):]: v for k, v in sd.items() if k.startswith(p)}`) and the per-module legacy-key
// hook (PyTorch's `_load_from_state_dict`), with DCNv2 reading mmcv's `<name>_offset.*` as `conv_offset.*`
// (ModulatedDeformConv2dPack._load_from_state_dict, version < 2).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, StateDictError } from '../ts/core/errors.js';
import { ACmix } from '../ts/nn/acmix.js';
import { DCNv2 } from '../ts/nn/deform_conv2d.js';
import { Conv2d, Sequential } from '../ts/nn/layers.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import '../ts/ref/index.js';   // registers the 'ref' backend the modules' forward uses by default
import { seededTensor } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** spec/fixtures/acmix.safetensors (spec/fixtures/generate.py): cases' tensors under `<case>.state.<key>` etc. */
const acmixFile = readSafetensors(readFileSync(join(root, 'spec', 'fixtures', 'acmix.safetensors'))).tensors;

/** The keys under `prefix`, with it removed: what PyTorch users build by hand. */
function strip(state: Map<string, Tensor>, prefix: string): Map<string, Tensor> {
  return new Map([...state].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** A state_dict with every entry of `m` seeded, as a whole-model file would hold it under `prefix`. */
function seededState(m: { stateDict(): Map<string, Tensor> }, prefix: string, seed: number): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let s = seed;
  for (const [k, t] of m.stateDict()) out.set(prefix + k, seededTensor(t.shape, s++));
  return out;
}

const Prefix = suite('loadStateDict/prefix');

Prefix('a sub-module loads from a whole-model file: the PyTorch fixture case rand_h2 of acmix.safetensors', () => {
  const m = new ACmix(6, 8, { kernel_att: 7, head: 2 });
  const r = m.loadStateDict(acmixFile, { prefix: 'rand_h2.state.' });
  assert.equal(r, { missingKeys: [], unexpectedKeys: [] });
  for (const [k, t] of m.stateDict()) assertBitExact(t.data, acmixFile.get(`rand_h2.state.${k}`)!.data, `rand_h2.state.${k}`);
  // and it computes exactly what the same module loaded from the hand-stripped keys computes
  const byHand = new ACmix(6, 8, { kernel_att: 7, head: 2 });
  byHand.loadStateDict(strip(acmixFile, 'rand_h2.state.'));
  const x = acmixFile.get('rand_h2.input')!;
  assertBitExact(m.forward(x).data, byHand.forward(x).data, 'ACmix(rand_h2) forward');
});

Prefix('a prefix without the trailing dot gets one; keys elsewhere in the file are ignored, never unexpected', () => {
  const a = new ACmix(6, 8, { kernel_att: 7, head: 2 });
  a.loadStateDict(acmixFile, { prefix: 'rand_h2.state' });   // not 'rand_h2.state.' — and not 'rand_h2.stateX'
  for (const [k, t] of a.stateDict()) assertBitExact(t.data, acmixFile.get(`rand_h2.state.${k}`)!.data, k);
});

Prefix('missing keys are named relative to the prefix; the caller\'s Map is not modified; a failed load changes nothing', () => {
  const m = new Conv2d(2, 3, 3);
  const before = m.stateDict().get('weight')!.data.slice();
  const state = seededState(m, 'backbone.stem.', 1);
  state.delete('backbone.stem.bias');
  const size = state.size;
  try {
    m.loadStateDict(state, { prefix: 'backbone.stem.' });
    assert.unreachable('a missing key must throw');
  } catch (e) {
    assert.instance(e, StateDictError);
    assert.equal((e as StateDictError).missingKeys, ['bias']);
  }
  assert.is(state.size, size);
  assertBitExact(m.stateDict().get('weight')!.data, before, 'weight after a failed load');
  const r = m.loadStateDict(state, { prefix: 'backbone.stem.', strict: false });
  assert.equal(r, { missingKeys: ['bias'], unexpectedKeys: [] });
});

Prefix('a wrong prefix loads nothing: strict reports every key missing', () => {
  const m = new Conv2d(2, 3, 3);
  try {
    m.loadStateDict(seededState(m, 'a.', 2), { prefix: 'b.' });
    assert.unreachable('must throw');
  } catch (e) {
    assert.instance(e, StateDictError);
    assert.equal((e as StateDictError).missingKeys, ['weight', 'bias']);
    assert.equal((e as StateDictError).unexpectedKeys, []);
  }
});

Prefix('bad options: ArgumentError naming what was given', () => {
  const m = new Conv2d(2, 3, 3);
  const state = seededState(m, '', 3);
  for (const bad of [5, null, ['x'], { x: 1 }] as unknown[]) {
    assert.throws(() => m.loadStateDict(state, { prefix: bad } as never), (e: unknown) => e instanceof ArgumentError && /prefix must be a string/.test((e as Error).message));
  }
  assert.throws(() => m.loadStateDict(state, { prefx: 'a.' } as never), (e: unknown) => e instanceof ArgumentError && /prefx/.test((e as Error).message));
});

Prefix.run();

const Legacy = suite('loadStateDict/legacy keys (DCNv2: mmcv <name>_offset.* → conv_offset.*)');

/** A model holding a DCNv2 at `layer.1` and a conv beside it, as mmcv-era detectors do (conv2 → conv2_offset). */
function model(): Sequential {
  return new Sequential(new Conv2d(4, 4, 1), new DCNv2(4, 6, 3, { padding: 1 }));
}

/** The model's state with the DCNv2's conv_offset.* moved to mmcv's legacy place `1_offset.*`. */
function legacyState(m: Sequential, seed: number): Map<string, Tensor> {
  const state = seededState(m, '', seed);
  const out = new Map<string, Tensor>();
  for (const [k, v] of state) out.set(k.replace(/^1\.conv_offset\./, '1_offset.'), v);
  return out;
}

Legacy('a nested DCNv2 reads <name>_offset.weight / .bias as conv_offset.*, values and forward included', () => {
  const m = model();
  const legacy = legacyState(m, 10);
  assert.ok(legacy.has('1_offset.weight') && legacy.has('1_offset.bias') && !legacy.has('1.conv_offset.weight'));
  assert.equal(m.loadStateDict(legacy), { missingKeys: [], unexpectedKeys: [] });
  const sd = m.stateDict();
  assertBitExact(sd.get('1.conv_offset.weight')!.data, legacy.get('1_offset.weight')!.data, 'conv_offset.weight');
  assertBitExact(sd.get('1.conv_offset.bias')!.data, legacy.get('1_offset.bias')!.data, 'conv_offset.bias');
  // the same model loaded from the current keys computes the same bits
  const current = model();
  current.loadStateDict(seededState(current, '', 10));
  const x = seededTensor([1, 4, 5, 6], 99);
  assertBitExact(m.forward(x).data, current.forward(x).data, 'forward');
  assert.ok(legacy.has('1_offset.weight'), 'the caller\'s Map keeps its keys');
});

Legacy('the legacy keys are found with a prefix too (a DCNv2 loaded alone from a whole-model file)', () => {
  const whole = new Map<string, Tensor>();
  const inner = new DCNv2(4, 6, 3, { padding: 1 });
  let s = 20;
  for (const [k, t] of inner.stateDict()) whole.set(`backbone.layer1.0.conv2${k.startsWith('conv_offset.') ? k.replace('conv_offset.', '_offset.') : `.${k}`}`, seededTensor(t.shape, s++));
  whole.set('backbone.layer1.0.conv1.weight', seededTensor([4, 4, 1, 1], 1));
  assert.equal(inner.loadStateDict(whole, { prefix: 'backbone.layer1.0.conv2.' }), { missingKeys: [], unexpectedKeys: [] });
  assertBitExact(inner.stateDict().get('conv_offset.weight')!.data, whole.get('backbone.layer1.0.conv2_offset.weight')!.data, 'conv_offset.weight');
});

Legacy('current keys win: with both present the legacy ones stay unexpected (mmcv renames only when conv_offset.* is absent)', () => {
  const m = model();
  const state = seededState(m, '', 30);
  state.set('1_offset.weight', seededTensor(m.stateDict().get('1.conv_offset.weight')!.shape, 31));
  const r = m.loadStateDict(state, { strict: false });
  assert.equal(r.unexpectedKeys, ['1_offset.weight']);
  assertBitExact(m.stateDict().get('1.conv_offset.weight')!.data, state.get('1.conv_offset.weight')!.data, 'conv_offset.weight');
});

Legacy('no renaming at the root (mmcv\'s rule would read "_offset.weight")', () => {
  const m = new DCNv2(4, 6, 3);
  const state = new Map([...seededState(m, '', 40)].map(([k, v]) => [k.replace(/^conv_offset\./, '_offset.'), v]));
  const r = m.loadStateDict(state, { strict: false });
  assert.equal(r.missingKeys.sort(), ['conv_offset.bias', 'conv_offset.weight']);
  assert.equal(r.unexpectedKeys.sort(), ['_offset.bias', '_offset.weight']);
});

Legacy.run();
