/**
 * Named errors of attnconv. Every check runs before any work is done, so a thrown error never
 * leaves a backend half-way through a call (see ts/wasm/arena.ts for the WASM side).
 *
 * Message grammar (STYLE.md §2.6):
 *   `<op_id>: <quantity> must <constraint>, got <value> (<all input shapes and attributes>)`
 */

/** Base class: every error attnconv throws on purpose is an `AttnconvError`... except the
 *  RangeError subclasses below, which also are `instanceof RangeError` like tfjs' asserts. */
export class ShapeError extends RangeError {
  override name = 'ShapeError';
  constructor(message: string) {
    super(message);
  }
}

/** A shape PyTorch accepts in principle but the mirrored official module cannot produce an
 *  output for (e.g. the official ACmix with stride 2 on an odd H or W). */
export class UnsupportedShapeError extends ShapeError {
  override name = 'UnsupportedShapeError';
}

/** A hyper-parameter that is not an integer, not positive, or out of its allowed set. */
export class ParameterError extends RangeError {
  override name = 'ParameterError';
  constructor(message: string) {
    super(message);
  }
}

/** A state_dict that does not fit a module: missing or unexpected keys, wrong shapes. */
export class StateDictError extends Error {
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
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}

/** A backend that is not ready (e.g. `wasm` used before `await wasm.init()`). */
export class BackendError extends Error {
  override name = 'BackendError';
}

/** A file that does not follow its format (safetensors header, PNG, ...). */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** `[1,3,8,8]` */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Builds the context part of a message: `x=[1,3,8,8], weight=[8,3,3,3], groups=1`. */
export function fmtContext(ctx: Record<string, unknown>): string {
  return Object.entries(ctx)
    .map(([k, v]) => {
      if (v && typeof v === 'object' && 'shape' in (v as object)) return `${k}=${fmtShape((v as { shape: number[] }).shape)}`;
      if (Array.isArray(v)) return `${k}=${fmtShape(v as number[])}`;
      return `${k}=${String(v)}`;
    })
    .join(', ');
}
