/**
 * Fuzz cases over the registry: every row's op on both backends, called with one argument (or one option, or
 * one list entry) of a valid call from spec/support/cases.ts replaced by a hostile value (fuzz_hostile.ts).
 *
 * A case ends well when
 *   - both backends throw a named error (instanceof AttnconvError), the same class with the same message, or
 *   - the replacement may be valid, both return, and wasm is within the op's stated bound of ref (cases.ts);
 * and after it the WASM arena is back at its base with no scope open, the module's static data is unchanged
 * (checksum), no guard band was hit (debug build: a BackendError "out of bounds"), and a valid baseline call of
 * the same op on each backend is bit-identical to its first result.
 * Anything else is a failure: another exception (TypeError, RangeError, RuntimeError), a result for an input
 * that is certainly invalid, backends that disagree, a wrong result, or a failed post-call check — unless
 * fuzz_gaps.ts lists the gap.
 */
import fc from 'fast-check';
import { Tensor } from '../../ts/core/tensor.js';
import { AttnconvError, BackendError } from '../../ts/core/errors.js';
import type { OpName, Ops } from '../../ts/core/ops.js';
import { registry } from '../../ts/registry.js';
import { ops as refOps } from '../../ts/ref/index.js';
import * as wasm from '../../ts/wasm/index.js';
import { arenaStats, staticDataChecksum } from '../../ts/wasm/arena.js';
import { opSpecs, type OpSpec } from './cases.js';
import {
  WRONG_TYPES, TENSOR_SLOT, OPTIONS_SLOT, INT_KEY, INT_ARG, ANY_NUMBER, LIST_SLOT, LIST_ENTRY, RECORD_SLOT, poolForKey, pick,
  type Hostile, type Validity, type Picks,
} from './fuzz_hostile.js';
import { gapFor } from './fuzz_gaps.js';

// ---------------------------------------------------------------------------------------------
// outcomes

/** What one case ended in (one row of the outcome table). Worst first. */
export const OUTCOMES = [
  'process killed',
  'hang',
  'post-call check failed',
  'other exception',
  'returned a result for invalid input',
  'backends disagree / wrong result',
  'unvetted op',
  'known gap',
  'named error',
  'correct result',
] as const;
export type Outcome = typeof OUTCOMES[number];
/**
 * Outcomes that do not fail the suite: the two good ones; a failure a listed gap explains (fuzz_gaps.ts); and a
 * failure of an op without an OP_SLOTS row (a newly registered op, fuzzed with slots inferred from its valid
 * call and lenient pools): it joins the strict suite when its row is added below.
 */
export const GOOD: ReadonlySet<Outcome> = new Set(['named error', 'correct result', 'known gap', 'unvetted op']);

export interface CaseResult { outcome: Outcome; label: string; detail?: string }

export function worst(a: Outcome, b: Outcome): Outcome {
  return OUTCOMES.indexOf(a) <= OUTCOMES.indexOf(b) ? a : b;
}

/** One call's result on one backend. */
export type Call = { kind: 'named'; error: AttnconvError } | { kind: 'result'; value: unknown } | { kind: 'other'; error: unknown } | { kind: 'corrupt'; error: Error };

export function attempt(fn: () => unknown): Call {
  try {
    return { kind: 'result', value: fn() };
  } catch (e) {
    if (e instanceof BackendError && /out of bounds/.test(e.message)) return { kind: 'corrupt', error: e };
    if (e instanceof AttnconvError) return { kind: 'named', error: e };
    return { kind: 'other', error: e };
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor?.name ?? e.name}: ${e.message.slice(0, 300)}`;
  return `non-Error thrown: ${String(e)}`;
}

// ---------------------------------------------------------------------------------------------
// the WASM module's health after a call

let checksum: number | null = null;

/** Problems with the WASM module's state after a call: arena mark, open scopes, static data. */
export function wasmHealth(): string | null {
  const s = arenaStats();
  const sum = staticDataChecksum();
  if (checksum === null) checksum = sum;
  if (s.depth !== 0) return `arena: ${s.depth} scope(s) left open`;
  if (s.mark !== s.base) return `arena: mark ${s.mark} not back at base ${s.base}`;
  if (sum !== checksum) return `static data changed: checksum 0x${sum.toString(16)}, was 0x${checksum.toString(16)}`;
  return null;
}

/** Element-wise bit equality of two results (Tensors or records of Tensors). */
export function sameBits(a: unknown, b: unknown): boolean {
  if (a instanceof Tensor && b instanceof Tensor) {
    if (a.rank !== b.rank || a.shape.some((s, i) => s !== b.shape[i])) return false;
    const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.size), y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.size);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Tensor) && !(b instanceof Tensor)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => sameBits((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// argument slots of each op

export type Slot =
  | { kind: 'tensor' }
  | { kind: 'options'; keys: readonly string[] }
  | { kind: 'int' }
  | { kind: 'number' }
  | { kind: 'list' }
  | { kind: 'intPair' }
  | { kind: 'record' }
  | { kind: 'hooks' };

const t: Slot = { kind: 'tensor' };
const o = (...keys: string[]): Slot => ({ kind: 'options', keys });
const CONV = ['stride', 'padding', 'dilation', 'groups'];

/** The argument slots of each Ops member (by its signature in ts/core/ops.ts). */
export const OP_SLOTS: Partial<Record<OpName, Slot[]>> = {
  conv2d: [t, t, t, o(...CONV)],
  conv2dStageI: [t, t, o('groups')],
  conv2dStageII: [t, { kind: 'list' }, t, o('stride', 'padding', 'dilation')],
  conv2dShiftSum: [t, t, t, o(...CONV)],
  shift2d: [t, { kind: 'list' }],
  shift2dAsConv: [t, { kind: 'list' }],
  pad: [t, { kind: 'list' }, o('mode', 'value')],
  unfold: [t, { kind: 'intPair' }, o('dilation', 'padding', 'stride')],
  softmax: [t, { kind: 'int' }],
  linear: [t, t, t],
  relu: [t],
  gelu: [t, o('approximate')],
  sigmoid: [t],
  hardswish: [t],
  flatten: [t, o('start_dim', 'end_dim')],
  batchNorm2d: [t, t, t, t, t, o('eps')],
  layerNorm: [t, { kind: 'list' }, t, t, o('eps')],
  add: [t, t],
  axpby: [{ kind: 'number' }, t, { kind: 'number' }, t],
  interpolate: [t, o('size', 'mode', 'align_corners')],
  globalAvgPool2d: [t],
  localAttention: [t, t, t, t, o('head', 'kernel_att', 'stride', 'dilation')],
  acmixFc: [t, t, t, t, o('head')],
  acmix: [t, { kind: 'record' }, o('kernel_att', 'head', 'kernel_conv', 'stride', 'dilation')],
  acmixForward: [t, { kind: 'record' }, o('in_planes', 'out_planes', 'kernel_att', 'head', 'kernel_conv', 'stride', 'dilation', 'head_dim'), { kind: 'hooks' }],
  deformConv2d: [t, t, t, t, o('stride', 'padding', 'dilation', 'mask')],
  conv2dPerSample: [t, t, t, o(...CONV)],
  conv2dMixture: [t, t, t, t, o(...CONV)],
  conv2dModulated: [t, t, t, o('gamma_in', 'gamma_out', 'gamma', 'beta', 'demodulate', 'eps'), o(...CONV)],
  involution2d: [t, t, o('kernel_size', 'stride', 'padding', 'dilation')],
  c2f: [t, { kind: 'record' }, o('shortcut', 'eps')],
};

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Slots of an op without an OP_SLOTS row (a newly registered op), inferred from a valid call's arguments. */
function inferSlots(args: readonly unknown[]): Slot[] {
  return args.map((a): Slot => {
    if (a instanceof Tensor || a === null) return t;
    if (Array.isArray(a)) return { kind: 'list' };
    if (typeof a === 'number') return { kind: 'number' };
    if (isPlain(a)) return Object.values(a).some((v) => v instanceof Tensor) && !Object.keys(a).some((k) => poolForKey(k) !== INT_KEY || typeof a[k] !== 'number')
      ? { kind: 'record' } : o(...Object.keys(a));
    return { kind: 'hooks' };
  });
}

export function slotsOf(fn: OpName, args: readonly unknown[]): Slot[] {
  const s = OP_SLOTS[fn] ?? inferSlots(args);
  // an optional trailing slot (hooks, options) may be absent from the valid call
  return s.slice(0, Math.max(args.length, s.length));
}

/** Pool for an option key of an op without an OP_SLOTS row: by the type of its valid value. */
function poolForValue(key: string, valid: unknown): Hostile[] {
  const byKey = poolForKey(key);
  if (byKey !== INT_KEY) return byKey;
  if (typeof valid === 'number' && !Number.isInteger(valid)) return poolForKey('eps');
  if (typeof valid === 'boolean') return poolForKey('align_corners');
  if (typeof valid === 'string') return poolForKey('mode');
  if (valid instanceof Tensor) return poolForKey('mask');
  return INT_KEY;
}

// ---------------------------------------------------------------------------------------------
// a case

export interface OpCase {
  fn: OpName;
  /** the valid call's parameters (cases.ts) */
  params: unknown;
  picks: Picks;
}

/** The mutated call: arguments, which slot changed, what to, and whether the change is certainly invalid. */
export interface Mutation { args: unknown[]; slot: number; what: string; validity: Validity }

const hasOwnRow = (fn: OpName) => OP_SLOTS[fn] !== undefined;

export function mutate(fn: OpName, valid: readonly unknown[], picks: Picks): Mutation {
  const m = mutateSlots(fn, valid, picks);
  // an op without an OP_SLOTS row: only values of no plausible type count as certainly invalid
  if (!hasOwnRow(fn) && m.validity === 'invalid' && !WRONG_TYPE_LABELS.has(m.what.slice(m.what.lastIndexOf(' = ') + 3))) m.validity = 'maybe';
  return m;
}

const WRONG_TYPE_LABELS = new Set(WRONG_TYPES.map((w) => w.label));

function mutateSlots(fn: OpName, valid: readonly unknown[], picks: Picks): Mutation {
  const slots = slotsOf(fn, valid);
  const args = [...valid];
  while (args.length < slots.length) args.push(undefined);
  const slot = picks.slot % slots.length;
  const s = slots[slot];
  const put = (hv: Hostile, what: string): Mutation => ({ args: setAt(args, slot, hv.make()), slot, what: `${what} = ${hv.label}`, validity: hv.validity });
  switch (s.kind) {
    case 'tensor': return put(pick(TENSOR_SLOT, picks.value), `argument ${slot}`);
    case 'int': return put(pick(INT_ARG, picks.value), `argument ${slot}`);
    case 'number': return put(pick(ANY_NUMBER, picks.value), `argument ${slot}`);
    case 'intPair': return put(pick(INT_KEY, picks.value), `argument ${slot}`);
    case 'hooks': {
      const hv = pick([...OPTIONS_SLOT, { label: '{ onStage: 5 }', make: () => ({ onStage: 5 }), validity: 'invalid' as Validity }], picks.value);
      return put(hv, `argument ${slot} (hooks)`);
    }
    case 'list': {
      const list = args[slot];
      if (picks.mode % 2 === 0 || !Array.isArray(list) || list.length === 0) return put(pick(LIST_SLOT, picks.value), `argument ${slot}`);
      const i = picks.entry % list.length, hv = pick(LIST_ENTRY, picks.value);
      const nested = Array.isArray(list[i]) && picks.mode % 4 === 1;   // a per-channel shift pair: change one of its two numbers
      const copy = [...list];
      if (nested) { const pair = [...(list[i] as unknown[])]; pair[picks.entry % 2] = hv.make(); copy[i] = pair; }
      else copy[i] = hv.make();
      return { args: setAt(args, slot, copy), slot, what: `argument ${slot}[${i}]${nested ? `[${picks.entry % 2}]` : ''} = ${hv.label}`, validity: hv.validity };
    }
    case 'record': {
      const rec = args[slot];
      if (picks.mode % 3 === 0 || !isPlain(rec)) return put(pick(RECORD_SLOT, picks.value), `argument ${slot}`);
      const keys = Object.keys(rec), key = keys[picks.key % keys.length], hv = pick(TENSOR_SLOT, picks.value);
      return { args: setAt(args, slot, { ...rec, [key]: hv.make() }), slot, what: `argument ${slot}['${key}'] = ${hv.label}`, validity: hv.validity };
    }
    case 'options': {
      const opts = args[slot];
      if (picks.mode % 4 === 0 || (opts !== undefined && !isPlain(opts))) return put(pick(OPTIONS_SLOT, picks.value), `argument ${slot}`);
      const keys = hasOwnRow(fn) ? s.keys : Object.keys(opts ?? {});
      if (keys.length === 0) return put(pick(OPTIONS_SLOT, picks.value), `argument ${slot}`);
      const key = keys[picks.key % keys.length];
      const pool = hasOwnRow(fn) ? poolForKey(key) : poolForValue(key, (opts as Record<string, unknown> | undefined)?.[key]);
      const hv = pick(pool, picks.value);
      return { args: setAt(args, slot, { ...(opts as object ?? {}), [key]: hv.make() }), slot, what: `argument ${slot}.${key} = ${hv.label}`, validity: hv.validity };
    }
  }
}

function setAt(args: unknown[], i: number, v: unknown): unknown[] {
  const copy = [...args];
  copy[i] = v;
  return copy;
}

const picksArb: fc.Arbitrary<Picks> = fc.record({ slot: fc.nat(), key: fc.nat(), value: fc.nat(), entry: fc.nat(), mode: fc.nat() });

/** Registry rows with a valid-call arbitrary (every row has one: spec/registry.test.ts enforces it). */
export function fuzzedOps(): OpName[] {
  return registry.map((e) => e.fn).filter((fn) => opSpecs[fn] !== undefined);
}

export function opCaseArb(fns: readonly OpName[] = fuzzedOps()): fc.Arbitrary<OpCase> {
  return fc.constantFrom(...fns).chain((fn) => fc.record({
    fn: fc.constant(fn), params: (opSpecs[fn] as OpSpec).params, picks: picksArb,
  }));
}

// ---------------------------------------------------------------------------------------------
// running a case

const baselines = new Map<OpName, { args: unknown[]; ref: unknown; wasm: unknown }>();

/** The op's fixed valid call and its first result on each backend. */
export function baseline(fn: OpName): { args: unknown[]; ref: unknown; wasm: unknown } {
  let b = baselines.get(fn);
  if (!b) {
    const spec = opSpecs[fn] as OpSpec;
    const [p] = fc.sample(spec.params, { seed: 20261122, numRuns: 1 });
    const args = spec.build(p);
    const call = (ops: Ops) => (ops[fn] as (...a: unknown[]) => unknown)(...args);
    b = { args, ref: call(refOps), wasm: call(wasm.ops) };
    baselines.set(fn, b);
  }
  return b;
}

/** Runs one op case on both backends and classifies it (see the header). */
export function runOpCase(c: OpCase): CaseResult {
  const spec = opSpecs[c.fn] as OpSpec<unknown, unknown>;
  const valid = spec.build(c.params);
  const m = mutate(c.fn, valid, c.picks);
  const label = `${c.fn}: ${m.what}`;
  let base: ReturnType<typeof baseline>;
  try {
    base = baseline(c.fn);
  } catch (e) {
    // the op's own valid call fails: nothing hostile can be judged against it
    return { outcome: hasOwnRow(c.fn) ? 'post-call check failed' : 'unvetted op', label, detail: `the baseline (valid) call of ${c.fn} threw ${describeError(e)}` };
  }
  const health0 = wasmHealth();
  if (health0) return { outcome: 'post-call check failed', label, detail: `before the call: ${health0}` };

  const calls: Record<'ref' | 'wasm', Call> = {
    ref: attempt(() => (refOps[c.fn] as (...a: unknown[]) => unknown)(...m.args)),
    wasm: attempt(() => (wasm.ops[c.fn] as (...a: unknown[]) => unknown)(...m.args)),
  };
  let outcome: Outcome = 'named error';
  const details: string[] = [];
  const vetted = hasOwnRow(c.fn);
  const fail = (o: Outcome, backend: 'ref' | 'wasm' | null, why: string) => {
    if (!vetted && (o === 'other exception' || o === 'returned a result for invalid input' || o === 'backends disagree / wrong result')) {
      outcome = worst(outcome, 'unvetted op');
      details.push(`unvetted op (no OP_SLOTS row in spec/support/fuzz_ops.ts) — ${o}: ${why}`);
      return;
    }
    const gap = backend ? gapFor(backend, c.fn, m.slot) : gapFor('ref', c.fn, m.slot) ?? gapFor('wasm', c.fn, m.slot);
    if (gap && (o === 'other exception' || o === 'returned a result for invalid input' || o === 'backends disagree / wrong result')) {
      outcome = worst(outcome, 'known gap');
      details.push(`known gap «${gap.fix}»: ${why}`);
    } else {
      outcome = worst(outcome, o);
      details.push(why);
    }
  };

  for (const backend of ['ref', 'wasm'] as const) {
    const r = calls[backend];
    if (r.kind === 'other') fail('other exception', backend, `${backend}: ${describeError(r.error)}`);
    if (r.kind === 'corrupt') fail('post-call check failed', null, `${backend}: ${describeError(r.error)}`);
    if (r.kind === 'result' && m.validity === 'invalid') fail('returned a result for invalid input', backend, `${backend} returned a result`);
  }
  const [a, b] = [calls.ref, calls.wasm];
  if (a.kind === 'named' && b.kind === 'named') {
    if (a.error.constructor !== b.error.constructor || a.error.message !== b.error.message) {
      fail('backends disagree / wrong result', null, `ref ${describeError(a.error)} | wasm ${describeError(b.error)}`);
    }
  } else if (a.kind === 'result' && b.kind === 'result') {
    if (m.validity !== 'invalid') {
      try {
        const empty = a.value instanceof Tensor && b.value instanceof Tensor && a.value.size === 0 && b.value.size === 0;
        if (empty) { if (!sameBits(a.value, b.value)) throw new Error(`shapes differ: ${(a.value as Tensor).shape} vs ${(b.value as Tensor).shape}`); }
        else spec.compare(b.value, a.value, m.args, { case: label });
        outcome = worst(outcome === 'named error' ? 'correct result' : outcome, 'correct result');
      } catch (e) {
        fail('backends disagree / wrong result', null, `wasm vs ref: ${describeError(e)}`);
      }
    }
  } else if ((a.kind === 'named' && b.kind === 'result') || (a.kind === 'result' && b.kind === 'named')) {
    const named = a.kind === 'named' ? a.error : (b as { error: AttnconvError }).error;
    fail('backends disagree / wrong result', a.kind === 'result' ? 'ref' : 'wasm', `${a.kind === 'named' ? 'ref' : 'wasm'} threw ${describeError(named)}, the other returned`);
  }

  const health = wasmHealth();
  if (health) fail('post-call check failed', null, `after the call: ${health}`);
  // the same op, called validly, still gives its first result bit for bit on both backends
  for (const [backend, ops] of [['ref', refOps], ['wasm', wasm.ops]] as const) {
    const again = attempt(() => (ops[c.fn] as (...a: unknown[]) => unknown)(...base.args));
    if (again.kind !== 'result' || !sameBits(again.value, base[backend])) {
      fail('post-call check failed', null, `${backend}: the baseline call of ${c.fn} ${again.kind === 'result' ? 'changed bits' : `threw ${describeError((again as { error: unknown }).error)}`}`);
    }
  }
  const health2 = wasmHealth();
  if (health2) fail('post-call check failed', null, `after the baseline call: ${health2}`);
  return { outcome, label, detail: details.join('; ') || undefined };
}
