/**
 * The validation boundary: what every public entry (each `check<Op>` in ts/core/check, module constructors and
 * `forward`, `loadStateDict`) runs on its raw arguments before anything is allocated, so both backends refuse the
 * same hostile input with the same named error:
 *
 *   - tensors: `instanceof Tensor` (a frozen Tensor's data length equals the product of its shape; rechecked here in
 *     O(rank) against objects made with Object.create(Tensor.prototype)) → else ArgumentError;
 *   - options: undefined or a plain object → else ArgumentError (`null` included: PyTorch has no "None options");
 *   - numbers: finite where a real is meant (NaN / ±Infinity → ParameterError), safe integers in a stated range
 *     where an integer is meant (so 2**32 never wraps through an Int32Array or an i32 kernel argument);
 *   - booleans where booleans are meant (`'false'` → ArgumentError), enum strings (→ ParameterError), arrays where
 *     arrays are meant (→ ArgumentError naming what was expected and what was given);
 *   - sizes: a configurable element limit (`setLimits({ maxElements })`, default 2^28 = 1 GiB of float32) on every
 *     output and every scratch buffer whose size the geometry gives, and on the extent of every tensor argument
 *     (the product of its non-zero dimensions: `[0, 2**31, 4, 4]` holds no data but describes 2^35 loop positions);
 *     a ResourceError names the requested size and the limit. Index extents the WASM kernels take as i32 (padded
 *     input sizes) must stay ≤ 2^31 − 1 (ResourceError).
 *
 * Messages print values with `fmtValue` (NaN and Infinity as themselves). The WASM arena (ts/wasm/arena.ts)
 * additionally refuses any request beyond its address space with a ResourceError; this layer is what keeps a
 * request from reaching it (or ref's allocator) in the first place.
 */
import { Tensor, describe } from './tensor.js';
import { ArgumentError, ParameterError, ResourceError, fmtShape, fmtValue } from './errors.js';

/** The largest index the WASM kernels take (they are compiled with i32 sizes and offsets). */
export const INT32_MAX = 2 ** 31 - 1;

/**
 * The largest spatial extent (a padded input size, a dilated kernel extent) an op accepts: 2^30, so that the
 * kernels' i32 sums of an extent, a padding and a stride (each at most an extent) cannot overflow.
 */
export const MAX_EXTENT = 2 ** 30;

/** Default element limit: 2^28 elements (1 GiB of float32) per output or scratch buffer. */
export const DEFAULT_MAX_ELEMENTS = 2 ** 28;

/** Size limits checked before any allocation (see setLimits). */
export interface Limits {
  /**
   * The largest number of elements an op may allocate for one output or one scratch buffer whose size its
   * geometry gives, and the largest extent (product of the non-zero dimensions) of a tensor argument.
   * Default 2^28. A positive safe integer. The WASM backend is further bounded by its 4 GiB address space.
   */
  maxElements: number;
}

const limits: Limits = { maxElements: DEFAULT_MAX_ELEMENTS };

/** The limits in force (a copy). */
export function getLimits(): Limits {
  return { ...limits };
}

/**
 * Sets size limits for every op on every backend; returns the previous limits (so a caller can restore them).
 *   setLimits({ maxElements: 2 ** 26 })   // refuse any output or scratch of more than 64 Mi elements
 * @throws ArgumentError if `next` is not a plain object or holds another key; ParameterError if maxElements is not
 *         a positive safe integer.
 */
export function setLimits(next: Partial<Limits>): Limits {
  const o = optionsArg<Partial<Limits>>('setLimits', next, ['maxElements'], 'limits');
  const previous = getLimits();
  if (o.maxElements !== undefined) limits.maxElements = intArg('setLimits', 'maxElements', o.maxElements, 1);
  return previous;
}

// ---------------------------------------------------------------------------------------------
// tensors

/** Validates a tensor argument. @throws ArgumentError if not a Tensor; ResourceError if its extent exceeds the limit. */
export function tensorArg(op: string, name: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${describe(value)}`);
  checkShapeArray(op, name, (value as { shape?: unknown }).shape, true);
  const data = (value as { data?: unknown }).data;
  if (!(data instanceof Float32Array)) throw new ArgumentError(`${op}: ${name}.data must be a Float32Array, got ${describe(data)}`);
  const shape = value.shape;
  let size = 1;
  for (const d of shape) size *= d;
  if (data.length !== size) {
    throw new ArgumentError(`${op}: ${name}.data.length must equal the product of its shape ${fmtShape(shape)} = ${size}, got ${data.length}`);
  }
  checkExtent(op, name, shape);
  return value;
}

/** A tensor argument that may be absent: null and undefined give null. @throws as tensorArg. */
export function optionalTensor(op: string, name: string, value: unknown): Tensor | null {
  if (value === null || value === undefined) return null;
  return tensorArg(op, name, value);
}

/**
 * An argument that only needs a shape: a Tensor (validated as tensorArg) or, when `shapeOnly` is true (module
 * geometry checks that ask "would this shape pass?"), a plain object whose only key is `shape`.
 * @throws ArgumentError / ResourceError as tensorArg.
 */
export function shapedArg(op: string, name: string, value: unknown, shapeOnly: boolean): { readonly shape: readonly number[] } {
  if (value instanceof Tensor || !shapeOnly) return tensorArg(op, name, value);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 1 && 'shape' in value) {
    const shape = (value as { shape: unknown }).shape;
    checkShapeArray(op, name, shape, true);
    checkExtent(op, name, shape as number[]);
    return value as { shape: readonly number[] };
  }
  return tensorArg(op, name, value);
}

function checkShapeArray(op: string, name: string, shape: unknown, isTensor: boolean): asserts shape is number[] {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: ${name}${isTensor ? '.shape' : ''} must be an array of dimensions, got ${describe(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ArgumentError(`${op}: ${name}.shape must hold non-negative safe integers, got ${fmtValue(shape)}`);
    }
  }
}

/**
 * The extent of a shape: the product of its non-zero dimensions (the loop positions an op may walk even when a
 * zero dimension makes the tensor empty). @throws ResourceError if it exceeds maxElements.
 */
export function checkExtent(op: string, name: string, shape: readonly number[]): void {
  let extent = 1;
  for (const d of shape) if (d > 0) extent *= d;
  if (extent > limits.maxElements) {
    throw new ResourceError(
      `${op}: ${name} of shape ${fmtShape(shape)} spans ${extent} positions (the product of its non-zero dimensions), ` +
      `more than the element limit ${limits.maxElements} (setLimits({ maxElements }))`);
  }
}

/**
 * Checks the size of a buffer an op is about to allocate (an output or a scratch): `size` is a shape or an element
 * count. @throws ResourceError naming the requested elements (and bytes as float32) and the limit.
 */
export function checkElements(op: string, what: string, size: readonly number[] | number): void {
  let n: number;
  if (typeof size === 'number') n = size;
  else { n = 1; for (const d of size) n *= d; }
  let extent = n;
  if (typeof size !== 'number') { extent = 1; for (const d of size) if (d > 0) extent *= d; }
  if (!(n <= limits.maxElements) || !(extent <= limits.maxElements)) {
    const shown = typeof size === 'number' ? `${n} elements` : `shape ${fmtShape(size)} (${n} elements${extent !== n ? `, extent ${extent}` : ''})`;
    throw new ResourceError(
      `${op}: ${what} of ${shown} = ${fmtBytes(Math.max(n, extent) * 4)} as float32 exceeds the element limit ` +
      `${limits.maxElements} (setLimits({ maxElements }))`);
  }
}

/**
 * Checks a spatial extent the WASM kernels index with i32 arithmetic (a padded input size, a dilated kernel
 * extent). @throws ResourceError if it exceeds MAX_EXTENT = 2^30.
 */
export function checkIndexRange(op: string, what: string, value: number): void {
  if (!(value <= MAX_EXTENT)) {
    throw new ResourceError(`${op}: ${what} must be ≤ 2^30 = ${MAX_EXTENT} (sums of two extents must stay in the kernels' 32-bit index range), got ${fmtValue(value)}`);
  }
}

function fmtBytes(bytes: number): string {
  if (bytes >= 2 ** 40) return `${(bytes / 2 ** 40).toPrecision(3)} TiB`;
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toPrecision(3)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toPrecision(3)} MiB`;
  return `${bytes} bytes`;
}

// ---------------------------------------------------------------------------------------------
// options and scalars

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates an options argument: undefined gives `{}`; otherwise a plain object. `keys`, when given, are the only
 * keys it may hold (a misspelt key would silently take the default).
 * @throws ArgumentError naming what was expected and what was given (`got null`, `got number 5`, ...).
 */
export function optionsArg<T extends object>(op: string, value: unknown, keys?: readonly string[], name = 'options'): T {
  if (value === undefined) return {} as T;
  if (!isPlainObject(value)) {
    throw new ArgumentError(`${op}: ${name} must be a plain object${keys ? ` { ${keys.join(', ')} }` : ''} or undefined, got ${describe(value)}`);
  }
  if (keys) {
    const allowed = new Set(keys);
    const unknown = Object.keys(value).filter((k) => !allowed.has(k));
    if (unknown.length) throw new ArgumentError(`${op}: ${name} may only hold the keys { ${keys.join(', ')} }, got unexpected ${unknown.map((k) => `'${k}'`).join(', ')}`);
  }
  return value as T;
}

/**
 * A real number that must be finite (eps, alpha, a pad value...). undefined gives `fallback` when one is given.
 * @throws ArgumentError if not a number; ParameterError if NaN or ±Infinity, or outside [min, ∞) when min is given.
 */
export function finiteArg(op: string, key: string, value: unknown, fallback?: number, min?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number') throw new ArgumentError(`${op}: ${key} must be a number, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new ParameterError(`${op}: ${key} must be a finite number${min !== undefined ? ` ≥ ${min}` : ''}, got ${fmtValue(value)}`);
  if (min !== undefined && !(value >= min)) throw new ParameterError(`${op}: ${key} must be a finite number ≥ ${min}, got ${fmtValue(value)}`);
  return value;
}

/**
 * A number that may be any float32-representable value including NaN and ±Infinity (a pad fill value, as
 * F.pad(value=nan) allows). undefined gives `fallback`. @throws ArgumentError if not a number.
 */
export function numberArg(op: string, key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new ArgumentError(`${op}: ${key} must be a number, got ${describe(value)}`);
  return value;
}

/**
 * An integer in [min, max] (default max: 2^31 − 1, what the kernels index with). undefined gives `fallback` when
 * one is given. @throws ParameterError naming the range and the value (non-numbers included, as PyTorch's
 * "must be an int").
 */
export function intArg(op: string, key: string, value: unknown, min: number, max = INT32_MAX, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max >= Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new ParameterError(`${op}: ${key} must be ${range}, got ${fmtValue(value)}`);
  }
  return value;
}

/** A boolean flag; undefined gives `fallback`. @throws ArgumentError naming the actual type (`'false'` included). */
export function booleanArg(op: string, key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ArgumentError(`${op}: ${key} must be a boolean, got ${describe(value)}`);
  return value;
}

/** One of a set of strings; undefined gives `fallback`. @throws ParameterError listing the allowed values. */
export function enumArg<T extends string>(op: string, key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`);
    const words = list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
    throw new ParameterError(`${op}: ${key} must be ${words}, got ${fmtValue(value)}`);
  }
  return value as T;
}

/** An array argument (pad, normalized_shape, kernel_size pairs...). @throws ArgumentError naming expected and actual. */
export function arrayArg(op: string, key: string, value: unknown, expected: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new ArgumentError(`${op}: ${key} must be ${expected}, got ${describe(value)}`);
  return value;
}
