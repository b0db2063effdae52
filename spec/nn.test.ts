// ts/nn: modules and PyTorch's state_dict contract, checked against the state_dicts PyTorch itself saved
// in spec/fixtures/acmix.safetensors and bottleneck.safetensors (`<case>.state.<key>`; BatchNorm's int64
// num_batches_tracked keys are listed in the case's params.int_buffers, not stored).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor } from '../ts/core/tensor.js';
import type { Ops } from '../ts/core/ops.js';
import { BackendError, StateDictError, fmtShape } from '../ts/core/errors.js';
import { ops as refOps } from '../ts/ref/index.js';
import { conv2d as refConv2d } from '../ts/ref/conv2d.js';
import { batchNorm2d as refBatchNorm2d } from '../ts/ref/norm.js';
import * as wasm from '../ts/wasm/index.js';
import * as nn from '../ts/nn/index.js';
import { loadFixture, moduleFromCase, runCase, compare, type FixtureCase } from '../ts/verify/golden.js';
import { seededTensor } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';

await wasm.init();

const backends: Ops[] = [refOps, wasm.ops];
const acmixCases = loadFixture('acmix.safetensors');
const bottleneckCases = loadFixture('bottleneck.safetensors');
const allCases = [...acmixCases, ...bottleneckCases];

/** The module a case describes, freshly constructed (PyTorch's init, no state loaded). */
function buildModule(c: FixtureCase): nn.Module {
  const p = c.params;
  if (c.op === 'acmix') return new nn.ACmix(p.in_planes, p.out_planes, p.kernel_att, p.head, p.kernel_conv, p.stride, p.dilation);
  return new nn.Bottleneck(p.inplanes, p.planes, p.k_att, p.head, p.k_conv, p.stride,
    p.downsample ? nn.Bottleneck.downsampleFor(p.inplanes, p.planes, p.stride) : null);
}

/** PyTorch's full state_dict key set for a case: the stored float keys ∪ params.int_buffers. */
function pytorchKeys(c: FixtureCase): string[] {
  return [...c.state.keys(), ...((c.params.int_buffers as string[] | undefined) ?? [])].sort();
}

function moduleKeys(m: nn.Module): string[] {
  return [...m.stateDict().keys(), ...m.intBufferKeys()].sort();
}

/** A deep copy of every parameter and buffer (stateDict() hands out the live tensors). */
function snapshot(m: nn.Module): Map<string, Tensor> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, t.clone()]));
}

function assertSameState(got: Map<string, Tensor>, want: Map<string, Tensor>, label: string): void {
  assert.equal([...got.keys()], [...want.keys()], `${label}: keys`);
  for (const [k, t] of want) {
    const g = got.get(k)!;
    assert.equal([...g.shape], [...t.shape], `${label}: ${k} shape`);
    assertBitExact(g.data, t.data, `${label}: ${k}`, t.shape);
  }
}

/** The StateDictError `fn` throws; fails the test otherwise. */
function stateDictError(fn: () => unknown, label: string): StateDictError {
  let e: unknown;
  try {
    fn();
  } catch (err) {
    e = err;
  }
  assert.ok(e !== undefined, `${label}: expected a StateDictError, the call returned`);
  assert.ok(e instanceof StateDictError, `${label}: expected StateDictError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  return e as StateDictError;
}

/** The forward outputs a case is checked on: output, out_att, out_conv for ACmix; output for Bottleneck. */
function forwardOutputs(c: FixtureCase, m: nn.Module, o: Ops): Tensor[] {
  const input = c.tensors.get('input')!;
  if (c.op === 'acmix') {
    const r = (m as nn.ACmix).forwardDetailed(input, { backend: o });
    return [r.output, r.outAtt, r.outConv];
  }
  return [m.forward(input, { backend: o })];
}

const goldenCache = new Map<string, ReturnType<typeof runCase>>();
/** runCase's expected outputs and bounds for a case on a backend (cached: runCase also runs a forward). */
function goldenFor(c: FixtureCase, o: Ops): ReturnType<typeof runCase> {
  const key = `${c.file}:${c.name}:${o.name}`;
  if (!goldenCache.has(key)) goldenCache.set(key, runCase(c, o));
  return goldenCache.get(key)!;
}

/** Asserts the module's outputs equal PyTorch's within the bounds `attnconv verify` uses (runCase). */
function assertMatchesFixture(c: FixtureCase, m: nn.Module, o: Ops, label: string): Tensor[] {
  const got = forwardOutputs(c, m, o);
  const golden = goldenFor(c, o);
  assert.is(got.length, golden.length);
  got.forEach((g, k) => {
    const r = compare(g, golden[k].expected, golden[k].bound);
    assert.ok(r.pass, `${label} [${o.name}] output ${k}: max error ${r.maxAbsError}, worst ratio ${r.worstRatio} (${golden[k].bound.describe})`);
  });
  return got;
}

// ---------------------------------------------------------------------------------------------

const Keys = suite('nn/state_dict');

for (const c of allCases) {
  Keys(`${c.op}/${c.name}: EXACTLY PyTorch's state_dict keys (stateDict ∪ intBufferKeys) and shapes`, () => {
    const m = buildModule(c);
    const mine = moduleKeys(m), theirs = pytorchKeys(c);
    const missing = theirs.filter((k) => !mine.includes(k)), extra = mine.filter((k) => !theirs.includes(k));
    assert.equal({ missing, extra }, { missing: [], extra: [] }, `${c.name}: key sets differ`);
    assert.equal(mine, theirs);
    assert.is(new Set(mine).size, mine.length, 'no duplicate keys');
    const sd = m.stateDict();
    for (const [k, t] of c.state) assert.equal([...sd.get(k)!.shape], [...t.shape], `${c.name}: ${k} shape`);
    // the int buffers are not float tensors of the module, and every stored key is one
    for (const k of (c.params.int_buffers as string[] | undefined) ?? []) assert.not.ok(sd.has(k), `${k} is an int buffer, not in stateDict()`);
  });

  Keys(`${c.op}/${c.name}: stateDict() lists the float keys in PyTorch's registration order`, () => {
    assert.equal([...buildModule(c).stateDict().keys()], [...c.state.keys()]);
  });
}

Keys.run();

// ---------------------------------------------------------------------------------------------

const Init = suite('acmix/init');

/** Asserts the official reset_parameters: no dep_conv.bias, rate1 = rate2 = 0.5, dep_conv.weight[o, t] one-hot at (t // k, t % k). */
function assertOfficialInit(m: nn.ACmix, label: string): void {
  const sd = m.stateDict();
  assert.not.ok(sd.has('dep_conv.bias'), `${label}: no dep_conv.bias key`);
  assert.is(m.dep_conv.bias, null, `${label}: dep_conv.bias is None`);
  assert.equal([...sd.get('rate1')!.data], [0.5], `${label}: rate1`);
  assert.equal([...sd.get('rate2')!.data], [0.5], `${label}: rate2`);
  const k = m.config.kernel_conv, T = k * k, out = m.config.out_planes;
  const w = sd.get('dep_conv.weight')!;
  assert.equal([...w.shape], [out, T, k, k], `${label}: dep_conv.weight shape`);
  for (let o = 0; o < out; o++) for (let t = 0; t < T; t++) for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) {
    const want = p === Math.floor(t / k) && q === t % k ? 1 : 0;
    if (w.at(o, t, p, q) !== want) assert.unreachable(`${label}: dep_conv.weight[${o}, ${t}, ${p}, ${q}] = ${w.at(o, t, p, q)}, want ${want}`);
  }
}

Init('the official init: no dep_conv.bias, rate1 = rate2 = 0.5, dep_conv.weight[o, t] one-hot at (t // k, t % k) for every o', () => {
  for (const args of [[8, 8, 7, 4, 3, 1, 1], [6, 8, 7, 2], [8, 16, 7, 4, 3, 2], [4, 4, 3, 1], [5, 12, 5, 3]] as const) {
    assertOfficialInit(new nn.ACmix(...(args as unknown as [number, number])), `ACmix(${args.join(', ')})`);
  }
});

Init("equals PyTorch's official_init state for rate1, rate2 and dep_conv.weight, bit for bit", () => {
  const c = acmixCases.find((x) => x.name === 'official_init')!;
  const m = buildModule(c) as nn.ACmix;
  for (const k of ['rate1', 'rate2', 'dep_conv.weight']) assertBitExact(m.stateDict().get(k)!.data, c.state.get(k)!.data, `official_init ${k}`);
  assert.not.ok(c.state.has('dep_conv.bias'), 'PyTorch has no dep_conv.bias either');
});

Init('resetParameters() after loading random weights restores the official init', () => {
  const c = acmixCases.find((x) => x.name === 'rand_h2')!;
  const m = moduleFromCase(c) as nn.ACmix;
  assert.is.not(m.stateDict().get('rate1')!.data[0], 0.5, 'the random state was loaded');
  m.resetParameters();
  assertOfficialInit(m, 'after resetParameters');
});

Init.run();

// ---------------------------------------------------------------------------------------------

const Load = suite('nn/load_state_dict');

/** The case's state with every value changed (so a partial write would show) and the given edits. */
function editedState(c: FixtureCase, edit: (s: Map<string, Tensor>) => void): Map<string, Tensor> {
  const s = new Map([...c.state].map(([k, t]) => [k, new Tensor(t.data.map((v) => 2 * v + 1), t.shape)]));
  edit(s);
  return s;
}

for (const c of allCases) {
  Load(`${c.op}/${c.name}: a wrong shape → StateDictError 'expected [..], got [..]', EVERY parameter unchanged, forward still PyTorch's`, () => {
    const m = moduleFromCase(c);
    const before = snapshot(m);
    const keys = [...c.state.keys()];
    const first = keys[0], last = keys[keys.length - 1];
    // same element count with an extra dim (first key), one row too many (last key)
    const wrong = new Map<string, number[]>([
      [first, [...c.state.get(first)!.shape, 1]],
      [last, c.state.get(last)!.shape.map((d, i) => (i === 0 ? d + 1 : d))],
    ]);
    const state = editedState(c, (s) => { for (const [k, shape] of wrong) s.set(k, seededTensor(shape, 7)); });
    for (const strict of [true, false]) {
      const e = stateDictError(() => m.loadStateDict(state, { strict }), `${c.name} strict=${strict}`);
      for (const [k, shape] of wrong) {
        const expected = `${k}: expected ${fmtShape(c.state.get(k)!.shape)}, got ${fmtShape(shape)}`;
        assert.ok(e.message.includes(expected), `message ${JSON.stringify(e.message)} must contain ${JSON.stringify(expected)}`);
        assert.ok(e.shapeMismatches.includes(expected), `shapeMismatches lists ${k}`);
      }
      assert.is(e.shapeMismatches.length, wrong.size, 'only the wrong keys are listed');
      assert.equal(e.missingKeys, []);
      assert.equal(e.unexpectedKeys, []);
      assertSameState(snapshot(m), before, `${c.name} after the failed load (strict=${strict})`);
    }
    for (const o of backends) assertMatchesFixture(c, m, o, `${c.name} after the failed load`);
  });
}

Load('a missing key (strict) → StateDictError listing it in missingKeys; nothing written', () => {
  for (const [c, drop] of [[acmixCases[0], ['fc.weight']], [bottleneckCases[1], ['conv2.rate2', 'downsample.1.running_var']]] as const) {
    const m = buildModule(c);
    const before = snapshot(m);
    const state = editedState(c, (s) => drop.forEach((k) => s.delete(k)));
    const e = stateDictError(() => m.loadStateDict(state), `${c.name} missing ${drop}`);
    assert.equal(e.missingKeys, [...drop]);
    assert.equal(e.unexpectedKeys, []);
    assert.ok(e.message.includes(`missing keys: ${drop.join(', ')}`), e.message);
    assertSameState(snapshot(m), before, `${c.name} after a strict failure`);
  }
});

Load('an extra key (strict) → StateDictError listing it in unexpectedKeys; nothing written', () => {
  const c = bottleneckCases.find((x) => x.name === 'small_identity')!;
  const m = buildModule(c);
  const before = snapshot(m);
  // dep_conv.bias: the key the official ACmix removes; downsample.0.weight: a branch this block does not have
  const extra = ['conv2.dep_conv.bias', 'downsample.0.weight'];
  const state = editedState(c, (s) => { s.set(extra[0], Tensor.zeros([8])); s.set(extra[1], Tensor.zeros([32, 32, 1, 1])); });
  const e = stateDictError(() => m.loadStateDict(state), 'extra keys');
  assert.equal(e.unexpectedKeys, extra);
  assert.equal(e.missingKeys, []);
  assert.ok(e.message.includes(`unexpected keys: ${extra.join(', ')}`), e.message);
  assertSameState(snapshot(m), before, 'after a strict failure');
});

Load('strict=false: missing and unexpected keys are returned, everything else is loaded', () => {
  const c = acmixCases.find((x) => x.name === 'rand_s2')!;
  const m = buildModule(c);
  const before = snapshot(m);
  const state = new Map(c.state);
  state.delete('conv_p.bias');
  state.set('dep_conv.bias', Tensor.zeros([16]));
  state.set('rate3', Tensor.zeros([1]));
  const r = m.loadStateDict(state, { strict: false });
  assert.equal(r, { missingKeys: ['conv_p.bias'], unexpectedKeys: ['dep_conv.bias', 'rate3'] });
  const sd = m.stateDict();
  for (const [k, t] of c.state) {
    if (k === 'conv_p.bias') assertBitExact(sd.get(k)!.data, before.get(k)!.data, 'the missing key keeps its value');
    else assertBitExact(sd.get(k)!.data, t.data, `${k} loaded`);
  }
  assert.not.ok(sd.has('dep_conv.bias'), 'an unexpected key is not added');
  // and with every key given, strict=false loads as strict does
  const m2 = buildModule(c);
  assert.equal(m2.loadStateDict(c.state, { strict: false }), { missingKeys: [], unexpectedKeys: [] });
  for (const o of backends) assertMatchesFixture(c, m2, o, 'strict=false full load');
});

Load("PyTorch's full state_dict, int64 num_batches_tracked included, loads strictly", () => {
  for (const c of bottleneckCases) {
    const m = buildModule(c);
    const state = new Map(c.state);
    for (const k of c.params.int_buffers as string[]) state.set(k, new Tensor([1234], []));
    assert.equal(m.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] }, c.name);
    assertSameState(m.stateDict(), c.state, `${c.name} loaded`);
  }
});

Load.run();

// ---------------------------------------------------------------------------------------------

const Layers = suite('nn/layers');

Layers('Sequential: children under keys 0., 1., ... (int buffers too), applied in order', () => {
  const seq = new nn.Sequential(new nn.Conv2d({ in_channels: 2, out_channels: 3, kernel_size: 1, bias: false }), new nn.BatchNorm2d(3));
  assert.equal([...seq.stateDict().keys()], ['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var']);
  assert.equal(seq.intBufferKeys(), ['1.num_batches_tracked']);
  const state = new Map<string, Tensor>([
    ['0.weight', seededTensor([3, 2, 1, 1], 1)], ['1.weight', seededTensor([3], 2)], ['1.bias', seededTensor([3], 3)],
    ['1.running_mean', seededTensor([3], 4)], ['1.running_var', seededTensor([3], 5, 0.5, 2)], ['1.num_batches_tracked', new Tensor([7], [])],
  ]);
  assert.equal(seq.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] });
  const x = seededTensor([2, 2, 4, 5], 6);
  const want = refBatchNorm2d(refConv2d(x, state.get('0.weight')!), state.get('1.running_mean')!, state.get('1.running_var')!, state.get('1.weight')!, state.get('1.bias')!);
  assertBitExact(seq.forward(x).data, want.data, 'Sequential forward');
  // nested: the Bottleneck's downsample branch
  const b = new nn.Bottleneck(8, 2, 3, 1, 3, 2, nn.Bottleneck.downsampleFor(8, 2, 2));
  const keys = [...b.stateDict().keys()].filter((k) => k.startsWith('downsample.'));
  assert.equal(keys, ['downsample.0.weight', 'downsample.1.weight', 'downsample.1.bias', 'downsample.1.running_mean', 'downsample.1.running_var']);
  assert.ok(b.intBufferKeys().includes('downsample.1.num_batches_tracked'));
});

Layers('Conv2d: bias=false has no bias key; bias=true has [C_out]; weight [C_out, C_in/groups, k_h, k_w]', () => {
  const noBias = new nn.Conv2d({ in_channels: 4, out_channels: 6, kernel_size: [3, 2], groups: 2, bias: false });
  assert.equal([...noBias.stateDict().keys()], ['weight']);
  assert.is(noBias.bias, null);
  assert.equal([...noBias.weight.shape], [6, 2, 3, 2]);
  const withBias = new nn.Conv2d({ in_channels: 4, out_channels: 6, kernel_size: 3 });
  assert.equal([...withBias.stateDict().keys()], ['weight', 'bias']);
  assert.equal([...withBias.stateDict().get('bias')!.shape], [6]);
  // a bias given to a bias-free conv is unexpected, as in PyTorch
  const e = stateDictError(() => noBias.loadStateDict({ weight: Tensor.zeros([6, 2, 3, 2]), bias: Tensor.zeros([6]) }), 'bias into bias=false');
  assert.equal(e.unexpectedKeys, ['bias']);
});

Layers('BatchNorm2d: weight, bias, running_mean, running_var keys (init 1, 0, 0, 1); num_batches_tracked accepted; eval forward', () => {
  const bn = new nn.BatchNorm2d(5);
  assert.equal([...bn.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var']);
  assert.equal(bn.intBufferKeys(), ['num_batches_tracked']);
  const sd = bn.stateDict();
  assert.equal([...sd.get('weight')!.data], [1, 1, 1, 1, 1]);
  assert.equal([...sd.get('bias')!.data], [0, 0, 0, 0, 0]);
  assert.equal([...sd.get('running_mean')!.data], [0, 0, 0, 0, 0]);
  assert.equal([...sd.get('running_var')!.data], [1, 1, 1, 1, 1]);
  const state = { weight: seededTensor([5], 1), bias: seededTensor([5], 2), running_mean: seededTensor([5], 3), running_var: seededTensor([5], 4, 0.1, 3), num_batches_tracked: new Tensor([42], []) };
  assert.equal(bn.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] });
  const x = seededTensor([2, 5, 3, 4], 5);
  for (const o of backends) {
    assertBitExact(bn.forward(x, { backend: o }).data, refBatchNorm2d(x, state.running_mean, state.running_var, state.weight, state.bias).data, `BatchNorm2d forward [${o.name}]`);
  }
  // running stats are required, like PyTorch's strict load
  const e = stateDictError(() => bn.loadStateDict({ weight: state.weight, bias: state.bias }), 'no running stats');
  assert.equal(e.missingKeys, ['running_mean', 'running_var']);
});

Layers.run();

// ---------------------------------------------------------------------------------------------

const Backend = suite('nn/backend');

for (const c of bottleneckCases) {
  Backend(`Bottleneck ${c.name}: forward with backend 'wasm' equals backend 'ref' within the verify tolerance`, () => {
    const m = moduleFromCase(c);
    const input = c.tensors.get('input')!;
    const ref = m.forward(input, { backend: 'ref' });
    const got = m.forward(input, { backend: 'wasm' });
    assert.equal([...got.shape], [...ref.shape]);
    const [{ bound, expected }] = goldenFor(c, wasm.ops);
    const r = compare(got, ref, bound);
    assert.ok(r.pass, `wasm vs ref: max error ${r.maxAbsError}, worst ratio ${r.worstRatio} (${bound.describe})`);
    // both are PyTorch's answer
    for (const [name, y] of [['ref', ref], ['wasm', got]] as const) {
      const g = compare(y, expected, bound);
      assert.ok(g.pass, `${name} vs PyTorch: max error ${g.maxAbsError}, worst ratio ${g.worstRatio}`);
    }
  });
}

Backend("resolveOps: 'ref' and undefined → the reference, 'wasm' → wasm.ops, an Ops object as is, 'tpu' → BackendError", () => {
  assert.is(nn.resolveOps(undefined), refOps);
  assert.is(nn.resolveOps('ref'), refOps);
  assert.is(nn.resolveOps('wasm'), wasm.ops);
  assert.is(nn.resolveOps(wasm.ops), wasm.ops);
  for (const run of [() => nn.resolveOps('tpu' as nn.Backend), () => new nn.ReLU().forward(Tensor.zeros([1]), { backend: 'tpu' as nn.Backend })]) {
    let e: unknown;
    try { run(); } catch (err) { e = err; }
    assert.ok(e instanceof BackendError, `expected BackendError, got ${(e as Error)?.constructor?.name}`);
    assert.ok((e as Error).message.includes(`backend 'tpu' is not loaded`) && (e as Error).message.includes(`registered: 'ref', 'wasm'`), (e as Error).message);
  }
  let e: unknown;
  try { nn.resolveOps(null as unknown as nn.Backend); } catch (err) { e = err; }
  assert.ok(e instanceof BackendError && e.message.includes('got null'), `null backend: ${(e as Error)?.name}: ${(e as Error)?.message}`);
});

Backend.run();
