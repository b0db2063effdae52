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
 * message, arena guard bands on). The build comes from `init({ build })` first; without it, from the
 * environment variable `ATTNCONV_WASM_BUILD` where the runtime lets us read it without a prompt or a
 * throw (Node and Bun: `process.env`; Deno: only when env access is already granted), else 'release'.
 * The release kernel is part of the library bundle; the debug kernel (~200 kB) is its own module
 * (dist/kernels-debug.js beside the entry), imported only by `init({ build: 'debug' })`, through a
 * computed specifier so that bundlers leave it out of an application bundle.
 *
 * Public types name no `WebAssembly` type (`WasmMemory` below), so a consumer's TypeScript needs no DOM lib.
 * @see as/index.ts (the kernel inventory) · ts/wasm/arena.ts
 */
import { BackendError } from '../core/errors.js';
import { booleanArg, enumArg, optionsArg } from '../core/validate.js';
import { chooseVariant, relaxedBinaryBase64, DETERMINISTIC_ENV_VAR, type KernelVariant } from './variants.js'; // kernel variants: strict | relaxed SIMD
import { disposePool, instantiateShared, resolveThreads, startPool, THREADS_ENV_VAR } from './pool.js'; // threads: worker pool on a shared memory
import { KERNEL_SIGNATURES, type Kernels } from './kernels.generated.js';

export type { Kernels, Ptr } from './kernels.generated.js';

/** The kernel builds `init` can load. */
export const WASM_BUILDS = ['release', 'debug'] as const;
export type WasmBuild = typeof WASM_BUILDS[number];

/** Options of `init`: every runtime setting comes from here first (the environment is only a fallback). */
export interface InitOptions {
  /** 'release' (default) or 'debug' (asserts on, arena guard bands). Default: ATTNCONV_WASM_BUILD if readable, else 'release'. */
  build?: WasmBuild;
  /**
   * true: the strict kernels (same bits in every runtime and on every CPU); false: the relaxed-SIMD kernels (fused
   * multiply-add; BackendError where the engine lacks relaxed SIMD). Default: relaxed where available, else strict
   * (ATTNCONV_WASM_DETERMINISTIC=1 makes the default strict). See ts/wasm/variants.ts.
   */
  deterministic?: boolean;
  /**
   * Threads running the parallel kernels (ts/wasm/pool_kernels.ts), results bit-identical for every count. 1: no
   * worker is spawned. Default: ATTNCONV_WASM_THREADS, else the cores the runtime reports, capped at 8 (1 where the
   * runtime has no SharedArrayBuffer or workers). See ts/wasm/pool.ts.
   */
  threads?: number;
}
const INIT_KEYS = ['build', 'deterministic', 'threads'] as const; // variants: + 'deterministic'; threads: + 'threads'

/** The environment variable naming the default build (read by `init()` without `build` only). */
export const BUILD_ENV_VAR = 'ATTNCONV_WASM_BUILD';

/**
 * The module's linear memory as the backend uses it: the `WebAssembly.Memory` the module exports, typed
 * structurally so that no public declaration needs the `WebAssembly` namespace (absent from `lib: ["es2022"]`).
 */
export interface WasmMemory {
  /** The current bytes; replaced (the old one detached) on every grow. */
  readonly buffer: ArrayBuffer;
  /** Grows by `delta` 64 KiB pages; returns the previous size in pages. Throws (RangeError) if refused. */
  grow(delta: number): number;
}

interface State {
  build: WasmBuild;
  variant: KernelVariant; // variants: which kernel variant is loaded
  threads: number; // threads: 1, or the pool's size
  kernels: Kernels;
  memory: WebAssembly.Memory;
}

/** Replaced by scripts/bundle.mjs with the debug kernel's file beside the bundled code ('./kernels-debug.js'). */
declare const __ATTNCONV_DEBUG_KERNEL__: string | undefined;

let state: State | null = null;
let pending: Promise<void> | null = null;
let pendingBuild: WasmBuild | null = null;
let pendingVariant: KernelVariant | null = null; // variants
let pendingThreads = 0; // threads
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

/** True if this engine has WebAssembly at all (some locked-down browsers and iOS lockdown mode do not). */
function webAssemblyPresent(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly !== null && typeof WebAssembly.validate === 'function';
}

/**
 * True if this engine can run the wasm backend: WebAssembly with fixed-width 128-bit SIMD (Node ≥ 16.4,
 * Deno, Bun, Chrome ≥ 91, Firefox ≥ 89, Safari ≥ 16.4). Cheap (validates a 30-byte module); never throws.
 */
export function simdSupported(): boolean {
  try {
    return webAssemblyPresent() && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

interface DenoLike {
  permissions?: { querySync?(d: { name: 'env'; variable: string }): { state: string } };
  env?: { get(name: string): string | undefined };
}

/**
 * The value of an environment variable where reading it needs no permission: `process.env` in Node and Bun;
 * in Deno only when env access is already granted (`Deno.permissions.querySync`, which never prompts), so a
 * script run without `--allow-env` is neither prompted nor stopped by NotCapable; a browser has none.
 * Never throws: an unreadable environment reads as unset.
 */
export function readEnv(name: string): string | undefined {
  try {
    const g = globalThis as { Deno?: DenoLike; process?: { env?: Record<string, string | undefined> } };
    const deno = g.Deno;
    if (deno && typeof deno === 'object') {
      const query = deno.permissions?.querySync;
      if (typeof query !== 'function' || typeof deno.env?.get !== 'function') return undefined;
      if (query.call(deno.permissions, { name: 'env', variable: name }).state !== 'granted') return undefined;
      return deno.env.get(name);
    }
    const value = g.process?.env?.[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The build `init()` loads without a `build` option: ATTNCONV_WASM_BUILD where readable, else 'release'.
 * @throws BackendError if the variable is set to something other than 'release', 'debug' or ''.
 */
function defaultBuild(): WasmBuild {
  const env = readEnv(BUILD_ENV_VAR);
  if (env === undefined || env === '') return 'release';
  if (env === 'release' || env === 'debug') return env;
  throw new BackendError(`wasm: ${BUILD_ENV_VAR} must be 'release' or 'debug', got ${JSON.stringify(env)} (or pass init({ build }))`);
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The debug kernel module. Its specifier is computed, not a literal, so that bundlers (esbuild, webpack, Vite)
 * do not pull its ~200 kB into an application bundle; it resolves beside the code that imports it (the bundled
 * library: dist/kernels-debug.js; the sources: ./kernels.debug.generated.ts).
 */
function importDebugKernel(): Promise<{ wasmBase64: string }> {
  const file = typeof __ATTNCONV_DEBUG_KERNEL__ === 'string' ? __ATTNCONV_DEBUG_KERNEL__ : './kernels.debug.generated.js';
  return import(/* @vite-ignore */ /* webpackIgnore: true */ file) as Promise<{ wasmBase64: string }>;
}

async function loadBinary(build: WasmBuild): Promise<Uint8Array<ArrayBuffer>> {
  let mod: { wasmBase64: string };
  try {
    mod = build === 'debug' ? await importDebugKernel() : await import('./kernels.release.generated.js');
  } catch (e) {
    throw new BackendError(
      `wasm: cannot load the ${build} kernels (${(e as Error)?.message ?? String(e)}); from the sources run \`npm run build:as\`` +
      (build === 'debug' ? '; a bundled application must serve kernels-debug.js (from attnconv/dist) beside its bundle' : ''),
      { cause: e });
  }
  return decodeBase64(mod.wasmBase64);
}

/** Reads an AssemblyScript string (UTF-16, byte length at ptr − 4) for assertion messages. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

async function instantiate(build: WasmBuild, variant: KernelVariant, threads: number): Promise<void> {
  if (!webAssemblyPresent()) {
    throw new BackendError('wasm: this JavaScript engine has no WebAssembly (disabled by policy, or too old); use the ref backend instead');
  }
  if (!simdSupported()) {
    throw new BackendError(
      'wasm: this JavaScript engine does not support WebAssembly 128-bit SIMD (needed by the wasm backend; ' +
      'Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4 have it); use the ref backend instead');
  }
  const binary = variant === 'relaxed' ? decodeBase64(await relaxedBinaryBase64()) : await loadBinary(build); // variants
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
  disposePool(); // threads: the previous module's workers
  // threads: with a pool, the same binary on an imported shared memory (ts/wasm/pool.ts)
  const { instance, module } = threads > 1 ? await instantiateShared(binary, imports.env) : await WebAssembly.instantiate(binary, imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  let bound = bindKernels(instance.exports, build);
  if (threads > 1) bound = await startPool(module, memory, bound, threads); // threads: parallel kernels in place
  state = { build, variant, threads, kernels: bound, memory }; // variants: + variant; threads: + threads
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
 * Instantiates the WebAssembly kernels (10–50 ms for the release build on one thread; a worker pool adds its
 * start-up). Idempotent: a second call with the same options returns at once; a call with others replaces the
 * module (only do this between operator calls).
 * Configuration comes from `options` first; without `build`, from ATTNCONV_WASM_BUILD where the runtime allows
 * reading it without a prompt (see `readEnv`), else 'release'.
 * @returns a promise that rejects (never throws synchronously) with the errors below.
 * @throws ArgumentError if `options` is not a plain object of `InitOptions` or holds an unknown key;
 *         ParameterError if `build` is not 'release' or 'debug'; BackendError if the engine has no WebAssembly or no 128-bit SIMD, if the
 *         kernels cannot be loaded, or if ATTNCONV_WASM_BUILD holds another value.
 *         Variants and threads (ts/wasm/variants.ts, ts/wasm/pool.ts): ArgumentError if `deterministic` is not a boolean;
 *         ParameterError if `threads` is not an integer in [1, 57]; BackendError if `deterministic: false` and the
 *         engine lacks relaxed SIMD, if `threads > 1` is asked for where no pool can run, or if the workers do not start.
 */
export function init(options?: InitOptions): Promise<void> {
  let build: WasmBuild;
  let variant: KernelVariant; // variants
  let threads: number; // threads
  try {
    const o = optionsArg<InitOptions>('wasm.init', options, INIT_KEYS);
    build = o.build === undefined ? defaultBuild() : enumArg('wasm.init', 'build', o.build, WASM_BUILDS, 'release');
    // variants: strict or relaxed SIMD kernels (ts/wasm/variants.ts)
    const deterministic = o.deterministic === undefined ? undefined : booleanArg('wasm.init', 'deterministic', o.deterministic, true);
    variant = chooseVariant(build, deterministic, deterministic === undefined ? readEnv(DETERMINISTIC_ENV_VAR) : undefined);
    threads = resolveThreads(o.threads, o.threads === undefined ? readEnv(THREADS_ENV_VAR) : undefined); // threads
  } catch (e) {
    return Promise.reject(e);
  }
  if (state && state.build === build && state.variant === variant && state.threads === threads) return Promise.resolve(); // variants, threads
  if (pending && pendingBuild === build && pendingVariant === variant && pendingThreads === threads) return pending; // variants, threads
  pendingBuild = build;
  pendingVariant = variant; // variants
  pendingThreads = threads; // threads
  pending = instantiate(build, variant, threads).finally(() => { pending = null; pendingBuild = null; pendingVariant = null; pendingThreads = 0; }); // variants, threads
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
export function memory(): WasmMemory {
  return ready().memory;
}

/** The build in use. @throws BackendError if `init()` has not completed. */
export function build(): WasmBuild {
  return ready().build;
}

/**
 * The kernel variant in use: 'strict' (deterministic) or 'relaxed' (fused multiply-add); ts/wasm/variants.ts.
 * @throws BackendError if `init()` has not completed.
 */
export function variant(): KernelVariant { // variants
  return ready().variant;
}

/** The thread count in use (1: no pool). @throws BackendError if `init()` has not completed. */
export function threads(): number { // threads
  return ready().threads;
}

/**
 * Terminates the thread pool's workers and unloads the module; `init()` loads it again. Workers are unref'd, so a
 * process exits without this; call it to free the threads (and their copies of the module) early.
 */
export function dispose(): void { // threads
  disposePool();
  state = null;
}

/** Registers a callback run after every (re-)instantiation (the arena resets its marks). */
export function onInstantiate(hook: () => void): void {
  resetHooks.push(hook);
}
