/**
 * The thread pool's worker, as source text: it is started from a string (Node: `new Worker(src, { eval: true })`;
 * browsers, Deno, Bun: a module Worker from a Blob URL), so it needs no file of its own beside the bundle, no
 * bundler configuration and no Node built-in in the library's import graph.
 *
 * Protocol (ts/wasm/pool.ts writes, every executor reads; all words Int32 in the control SharedArrayBuffer `ctrl`):
 *   SEQ    task counter; a worker sleeps in Atomics.wait(ctrl, SEQ, seen) between tasks
 *   CLAIM  gen << 22 | n << 11 | next: the task's generation (10 bits), its chunk count n (≤ 2047) and the next
 *          unclaimed chunk; an executor claims chunk `next` by compareExchange(v, v + 1) while gen matches its task
 *          and next < n, so a late worker can never run a chunk of a finished or later task
 *   TASK   byte offset of the task table in WebAssembly memory (read as unsigned)
 *   DONE   chunks finished (Atomics.add, then notify: the calling thread waits on it)
 *   ERR    0, or 1 + the executor index of the first chunk that threw (its message in the bytes at MSG)
 *   STOP   1: leave the loop (dispose)
 *   READY + i   1 once worker i has instantiated the module
 * Task table (Float64 at TASK): [nChunks, scratchBase, scratchStride, start_0 .. start_n] then per call
 *   [kernelId, nargs, scratchMask, arg_0 .. arg_nargs−1]; chunk c is the calls from start_c to start_{c+1}
 *   (indices in float64 words from the table's start). An argument whose bit is set in scratchMask is a byte
 *   offset into the executor's own scratch: it is added to scratchBase + executor · scratchStride.
 * Executors: 0 is the calling thread, 1..threads−1 the workers.
 * @see ts/wasm/pool.ts
 */

/** Indices into the control Int32Array. */
export const CTRL = { SEQ: 0, CLAIM: 1, TASK: 2, DONE: 3, ERR: 4, STOP: 5, READY: 8 } as const;
/** Int32 words before the message bytes; READY + i for i < MAX_WORKERS must stay below it. */
export const CTRL_WORDS = 64;
/** The most workers a pool may have (READY slots). */
export const MAX_WORKERS = CTRL_WORDS - CTRL.READY;
/** Bytes for the first error's message, after the control words. */
export const MSG_BYTES = 1024;

/**
 * The body both worker kinds run: instantiate the module on the shared memory, signal READY, then serve tasks
 * until STOP. `data`: { module (Node) or bytes (Web Workers: a Module does not cross every runtime's postMessage), memory, ctrl, index, names }.
 */
const BODY = String.raw`
const SEQ = 0, CLAIM = 1, TASK = 2, DONE = 3, ERR = 4, STOP = 5, READY = 8, CTRL_WORDS = ${CTRL_WORDS}, MSG_BYTES = ${MSG_BYTES};
function serve(data) {
  const { memory, ctrl: sab, index, names } = data;
  const module = data.module instanceof WebAssembly.Module ? data.module : new WebAssembly.Module(data.bytes);
  const ctrl = new Int32Array(sab, 0, CTRL_WORDS);
  const msg = new Uint8Array(sab, CTRL_WORDS * 4, MSG_BYTES);
  const readString = (ptr) => {
    if (!ptr) return '';
    const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
    return String.fromCharCode(...new Uint16Array(memory.buffer.slice(ptr, ptr + bytes)));
  };
  const instance = new WebAssembly.Instance(module, { env: {
    memory,
    abort(m, f, line, col) { throw new Error('wasm kernel assertion failed: ' + readString(m) + ' at ' + readString(f) + ':' + line + ':' + col); },
  } });
  const fns = names.map((n) => instance.exports[n]);
  Atomics.store(ctrl, READY + index, 1);
  Atomics.notify(ctrl, READY + index);
  let seen = Atomics.load(ctrl, SEQ);
  for (;;) {
    for (let spin = 0; spin < 2000 && Atomics.load(ctrl, SEQ) === seen; spin++);
    if (Atomics.load(ctrl, SEQ) === seen) Atomics.wait(ctrl, SEQ, seen);
    const seq = Atomics.load(ctrl, SEQ);
    if (seq === seen) continue;
    seen = seq;
    if (Atomics.load(ctrl, STOP)) return;
    const gen = (seq & 0x3ff);
    for (;;) {
      const v = Atomics.load(ctrl, CLAIM);
      if ((v >>> 22) !== gen) break;
      const c = v & 0x7ff, n = (v >>> 11) & 0x7ff;
      if (c >= n) break;
      if (Atomics.compareExchange(ctrl, CLAIM, v, v + 1) !== v) continue;
      try {
        const f64 = new Float64Array(memory.buffer);
        const t = (Atomics.load(ctrl, TASK) >>> 0) / 8;
        const base = f64[t + 1] + index * f64[t + 2];
        let p = t + f64[t + 3 + c];
        const end = t + f64[t + 4 + c];
        const args = [];
        while (p < end) {
          const fn = fns[f64[p]], nargs = f64[p + 1], mask = f64[p + 2];
          args.length = nargs;
          for (let j = 0; j < nargs; j++) args[j] = (mask & (1 << j)) ? f64[p + 3 + j] + base : f64[p + 3 + j];
          fn(...args);
          p += 3 + nargs;
        }
      } catch (e) {
        if (Atomics.compareExchange(ctrl, ERR, 0, index + 1) === 0) {
          const text = new TextEncoder().encode(String(e && e.message || e)).subarray(0, MSG_BYTES);
          msg.fill(0); msg.set(text);
        }
      }
      Atomics.add(ctrl, DONE, 1);
      Atomics.notify(ctrl, DONE);
    }
  }
}
`;

/** Worker source for Node's worker_threads (`eval: true`, CommonJS): the data arrives as workerData. */
export const NODE_WORKER_SOURCE = `${BODY}
const { workerData } = require('node:worker_threads');
serve(workerData);
`;

/** Worker source for Web Workers (browsers, Deno, Bun; module type): the data arrives as the first message. */
export const WEB_WORKER_SOURCE = `${BODY}
self.onmessage = (event) => { self.onmessage = null; serve(event.data); };
`;
