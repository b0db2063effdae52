import { ArgumentError, ParameterError, fmtValue } from '../core/errors.js';
import { pair, positiveInt, type IntPair } from '../core/geometry.js';

// The constructor convention of ts/nn, and the hyper-parameter parsing the conv-like modules share.
//
// Convention: a module constructor mirrors its PyTorch (or official reference) signature. The leading arguments
// that have no default there are positional, in the same order; every argument that has a default is a key of one
// options object, under PyTorch's keyword name:
//   torch:    nn.Conv2d(3, 64, 3, stride=2, padding=1, bias=False)
//   attnconv: new nn.Conv2d(3, 64, 3, { stride: 2, padding: 1, bias: false })
// The options object is checked here before anything is built: it must be undefined or a plain object, and it may
// only hold the keys the module documents (PyTorch raises TypeError on an unexpected keyword; a silently ignored
// key such as a misspelt `padding` would give silently different numbers).

/** A short name of what `value` is, for messages: `null`, `number`, `string`, `Array`, `Tensor`, ... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== '' ? ctor : Object.prototype.toString.call(value).slice(8, -1);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks a module constructor's options argument and returns it (or `{}` when undefined).
 * `keys` are the option names the module accepts (its PyTorch keyword names); a key whose value is `undefined`
 * counts as absent (the default applies).
 * @throws ArgumentError if `options` is neither undefined nor a plain object (a number where the old positional
 *         form had a hyper-parameter, an array, null, a class instance, ...), or if it holds a key not in `keys`;
 *         the message names the module, what was expected and what was given.
 */
export function moduleOptions<T extends object>(module: string, options: T | undefined, keys: readonly (keyof T & string)[]): Partial<T> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    const shown = typeof options === 'number' || typeof options === 'boolean' || typeof options === 'string' ? ` (${fmtValue(options)})` : '';
    throw new ArgumentError(`${module}: options must be a plain object { ${keys.join(', ')} } or undefined, got ${describeType(options)}${shown}`);
  }
  const allowed = new Set<string>(keys);
  const unknown = Object.keys(options).filter((k) => !allowed.has(k));
  if (unknown.length) {
    throw new ArgumentError(`${module}: options must only hold the keys { ${keys.join(', ')} }, got unexpected ${unknown.map((k) => `'${k}'`).join(', ')}`);
  }
  return options;
}

/** timm's padding argument: an int / pair, '' (static symmetric ((s−1) + d(k−1))/2), 'same' (TF SAME), 'valid'. */
export type TimmPadding = IntPair | '' | 'same' | 'valid';

/** How a module reads `padding`: `'pair'` an int or [h, w] (default 0), `'timm'` a TimmPadding (default ''). */
export type PaddingKind = 'pair' | 'timm';

/** The conv hyper-parameters as given (undefined = the module's default). */
export interface ConvOptionValues {
  kernel_size?: IntPair;
  stride?: IntPair;
  padding?: IntPair | string;
  dilation?: IntPair;
  groups?: number;
}

/** Channel counts and conv hyper-parameters, checked and normalised to pairs. */
export interface ConvHyperParameters<P extends PaddingKind> {
  in_channels: number;
  out_channels: number;
  kernel_size: [number, number];
  stride: [number, number];
  padding: P extends 'timm' ? TimmPadding : [number, number];
  dilation: [number, number];
  groups: number;
}

/**
 * Parses the channel counts and the kernel_size / stride / padding / dilation / groups of a conv-like module
 * (CondConv2d, DynamicConv2d, ODConv2d, DeformConv2d, DCNv2), with the module's own names in every message.
 *
 * `names` are the module's keys for the channel counts (`['in_channels', 'out_channels']` for torchvision / timm,
 * `['in_planes', 'out_planes']` for the kaijieshi7 and OSVAI code). Defaults: kernel_size `spec.kernel_size` (required
 * when that is undefined), stride 1, dilation 1, groups 1, padding 0 (`'pair'`) or '' (`'timm'`).
 * @throws ParameterError `<module>: <key> must be an integer >= <min> ...` for non-integer or too small values;
 *         a padding string other than '', 'same', 'valid' (timm) or any string ('pair'); and channel counts not
 *         divisible by groups.
 */
export function convHyperParameters<P extends PaddingKind>(
  module: string,
  names: readonly [string, string],
  in_channels: unknown,
  out_channels: unknown,
  o: ConvOptionValues,
  spec: { padding: P; kernel_size?: number },
): ConvHyperParameters<P> {
  const [inKey, outKey] = names;
  const C_in = positiveInt(module, inKey, in_channels);
  const C_out = positiveInt(module, outKey, out_channels);
  const groups = positiveInt(module, 'groups', o.groups ?? 1);
  const kernel_size = pair(module, 'kernel_size', o.kernel_size, spec.kernel_size ?? NaN, 1);   // NaN: required
  const stride = pair(module, 'stride', o.stride, 1, 1);
  const dilation = pair(module, 'dilation', o.dilation, 1, 1);
  let padding: TimmPadding | [number, number];
  if (spec.padding === 'timm') {
    const p = o.padding ?? '';
    if (typeof p === 'string') {
      if (p !== '' && p !== 'same' && p !== 'valid') throw new ParameterError(`${module}: padding must be an int, a pair, '', 'same' or 'valid', got ${fmtValue(o.padding)}`);
      padding = p;
    } else {
      pair(module, 'padding', p, 0, 0);
      padding = p;
    }
  } else {
    padding = pair(module, 'padding', o.padding as IntPair | undefined, 0, 0);
  }
  if (C_in % groups || C_out % groups) {
    throw new ParameterError(`${module}: ${inKey} (${C_in}) and ${outKey} (${C_out}) must be divisible by groups = ${groups}`);
  }
  return { in_channels: C_in, out_channels: C_out, kernel_size, stride, padding: padding as ConvHyperParameters<P>['padding'], dilation, groups };
}

/** Checks a real-valued hyper-parameter (a ratio, a reduction, a temperature): finite and > 0. @throws ParameterError */
export function positiveNumber(module: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) {
    throw new ParameterError(`${module}: ${key} must be a finite number > 0, got ${fmtValue(value)}`);
  }
  return value;
}

/** Checks a boolean flag (bias, elementwise_affine, ...). @throws ArgumentError naming the actual type */
export function booleanOption(module: string, key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ArgumentError(`${module}: ${key} must be a boolean, got ${describeType(value)}${typeof value === 'string' || typeof value === 'number' ? ` (${fmtValue(value)})` : ''}`);
  return value;
}
