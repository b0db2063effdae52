/**
 * The WebAssembly module of attnconv: instantiation, SIMD feature probe, typed kernel exports.
 *
 * The kernels' type, `Kernels`, is generated from AssemblyScript's bindings of as/index.ts
 * (scripts/gen-kernel-abi.mjs → kernels.generated.ts); at instantiation every export is checked
 * against it (name, parameter count), so the typed object handed out is the module's true ABI.
 *
 * The binary is embedded as base64 (scripts/embed-wasm.mjs → kernels.<build>.generated.ts), so the
 * same loader works in Node, Deno, Bun, browsers and the esbuild bundle, with no fs or fetch.
 * Memory: the module exports one `WebAssembly.Memory` (asconfig.json: 16 initial pages = 1 MiB,
 * no maximum); the host owns everything above `heap_base()` and grows it as needed
 * (ts/wasm/arena.ts). Kernels never allocate.
 *
 * Builds: 'release' (optimizeLevel 3, asserts compiled out) or 'debug' (asserts trap with their
 * message, arena guard bands on). The default comes from `ATTNCONV_WASM_BUILD` when `process`
 * exists, else 'release'.
 * @see as/index.ts (the kernel inventory) · ts/wasm/arena.ts
 */
import { BackendError } from '../core/errors.js';
import { KERNEL_SIGNATURES, type Kernels } from './kernels.generated.js';

export type { Kernels, Ptr } from './kernels.generated.js';

export type WasmBuild = 'release' | 'debug';

interface State {
  build: WasmBuild;
  kernels: Kernels;
  memory: WebAssembly.Memory;
}

let state: State | null = null;
let pending: Promise<void> | null = null;
let pendingBuild: WasmBuild | null = null;
const resetHooks: Array<() => void> = [];

/**
 * A module that only validates if the engine supports 128-bit SIMD:
 * (module (func (result v128) v128.const i32x4 0 0 0 0)).
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type section: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00,                   // code section: one body of 20 bytes, no locals
  0xfd, 0x0c, ...new Array<number>(16).fill(0),   // v128.const 0
  0x0b,                                           // end
]);

/** True if this engine can run the module (WebAssembly with fixed-width SIMD). */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

function defaultBuild(): WasmBuild {
  const env = typeof process === 'object' && process?.env ? process.env.ATTNCONV_WASM_BUILD : undefined;
  if (env === undefined || env === '') return 'release';
  if (env === 'release' || env === 'debug') return env;
  throw new BackendError(`wasm: ATTNCONV_WASM_BUILD must be 'release' or 'debug', got ${JSON.stringify(env)}`);
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

async function loadBinary(build: WasmBuild): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const mod = build === 'debug'
      ? await import('./kernels.debug.generated.js')
      : await import('./kernels.release.generated.js');
    return decodeBase64(mod.wasmBase64);
  } catch (e) {
    throw new BackendError(`wasm: the ${build} kernels are not built; run \`npm run build:as\` (${(e as Error).message})`);
  }
}

/** Reads an AssemblyScript string (UTF-16, byte length at ptr − 4) for assertion messages. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

async function instantiate(build: WasmBuild): Promise<void> {
  if (!simdSupported()) {
    throw new BackendError(
      'wasm: this JavaScript engine does not support WebAssembly 128-bit SIMD (needed by the wasm backend; ' +
      'Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4 have it); use the ref backend instead');
  }
  const binary = await loadBinary(build);
  let memory: WebAssembly.Memory | null = null;
  const imports = {
    env: {
      // Called by failed `assert`s in the debug build (release compiles them out).
      abort(msg: number, file: number, line: number, column: number): never {
        const text = memory ? `${readAsString(memory, msg)} at ${readAsString(memory, file)}:${line}:${column}` : 'abort';
        throw new BackendError(`wasm kernel assertion failed: ${text}`);
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(binary, imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  state = { build, kernels: bindKernels(instance.exports, build), memory };
  for (const hook of resetHooks) hook();
}

/**
 * The module's function exports as `Kernels`, after checking them against KERNEL_SIGNATURES: every
 * declared export present with its parameter count, and no undeclared function export (a stale
 * kernels.generated.ts).
 * @throws BackendError on any mismatch (rebuild with `npm run build:as`).
 */
function bindKernels(exports: WebAssembly.Exports, build: WasmBuild): Kernels {
  const bound: Partial<Kernels> = {};
  for (const [name, sig] of Object.entries(KERNEL_SIGNATURES)) {
    const fn = exports[name];
    if (typeof fn !== 'function' || fn.length !== sig.params.length) {
      throw new BackendError(`wasm: the ${build} module's export ${name} does not match kernels.generated.ts (${sig.params.length} parameters); run \`npm run build:as\``);
    }
    Object.assign(bound, { [name]: fn });
  }
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'function' && !(name in bound)) {
      throw new BackendError(`wasm: the ${build} module exports ${name}, which kernels.generated.ts does not declare; run \`npm run build:as\``);
    }
  }
  return bound as Kernels;      // every member was checked above
}

/**
 * Instantiates the WebAssembly kernels. Idempotent: a second call with the same build returns at
 * once; a call with another build replaces the module (only do this between operator calls).
 * @throws BackendError if the engine lacks WebAssembly SIMD or the kernels were not built.
 */
export function init(options: { build?: WasmBuild } = {}): Promise<void> {
  const build = options.build ?? defaultBuild();
  if (state && state.build === build) return Promise.resolve();
  if (pending && pendingBuild === build) return pending;
  pendingBuild = build;
  pending = instantiate(build).finally(() => { pending = null; pendingBuild = null; });
  return pending;
}

/** True once `init()` has finished. */
export function isReady(): boolean {
  return state !== null;
}

function ready(): State {
  if (!state) throw new BackendError('wasm backend used before `await wasm.init()`');
  return state;
}

/** The typed kernel exports. @throws BackendError if `init()` has not completed. */
export function kernels(): Kernels {
  return ready().kernels;
}

/** The module's linear memory (its `buffer` is replaced on every grow). @throws BackendError */
export function memory(): WebAssembly.Memory {
  return ready().memory;
}

/** The build in use. @throws BackendError if `init()` has not completed. */
export function build(): WasmBuild {
  return ready().build;
}

/** Registers a callback run after every (re-)instantiation (the arena resets its marks). */
export function onInstantiate(hook: () => void): void {
  resetHooks.push(hook);
}
