/**
 * Argument checks shared by the file readers and writers of ts/io. Browser-safe: Uint8Array and DataView
 * only (no Node `Buffer`, no Node built-ins).
 */
import { ArgumentError, ParameterError } from '../core/errors.js';

/** A short name of what `value` is, for messages: `null`, `undefined`, `string`, `number`, `ArrayBuffer`, `Array`, ... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== '' ? ctor : tag;
}

/** True for a Uint8Array of any realm, and for its subclasses (Node's Buffer is one); false for other views. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]');
}

/**
 * Checks that `value` is a Uint8Array (a Node Buffer is one) before any byte is read, and returns a plain
 * Uint8Array view of the same bytes (no copy), so no subclass method (Buffer's `slice` is a view, not a
 * copy) is ever called on it.
 * @throws ArgumentError naming the expected and the actual type; a string gets a hint that paths are not read here.
 */
export function requireBytes(value: unknown, where: string): Uint8Array {
  if (isUint8Array(value)) return Object.getPrototypeOf(value) === Uint8Array.prototype ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  const hint = typeof value === 'string' ? ' (a path? read the file first, e.g. readFileSync(path) in Node or new Uint8Array(await (await fetch(url)).arrayBuffer()) in a browser)' : '';
  throw new ArgumentError(`${where}: bytes must be a Uint8Array, got ${describeType(value)}${hint}`);
}

/** True for an object literal (or a null-prototype record): not an array, a Date, a Map, a Tensor, a typed array... */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `options` is undefined or a plain object and returns it (or `{}`).
 * @throws ArgumentError otherwise (null, an array, a Date, a Map, a Tensor, ...), naming the actual type.
 */
export function requireOptions<T extends object>(options: unknown, where: string): Partial<T> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    throw new ArgumentError(`${where}: options must be an object literal (a plain object) or undefined, got ${describeType(options)}`);
  }
  return options as Partial<T>;
}

/**
 * Reads an optional positive safe-integer option (a limit such as `maxPixels`).
 * @throws ParameterError if it is given and is not an integer in [1, 2^53 − 1].
 */
export function positiveIntegerOption(value: unknown, name: string, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ParameterError(`${where}: ${name} must be a positive safe integer, got ${typeof value === 'number' ? value : describeType(value)}`);
  }
  return value;
}

/** True if `s` has no lone UTF-16 surrogate (so it encodes to UTF-8 and back unchanged). */
export function isWellFormedString(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
