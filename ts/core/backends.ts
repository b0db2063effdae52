/**
 * The backend registry: backends register their `Ops` under a name when their module is loaded
 * (ts/ref/index.ts registers 'ref', ts/wasm/index.ts registers 'wasm'); modules (ts/nn) and the CLI find
 * them by name here, so no layer above core imports a backend to use it and no backend imports another.
 */
import type { Ops } from './ops.js';
import { BackendError } from './errors.js';

/** Which backend a forward runs on: a registered name ('ref' is the spec and the default, 'wasm' needs
 *  `await wasm.init()`) or an `Ops` object. */
export type Backend = 'ref' | 'wasm' | (string & {}) | Ops;

const backends = new Map<string, Ops>();

/**
 * Registers `ops` under `ops.name` (replacing an earlier registration of that name).
 * @throws BackendError if `ops` has no non-empty string name.
 */
export function registerBackend(ops: Ops): void {
  if (ops === null || typeof ops !== 'object' || typeof ops.name !== 'string' || ops.name === '') {
    throw new BackendError(`registerBackend: ops must be an Ops object with a non-empty name, got ${typeof ops}`);
  }
  backends.set(ops.name, ops);
}

/** Names of the registered backends, in registration order. */
export function registeredBackends(): string[] {
  return [...backends.keys()];
}

/**
 * Resolves a backend name (default 'ref') or an Ops object to the Ops to run.
 * @throws BackendError if the name is not registered (e.g. 'wasm' when attnconv/wasm was never imported),
 *         or the value is neither a string nor an Ops object.
 */
export function resolveOps(backend: Backend | undefined): Ops {
  if (backend === undefined) backend = 'ref';
  if (typeof backend === 'string') {
    const ops = backends.get(backend);
    if (!ops) {
      const known = registeredBackends().map((n) => `'${n}'`).join(', ') || 'none';
      throw new BackendError(`backend '${backend}' is not loaded (registered: ${known}): import it (import { ${backend} } from 'attnconv')` +
        (backend === 'wasm' ? ' and `await wasm.init()` first' : ''));
    }
    return ops;
  }
  if (backend !== null && typeof backend === 'object' && typeof (backend as Ops).conv2d === 'function') return backend;
  throw new BackendError(`backend must be a registered name (${registeredBackends().map((n) => `'${n}'`).join(', ')}) or an Ops object, got ${backend === null ? 'null' : typeof backend}`);
}
