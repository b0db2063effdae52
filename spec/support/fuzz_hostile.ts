/**
 * Hostile values for the fuzz suite (spec/fuzz.test.ts, scripts/fuzz.ts), by the kind of slot they replace.
 *
 * Every replacement is tagged: `invalid` (no backend may return a result: it must end in a named error) or
 * `maybe` (the call may be valid — then both backends must return a correct result — or end in a named error,
 * e.g. a ResourceError for a size beyond the element limit). A replacement is picked by plain integers (what
 * fast-check generates and shrinks), so a case is a function of a few numbers and replays from them.
 */
import { Tensor } from '../../ts/core/tensor.js';

export type Validity = 'invalid' | 'maybe';

export interface Hostile {
  /** what the value is, for the report: `null`, `NaN`, `Tensor[0,2147483648,4,4]`, ... */
  label: string;
  make(): unknown;
  validity: Validity;
}

const h = (label: string, make: () => unknown, validity: Validity): Hostile => ({ label, make, validity });
const inv = (label: string, make: () => unknown): Hostile => h(label, make, 'invalid');
const may = (label: string, make: () => unknown): Hostile => h(label, make, 'maybe');

/** A Tensor of `shape` with deterministic small values. */
export function small(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898 + seed) * 2)), shape);
}

/** An object that passes `instanceof Tensor` but was never constructed (its shape claims more than its data). */
function fakeTensor(shape: number[], length: number): unknown {
  return Object.assign(Object.create(Tensor.prototype), { shape, data: new Float32Array(length) });
}

/** Values of the wrong type for anything: none of them is a Tensor, a number, a boolean or a plain object. */
export const WRONG_TYPES: Hostile[] = [
  inv('string "x"', () => 'x'),
  inv('string "1"', () => '1'),
  inv('symbol', () => Symbol('s')),
  inv('bigint 1n', () => 1n),
  inv('function', () => () => 1),
  inv('Float32Array(4)', () => new Float32Array(4)),
  inv('Map', () => new Map()),
  inv('Date', () => new Date(0)),
];

/** Replacements for a tensor argument (or a tensor-valued option such as `mask`). */
export const TENSOR_SLOT: Hostile[] = [
  ...WRONG_TYPES,
  may('null', () => null),
  may('undefined', () => undefined),
  inv('number 0', () => 0),
  inv('number NaN', () => NaN),
  inv('true', () => true),
  inv('[]', () => []),
  inv('[1,2]', () => [1, 2]),
  inv('{}', () => ({})),
  inv('{ shape, data } (plain object)', () => ({ shape: [2, 3], data: new Float32Array(6) })),
  inv('fake Tensor [2,3,4,20480] with 120 floats', () => fakeTensor([2, 3, 4, 20480], 120)),
  inv('fake Tensor without data', () => Object.create(Tensor.prototype)),
  inv('fake Tensor [2,2] with 4 floats but shape "ab"', () => Object.assign(Object.create(Tensor.prototype), { shape: 'ab', data: new Float32Array(4) })),
  inv('Tensor[0,2147483648,4,4]', () => new Tensor(new Float32Array(0), [0, 2 ** 31, 4, 4])),
  inv('Tensor[65536,65536,0,1]', () => new Tensor(new Float32Array(0), [65536, 65536, 0, 1])),
  inv('Tensor[0,9007199254740991]', () => new Tensor(new Float32Array(0), [0, 2 ** 53 - 1])),
  may('Tensor[0,1048576,1,1]', () => new Tensor(new Float32Array(0), [0, 2 ** 20, 1, 1])),
  may('Tensor[0,3,4,4]', () => new Tensor(new Float32Array(0), [0, 3, 4, 4])),
  may('Tensor[1,1,0,4]', () => new Tensor(new Float32Array(0), [1, 1, 0, 4])),
  may('Tensor[] (scalar)', () => small([])),
  may('Tensor[5]', () => small([5])),
  may('Tensor[2,3]', () => small([2, 3])),
  may('Tensor[1,1,1,1]', () => small([1, 1, 1, 1])),
  may('Tensor[1,2,3,4]', () => small([1, 2, 3, 4])),
  may('Tensor[2,4,5,5]', () => small([2, 4, 5, 5])),
  may('Tensor[1,2,3,4,5]', () => small([1, 2, 3, 4, 5])),
];

/** Replacements for an options object (the whole argument). */
export const OPTIONS_SLOT: Hostile[] = [
  ...WRONG_TYPES,
  inv('null', () => null),
  inv('number 5', () => 5),
  inv('true', () => true),
  inv('[]', () => []),
  inv('[1,2]', () => [1, 2]),
  inv('Tensor[2]', () => small([2])),
  may('undefined', () => undefined),
  may('{}', () => ({})),
];

/** Replacements for an integer hyper-parameter (stride, padding, dilation, groups, head, kernel_att, ...). */
export const INT_KEY: Hostile[] = [
  ...WRONG_TYPES,
  inv('NaN', () => NaN),
  inv('Infinity', () => Infinity),
  inv('-Infinity', () => -Infinity),
  inv('1.5', () => 1.5),
  inv('-1', () => -1),
  inv('-2147483648', () => -(2 ** 31)),
  inv('2147483648', () => 2 ** 31),
  inv('4294967296', () => 2 ** 32),
  inv('4294967297', () => 2 ** 32 + 1),
  inv('2^53', () => 2 ** 53),
  inv('1e300', () => 1e300),
  inv('true', () => true),
  inv('{}', () => ({})),
  inv('[1,2,3]', () => [1, 2, 3]),
  inv('[NaN,1]', () => [NaN, 1]),
  inv('[1.5,1]', () => [1.5, 1]),
  inv('[4294967296,1]', () => [2 ** 32, 1]),
  inv('[-1,1]', () => [-1, 1]),
  inv('"full"', () => 'full'),
  may('null', () => null),
  may('undefined', () => undefined),
  may('0', () => 0),
  may('1', () => 1),
  may('2', () => 2),
  may('3', () => 3),
  may('[2,1]', () => [2, 1]),
  may('"same"', () => 'same'),
  may('"valid"', () => 'valid'),
  may('2147483647', () => 2 ** 31 - 1),
  may('1073741824', () => 2 ** 30),
  may('536870881', () => 536870881),
  may('[536870881,0]', () => [536870881, 0]),
  may('[2147483647,1]', () => [2 ** 31 - 1, 1]),
];

/** Replacements for a finite real hyper-parameter (eps). */
export const REAL_KEY: Hostile[] = [
  ...WRONG_TYPES,
  inv('NaN', () => NaN),
  inv('Infinity', () => Infinity),
  inv('-Infinity', () => -Infinity),
  inv('-1', () => -1),
  inv('true', () => true),
  inv('{}', () => ({})),
  inv('[1e-5]', () => [1e-5]),
  may('null', () => null),
  may('undefined', () => undefined),
  may('0', () => 0),
  may('1e-5', () => 1e-5),
  may('1e300', () => 1e300),
];

/** Replacements for a number that may be any float (a pad fill value, axpby's alpha / beta): NaN and ±∞ are valid. */
export const ANY_NUMBER: Hostile[] = [
  ...WRONG_TYPES,
  inv('true', () => true),
  inv('{}', () => ({})),
  inv('[1]', () => [1]),
  may('null', () => null),
  may('undefined', () => undefined),
  may('NaN', () => NaN),
  may('Infinity', () => Infinity),
  may('-0', () => -0),
  may('1e300', () => 1e300),
  may('3.4e38', () => 3.4e38),
];

/** Replacements for a boolean option (align_corners, demodulate). */
export const BOOLEAN_KEY: Hostile[] = [
  ...WRONG_TYPES,
  inv('"false"', () => 'false'),
  inv('"true"', () => 'true'),
  inv('0', () => 0),
  inv('1', () => 1),
  inv('NaN', () => NaN),
  inv('{}', () => ({})),
  inv('[]', () => []),
  may('null', () => null),
  may('undefined', () => undefined),
  may('true', () => true),
  may('false', () => false),
];

/** Replacements for an enum-string option (mode, approximate). */
export const ENUM_KEY: Hostile[] = [
  ...WRONG_TYPES,
  inv('"bogus"', () => 'bogus'),
  inv('""', () => ''),
  inv('5', () => 5),
  inv('true', () => true),
  inv('{}', () => ({})),
  inv('["tanh"]', () => ['tanh']),
  may('null', () => null),
  may('undefined', () => undefined),
  may('"constant"', () => 'constant'),
  may('"reflect"', () => 'reflect'),
  may('"replicate"', () => 'replicate'),
  may('"tanh"', () => 'tanh'),
  may('"none"', () => 'none'),
  may('"bilinear"', () => 'bilinear'),
];

/** Replacements for a positional integer (softmax's dim). */
export const INT_ARG: Hostile[] = [
  ...WRONG_TYPES,
  inv('NaN', () => NaN),
  inv('Infinity', () => Infinity),
  inv('1.5', () => 1.5),
  inv('2^53', () => 2 ** 53),
  inv('null', () => null),
  inv('undefined', () => undefined),
  inv('{}', () => ({})),
  inv('[0]', () => [0]),
  may('-1', () => -1),
  may('0', () => 0),
  may('1', () => 1),
  may('5', () => 5),
  may('-5', () => -5),
  may('2147483648', () => 2 ** 31),
];

/** Replacements for a dim given as an option key: as a positional dim, but absent (undefined) means the default. */
export const DIM_KEY: Hostile[] = [
  ...INT_ARG.filter((h) => h.label !== 'undefined' && h.label !== 'null'),
  may('null', () => null),
  may('undefined', () => undefined),
];

/** Replacements for a positional list (pad, normalized_shape, shifts, kernel_size) as a whole. */
export const LIST_SLOT: Hostile[] = [
  ...WRONG_TYPES,
  inv('number 5', () => 5),
  inv('null', () => null),
  inv('undefined', () => undefined),
  inv('{}', () => ({})),
  inv('Tensor[2]', () => small([2])),
  inv('true', () => true),
  may('[]', () => []),
  may('[1]', () => [1]),
  may('[1,1]', () => [1, 1]),
  may('[16384,16384,16384,16384]', () => [16384, 16384, 16384, 16384]),
  may('[4294967296,0]', () => [2 ** 32, 0]),
  may('[2,2,2,2,2,2,2,2,2,2]', () => [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]),
];

/** Replacements for one entry of a positional list. */
export const LIST_ENTRY: Hostile[] = [
  ...WRONG_TYPES,
  inv('NaN', () => NaN),
  inv('Infinity', () => Infinity),
  inv('1.5', () => 1.5),
  inv('null', () => null),
  inv('undefined', () => undefined),
  inv('{}', () => ({})),
  inv('true', () => true),
  may('0', () => 0),
  may('-1', () => -1),
  may('1', () => 1),
  may('16384', () => 16384),
  may('536870881', () => 536870881),
  may('2147483647', () => 2 ** 31 - 1),
  may('2147483648', () => 2 ** 31),
  may('4294967296', () => 2 ** 32),
  may('2^53', () => 2 ** 53),
  may('[1,1]', () => [1, 1]),
];

/** Replacements for a record of tensors by name (acmix's weights, a state_dict) as a whole. */
export const RECORD_SLOT: Hostile[] = [
  ...WRONG_TYPES,
  inv('null', () => null),
  inv('number 5', () => 5),
  inv('[]', () => []),
  inv('Tensor[2]', () => small([2])),
  inv('true', () => true),
  may('{}', () => ({})),
  may('undefined', () => undefined),
];

/** Option keys by kind (the rest of a numeric key is an integer hyper-parameter). */
export const REAL_KEYS = new Set(['eps']);
export const ANY_NUMBER_KEYS = new Set(['value']);
export const BOOLEAN_KEYS = new Set(['align_corners', 'demodulate', 'strict', 'shortcut']);
export const ENUM_KEYS = new Set(['mode', 'approximate']);
export const TENSOR_KEYS = new Set(['mask', 'gamma_in', 'gamma_out', 'gamma', 'beta']);
/** Dimension indices: negative values count from the end (torch), so they are pooled as a positional dim. */
export const DIM_KEYS = new Set(['dim', 'start_dim', 'end_dim']);

/** The pool for an option key. */
export function poolForKey(key: string): Hostile[] {
  if (REAL_KEYS.has(key)) return REAL_KEY;
  if (ANY_NUMBER_KEYS.has(key)) return ANY_NUMBER;
  if (BOOLEAN_KEYS.has(key)) return BOOLEAN_KEY;
  if (ENUM_KEYS.has(key)) return ENUM_KEY;
  if (TENSOR_KEYS.has(key)) return TENSOR_SLOT;
  if (DIM_KEYS.has(key)) return DIM_KEY;
  return INT_KEY;
}

/** Picks from a list by a non-negative integer. */
export function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length];
}

/** Integers a case is built from (fast-check generates and shrinks them). */
export interface Picks { slot: number; key: number; value: number; entry: number; mode: number }
