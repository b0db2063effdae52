/**
 * Fuzz cases over the nn modules: constructors with one argument or option replaced by a hostile value, forward
 * with a hostile input or options, and loadStateDict with a hostile state. Classified as fuzz_ops.ts does:
 * a named error, or (where the replacement may be valid) a correct result; after a failed load the module is
 * bit-identical to before; after every case the WASM arena and static data are intact.
 */
import fc from 'fast-check';
import { Tensor } from '../../ts/core/tensor.js';
import * as nn from '../../ts/nn/index.js';
import type { Module } from '../../ts/nn/module.js';
import {
  TENSOR_SLOT, OPTIONS_SLOT, INT_KEY, REAL_KEY, BOOLEAN_KEY, ENUM_KEY, LIST_SLOT, LIST_ENTRY, RECORD_SLOT, pick, small,
  type Hostile, type Validity, type Picks,
} from './fuzz_hostile.js';
import { attempt, describeError, sameBits, wasmHealth, worst, type CaseResult, type Outcome } from './fuzz_ops.js';

type Args = unknown[];

interface ModuleSpec {
  name: string;
  /** valid constructor arguments */
  args: () => Args;
  make: (...a: Args) => Module;
  /** the tensors forward takes before its options */
  inputs: () => Tensor[];
  /** index of the options argument of forward (after the inputs; DeformConv2d has mask in between) */
  optionsAt?: number;
}

const M = (name: string, make: (...a: Args) => Module, args: () => Args, inputs: () => Tensor[], optionsAt?: number): ModuleSpec => ({ name, make, args, inputs, optionsAt });

/** Every module family with small valid arguments (forward takes < 50 ms on ref). */
export const MODULES: ModuleSpec[] = [
  M('Conv2d', (...a) => new (nn.Conv2d as any)(...a), () => [3, 4, 3, { padding: 1 }], () => [small([1, 3, 6, 6])]),
  M('BatchNorm2d', (...a) => new (nn.BatchNorm2d as any)(...a), () => [4, { eps: 1e-5 }], () => [small([1, 4, 3, 3])]),
  M('ReLU', () => new nn.ReLU(), () => [], () => [small([2, 3])]),
  M('GELU', (...a) => new (nn.GELU as any)(...a), () => [{ approximate: 'tanh' }], () => [small([2, 3])]),
  M('Linear', (...a) => new (nn.Linear as any)(...a), () => [5, 3, { bias: true }], () => [small([2, 5])]),
  M('LayerNorm', (...a) => new (nn.LayerNorm as any)(...a), () => [[4], { eps: 1e-5 }], () => [small([2, 3, 4])]),
  M('ACmix', (...a) => new (nn.ACmix as any)(...a), () => [8, 8, { kernel_att: 3, head: 2 }], () => [small([1, 8, 6, 6])]),
  M('Bottleneck', (...a) => new (nn.Bottleneck as any)(...a), () => [8, 2, 3, 1, 3], () => [small([1, 8, 6, 6])]),
  M('DeformConv2d', (...a) => new (nn.DeformConv2d as any)(...a), () => [2, 3, 3, { padding: 1 }], () => [small([1, 2, 5, 5]), small([1, 18, 5, 5], 3)], 3),
  M('DCNv2', (...a) => new (nn.DCNv2 as any)(...a), () => [2, 3, 3, { padding: 1 }], () => [small([1, 2, 5, 5])]),
  M('CondConvRouting', (...a) => new (nn.CondConvRouting as any)(...a), () => [4, 3], () => [small([1, 4, 5, 5])]),
  M('CondConv2d', (...a) => new (nn.CondConv2d as any)(...a), () => [4, 4, { kernel_size: 3, padding: 1, num_experts: 3 }], () => [small([1, 4, 5, 5]), small([1, 3], 2)], 2),
  M('DynamicConv2d', (...a) => new (nn.DynamicConv2d as any)(...a), () => [4, 4, 3, { padding: 1, K: 2 }], () => [small([1, 4, 5, 5])]),
  M('ODConv2d', (...a) => new (nn.ODConv2d as any)(...a), () => [4, 4, 3, { padding: 1, kernel_num: 2 }], () => [small([1, 4, 5, 5])]),
  M('DynamicDWConv', (...a) => new (nn.DynamicDWConv as any)(...a), () => [4, 3, { padding: 1, groups: 4, bias: true, stride: 1 }], () => [small([1, 4, 5, 5])]),
  M('IDynamicDWConv', (...a) => new (nn.IDynamicDWConv as any)(...a), () => [4, 3, 2], () => [small([1, 4, 5, 5])]),
  M('DynamicDWFeedForward', (...a) => new (nn.DynamicDWFeedForward as any)(...a), () => [4, 8, { kernel_size: 3 }], () => [small([1, 4, 4, 4])]),
  M('RoutedDownsample', (...a) => new (nn.RoutedDownsample as any)(...a), () => [4, { out_dim: 8 }], () => [small([1, 4, 4, 4])]),
  M('Conv', (...a) => new (nn.Conv as any)(...a), () => [4, 6, { k: 3, s: 1 }], () => [small([1, 4, 5, 5])]),
  M('C2fBottleneck', (...a) => new (nn.C2fBottleneck as any)(...a), () => [4, 4, { shortcut: true }], () => [small([1, 4, 5, 5])]),
  M('C2f', (...a) => new (nn.C2f as any)(...a), () => [4, 6, { n: 1, shortcut: true }], () => [small([1, 4, 5, 5])]),
  M('C2fCA', (...a) => new (nn.C2fCA as any)(...a), () => [4, 8, { n: 1, reduction: 4 }], () => [small([1, 4, 5, 6])]),
  M('SpatialGateC2f', (...a) => new (nn.SpatialGateC2f as any)(...a), () => [4, 3], () => [small([1, 4, 5, 5])]),
  M('SqueezeExcitation', (...a) => new (nn.SqueezeExcitation as any)(...a), () => [4, 2], () => [small([1, 4, 5, 6])]),
  M('CoordAtt', (...a) => new (nn.CoordAtt as any)(...a), () => [4, 4, { reduction: 4 }], () => [small([1, 4, 5, 6])]),
  M('CBAM', (...a) => new (nn.CBAM as any)(...a), () => [4, { reduction_ratio: 2 }], () => [small([1, 4, 5, 6])]),
  M('LinearSelfAttention', (...a) => new (nn.LinearSelfAttention as any)(...a), () => [4, { bias: true }], () => [small([1, 4, 3, 5])]),
  M('AxialAttention', (...a) => new (nn.AxialAttention as any)(...a), () => [4, { heads: 2, dim_index: 1 }], () => [small([1, 4, 3, 5])]),
  M('ConvProjectionAttention', (...a) => new (nn.ConvProjectionAttention as any)(...a), () => [4, 4, 2, { with_cls_token: false }], () => [small([1, 4, 4, 6])]),
  M('ACmixGlobal', (...a) => new (nn.ACmixGlobal as any)(...a), () => [8, 8, { head: 2 }], () => [small([1, 8, 4, 5])]),
];

/** Documented option keys per module (ts/nn/*.ts *_KEYS), so a mutation may add a key the valid call left out. */
const MODULE_KEYS: Record<string, string[]> = {
  Conv2d: ['stride', 'padding', 'dilation', 'groups', 'bias'],
  BatchNorm2d: ['eps', 'momentum'],
  GELU: ['approximate'],
  Linear: ['bias'],
  LayerNorm: ['eps', 'elementwise_affine'],
  ACmix: ['kernel_att', 'head', 'kernel_conv', 'stride', 'dilation'],
  Bottleneck: ['stride', 'downsample'],
  DeformConv2d: ['stride', 'padding', 'dilation', 'groups', 'bias'],
  DCNv2: ['stride', 'padding', 'dilation', 'groups', 'deform_groups', 'bias'],
  CondConv2d: ['kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'num_experts'],
  DynamicConv2d: ['ratio', 'stride', 'padding', 'dilation', 'groups', 'bias', 'K', 'temperature', 'init_weight'],
  ODConv2d: ['stride', 'padding', 'dilation', 'groups', 'reduction', 'kernel_num'],
  DynamicDWConv: ['bias', 'stride', 'padding', 'groups', 'reduction'],
  DynamicDWFeedForward: ['kernel_size', 'reduction'],
  RoutedDownsample: ['num_experts', 'out_dim'],
  Conv: ['k', 's', 'p', 'g', 'd', 'act'],
  C2fBottleneck: ['shortcut', 'g', 'k', 'e'],
  C2f: ['n', 'shortcut', 'g', 'e'],
  C2fCA: ['n', 'shortcut', 'g', 'e', 'reduction'],
};

const DOWNSAMPLE: Hostile[] = [
  { label: 'number 5', make: () => 5, validity: 'invalid' },
  { label: '{ forward }', make: () => ({ forward: () => null }), validity: 'invalid' },
  { label: 'null', make: () => null, validity: 'maybe' },
  { label: 'a Module', make: () => nn.Bottleneck.downsampleFor(8, 2, 1), validity: 'maybe' },
];

function modulePool(key: string): Hostile[] {
  if (['bias', 'elementwise_affine', 'init_weight', 'shortcut', 'act'].includes(key)) return BOOLEAN_KEY;
  if (['eps', 'momentum', 'ratio', 'reduction', 'temperature', 'e'].includes(key)) return REAL_KEY;
  if (key === 'approximate') return ENUM_KEY;
  if (key === 'downsample') return DOWNSAMPLE;
  return INT_KEY;
}

/**
 * Integer replacements at least 2^20 that pass the range checks make a constructor allocate (and initialise)
 * parameters of up to the element limit (nn/init.ts uniform and Tensor.zeros / full refuse more with a
 * ResourceError), which takes seconds, so the CI suite leaves them out; scripts/fuzz.ts keeps them (--huge-ctors).
 */
function ctorPool(pool: Hostile[], hugeCtors: boolean): Hostile[] {
  if (hugeCtors) return pool;
  return pool.filter((v) => {
    if (v.validity !== 'maybe') return true;
    const x = v.make();
    const nums = Array.isArray(x) ? x : [x];
    return !nums.some((n) => typeof n === 'number' && Math.abs(n) >= 2 ** 20);
  });
}

const BACKEND: Hostile[] = [
  { label: "'tpu'", make: () => 'tpu', validity: 'invalid' },
  { label: 'number 5', make: () => 5, validity: 'invalid' },
  { label: 'null', make: () => null, validity: 'invalid' },
  { label: '{}', make: () => ({}), validity: 'invalid' },
  { label: "'ref'", make: () => 'ref', validity: 'maybe' },
  { label: "'wasm'", make: () => 'wasm', validity: 'maybe' },
  { label: 'undefined', make: () => undefined, validity: 'maybe' },
];

export interface ModuleCase { kind: 'ctor' | 'forward' | 'load'; module: number; picks: Picks }

export function moduleCaseArb(): fc.Arbitrary<ModuleCase> {
  return fc.record({
    kind: fc.constantFrom('ctor' as const, 'forward' as const, 'load' as const),
    module: fc.nat({ max: MODULES.length - 1 }),
    picks: fc.record({ slot: fc.nat(), key: fc.nat(), value: fc.nat(), entry: fc.nat(), mode: fc.nat() }),
  });
}

/**
 * Known gaps of the module boundary, in ts/nn files the boundary's owner does not edit: a failure whose label
 * matches is counted as "known gap". Delete an entry when its fix lands.
 */
export const MODULE_GAPS: { pattern: RegExp; fix: string }[] = [
];

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** max |a − b| ≤ 1e-4·(max|ref| + 1e-30), NaN where NaN: ref and wasm forwards of a small module agree. */
function closeEnough(a: Tensor, b: Tensor): boolean {
  if (a.rank !== b.rank || a.shape.some((s, i) => s !== b.shape[i])) return false;
  let scale = 0;
  for (const v of a.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i], y = b.data[i];
    if (Number.isNaN(x) || Number.isNaN(y)) { if (!(Number.isNaN(x) && Number.isNaN(y))) return false; continue; }
    if (x === y) continue;
    if (!(Math.abs(x - y) <= 1e-4 * (scale + 1e-30))) return false;
  }
  return true;
}

const built = new Map<number, { module: Module; ref: Tensor; wasm: Tensor }>();

/** A module of each family built once with valid arguments, and its forward on both backends. */
function reference(i: number): { module: Module; ref: Tensor; wasm: Tensor } {
  let b = built.get(i);
  if (!b) {
    const s = MODULES[i];
    nn.manualSeed(7);
    const module = s.make(...s.args());
    const fwd = (backend: string) => (module.forward as (...a: unknown[]) => Tensor)(...forwardArgs(s, s.inputs(), { backend }));
    b = { module, ref: fwd('ref'), wasm: fwd('wasm') };
    built.set(i, b);
  }
  return b;
}

function forwardArgs(s: ModuleSpec, inputs: unknown[], options: unknown): unknown[] {
  const args = [...inputs];
  const at = s.optionsAt ?? inputs.length;
  while (args.length < at) args.push(null);
  args[at] = options;
  return args;
}

export function runModuleCase(c: ModuleCase, hugeCtors = false): CaseResult {
  const s = MODULES[c.module];
  const p = c.picks;
  let outcome: Outcome = 'named error';
  const details: string[] = [];
  const fail = (o: Outcome, why: string) => { outcome = worst(outcome, o); details.push(why); };
  let label = `${s.name}`;
  const named = (r: ReturnType<typeof attempt>, validity: Validity, what: string): boolean => {
    if (r.kind === 'other') { fail('other exception', `${what}: ${describeError(r.error)}`); return false; }
    if (r.kind === 'corrupt') { fail('post-call check failed', `${what}: ${describeError(r.error)}`); return false; }
    if (r.kind === 'result' && validity === 'invalid') { fail('returned a result for invalid input', `${what} returned`); return false; }
    return r.kind === 'named';
  };

  if (c.kind === 'ctor') {
    const args = s.args();
    const takesOptions = MODULE_KEYS[s.name] !== undefined;
    const slots = args.length + (takesOptions && !args.some(isPlain) ? 1 : 0);   // an options object the valid call left out
    if (slots === 0) return finish();
    const slot = p.slot % slots;
    let hv: Hostile, what: string;
    const a = [...args];
    const optsAt = args.findIndex(isPlain);
    if (slot === args.length || slot === optsAt) {
      const at = optsAt >= 0 ? optsAt : args.length;
      const keys = MODULE_KEYS[s.name] ?? [];
      if (keys.length && p.mode % 3 !== 0) {
        const key = p.mode % 7 === 1 ? 'bogus_key' : keys[p.key % keys.length];
        hv = key === 'bogus_key' ? { label: '1', make: () => 1, validity: 'invalid' } : pick(ctorPool(modulePool(key), hugeCtors), p.value);
        a[at] = { ...(isPlain(a[at]) ? a[at] as object : {}), [key]: hv.make() };
        what = `options.${key} = ${hv.label}`;
      } else {
        hv = pick(OPTIONS_SLOT, p.value);
        a[at] = hv.make();
        what = `options = ${hv.label}`;
      }
    } else if (Array.isArray(args[slot])) {
      hv = p.mode % 2 ? pick(ctorPool(LIST_ENTRY, hugeCtors), p.value) : pick(LIST_SLOT, p.value);
      a[slot] = p.mode % 2 ? [hv.make()] : hv.make();
      what = `argument ${slot} = ${p.mode % 2 ? `[${hv.label}]` : hv.label}`;
    } else {
      hv = pick(ctorPool(INT_KEY, hugeCtors), p.value);
      a[slot] = hv.make();
      what = `argument ${slot} = ${hv.label}`;
    }
    label = `new ${s.name}: ${what}`;
    const r = attempt(() => s.make(...a));
    // An invalid value must be refused by name: by the constructor, or (as PyTorch does for a stored eps) by the
    // module's forward on both backends.
    if (r.kind !== 'result') { named(r, hv.validity, label); return finish(); }
    const m = r.value as Module;
    const outs = ['ref', 'wasm'].map((backend) => attempt(() => (m.forward as (...x: unknown[]) => Tensor)(...forwardArgs(s, s.inputs(), { backend }))));
    for (const o of outs) named(o, hv.validity, `${label}, then forward`);
    if (outs[0].kind === 'result' && outs[1].kind === 'result') {
      if (!closeEnough(outs[0].value as Tensor, outs[1].value as Tensor)) fail('backends disagree / wrong result', `${label}: forward ref vs wasm differ`);
      else outcome = worst(outcome === 'named error' ? 'correct result' : outcome, 'correct result');
    } else if (outs[0].kind !== outs[1].kind) fail('backends disagree / wrong result', `${label}: forward ${outs[0].kind} on ref, ${outs[1].kind} on wasm`);
    return finish();
  }

  const ref = reference(c.module);
  if (c.kind === 'forward') {
    const inputs: unknown[] = s.inputs();
    const slot = p.slot % (inputs.length + 1);
    let hv: Hostile, what: string;
    let options: Record<string, unknown> | unknown = {};
    let backends: (string | null)[] = ['ref', 'wasm'];
    if (slot < inputs.length) {
      hv = pick(TENSOR_SLOT, p.value);
      inputs[slot] = hv.make();
      what = `input ${slot} = ${hv.label}`;
    } else if (p.mode % 2 === 0) {
      hv = pick(OPTIONS_SLOT, p.value);
      options = hv.make();
      backends = [null];
      what = `options = ${hv.label}`;
    } else {
      hv = pick(BACKEND, p.value);
      options = { backend: hv.make() };
      backends = [null];
      what = `options.backend = ${hv.label}`;
    }
    label = `${s.name}.forward: ${what}`;
    const outs = backends.map((backend) => attempt(() => (ref.module.forward as (...x: unknown[]) => Tensor)(
      ...forwardArgs(s, inputs, backend === null ? options : { ...(options as object), backend }))));
    for (const o of outs) named(o, hv.validity, label);
    if (outs.length === 2) {
      const [a, b] = outs;
      if (a.kind === 'named' && b.kind === 'named' && (a.error.constructor !== b.error.constructor || a.error.message !== b.error.message)) {
        fail('backends disagree / wrong result', `${label}: ref ${describeError(a.error)} | wasm ${describeError(b.error)}`);
      } else if (a.kind === 'result' && b.kind === 'result' && hv.validity !== 'invalid') {
        if (!closeEnough(a.value as Tensor, b.value as Tensor)) fail('backends disagree / wrong result', `${label}: ref vs wasm differ`);
        else outcome = worst(outcome === 'named error' ? 'correct result' : outcome, 'correct result');
      } else if ((a.kind === 'result') !== (b.kind === 'result')) fail('backends disagree / wrong result', `${label}: ${a.kind} on ref, ${b.kind} on wasm`);
    } else if (outs[0].kind === 'result' && hv.validity !== 'invalid') outcome = worst(outcome === 'named error' ? 'correct result' : outcome, 'correct result');
    // the module still gives its first answer
    for (const backend of ['ref', 'wasm'] as const) {
      const again = attempt(() => (ref.module.forward as (...x: unknown[]) => Tensor)(...forwardArgs(s, s.inputs(), { backend })));
      if (again.kind !== 'result' || !sameBits(again.value, ref[backend])) fail('post-call check failed', `${label}: the baseline forward on ${backend} ${again.kind === 'result' ? 'changed bits' : describeError((again as { error: unknown }).error)}`);
    }
    return finish();
  }

  // loadStateDict on a fresh module
  nn.manualSeed(7);
  const module = s.make(...s.args());
  const before = new Map([...module.stateDict()].map(([k, v]) => [k, v.clone()]));
  const keys = [...before.keys()];
  const entries: [string, unknown][] = [...before].map(([k, v]) => [k, v.clone()]);
  let state: unknown, options: unknown, hv: Hostile, what: string;
  const mode = p.mode % 6;
  if (mode === 0) { hv = pick(RECORD_SLOT.filter((v) => v.label !== 'Map'), p.value); state = hv.make(); what = `state = ${hv.label}`; }
  else if (mode === 1 && keys.length) {
    const i = p.key % keys.length, k = keys[i];
    const sameShapeNaN: Hostile = { label: `Tensor${JSON.stringify(before.get(k)!.shape)} of NaN`, make: () => Tensor.full(before.get(k)!.shape, NaN), validity: 'maybe' };
    hv = pick([...TENSOR_SLOT, sameShapeNaN, sameShapeNaN], p.value);
    entries[i] = [k, hv.make()];
    what = `state['${k}'] = ${hv.label}`;
  } else if (mode === 2 && keys.length) {
    const i = p.key % keys.length;
    what = `state without '${entries[i][0]}'`;
    entries.splice(i, 1);
    hv = { label: 'missing', make: () => undefined, validity: 'maybe' };
  } else if (mode === 3) {
    entries.push(['bogus.weight', small([2])]);
    what = "state with 'bogus.weight'";
    hv = { label: 'unexpected', make: () => undefined, validity: 'maybe' };
  } else if (mode === 4) {
    hv = p.key % 2 ? pick(OPTIONS_SLOT, p.value) : pick(BOOLEAN_KEY, p.value);
    options = p.key % 2 ? hv.make() : { strict: hv.make() };
    what = p.key % 2 ? `options = ${hv.label}` : `options.strict = ${hv.label}`;
  } else {
    hv = { label: 'valid', make: () => undefined, validity: 'maybe' };
    what = 'a valid state';
  }
  if (state === undefined && mode !== 0) state = p.entry % 2 ? new Map(entries) : Object.fromEntries(entries);
  label = `${s.name}.loadStateDict: ${what}${state instanceof Map ? ' (Map)' : ''}`;
  const r = attempt(() => module.loadStateDict(state as Map<string, Tensor>, options as { strict?: boolean }));
  named(r, hv.validity, label);
  const now = module.stateDict();
  if (r.kind !== 'result') {
    for (const [k, t] of before) if (!sameBits(now.get(k), t)) fail('post-call check failed', `${label}: a failed load changed ${k}`);
  } else {
    const given = state instanceof Map ? state : new Map(Object.entries(state as object));
    for (const [k, t] of now) {
      const g = given.get(k);
      const want = g instanceof Tensor ? g : before.get(k);
      if (!sameBits(t, want)) fail('backends disagree / wrong result', `${label}: ${k} is not what was loaded`);
    }
    if (outcome === 'named error') outcome = 'correct result';
  }
  return finish();

  function finish(): CaseResult {
    const health = wasmHealth();
    if (health) fail('post-call check failed', `${label}: ${health}`);
    const gap = MODULE_GAPS.find((g) => g.pattern.test(label));
    if (gap && (outcome === 'other exception' || outcome === 'returned a result for invalid input' || outcome === 'backends disagree / wrong result' || outcome === 'hang')) {
      return { outcome: 'known gap', label, detail: `known gap «${gap.fix}»: ${details.join('; ')}` };
    }
    return { outcome, label, detail: details.join('; ') || undefined };
  }
}
