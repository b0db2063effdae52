// c2f: YOLOv8's blocks with Ultralytics' semantics (ts/nn/ultralytics.ts) and the whole-block op c2f (ts/ref/c2f.ts,
// ts/wasm/c2f.ts). Identities: C2f with n = 0 is cv2(cv1(x)) (chunk then cat is the identity); the one-call op equals
// the block composed from its child modules; a bottleneck adds its input only when shortcut and c1 == c2; C2fCA is
// coordinate attention after cv2 (zero gates: a quarter of C2f); the seed's spatial gate keeps the input's shape and
// halves it under a zero gate; autopad; Ultralytics' state_dict keys.
// wasm: ref ≈ wasm for every module on generated shapes. errors: named errors before any work.
// PyTorch goldens: spec/golden.test.ts (c2f/golden, spec/fixtures/c2f.safetensors).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, ParameterError, ShapeError, StateDictError } from '../ts/core/errors.js';
import { chainBound } from '../ts/core/numerics.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { arenaStats } from '../ts/wasm/arena.js';
import * as nn from '../ts/nn/index.js';
import { manualSeed } from '../ts/nn/init.js';
import type { Module } from '../ts/nn/module.js';
import { chainK } from '../ts/verify/golden_c2f.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';

await wasm.init();
const backends = [refOps, wasm.ops];

/** Every parameter and buffer from the seed: weights in [−1, 1), BN scales [0.5, 1.5), variances [0.5, 2). */
function randomise(m: Module, seed: number): void {
  let s = seed;
  for (const [key, t] of m.stateDict()) {
    const [lo, hi] = key.endsWith('running_var') ? [0.5, 2] : key.endsWith('bn.weight') ? [0.5, 1.5] : [-1, 1];
    t.data.set(seededTensor(t.shape, s++, Math.fround(lo), Math.fround(hi)).data);
  }
}

function withinChain(got: Tensor, want: Tensor, K: number, label: string): void {
  assert.equal([...got.shape], [...want.shape], `${label}: shape`);
  const b = chainBound(K, want.data);
  for (let i = 0; i < got.size; i++) {
    const err = Math.abs(got.data[i] - want.data[i]);
    if (!(err <= b.bound(i) + 1e-30)) assert.unreachable(`${label}: element ${i}: got ${got.data[i]}, want ${want.data[i]}, |Δ| ${err} > ${b.describe} = ${b.bound(i)}`);
  }
}

// ---------------------------------------------------------------------------------------------

const Identities = suite('c2f/identities');

Identities('C2f with n = 0 is its two convolutions: cv2(cv1(x)), cv2 taking 2·c channels (bit-exact on both backends)', () => {
  fc.assert(fc.property(fc.record({ N: fc.integer({ min: 1, max: 2 }), c1: fc.integer({ min: 1, max: 6 }), c2: fc.integer({ min: 2, max: 9 }),
    H: fc.integer({ min: 1, max: 7 }), W: fc.integer({ min: 1, max: 9 }), seed: fc.integer() }), (c) => {
    manualSeed(c.seed);
    const m = new nn.C2f(c.c1, c.c2, { n: 0 });
    randomise(m, c.seed);
    assert.equal(m.cv2.conv.weight.shape, [c.c2, 2 * Math.trunc(c.c2 * 0.5), 1, 1]);
    const x = seededTensor([c.N, c.c1, c.H, c.W], c.seed);
    for (const ops of backends) {
      const got = m.forward(x, { backend: ops });
      const want = m.cv2.forward(m.cv1.forward(x, { backend: ops }), { backend: ops });
      assertBitExact(got.data, want.data, `C2f(n=0) vs cv2(cv1(x)) on ${ops.name}`, got.shape);
    }
  }), { numRuns: runs(40) });
});

Identities('the one-call op (ops.c2f) equals the block composed from its child modules (bit-exact for g = 1; chain bound for grouped bottlenecks on wasm)', () => {
  fc.assert(fc.property(fc.record({ c1: fc.integer({ min: 1, max: 5 }), c: fc.integer({ min: 1, max: 4 }), g: fc.constantFrom(1, 2),
    c2: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 0, max: 2 }), shortcut: fc.boolean(),
    H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 9 }), seed: fc.integer() }), (p) => {
    const c = p.c * p.g;                                   // hidden channels: a multiple of g by construction
    const m = new nn.C2f(p.c1, 2 * c, { n: p.n, shortcut: p.shortcut, g: p.g });
    randomise(m, p.seed);
    const x = seededTensor([2, p.c1, p.H, p.W], p.seed + 1);
    for (const ops of backends) {
      const got = m.forward(x, { backend: ops }), want = m.runComposed(ops, x);
      if (p.g === 1 || ops.name === 'ref') assertBitExact(got.data, want.data, `c2f vs composed on ${ops.name}`, got.shape);
      else withinChain(got, want, chainK(m, x), `c2f vs composed on ${ops.name}`);
    }
  }), { numRuns: runs(40) });
});

Identities('C2fBottleneck adds its input only when shortcut and c1 == c2 (Ultralytics\' self.add)', () => {
  const x = seededTensor([1, 4, 5, 6], 7);
  const cases: [number, number, boolean, boolean][] = [[4, 4, true, true], [4, 4, false, false], [4, 6, true, false]];
  for (const [c1, c2, shortcut, add] of cases) {
    const b = new nn.C2fBottleneck(c1, c2, { shortcut });
    randomise(b, c1 * 10 + c2);
    assert.is(b.add, add, `C2fBottleneck(${c1}, ${c2}, shortcut=${shortcut}).add`);
    for (const ops of backends) {
      const y = b.cv2.forward(b.cv1.forward(x, { backend: ops }), { backend: ops });
      const want = add ? ops.add(x, y) : y;
      assertBitExact(b.forward(x, { backend: ops }).data, want.data, `bottleneck on ${ops.name}`);
    }
  }
  // the hidden width is int(c2·e): c2 = 6, e = 0.5 → 3
  assert.equal(new nn.C2fBottleneck(4, 6).cv1.conv.weight.shape, [3, 4, 3, 3]);
});

Identities('Conv folds its batch norm exactly as conv + batch_norm2d + silu up to rounding; act=false is the identity activation', () => {
  const m = new nn.Conv(3, 5, { k: 3, s: 2 });
  randomise(m, 11);
  const x = seededTensor([2, 3, 7, 8], 12);
  for (const ops of backends) {
    const bn = m.bn.stateDict();
    const unfolded = ops.silu(ops.batchNorm2d(m.conv.forward(x, { backend: ops }), bn.get('running_mean')!, bn.get('running_var')!, bn.get('weight')!, bn.get('bias')!, { eps: 1e-3 }));
    withinChain(m.forward(x, { backend: ops }), unfolded, 27 + 8, `Conv vs conv → BN → SiLU on ${ops.name}`);
  }
  const linear = new nn.Conv(3, 5, { k: 3, act: false });
  randomise(linear, 13);
  const { weight, bias } = linear.foldedWeights();
  for (const ops of backends) assertBitExact(linear.forward(x, { backend: ops }).data, ops.conv2d(x, weight, bias, { padding: 1 }).data, `act=false on ${ops.name}`);
});

Identities('C2fCA is coordinate attention after cv2 (placement A): with zero conv_h / conv_w the gates are σ(0) = ½ and the output is C2f(x)/4 exactly', () => {
  const m = new nn.C2fCA(6, 8, { n: 1, shortcut: true, reduction: 4 });
  randomise(m, 21);
  assert.is(m.ca.bn1.eps, 1e-3, 'the attention\'s batch norm gets Ultralytics\' eps too');
  for (const conv of [m.ca.conv_h, m.ca.conv_w]) { conv.weight.data.fill(0); conv.bias!.data.fill(0); }
  const plain = new nn.C2f(6, 8, { n: 1, shortcut: true });
  plain.loadStateDict(Object.fromEntries([...m.stateDict()].filter(([k]) => !k.startsWith('ca.'))));
  const x = seededTensor([2, 6, 5, 7], 22);
  for (const ops of backends) {
    assertBitExact(m.forward(x, { backend: ops }).data, plain.forward(x, { backend: ops }).data.map((v) => v * 0.25), `C2fCA with zero gates on ${ops.name}`);
  }
});

Identities('autopad: ⌊k_eff / 2⌋ with k_eff = d·(k − 1) + 1, per dimension; a given p wins', () => {
  assert.equal(nn.autopad([3, 3], null, [1, 1]), [1, 1]);
  assert.equal(nn.autopad([3, 3], null, [2, 2]), [2, 2]);
  assert.equal(nn.autopad([5, 3], null, [1, 3]), [2, 3]);
  assert.equal(nn.autopad([4, 1], null, [1, 1]), [2, 0]);
  assert.equal(nn.autopad([3, 3], [0, 1], [2, 2]), [0, 1]);
  // 'same' size at stride 1 for odd kernels, whatever the dilation
  const m = new nn.Conv(2, 2, { k: [5, 3], d: [1, 2] });
  assert.equal(m.forward(seededTensor([1, 2, 6, 7], 1)).shape, [1, 2, 6, 7]);
});

Identities('state_dict keys are Ultralytics\' (C2f(8, 8, n=2)): cv1, cv2, m.<i>.cv1, m.<i>.cv2, each conv.weight + bn.*', () => {
  const conv = (p: string) => [`${p}.conv.weight`, `${p}.bn.weight`, `${p}.bn.bias`, `${p}.bn.running_mean`, `${p}.bn.running_var`];
  const keys = [...new nn.C2f(8, 8, { n: 2 }).stateDict().keys()];
  assert.equal(keys, [...conv('cv1'), ...conv('cv2'), ...conv('m.0.cv1'), ...conv('m.0.cv2'), ...conv('m.1.cv1'), ...conv('m.1.cv2')]);
  assert.equal(new nn.C2f(8, 8, { n: 2 }).intBufferKeys().length, 6);   // num_batches_tracked of each BatchNorm2d
  const bn = new nn.Conv(4, 4).bn;
  assert.is(bn.eps, 1e-3);
  assert.is(bn.momentum, 0.03);
});

Identities('the seed\'s C2fModule is the spatial gate: same class, output shaped like the input whatever out_channels, x/2 under a zero gate', () => {
  assert.is(nn.C2fModule, nn.SpatialGateC2f);
  const m = new nn.C2fModule(6, 3);
  randomise(m, 5);
  const x = seededTensor([2, 6, 5, 7], 6);
  for (const ops of backends) assert.equal(m.forward(x, { backend: ops }).shape, [2, 6, 5, 7]);
  m.conv3.weight.data.fill(0);
  m.conv3.bias!.data.fill(0);
  for (const ops of backends) {
    const y = m.forward(x, { backend: ops });
    assertBitExact(y.data, x.data.map((v) => v * 0.5), `zero gate on ${ops.name}`);
  }
});

Identities.run();

// ---------------------------------------------------------------------------------------------

const Wasm = suite('c2f/wasm');

const moduleCase = fc.record({
  kind: fc.constantFrom('Conv', 'C2fBottleneck', 'C2f', 'C2fCA', 'SpatialGateC2f'),
  N: fc.integer({ min: 1, max: 2 }), c1: fc.integer({ min: 1, max: 6 }), c2: fc.integer({ min: 2, max: 8 }),
  n: fc.integer({ min: 0, max: 2 }), shortcut: fc.boolean(), k: fc.constantFrom(1, 3), s: fc.constantFrom(1, 2),
  H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 9 }), seed: fc.integer(),
});

function buildModule(c: { kind: string; c1: number; c2: number; n: number; shortcut: boolean; k: number; s: number }): Module {
  switch (c.kind) {
    case 'Conv': return new nn.Conv(c.c1, c.c2, { k: c.k, s: c.s });
    case 'C2fBottleneck': return new nn.C2fBottleneck(c.c1, c.c2, { shortcut: c.shortcut });
    case 'C2f': return new nn.C2f(c.c1, c.c2, { n: c.n, shortcut: c.shortcut });
    case 'C2fCA': return new nn.C2fCA(c.c1, c.c2, { n: c.n, shortcut: c.shortcut, reduction: 2 });
    default: return new nn.SpatialGateC2f(c.c1, c.c2);
  }
}

Wasm('every module: wasm ≈ ref within the chain bound (ts/verify/golden_c2f.ts chainK)', () => {
  fc.assert(fc.property(moduleCase, (c) => {
    const m = buildModule(c);
    randomise(m, c.seed);
    const x = seededTensor([c.N, c.c1, c.H, c.W], c.seed + 3);
    const want = m.forward(x, { backend: 'ref' }), got = m.forward(x, { backend: 'wasm' });
    withinChain(got, want, chainK(m, x), `${c.kind} wasm vs ref`);
  }), { numRuns: runs(60) });
});

Wasm.run();

// ---------------------------------------------------------------------------------------------

const Errors = suite('c2f/errors');

const throwsNamed = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp, what: string) => {
  try { f(); } catch (e) {
    assert.instance(e, E, `${what}: ${(e as Error).name}: ${(e as Error).message}`);
    assert.match((e as Error).message, re, what);
    return;
  }
  assert.unreachable(`${what}: did not throw`);
};

Errors('construction: the groups must divide the hidden channels, which must be ≥ 1 (ParameterError naming both)', () => {
  throwsNamed(() => new nn.C2f(8, 10, { g: 2 }), ParameterError, /g = 2 must divide the hidden channels c = int\(c2·e\) = 5/, 'C2f g ∤ c');
  throwsNamed(() => new nn.C2f(8, 1), ParameterError, /int\(1·0.5\) must be ≥ 1, got 0/, 'C2f c = 0');
  throwsNamed(() => new nn.C2fBottleneck(4, 6, { g: 4 }), ParameterError, /g = 4 must divide .* = 3 and c2 = 6/, 'bottleneck g ∤ c_');
  throwsNamed(() => new nn.Conv(6, 4, { g: 4 }), ParameterError, /c1 \(6\) and c2 \(4\) must be divisible by g = 4/, 'Conv g ∤ c1');
  throwsNamed(() => new nn.C2f(8, 8, { n: -1 }), ParameterError, /n must be an integer >= 0, got -1/, 'n < 0');
  throwsNamed(() => new nn.C2f(8, 8, { n: 1.5 }), ParameterError, /n must be an integer >= 0, got 1.5/, 'n not an integer');
  throwsNamed(() => new nn.C2f(0, 8), ParameterError, /c1 must be an integer >= 1, got 0/, 'c1 = 0');
  throwsNamed(() => new nn.C2f(8, 8, { e: 0 }), ParameterError, /e must be a finite number > 0, got 0/, 'e = 0');
  throwsNamed(() => new nn.Conv(4, 4, { k: 0 }), ParameterError, /k must be an integer >= 1/, 'k = 0');
  throwsNamed(() => new nn.SpatialGateC2f(4, 0), ParameterError, /out_channels must be an integer >= 1, got 0/, 'spatial gate out_channels');
});

Errors('construction: bad option types are ArgumentErrors naming the key and the type', () => {
  throwsNamed(() => new nn.C2f(8, 8, { n: '2' as never }), ArgumentError, /n must be a number, got string/, 'n string');
  throwsNamed(() => new nn.C2f(8, 8, { shortcut: 1 as never }), ArgumentError, /shortcut must be a boolean, got number/, 'shortcut number');
  throwsNamed(() => new nn.C2f(8, 8, { e: '0.5' as never }), ArgumentError, /e must be a number, got string/, 'e string');
  throwsNamed(() => new nn.C2f(8, 8, { g: null as never }), ArgumentError, /g must be a number, got null/, 'g null');
  throwsNamed(() => new nn.C2f(8, 8, { k: 3 } as never), ArgumentError, /unexpected 'k'/, 'unknown key');
  throwsNamed(() => new nn.C2f(8, 8, 2 as never), ArgumentError, /options must be a plain object/, 'positional n');
  throwsNamed(() => new nn.Conv(4, 4, { act: 'relu' as never }), ArgumentError, /act must be a boolean or a Module, got string/, 'act string');
  throwsNamed(() => new nn.C2fBottleneck(4, 4, { k: 3 as never }), ArgumentError, /k must be a pair/, 'bottleneck k not a pair');
});

Errors('forward: wrong input channels or rank are ShapeErrors before any work, the same on both backends; the module is unchanged', () => {
  const m = new nn.C2f(8, 8, { n: 1 });
  randomise(m, 3);
  const before = [...m.stateDict().values()].map((t) => t.data.slice());
  const mark = arenaStats().mark;
  for (const ops of backends) {
    throwsNamed(() => m.forward(seededTensor([1, 6, 5, 5], 1), { backend: ops }), ShapeError, /C2f: input.shape\[1\] must equal c1 = 8, got 6 \(input=\[1,6,5,5\]\)/, `channels on ${ops.name}`);
    throwsNamed(() => m.forward(seededTensor([8, 5, 5], 1), { backend: ops }), ShapeError, /C2f: input must have rank 4, got rank 3/, `rank on ${ops.name}`);
    throwsNamed(() => new nn.SpatialGateC2f(3, 4).forward(seededTensor([1, 4, 5, 5], 1), { backend: ops }), ShapeError, /in_channels = 3, got 4/, `spatial gate on ${ops.name}`);
    throwsNamed(() => new nn.C2fBottleneck(4, 4).forward(seededTensor([1, 2, 5, 5], 1), { backend: ops }), ShapeError, /C2fBottleneck: input.shape\[1\] must equal c1 = 4/, `bottleneck on ${ops.name}`);
    throwsNamed(() => m.forward('x' as never, { backend: ops }), ArgumentError, /C2f.forward: input must be a Tensor/, `not a tensor on ${ops.name}`);
  }
  assert.is(arenaStats().mark, mark, 'no arena allocation left behind');
  [...m.stateDict().values()].forEach((t, i) => assertBitExact(t.data, before[i], 'parameters unchanged'));
});

Errors('ops.c2f: weights checked by key and shape (StateDictError), options by type, with the same message on both backends', () => {
  const m = new nn.C2f(4, 6, { n: 1, g: 1 });
  const weights = Object.fromEntries(m.stateDict());
  const x = seededTensor([1, 4, 5, 5], 2);
  const messages = (f: (ops: typeof refOps) => unknown) => backends.map((ops) => { try { f(ops); return 'no error'; } catch (e) { return `${(e as Error).name}: ${(e as Error).message}`; } });
  const same = (f: (ops: typeof refOps) => unknown, re: RegExp, what: string) => {
    const [a, b] = messages(f);
    assert.is(a, b, `${what}: ref and wasm throw the same`);
    assert.match(a, re, what);
  };
  const { ['m.0.cv1.bn.running_var']: _dropped, ...missing } = weights;
  same((ops) => ops.c2f(x, missing), /StateDictError: c2f: parameter m.0.cv1.bn.running_var must be given, got none/, 'missing key');
  same((ops) => ops.c2f(x, { ...weights, 'm.1.cv1.conv.weight': weights['m.0.cv1.conv.weight'] }), /StateDictError: c2f: unexpected parameters m.1.cv1.conv.weight/, 'extra key');
  same((ops) => ops.c2f(x, { ...weights, 'm.0.cv1.conv.weight': seededTensor([3, 3, 1, 1], 1) }), /StateDictError: c2f: parameter m.0.cv1.conv.weight must have shape \[3,3,3,3\], got \[3,3,1,1\]/, 'wrong shape');
  same((ops) => ops.c2f(seededTensor([1, 5, 5, 5], 1), weights), /ShapeError: c2f: cv1.conv.weight must have shape \[2c, c1 = input.shape\[1\] = 5, 1, 1\]/, 'input channels');
  same((ops) => ops.c2f(x, weights, { shortcut: 'yes' as never }), /ArgumentError: c2f: shortcut must be a boolean, got string/, 'shortcut type');
  same((ops) => ops.c2f(x, weights, { eps: -1 }), /ParameterError: c2f: eps must be a finite number ≥ 0, got -1/, 'eps');
  same((ops) => ops.c2f(x, weights, { groups: 2 } as never), /ArgumentError: c2f: options may only hold the keys \{ shortcut, eps \}/, 'unknown option');
  same((ops) => ops.c2f(x, [] as never), /ArgumentError: c2f: weights must be a plain object/, 'weights array');
  // num_batches_tracked may be present (a PyTorch state_dict), and is ignored
  same((ops) => ops.c2f(x, { ...weights, 'cv1.bn.num_batches_tracked': new Tensor([0], [1]) }).shape.join(','), /no error/, 'num_batches_tracked accepted');
  throwsNamed(() => ops2(x, weights), StateDictError, /missing keys: m\.1\.cv1\.conv\.weight/, 'a C2f(n=1) state into C2f(n=2)');
});

/** A C2f state given to the wrong module size: loadStateDict refuses it atomically. */
function ops2(x: Tensor, weights: Record<string, Tensor>): void {
  const small = new nn.C2f(4, 6, { n: 2 });
  small.loadStateDict(weights);
  small.forward(x);
}

Errors.run();
