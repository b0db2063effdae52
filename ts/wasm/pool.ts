/**
 * The thread pool: one shared `WebAssembly.Memory`, the kernel module instantiated on it by the calling thread and
 * by `threads − 1` workers, and work split over output tiles.
 *
 * Determinism: a parallel kernel call is cut into chunks along an output dimension only (GEMM column panels or row
 * blocks, channel groups of a depthwise conv, heads of local attention, windows of window attention, channels of
 * im2col and of deformable sampling): every output element is computed by one executor, by the same kernel, with
 * the same per-element accumulation order as the single-thread call. No reduction is ever split, so results are
 * bit-identical for every thread count (spec/threads.test.ts checks threads 1, 2, 3).
 *
 * Scheduling: the calling thread writes a task table into WebAssembly memory (inside the op's arena scope), wakes
 * the workers (Atomics.notify) and claims chunks itself, like the workers (a compare-exchange on one counter), so a
 * busy or slow worker only means the others take more chunks. It then waits until every chunk is done: with
 * Atomics.wait where the thread may block (Node, Deno and Bun main threads, any worker), by spinning on
 * Atomics.load on a browser's main thread (where Atomics.wait throws) — the wait only covers the last chunks.
 * Each executor has its own scratch (packed panels), allocated in the op's arena scope with the table, so a failed
 * call leaks nothing.
 *
 * Failure: a kernel that throws in a worker (a trap, or a failed assert of the debug build) is reported with its
 * message as a BackendError after all chunks have drained. A worker that exits between calls (its exit event sets a
 * flag) makes the next parallel call throw a BackendError naming it, after the pool was rebuilt; one that stops
 * during a call (no chunk finishes for `stallMs`, default 10 s) gets the same error, and every worker is terminated
 * and replaced. Workers are unref'd (they never keep a process alive) and terminated by `wasm.dispose()`.
 *
 * Runtimes (checked: Node 20 and 24, Deno 2.9, Bun): Node and Deno use node:worker_threads (an `eval` source, reached
 * through `process.getBuiltinModule`, so the library's import graph names no Node built-in; unref'd workers);
 * Bun and browsers a module Web Worker from a Blob URL, given the module's bytes to compile. Needs SharedArrayBuffer:
 * in a browser only on a cross-origin isolated page (COOP + COEP headers); elsewhere the default is 1 thread and an
 * explicit `threads > 1` is a BackendError. On a browser's main thread, where Atomics.wait throws, the calling
 * thread spins on Atomics.load while it waits for the last chunks (it runs chunks itself until none is left), so
 * ops stay synchronous; running attnconv inside a Worker avoids even that.
 * @see ts/wasm/worker.ts (the worker and the protocol) · ts/wasm/module.ts (init({ threads }))
 */
import { BackendError, ParameterError } from '../core/errors.js';
import { CTRL, CTRL_WORDS, MAX_WORKERS, MSG_BYTES, NODE_WORKER_SOURCE, WEB_WORKER_SOURCE } from './worker.js';
import type { Kernels } from './kernels.generated.js';

type AnyFn = (...args: number[]) => unknown;

/** One kernel call of a chunk: `args` with bit j of `scratch` set are byte offsets into the executor's scratch. */
export interface Call { fn: number; args: number[]; scratch: number }

/** A worker behind the one small abstraction the pool needs. */
interface Handle { terminate(): void }

interface NodeWorkerThreads {
  Worker: new (src: string, o: { eval: true; workerData: unknown }) => {
    unref(): void; terminate(): Promise<number>;
    on(ev: 'exit', cb: (code: number) => void): void; on(ev: 'error', cb: (e: Error) => void): void;
  };
}
interface WebWorker {
  postMessage(d: unknown): void; terminate(): void; unref?(): void;
  addEventListener(ev: 'error', cb: (e: { message?: string }) => void): void;
}

function nodeBuiltin<T>(name: string): T | null {
  const g = globalThis as { process?: { getBuiltinModule?(n: string): unknown }; Deno?: unknown; Bun?: unknown };
  if (g.Bun) return null;                   // Bun: its Web Worker (tested); Node and Deno: worker_threads (unref works in both)
  try {
    return (g.process?.getBuiltinModule?.(name) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

/** Why this runtime cannot run a pool, or null if it can. */
export function threadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer !== 'function') {
    return 'SharedArrayBuffer is not available (a browser page must be cross-origin isolated: COOP + COEP headers)';
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return `this engine cannot create a shared WebAssembly.Memory (${(e as Error).message})`;
  }
  if (!nodeBuiltin<NodeWorkerThreads>('node:worker_threads') && typeof (globalThis as { Worker?: unknown }).Worker !== 'function') {
    return 'this runtime has neither node:worker_threads (through process.getBuiltinModule, Node ≥ 20.16) nor Web Workers';
  }
  return null;
}

/** The cores the runtime reports (navigator.hardwareConcurrency, else os.availableParallelism()), at least 1. */
export function reportedCores(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav && Number.isInteger(nav.hardwareConcurrency) && nav.hardwareConcurrency! > 0) return nav.hardwareConcurrency!;
  const os = nodeBuiltin<{ availableParallelism?(): number; cpus(): unknown[] }>('node:os');
  const n = os ? (os.availableParallelism ? os.availableParallelism() : os.cpus().length) : 1;
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** The default thread count: the reported cores, capped at 8 (beyond that the ops here are bound by memory). */
export function defaultThreads(): number {
  return Math.min(8, reportedCores());
}

const canBlock = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;           // a browser's main thread
  }
})();

function waitWhile(ctrl: Int32Array, index: number, value: number, ms: number): void {
  if (canBlock) {
    Atomics.wait(ctrl, index, value, ms);
    return;
  }
  const end = performance.now() + ms;
  while (Atomics.load(ctrl, index) === value && performance.now() < end) { /* spin: Atomics.wait is not allowed here */ }
}

/** A module that imports a shared memory in place of the one it defines (see `sharedMemoryBinary`). */
function readLeb(bytes: Uint8Array, at: number): [number, number] {
  let r = 0, shift = 0, b: number;
  do { b = bytes[at++]; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [r, at];
}
function leb(n: number): number[] {
  const out: number[] = [];
  do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b); } while (n > 0);
  return out;
}

/**
 * The same module with its memory imported as a shared memory `env.memory` (maximum 65536 pages = 4 GiB) instead of
 * defined: the memory section is dropped and an import added. The code section is untouched, so the threaded
 * kernels are byte for byte the single-thread ones (same bits); the export `memory` now names the shared memory.
 * @returns the patched bytes and the memory's initial page count.
 * @throws BackendError if the binary does not define exactly one memory.
 */
export function sharedMemoryBinary(binary: Uint8Array): { bytes: Uint8Array<ArrayBuffer>; initialPages: number } {
  const sections: Array<{ id: number; body: Uint8Array }> = [];
  let at = 8;
  while (at < binary.length) {
    const id = binary[at];
    const [size, start] = readLeb(binary, at + 1);
    sections.push({ id, body: binary.subarray(start, start + size) });
    at = start + size;
  }
  const mem = sections.find((s) => s.id === 5);
  if (!mem) throw new BackendError('wasm thread pool: the kernel module defines no memory');
  let [count, p] = readLeb(mem.body, 0);
  if (count !== 1) throw new BackendError(`wasm thread pool: the kernel module defines ${count} memories, expected 1`);
  const flags = mem.body[p++];
  const [initialPages] = readLeb(mem.body, p);
  void flags;
  const enc = new TextEncoder();
  const entry = [...leb(3), ...enc.encode('env'), ...leb(6), ...enc.encode('memory'), 0x02, 0x03, ...leb(initialPages), ...leb(65536)];
  const imp = sections.find((s) => s.id === 2);
  let importBody: number[];
  if (imp) {
    [count, p] = readLeb(imp.body, 0);
    importBody = [...leb(count + 1), ...Array.from(imp.body.subarray(p)), ...entry];
  } else {
    importBody = [...leb(1), ...entry];
  }
  const parts: Uint8Array[] = [binary.subarray(0, 8)];
  const section = (id: number, body: ArrayLike<number>) => { parts.push(new Uint8Array([id, ...leb(body.length)]), Uint8Array.from(body)); };
  let importWritten = false;
  const order = (id: number) => (id === 0 ? -1 : id === 12 ? 9.5 : id);   // data count sits between element and code
  for (const s of sections) {
    if (s.id === 5) continue;
    if (s.id === 2) { section(2, importBody); importWritten = true; continue; }
    if (!importWritten && s.id !== 0 && order(s.id) > 2) { section(2, importBody); importWritten = true; }
    parts.push(new Uint8Array([s.id, ...leb(s.body.length)]), s.body);
  }
  const bytes = new Uint8Array(parts.reduce((n, q) => n + q.length, 0));
  let o = 0;
  for (const q of parts) { bytes.set(q, o); o += q.length; }
  return { bytes, initialPages };
}

interface Worker_ { handle: Handle; index: number }

/** The pool: `threads − 1` workers on one shared memory (see the file header). */
export class Pool {
  readonly threads: number;
  /** No chunk finished for this long while the calling thread waits: the worker is taken for dead. */
  stallMs = 10_000;
  private ctrl!: Int32Array;
  private msg!: Uint8Array;
  private workers: Worker_[] = [];
  private dead: string | null = null;
  private seq = 0;
  private disposed = false;
  /** Incremented by every (re)start: exit events of workers from an earlier start are ignored. */
  private generation = 0;
  /** Parallel calls run so far (tests check that an op really was split). */
  tasks = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly bytes: Uint8Array,
    private readonly memory: WebAssembly.Memory,
    private readonly names: readonly string[],
    private readonly fns: readonly AnyFn[],
    threads: number,
    private readonly scope: <T>(body: (alloc: (floats: number) => number) => T) => T,
  ) {
    if (!Number.isInteger(threads) || threads < 2 || threads - 1 > MAX_WORKERS) {
      throw new BackendError(`wasm thread pool: threads must be an integer in [2, ${MAX_WORKERS + 1}], got ${threads}`);
    }
    this.threads = threads;
    this.start();
  }

  private start(): void {
    const sab = new SharedArrayBuffer(CTRL_WORDS * 4 + MSG_BYTES);
    this.ctrl = new Int32Array(sab, 0, CTRL_WORDS);
    this.msg = new Uint8Array(sab, CTRL_WORDS * 4, MSG_BYTES);
    this.seq = 0;
    this.dead = null;
    this.workers = [];
    this.generation++;
    for (let i = 1; i < this.threads; i++) this.workers.push({ handle: this.spawn(i, sab), index: i });
  }

  private spawn(index: number, sab: SharedArrayBuffer): Handle {
    const data = { module: this.module, bytes: undefined as Uint8Array | undefined, memory: this.memory, ctrl: sab, index, names: this.names };
    const generation = this.generation;
    const onDeath = (why: string) => {
      if (!this.disposed && generation === this.generation && this.dead === null) this.dead = `worker ${index} ${why}`;
    };
    const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads');
    if (wt) {
      const w = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: data });
      w.unref();
      w.on('exit', (code) => onDeath(`exited with code ${code}`));
      w.on('error', (e) => onDeath(`failed: ${e?.message ?? String(e)}`));
      return { terminate: () => { void w.terminate(); } };
    }
    // Web Workers get the module's bytes and compile them (a WebAssembly.Module does not cross every runtime's postMessage)
    Object.assign(data, { module: undefined, bytes: this.bytes });
    const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
    const Ctor = (globalThis as unknown as { Worker: new (u: string, o: { type: 'module' }) => WebWorker }).Worker;
    const w = new Ctor(url, { type: 'module' });
    w.unref?.();
    w.addEventListener('error', (e) => onDeath(`failed: ${e?.message ?? 'error event'}`));
    w.postMessage(data);
    return { terminate: () => w.terminate() };
  }

  /** Resolves when every worker has instantiated the module. @throws BackendError after `ms` without. */
  async ready(ms = 30_000): Promise<void> {
    const end = performance.now() + ms;
    for (;;) {
      if (this.dead) throw new BackendError(`wasm thread pool: ${this.dead} while starting`);
      if (this.workers.every((w) => Atomics.load(this.ctrl, CTRL.READY + w.index) === 1)) return;
      if (performance.now() > end) throw new BackendError(`wasm thread pool: the workers did not start within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Worker indices that have started (for tests and the bench). */
  readyCount(): number {
    return this.workers.filter((w) => Atomics.load(this.ctrl, CTRL.READY + w.index) === 1).length;
  }

  /** Terminates every worker (also the one given to `kill`, for tests). */
  dispose(): void {
    this.disposed = true;
    this.stopAll();
  }

  private stopAll(): void {
    Atomics.store(this.ctrl, CTRL.STOP, 1);
    Atomics.add(this.ctrl, CTRL.SEQ, 1);
    Atomics.notify(this.ctrl, CTRL.SEQ);
    for (const w of this.workers) w.handle.terminate();
    this.workers = [];
  }

  private rebuild(): void {
    this.stopAll();
    this.start();
  }

  /** Test hook: terminates worker `index` as if it had died. */
  killWorkerForTest(index: number): void {
    this.workers.find((w) => w.index === index)?.handle.terminate();
  }

  /**
   * Runs `chunks` (each a list of kernel calls) on all executors; returns when every chunk is done.
   * @param scratchFloats  floats of scratch each executor needs (its calls' scratch-relative arguments point into it)
   * @throws BackendError if a kernel threw (its message), if a worker died (the pool is rebuilt first) or stalled.
   */
  run(chunks: Call[][], scratchFloats: number): void {
    if (this.dead) {
      const why = this.dead;
      this.rebuild();
      throw new BackendError(`wasm thread pool: ${why}; the pool was rebuilt and this call did nothing (retry it)`);
    }
    const n = chunks.length;
    if (n === 0) return;
    this.tasks++;
    if (n > 0x7ff) throw new BackendError(`wasm thread pool: ${n} chunks exceed the protocol's 2047`);
    this.scope((alloc) => {
      const stride = Math.ceil(scratchFloats / 4) * 16;                    // bytes, 16-aligned per executor
      const scratchBase = scratchFloats > 0 ? alloc((stride / 4) * this.threads) : 0;
      let words = 3 + n + 1;
      for (const chunk of chunks) for (const call of chunk) words += 3 + call.args.length;
      const table = alloc(words * 2);
      const f64 = new Float64Array(this.memory.buffer, table, words);
      f64[0] = n; f64[1] = scratchBase; f64[2] = stride;
      let w = 3 + n + 1;
      for (let c = 0; c < n; c++) {
        f64[3 + c] = w;
        for (const call of chunks[c]) {
          f64[w] = call.fn; f64[w + 1] = call.args.length; f64[w + 2] = call.scratch;
          for (let j = 0; j < call.args.length; j++) f64[w + 3 + j] = call.args[j];
          w += 3 + call.args.length;
        }
      }
      f64[3 + n] = w;

      const ctrl = this.ctrl;
      Atomics.store(ctrl, CTRL.TASK, table | 0);
      Atomics.store(ctrl, CTRL.DONE, 0);
      Atomics.store(ctrl, CTRL.ERR, 0);
      const seq = (Atomics.load(ctrl, CTRL.SEQ) + 1) | 0;
      const gen = seq & 0x3ff;
      Atomics.store(ctrl, CTRL.CLAIM, ((gen << 22) | (n << 11)) | 0);
      Atomics.store(ctrl, CTRL.SEQ, seq);
      Atomics.notify(ctrl, CTRL.SEQ);

      // executor 0: the calling thread claims chunks like a worker
      let ownError: unknown = null;
      const args: number[] = [];
      for (;;) {
        const v = Atomics.load(ctrl, CTRL.CLAIM);
        const c = v & 0x7ff;
        if (c >= n) break;
        if (Atomics.compareExchange(ctrl, CTRL.CLAIM, v, v + 1) !== v) continue;
        if (ownError === null) {
          try {
            for (const call of chunks[c]) {
              args.length = call.args.length;
              for (let j = 0; j < args.length; j++) args[j] = call.scratch & (1 << j) ? call.args[j] + scratchBase : call.args[j];
              this.fns[call.fn](...args);
            }
          } catch (e) {
            ownError = e;
          }
        }
        Atomics.add(ctrl, CTRL.DONE, 1);
      }

      // wait for the workers' chunks; a worker that stops finishing chunks for stallMs is taken for dead
      let done = Atomics.load(ctrl, CTRL.DONE), last = performance.now();
      while (done < n) {
        waitWhile(ctrl, CTRL.DONE, done, 50);
        const now = Atomics.load(ctrl, CTRL.DONE);
        if (now !== done) { done = now; last = performance.now(); continue; }
        if (performance.now() - last > this.stallMs) {
          const why = this.dead ?? `a worker finished no chunk for ${this.stallMs} ms (${n - done} of ${n} chunks outstanding)`;
          this.rebuild();
          throw new BackendError(`wasm thread pool: ${why}; every worker was terminated and the pool rebuilt`);
        }
      }
      if (ownError !== null) throw ownError;
      const err = Atomics.load(ctrl, CTRL.ERR);
      if (err !== 0) {
        const text = new TextDecoder().decode(this.msg.slice()).replace(/\0+$/, '');
        throw new BackendError(`wasm thread pool: a kernel failed on worker ${err - 1}: ${text}`);
      }
    });
  }

  /** Kernel index of `name` (its position in the names the workers were given). */
  id(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new BackendError(`wasm thread pool: no kernel ${name}`);
    return i;
  }
}

let current: Pool | null = null;

/**
 * Compiles `binary` with its memory made shared and imported (`sharedMemoryBinary`) and instantiates it on the
 * calling thread; `env` is the import object's env (its `memory` is set here).
 */
export async function instantiateShared(binary: Uint8Array, env: Record<string, unknown>): Promise<{ instance: WebAssembly.Instance; module: WebAssembly.Module }> {
  const { bytes, initialPages } = sharedMemoryBinary(binary);
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: 65536, shared: true });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { ...env, memory } });
  sharedBytes.set(module, bytes);
  return { instance, module };
}
const sharedBytes = new WeakMap<WebAssembly.Module, Uint8Array>();

/**
 * Starts a pool of `threads − 1` workers on `module` and `memory` (disposing the previous pool) and returns the
 * kernels with the parallel versions of ts/wasm/pool_kernels.ts in place.
 * @throws BackendError if the workers do not start.
 */
export async function startPool(module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: Kernels, threads: number): Promise<Kernels> {
  disposePool();
  const { withArena } = await import('./arena.js');
  const { parallelKernels } = await import('./pool_kernels.js');
  const names = Object.keys(kernels).sort();
  const fns = names.map((n) => (kernels as unknown as Record<string, AnyFn>)[n]);
  const bytes = sharedBytes.get(module);
  if (!bytes) throw new BackendError('wasm thread pool: the module was not made by instantiateShared');
  const pool = new Pool(module, bytes, memory, names, fns, threads, (body) => withArena((a) => body((floats) => a.alloc(floats))));
  current = pool;
  try {
    await pool.ready();
  } catch (e) {
    disposePool();
    throw e;
  }
  return parallelKernels(kernels, pool);
}

/** Terminates the current pool's workers, if any. */
export function disposePool(): void {
  current?.dispose();
  current = null;
}

/** The current pool (null with threads: 1). */
export function currentPool(): Pool | null {
  return current;
}

/** The environment variable giving `init()` its thread count when `threads` is not passed. */
export const THREADS_ENV_VAR = 'ATTNCONV_WASM_THREADS';
/** The largest thread count (the control block's READY slots). */
export const MAX_THREADS = MAX_WORKERS + 1;

/**
 * The thread count `init` uses: `value` if given (an integer in [1, MAX_THREADS]), else ATTNCONV_WASM_THREADS (`env`),
 * else `defaultThreads()`. Without a pool-capable runtime an explicit count > 1 is an error, the default is 1.
 * @throws ParameterError for a count that is not an integer in range; BackendError if threads > 1 were asked for
 *         explicitly (option or environment) and this runtime cannot run a pool (the reason is in the message).
 */
export function resolveThreads(value: unknown, env: string | undefined): number {
  let n: number;
  let explicit = true;
  if (value !== undefined) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
      throw new ParameterError(`wasm.init: threads must be an integer in [1, ${MAX_THREADS}], got ${typeof value === 'number' ? String(value) : typeof value}`);
    }
    n = value;
  } else if (env !== undefined && env !== '') {
    n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
      throw new BackendError(`wasm: ${THREADS_ENV_VAR} must be an integer in [1, ${MAX_THREADS}], got ${JSON.stringify(env)} (or pass init({ threads }))`);
    }
  } else {
    n = defaultThreads();
    explicit = false;
  }
  if (n === 1) return 1;
  const why = threadsUnavailableReason();
  if (why === null) return n;
  if (explicit) throw new BackendError(`wasm.init: threads: ${n} needs a thread pool, but ${why}; use threads: 1`);
  return 1;
}
