/**
 * Named errors of attnconv. Every check runs before any work is done, so a thrown error never
 * leaves a backend half-way through a call (see ts/wasm/arena.ts for the WASM side).
 *
 * Message grammar (STYLE.md §2.6):
 *   `<op_id>: <quantity> must <constraint>, got <value> (<all input shapes and attributes>)`
 */

/**
 * Base class of every error attnconv throws on purpose. `err instanceof AttnconvError` separates our
 * named, documented failures from bugs (a TypeError from deep inside would be one).
 */
export class AttnconvError extends Error {
  override name = 'AttnconvError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A tensor shape that does not fit the op (rank, sizes, divisibility, an empty output). */
export class ShapeError extends AttnconvError {
  override name = 'ShapeError';
}

/** A shape PyTorch accepts in principle but the mirrored official module cannot produce an
 *  output for (e.g. the official ACmix with stride 2 on an odd H or W). */
export class UnsupportedShapeError extends ShapeError {
  override name = 'UnsupportedShapeError';
}

/** A hyper-parameter that is not an integer, not positive, or out of its allowed set. */
export class ParameterError extends AttnconvError {
  override name = 'ParameterError';
}

/** An argument of the wrong type: not a Tensor, a Tensor whose data length disagrees with its shape,
 *  options that are not a plain object, a string where a boolean is meant, ... (a TypeError in spirit). */
export class ArgumentError extends AttnconvError {
  override name = 'ArgumentError';
}

/** A request too large to serve: an output or scratch beyond the WASM 4 GiB address space or the
 *  configured element limit. Refused before anything is allocated. */
export class ResourceError extends AttnconvError {
  override name = 'ResourceError';
}

/** A state_dict that does not fit a module: missing or unexpected keys, wrong shapes. */
export class StateDictError extends AttnconvError {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missingKeys: string[] = [],
    readonly unexpectedKeys: string[] = [],
    readonly shapeMismatches: string[] = [],
  ) {
    super(message);
  }
}

/** A valid request that this library does not implement (never a silent fallback). */
export class NotImplementedError extends AttnconvError {
  override name = 'NotImplementedError';
}

/** A backend that is not ready (e.g. `wasm` used before `await wasm.init()`), or a runtime without
 *  WebAssembly SIMD. */
export class BackendError extends AttnconvError {
  override name = 'BackendError';
}

/** A file that does not follow its format (safetensors header, PNG, ...). */
export class FormatError extends AttnconvError {
  override name = 'FormatError';
}

/** `[1,3,8,8]` */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * A value as error messages print it: numbers as JavaScript writes them (NaN, Infinity, -Infinity, 1e+300 — never
 * `null` as JSON.stringify would), strings quoted, arrays as `[a,b]` (nested, long ones elided), `undefined`, `null`,
 * and anything else by its type (`Tensor[2,3]`, `Float32Array(4)`, `object`). Never throws on hostile input.
 */
export function fmtValue(v: unknown, depth = 0): string {
  try {
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    if (v === null || v === undefined || typeof v === 'boolean') return String(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
    if (Array.isArray(v)) {
      if (depth >= 3) return `array(${v.length})`;
      const shown = v.slice(0, 16).map((x) => fmtValue(x, depth + 1));
      return `[${shown.join(',')}${v.length > 16 ? `,… (${v.length} entries)` : ''}]`;
    }
    if (ArrayBuffer.isView(v)) return `${v.constructor?.name ?? 'TypedArray'}(${(v as unknown as { length?: number }).length ?? v.byteLength})`;
    const shape = (v as { shape?: unknown }).shape;
    const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
    if (ctor === 'Tensor' && Array.isArray(shape)) return `Tensor${fmtShape(shape as number[])}`;
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return ctor;
    if (depth >= 2) return 'object';
    const keys = Object.keys(v as object);
    const shown = keys.slice(0, 8).map((k) => `${k}: ${fmtValue((v as Record<string, unknown>)[k], depth + 1)}`);
    return `{ ${shown.join(', ')}${keys.length > 8 ? ', …' : ''} }`;
  } catch {
    return 'an unreadable value';
  }
}

/** Builds the context part of a message: `x=[1,3,8,8], weight=[8,3,3,3], groups=1`. */
export function fmtContext(ctx: Record<string, unknown>): string {
  return Object.entries(ctx)
    .map(([k, v]) => {
      if (v && typeof v === 'object' && 'shape' in (v as object) && Array.isArray((v as { shape: unknown }).shape)) return `${k}=${fmtShape((v as { shape: number[] }).shape)}`;
      if (Array.isArray(v)) return `${k}=${fmtValue(v)}`;
      return `${k}=${typeof v === 'string' ? v : fmtValue(v)}`;
    })
    .join(', ');
}
