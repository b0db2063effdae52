/**
 * The host owns WebAssembly memory: a bump arena above the module's heap base.
 *
 * Every operator call runs inside `withArena(fn)`: allocations are 16-byte aligned byte offsets
 * (what the kernels take as `usize` pointers); when `fn` returns or throws, the arena goes back
 * to the mark it had on entry, so a failed call leaks nothing. Scopes nest (an op may call another
 * op). Memory grows when an allocation needs it and never shrinks; a grow detaches every
 * `Float32Array` over the old buffer, so views are created on demand (`a.view`) and must not be
 * kept across a later `alloc`.
 *
 * Debug build (ATTNCONV_WASM_BUILD=debug / init({ build: 'debug' })): each allocation is fenced by
 * guard bands of NaN words (0x7fc0dead) before and after it, and its contents are poisoned with
 * the same NaN, so reads of unwritten output show up as NaN; when a scope ends, every guard band
 * it created is checked and a BackendError names the allocation a kernel wrote out of bounds of.
 * @see ts/wasm/module.ts · DESIGN.md "WASM"
 */
import { BackendError, ParameterError } from '../core/errors.js';
import { build, kernels, memory, onInstantiate, type Ptr } from './module.js';
import { F32_BYTES } from './kernels.js';

const ALIGN = 16;
const GUARD_BYTES = 64;
/** A quiet NaN with a recognisable payload. */
export const GUARD_WORD = 0x7fc0dead;
const PAGE = 65536;

interface Guard { ptr: number; owner: number; floats: number }

let base = -1;
let mark = 0;
let highWater = 0;
let depth = 0;
const guards: Guard[] = [];

onInstantiate(() => { base = -1; guards.length = 0; depth = 0; });

function align(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

function ensureBase(): void {
  if (base >= 0) return;
  base = align(Math.max(kernels().heap_base(), ALIGN)); // never hand out 0: it means "no pointer"
  mark = base;
  highWater = base;
}

function ensureCapacity(end: number): void {
  const mem = memory();
  const have = mem.buffer.byteLength;
  if (end <= have) return;
  const pages = Math.ceil((end - have) / PAGE);
  try {
    mem.grow(pages);
  } catch (e) {
    throw new BackendError(`wasm: cannot grow memory to ${end} bytes (${(e as Error).message})`);
  }
}

function fillWords(ptr: number, bytes: number, word: number): void {
  new Uint32Array(memory().buffer, ptr, bytes >>> 2).fill(word);
}

function checkGuards(from: number): BackendError | null {
  const words = new Uint32Array(memory().buffer);
  for (let g = from; g < guards.length; g++) {
    const { ptr, owner, floats } = guards[g];
    for (let i = ptr >>> 2, end = (ptr + GUARD_BYTES) >>> 2; i < end; i++) {
      if (words[i] !== GUARD_WORD) {
        const where = ptr < owner ? 'before' : 'after';
        return new BackendError(
          `wasm: a kernel wrote out of bounds ${where} the arena allocation at byte ${owner} (${floats} floats): ` +
          `guard word at byte ${i * 4} is 0x${words[i].toString(16)}`);
      }
    }
  }
  return null;
}

/** One arena scope (see withArena). Pointers are byte offsets; lengths are in floats. */
export interface Arena {
  /** Reserves `numFloats` float32 slots; returns a 16-byte-aligned byte pointer. Contents are undefined (NaN in debug builds). */
  alloc(numFloats: number): Ptr;
  /** alloc + fill with +0. */
  zeros(numFloats: number): Ptr;
  /** alloc + copy of `src`. */
  upload(src: Float32Array): Ptr;
  /** A copy of `length` floats at `ptr` (survives the scope). */
  download(ptr: Ptr, length: number): Float32Array;
  /** A live view of `length` floats at `ptr`: invalid after the next alloc (memory may grow) and after the scope. */
  view(ptr: Ptr, length: number): Float32Array;
}

const arena: Arena = {
  alloc(numFloats: number): Ptr {
    if (!Number.isInteger(numFloats) || numFloats < 0) {
      throw new ParameterError(`wasm arena: numFloats must be a non-negative integer, got ${numFloats}`);
    }
    ensureBase();
    const debug = build() === 'debug';
    const bytes = align(numFloats * F32_BYTES);
    const ptr = debug ? mark + GUARD_BYTES : mark;
    const end = ptr + bytes + (debug ? GUARD_BYTES : 0);
    ensureCapacity(end);
    if (debug) {
      fillWords(mark, GUARD_BYTES, GUARD_WORD);
      fillWords(ptr, bytes, GUARD_WORD);
      fillWords(ptr + bytes, GUARD_BYTES, GUARD_WORD);
      guards.push({ ptr: mark, owner: ptr, floats: numFloats }, { ptr: ptr + bytes, owner: ptr, floats: numFloats });
    }
    mark = end;
    if (mark > highWater) highWater = mark;
    return ptr;
  },
  zeros(numFloats: number): Ptr {
    const ptr = arena.alloc(numFloats);
    new Float32Array(memory().buffer, ptr, numFloats).fill(0);
    return ptr;
  },
  upload(src: Float32Array): Ptr {
    const ptr = arena.alloc(src.length);
    new Float32Array(memory().buffer, ptr, src.length).set(src);
    return ptr;
  },
  download(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(memory().buffer, ptr, length).slice();
  },
  view(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(memory().buffer, ptr, length);
  },
};

/**
 * Runs `fn` with the arena and resets it to its entry mark afterwards, on return and on throw.
 * In debug builds, checks the guard bands of every allocation made in the scope first.
 * @throws BackendError if `init()` has not completed, memory cannot grow, or (debug) a guard band
 *         was overwritten — then with the error `fn` threw, if any, as `cause`.
 */
export function withArena<T>(fn: (a: Arena) => T): T {
  ensureBase();
  const savedMark = mark;
  const savedGuards = guards.length;
  depth++;
  let result: T;
  try {
    result = fn(arena);
  } catch (e) {
    const corrupt = checkGuards(savedGuards);
    restore(savedMark, savedGuards);
    if (corrupt) throw new BackendError(corrupt.message, { cause: e });
    throw e;
  }
  const corrupt = checkGuards(savedGuards);
  restore(savedMark, savedGuards);
  if (corrupt) throw corrupt;
  return result;
}

function restore(savedMark: number, savedGuards: number): void {
  mark = savedMark;
  guards.length = savedGuards;
  depth--;
}

/** Arena state, for leak tests and benchmarks. All sizes in bytes. */
export interface ArenaStats {
  /** First byte the arena hands out (heap base, aligned). */
  base: number;
  /** Current bump pointer (== base outside every scope). */
  mark: number;
  /** Largest mark ever reached. */
  highWater: number;
  /** memory.buffer.byteLength. */
  memoryBytes: number;
  /** Number of open withArena scopes. */
  depth: number;
}

/** @throws BackendError if `init()` has not completed. */
export function arenaStats(): ArenaStats {
  ensureBase();
  return { base, mark, highWater, memoryBytes: memory().buffer.byteLength, depth };
}
