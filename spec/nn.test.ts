// ts/nn: modules and PyTorch's state_dict contract, checked against the state_dicts PyTorch itself saved
// in spec/fixtures/acmix.safetensors and bottleneck.safetensors (`<case>.state.<key>`; BatchNorm's int64
// num_batches_tracked keys are listed in the case's params.int_buffers, not stored).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor } from '../ts/core/tensor.js';
import type { Ops } from '../ts/core/ops.js';
import { ArgumentError, BackendError, ParameterError, StateDictError, fmtShape } from '../ts/core/errors.js';
import { ops as refOps } from '../ts/ref/index.js';
import { conv2d as refConv2d } from '../ts/ref/conv2d.js';
import { batchNorm2d as refBatchNorm2d } from '../ts/ref/norm.js';
import * as wasm from '../ts/wasm/index.js';
import * as nn from '../ts/nn/index.js';
import { loadFixture, moduleFromCase, runCase, compare, type FixtureCase } from '../ts/verify/golden.js';
import { seededTensor } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';
import { assertBitExact } from './support/close.js';

await wasm.init();

const backends: Ops[] = [refOps, wasm.ops];
const acmixCases = loadFixture('acmix.safetensors');
const bottleneckCases = loadFixture('bottleneck.safetensors');
const allCases = [...acmixCases, ...bottleneckCases];

/** The module a case describes, freshly constructed (PyTorch's init, no state loaded). */
function buildModule(c: FixtureCase): nn.Module {
  const p = c.params;
  if (c.op === 'acmix') {
    return new nn.ACmix(p.in_planes, p.out_planes, { kernel_att: p.kernel_att, head: p.head, kernel_conv: p.kernel_conv, stride: p.stride, dilation: p.dilation });
  }
  return new nn.Bottleneck(p.inplanes, p.planes, p.k_att, p.head, p.k_conv,
    { stride: p.stride, downsample: p.downsample ? nn.Bottleneck.downsampleFor(p.inplanes, p.planes, p.stride) : null });
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
  const configs: [number, number, nn.ACmixOptions][] = [
    [8, 8, { kernel_att: 7, head: 4, kernel_conv: 3, stride: 1, dilation: 1 }], [6, 8, { kernel_att: 7, head: 2 }],
    [8, 16, { kernel_att: 7, head: 4, kernel_conv: 3, stride: 2 }], [4, 4, { kernel_att: 3, head: 1 }], [5, 12, { kernel_att: 5, head: 3 }],
  ];
  for (const [in_planes, out_planes, options] of configs) {
    assertOfficialInit(new nn.ACmix(in_planes, out_planes, options), `ACmix(${in_planes}, ${out_planes}, ${JSON.stringify(options)})`);
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
  const seq = new nn.Sequential(new nn.Conv2d(2, 3, 1, { bias: false }), new nn.BatchNorm2d(3));
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
  const b = new nn.Bottleneck(8, 2, 3, 1, 3, { stride: 2, downsample: nn.Bottleneck.downsampleFor(8, 2, 2) });
  const keys = [...b.stateDict().keys()].filter((k) => k.startsWith('downsample.'));
  assert.equal(keys, ['downsample.0.weight', 'downsample.1.weight', 'downsample.1.bias', 'downsample.1.running_mean', 'downsample.1.running_var']);
  assert.ok(b.intBufferKeys().includes('downsample.1.num_batches_tracked'));
});

Layers('Conv2d: bias=false has no bias key; bias=true has [C_out]; weight [C_out, C_in/groups, k_h, k_w]', () => {
  const noBias = new nn.Conv2d(4, 6, [3, 2], { groups: 2, bias: false });
  assert.equal([...noBias.stateDict().keys()], ['weight']);
  assert.is(noBias.bias, null);
  assert.equal([...noBias.weight.shape], [6, 2, 3, 2]);
  const withBias = new nn.Conv2d(4, 6, 3);
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

// ---------------------------------------------------------------------------------------------

const Ctors = suite('nn/constructors');

/** A Tensor's shape as a plain array. */
const shapeOf = (t: Tensor | null | undefined) => (t ? [...t.shape] : null);
/** state_dict keys → shapes. */
const keyShapes = (m: nn.Module) => Object.fromEntries([...m.stateDict()].map(([k, t]) => [k, [...t.shape]]));

/**
 * One row per module with an options argument: `make(options)` calls the constructor in its documented form
 * (PyTorch's required arguments positionally, then `options`), `given` sets every option to a non-default value
 * where one exists, and `check` / `defaults` assert the hyper-parameters the module then has.
 */
interface CtorCase<M extends nn.Module = nn.Module> {
  name: string;
  make: (options?: unknown) => M;
  given: object;
  check: (m: M) => void;
  defaults: (m: M) => void;
}
const ctor = <M extends nn.Module>(c: CtorCase<M>) => c as unknown as CtorCase;
// `any` at the boundary only: the spec passes wrong types on purpose (a number, null, an array) where TypeScript
// users get a compile error; JavaScript callers get the ArgumentError checked below.
type Any = any;

const ctorCases: CtorCase[] = [
  ctor({
    name: 'Conv2d', make: (o) => new nn.Conv2d(3, 64, 3, o as Any), given: { stride: 2, padding: 1, dilation: 2, groups: 1, bias: false },
    check: (m) => {
      assert.equal(m.options, { in_channels: 3, out_channels: 64, kernel_size: [3, 3], stride: 2, padding: 1, dilation: 2, groups: 1, bias: false });
      assert.equal(keyShapes(m), { weight: [64, 3, 3, 3] });
    },
    defaults: (m) => {
      assert.equal(m.options, { in_channels: 3, out_channels: 64, kernel_size: [3, 3], stride: 1, padding: 0, dilation: 1, groups: 1, bias: true });
      assert.equal(keyShapes(m), { weight: [64, 3, 3, 3], bias: [64] });
    },
  }),
  ctor({
    name: 'BatchNorm2d', make: (o) => new nn.BatchNorm2d(64, o as Any), given: { eps: 1e-3, momentum: 0.01 },
    check: (m) => { assert.is(m.num_features, 64); assert.is(m.eps, 1e-3); assert.is(m.momentum, 0.01); },
    defaults: (m) => { assert.is(m.eps, 1e-5); assert.is(m.momentum, 0.1); assert.equal(Object.keys(keyShapes(m)), ['weight', 'bias', 'running_mean', 'running_var']); },
  }),
  ctor({
    name: 'GELU', make: (o) => new nn.GELU(o as Any), given: { approximate: 'tanh' },
    check: (m) => assert.is(m.approximate, 'tanh'),
    defaults: (m) => assert.is(m.approximate, 'none'),
  }),
  ctor({
    name: 'Linear', make: (o) => new nn.Linear(64, 256, o as Any), given: { bias: false },
    check: (m) => { assert.is(m.in_features, 64); assert.is(m.out_features, 256); assert.equal(keyShapes(m), { weight: [256, 64] }); },
    defaults: (m) => assert.equal(keyShapes(m), { weight: [256, 64], bias: [256] }),
  }),
  ctor({
    name: 'LayerNorm', make: (o) => new nn.LayerNorm(96, o as Any), given: { eps: 1e-6, elementwise_affine: false },
    check: (m) => { assert.equal(m.normalized_shape, [96]); assert.is(m.eps, 1e-6); assert.is(m.elementwise_affine, false); assert.equal(keyShapes(m), {}); },
    defaults: (m) => { assert.is(m.eps, 1e-5); assert.is(m.elementwise_affine, true); assert.equal(keyShapes(m), { weight: [96], bias: [96] }); },
  }),
  ctor({
    name: 'ACmix', make: (o) => new nn.ACmix(16, 16, o as Any), given: { kernel_att: 5, head: 2, kernel_conv: 3, stride: 2, dilation: 1 },
    check: (m) => {
      assert.equal(m.config, { in_planes: 16, out_planes: 16, kernel_att: 5, head: 2, kernel_conv: 3, stride: 2, dilation: 1, head_dim: 8 });
      assert.equal(m.dep_conv.options.stride, 2);
      assert.equal(shapeOf(m.conv_p.weight), [8, 2, 1, 1]);
    },
    defaults: (m) => assert.equal(m.config, { in_planes: 16, out_planes: 16, kernel_att: 7, head: 4, kernel_conv: 3, stride: 1, dilation: 1, head_dim: 4 }),
  }),
  ctor({
    name: 'Bottleneck', make: (o) => new nn.Bottleneck(16, 4, 5, 2, 3, o as Any), given: { stride: 2, downsample: nn.Bottleneck.downsampleFor(16, 4, 2) },
    check: (m) => {
      const c = m.conv2.config;
      assert.equal([c.in_planes, c.out_planes, c.kernel_att, c.head, c.kernel_conv, c.stride], [4, 4, 5, 2, 3, 2]);
      assert.ok(m.downsample instanceof nn.Sequential);
      assert.equal(keyShapes(m)['downsample.0.weight'], [16, 16, 1, 1]);
      assert.equal(keyShapes(m)['conv3.weight'], [16, 4, 1, 1]);
    },
    defaults: (m) => {
      assert.is(m.conv2.config.stride, 1);
      assert.is(m.downsample, null);
      assert.not.ok(Object.keys(keyShapes(m)).some((k) => k.startsWith('downsample.')));
    },
  }),
  ctor({
    name: 'DeformConv2d', make: (o) => new nn.DeformConv2d(4, 6, 3, o as Any), given: { stride: 2, padding: 1, dilation: 2, groups: 2, bias: false },
    check: (m) => {
      assert.equal(m.options, { in_channels: 4, out_channels: 6, kernel_size: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [2, 2], groups: 2, bias: false });
      assert.equal(keyShapes(m), { weight: [6, 2, 3, 3] });
    },
    defaults: (m) => {
      assert.equal(m.options, { in_channels: 4, out_channels: 6, kernel_size: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, bias: true });
      assert.equal(keyShapes(m), { weight: [6, 4, 3, 3], bias: [6] });
    },
  }),
  ctor({
    name: 'DCNv2', make: (o) => new nn.DCNv2(4, 6, 3, o as Any), given: { stride: 2, padding: 1, dilation: 1, groups: 2, deform_groups: 2, bias: false },
    check: (m) => {
      assert.equal(m.options, { in_channels: 4, out_channels: 6, kernel_size: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 2, bias: false, deform_groups: 2 });
      assert.equal(keyShapes(m), { weight: [6, 2, 3, 3], 'conv_offset.weight': [54, 4, 3, 3], 'conv_offset.bias': [54] });
      assert.equal(m.conv_offset.options.stride, [2, 2]);
    },
    defaults: (m) => {
      assert.equal(m.options.deform_groups, 1);
      assert.equal(keyShapes(m), { weight: [6, 4, 3, 3], bias: [6], 'conv_offset.weight': [27, 4, 3, 3], 'conv_offset.bias': [27] });
    },
  }),
  ctor({
    name: 'CondConv2d', make: (o) => new nn.CondConv2d(8, 6, o as Any),
    given: { kernel_size: 5, stride: 2, padding: 'same', dilation: 1, groups: 2, bias: true, num_experts: 3 },
    check: (m) => {
      assert.equal([m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation, m.groups, m.num_experts], [8, 6, [5, 5], [2, 2], 'same', [1, 1], 2, 3]);
      assert.equal(keyShapes(m), { weight: [3, 6 * 4 * 25], bias: [3, 6] });
    },
    defaults: (m) => {
      assert.equal([m.kernel_size, m.stride, m.padding, m.dilation, m.groups, m.num_experts], [[3, 3], [1, 1], '', [1, 1], 1, 4]);
      assert.equal(keyShapes(m), { weight: [4, 6 * 8 * 9] });                     // timm: bias=False
    },
  }),
  ctor({
    name: 'DynamicConvAttention', make: (o) => new nn.DynamicConvAttention(16, 0.25, 3, 31, o as Any), given: { init_weight: false },
    check: (m) => {
      assert.equal([m.in_planes, m.ratios, m.K, m.temperature], [16, 0.25, 3, 31]);
      assert.equal(keyShapes(m), { 'fc1.weight': [5, 16, 1, 1], 'fc2.weight': [3, 5, 1, 1], 'fc2.bias': [3] });
      assert.ok(m.fc2.bias!.data.some((v) => v !== 0), 'init_weight: false keeps the default conv init (bias not zeroed)');
    },
    defaults: (m) => { assert.is(m.temperature, 31); assert.equal([...m.fc2.bias!.data], [0, 0, 0], 'init_weight: fc2.bias = 0'); },
  }),
  ctor({
    name: 'DynamicConv2d', make: (o) => new nn.DynamicConv2d(8, 6, 3, o as Any),
    given: { ratio: 0.5, stride: 2, padding: 1, dilation: 2, groups: 2, bias: false, K: 3, temperature: 4, init_weight: false },
    check: (m) => {
      assert.equal([m.in_planes, m.out_planes, m.kernel_size, m.stride, m.padding, m.dilation, m.groups, m.K, m.ratio, m.temperature],
        [8, 6, [3, 3], [2, 2], [1, 1], [2, 2], 2, 3, 0.5, 4]);
      assert.is(m.attention.temperature, 4);
      assert.equal(keyShapes(m), { weight: [3, 6, 4, 3, 3], 'attention.fc1.weight': [5, 8, 1, 1], 'attention.fc2.weight': [3, 5, 1, 1], 'attention.fc2.bias': [3] });
      // init_weight: false leaves torch.randn: N(0, 1), so some |w| exceed the kaiming_uniform bound √(6/fan_in) = 0.5
      assert.ok(m.stateDict().get('weight')!.data.some((v) => Math.abs(v) > 0.5), 'N(0, 1) weights');
    },
    defaults: (m) => {
      assert.equal([m.stride, m.padding, m.dilation, m.groups, m.K, m.ratio, m.temperature], [[1, 1], [0, 0], [1, 1], 1, 4, 0.25, 34]);
      assert.equal(keyShapes(m).bias, [4, 6]);
      const bound = Math.sqrt(6 / (8 * 9));
      assert.ok(m.stateDict().get('weight')!.data.every((v) => Math.abs(v) <= bound), 'kaiming_uniform weights');
    },
  }),
  ctor({
    name: 'ODConvAttention', make: (o) => new nn.ODConvAttention(16, 32, 3, o as Any), given: { groups: 2, reduction: 0.25, kernel_num: 2, min_channel: 2 },
    check: (m) => {
      assert.equal([m.in_planes, m.out_planes, m.kernel_size, m.groups, m.reduction, m.kernel_num, m.min_channel], [16, 32, [3, 3], 2, 0.25, 2, 2]);
      assert.equal(shapeOf(m.fc.weight), [4, 16, 1, 1]);                       // A = max(int(16·0.25), 2) = 4
      assert.equal(shapeOf(m.kernel_fc?.weight), [2, 4, 1, 1]);
    },
    defaults: (m) => {
      assert.equal([m.groups, m.reduction, m.kernel_num, m.min_channel], [1, 0.0625, 4, 16]);
      assert.equal(shapeOf(m.fc.weight), [16, 16, 1, 1]);
    },
  }),
  ctor({
    name: 'ODConv2d', make: (o) => new nn.ODConv2d(8, 8, 3, o as Any), given: { stride: 2, padding: 1, dilation: 2, groups: 8, reduction: 0.5, kernel_num: 1 },
    check: (m) => {
      assert.equal([m.in_planes, m.out_planes, m.kernel_size, m.stride, m.padding, m.dilation, m.groups, m.kernel_num], [8, 8, [3, 3], [2, 2], [1, 1], [2, 2], 8, 1]);
      assert.equal([m.attention.groups, m.attention.reduction, m.attention.kernel_num, m.attention.min_channel], [8, 0.5, 1, 16]);
      assert.is(m.attention.filter_fc, null, 'depthwise: no α_f');
      assert.is(m.attention.kernel_fc, null, 'kernel_num 1: no α_w');
      assert.equal(keyShapes(m).weight, [1, 8, 1, 3, 3]);
    },
    defaults: (m) => {
      assert.equal([m.stride, m.padding, m.dilation, m.groups, m.kernel_num, m.attention.reduction], [[1, 1], [0, 0], [1, 1], 1, 4, 0.0625]);
      assert.equal(keyShapes(m).weight, [4, 8, 8, 3, 3]);
    },
  }),
  ctor({
    name: 'DynamicDWConv', make: (o) => new nn.DynamicDWConv(8, 3, o as Any), given: { bias: false, stride: 2, padding: 0, groups: 8, reduction: 2 },
    check: (m) => {
      assert.equal([m.dim, m.kernel_size, m.stride, m.padding, m.groups, m.reduction], [8, 3, 2, 0, 8, 2]);
      assert.equal(keyShapes(m)['conv1.weight'], [4, 8, 1, 1]);
      assert.not.ok('bias' in keyShapes(m));
    },
    defaults: (m) => {
      assert.equal([m.stride, m.padding, m.groups, m.reduction], [1, 1, 8, 4]);                  // groups: dim (see Deviation)
      assert.equal(keyShapes(m).bias, [8]);
    },
  }),
  ctor({
    name: 'DynamicDWFeedForward', make: (o) => new nn.DynamicDWFeedForward(4, 8, o as Any), given: { kernel_size: 5, reduction: 2 },
    check: (m) => {
      assert.equal([m.dim, m.hidden_dim, m.kernel_size, m.reduction], [4, 8, 5, 2]);
      assert.equal([m.dwconv.kernel_size, m.dwconv.padding, m.dwconv.reduction, m.dwconv.groups], [5, 2, 2, 8]);
    },
    defaults: (m) => assert.equal([m.kernel_size, m.reduction, m.dwconv.padding], [3, 4, 1]),
  }),
  ctor({
    name: 'RoutedDownsample', make: (o) => new nn.RoutedDownsample(4, o as Any), given: { num_experts: 2, out_dim: 6 },
    check: (m) => {
      assert.equal([m.dim, m.num_experts, m.out_dim], [4, 2, 6]);
      assert.equal([m.reduction.num_experts, m.reduction.out_channels, m.reduction.kernel_size, m.reduction.stride], [2, 6, [2, 2], [2, 2]]);
      assert.equal(m.norm.normalized_shape, [6]);
    },
    defaults: (m) => assert.equal([m.num_experts, m.out_dim], [4, 8]),
  }),
];

for (const c of ctorCases) {
  Ctors(`${c.name}: the documented positional + options form sets every hyper-parameter; undefined and {} give the defaults`, () => {
    nn.manualSeed(7);
    c.check(c.make(c.given));
    c.defaults(c.make(undefined));
    c.defaults(c.make({}));
    // an option set to undefined counts as absent, as an omitted keyword
    c.defaults(c.make(Object.fromEntries(Object.keys(c.given).map((k) => [k, undefined]))));
  });

  Ctors(`${c.name}: options that are not a plain object, or hold an unknown key → ArgumentError naming expected and actual`, () => {
    const bad: [unknown, string][] = [[7, 'number (7)'], ['same', 'string ("same")'], [true, 'boolean (true)'], [null, 'null'], [[1, 2], 'Array'],
      [Tensor.zeros([1]), 'Tensor'], [() => 1, 'Function'], [new Map(), 'Map']];
    for (const [value, actual] of bad) {
      const e = thrown(() => c.make(value), `${c.name} options = ${actual}`);
      assert.ok(e instanceof ArgumentError, `${c.name} options = ${actual}: expected ArgumentError, got ${e.name}: ${e.message}`);
      for (const part of [`${c.name}: options must be a plain object {`, `or undefined, got ${actual}`]) {
        assert.ok(e.message.includes(part), `${c.name} options = ${actual}: message "${e.message}" lacks "${part}"`);
      }
      for (const key of Object.keys(c.given)) assert.ok(e.message.includes(key), `${c.name}: message names the option ${key}: ${e.message}`);
    }
    const e = thrown(() => c.make({ ...c.given, kernal_size: 3 }), `${c.name} unknown key`);
    assert.ok(e instanceof ArgumentError && e.message.includes(`${c.name}: options must only hold the keys {`) && e.message.includes(`unexpected 'kernal_size'`),
      `${c.name} unknown key: ${e.name}: ${e.message}`);
  });
}

Ctors('modules without defaulted arguments: CondConvRouting(in_features, num_experts), IDynamicDWConv(channels, kernel_size, group_channels), Sequential(...modules), ReLU()', () => {
  assert.equal(keyShapes(new nn.CondConvRouting(8, 4)), { weight: [4, 8], bias: [4] });
  const idw = new nn.IDynamicDWConv(8, 3, 4);
  assert.equal([idw.channels, idw.kernel_size, idw.group_channels, idw.groups], [8, 3, 4, 2]);
  assert.equal(keyShapes(idw)['conv2.0.weight'], [18, 2, 1, 1]);
  const seq = new nn.Sequential(new nn.Conv2d(2, 3, 1, { bias: false }), new nn.ReLU());
  assert.equal(seq.modules.length, 2);
  assert.equal(Object.keys(keyShapes(seq)), ['0.weight']);
});

Ctors('the old forms are gone: positional hyper-parameters after the required ones → ArgumentError, option objects in place of required arguments → ParameterError', () => {
  const legacy: [string, () => unknown][] = [
    ['ACmix(64, 64, 7, 4)', () => new (nn.ACmix as Any)(64, 64, 7, 4)],
    ['Bottleneck(8, 2, 3, 1, 3, 2, downsample)', () => new (nn.Bottleneck as Any)(8, 2, 3, 1, 3, 2, nn.Bottleneck.downsampleFor(8, 2, 2))],
    ['BatchNorm2d(64, 1e-3)', () => new (nn.BatchNorm2d as Any)(64, 1e-3)],
    ['GELU("tanh")', () => new (nn.GELU as Any)('tanh')],
    ['Linear(4, 8, false)', () => new (nn.Linear as Any)(4, 8, false)],
    ['LayerNorm(8, 1e-6)', () => new (nn.LayerNorm as Any)(8, 1e-6)],
    ['DynamicDWConv(8, 3, true, 1, 1)', () => new (nn.DynamicDWConv as Any)(8, 3, true, 1, 1)],
    ['DynamicDWFeedForward(4, 8, 3)', () => new (nn.DynamicDWFeedForward as Any)(4, 8, 3)],
    ['RoutedDownsample(4, 2)', () => new (nn.RoutedDownsample as Any)(4, 2)],
    ['Conv2d(3, 64, 3, 2, 1)', () => new (nn.Conv2d as Any)(3, 64, 3, 2, 1)],
  ];
  for (const [what, run] of legacy) {
    const e = thrown(run, what);
    assert.ok(e instanceof ArgumentError && e.message.includes('options must be a plain object'), `${what}: ${e.name}: ${e.message}`);
  }
  const objects: [string, () => unknown, string][] = [
    ['Conv2d({ in_channels, ... })', () => new (nn.Conv2d as Any)({ in_channels: 3, out_channels: 64, kernel_size: 3 }), 'Conv2d: in_channels must be an integer >= 1'],
    ['CondConv2d({ in_channels, ... })', () => new (nn.CondConv2d as Any)({ in_channels: 8, out_channels: 8 }), 'CondConv2d: in_channels must be an integer >= 1'],
    ['DynamicConv2d({ in_planes, ... })', () => new (nn.DynamicConv2d as Any)({ in_planes: 8, out_planes: 8, kernel_size: 3 }), 'DynamicConv2d: in_planes must be an integer >= 1'],
    ['ODConv2d({ in_planes, ... })', () => new (nn.ODConv2d as Any)({ in_planes: 8, out_planes: 8, kernel_size: 3 }), 'ODConv2d: in_planes must be an integer >= 1'],
    ['DeformConv2d({ in_channels, ... })', () => new (nn.DeformConv2d as Any)({ in_channels: 4, out_channels: 4, kernel_size: 3 }), 'DeformConv2d: in_channels must be an integer >= 1'],
    ['DCNv2({ in_channels, ... })', () => new (nn.DCNv2 as Any)({ in_channels: 4, out_channels: 4, kernel_size: 3 }), 'DCNv2: in_channels must be an integer >= 1'],
    ['Bottleneck(8, 2) without k_att, head, k_conv', () => new (nn.Bottleneck as Any)(8, 2), 'Bottleneck: k_att must be an integer >= 1, got undefined'],
    ['Conv2d(3, 64) without kernel_size', () => new (nn.Conv2d as Any)(3, 64), 'Conv2d: kernel_size must be an integer >= 1 or a pair of them, got undefined'],
    ['DynamicConvAttention(8, 0.25, 4) without temperature', () => new (nn.DynamicConvAttention as Any)(8, 0.25, 4), 'DynamicConvAttention: temperature must be a finite number > 0, got undefined'],
  ];
  for (const [what, run, part] of objects) {
    const e = thrown(run, what);
    assert.ok(e instanceof ParameterError && e.message.includes(part), `${what}: ${e.name}: ${e.message}`);
  }
});

Ctors('typed options: a non-boolean bias / elementwise_affine / init_weight → ArgumentError; bad values keep their ParameterError', () => {
  for (const [what, run] of [
    ['Conv2d bias "false"', () => new nn.Conv2d(3, 4, 1, { bias: 'false' as Any })],
    ['Linear bias 0', () => new nn.Linear(3, 4, { bias: 0 as Any })],
    ['LayerNorm elementwise_affine "no"', () => new nn.LayerNorm(4, { elementwise_affine: 'no' as Any })],
    ['DynamicConv2d init_weight 1', () => new nn.DynamicConv2d(4, 4, 3, { init_weight: 1 as Any })],
  ] as [string, () => unknown][]) {
    const e = thrown(run, what);
    assert.ok(e instanceof ArgumentError && /must be a boolean, got (string|number)/.test(e.message), `${what}: ${e.name}: ${e.message}`);
  }
  for (const [what, run, part] of [
    ['GELU approximate "fast"', () => new nn.GELU({ approximate: 'fast' as Any }), `GELU: approximate must be 'none' or 'tanh', got "fast"`],
    ['Conv2d groups 4 on 6 channels', () => new nn.Conv2d(6, 4, 1, { groups: 4 }), 'Conv2d: in_channels (6) and out_channels (4) must be divisible by groups = 4'],
    ['CondConv2d stride 0', () => new nn.CondConv2d(4, 4, { stride: 0 }), 'CondConv2d: stride must be an integer >= 1'],
    ['DynamicConv2d ratio 0', () => new nn.DynamicConv2d(4, 4, 3, { ratio: 0 }), 'DynamicConv2d: ratio must be a finite number > 0'],
    ['ODConv2d padding -1', () => new nn.ODConv2d(4, 4, 3, { padding: -1 }), 'ODConv2d: padding must be an integer >= 0'],
    ['ODConv2d groups 3', () => new nn.ODConv2d(4, 6, 3, { groups: 3 }), 'ODConv2d: in_planes (4) and out_planes (6) must be divisible by groups = 3'],
    ['DCNv2 deform_groups 3', () => new nn.DCNv2(4, 4, 3, { deform_groups: 3 }), 'DCNv2: in_channels (4) must be divisible by deform_groups = 3'],
    ['ACmix head 3 for 8', () => new nn.ACmix(8, 8, { head: 3 }), 'ACmix: out_planes must be divisible by head = 3'],
    ['RoutedDownsample out_dim 0', () => new nn.RoutedDownsample(4, { out_dim: 0 }), 'RoutedDownsample: out_dim must be an integer >= 1'],
  ] as [string, () => unknown, string][]) {
    const e = thrown(run, what);
    assert.ok(e instanceof ParameterError && e.message.includes(part), `${what}: ${e.name}: ${e.message}`);
  }
});

Ctors('Bottleneck: downsample must be a Module or null (ArgumentError)', () => {
  const e = thrown(() => new nn.Bottleneck(8, 2, 3, 1, 3, { downsample: { forward: () => null } as Any }), 'downsample object');
  assert.ok(e instanceof ArgumentError && e.message.includes('Bottleneck: downsample must be a Module or null, got Object'), `${e.name}: ${e.message}`);
});

Ctors.run();
