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
 *
 * Sizes: byte arithmetic is plain Number arithmetic (exact below 2^53; no `| 0`, `>>>` or `&` on byte
 * counts, which wrap at 2^31 / 2^32). A request is refused with a ResourceError, before memory grows, when
 * one allocation would exceed MAX_ALLOCATION_BYTES (2^31 − 1: the kernels take sizes and strides as i32) or
 * the arena would end beyond MAX_MEMORY_BYTES (2^32, the wasm32 address space); if the engine refuses to grow
 * below that, the same ResourceError. What a failed request keeps: the refused allocation grows nothing;
 * memory grown for earlier allocations of the same call stays allocated to the module (WebAssembly memory
 * never shrinks) and is reused by later calls; the arena mark returns to its entry value either way. Ops
 * check their output and geometry-given scratch sizes against the element limit (ts/core/validate.ts)
 * before the first allocation, so an oversized call normally fails before it grows anything.
 * @see ts/wasm/module.ts · DESIGN.md "WASM"
 */
import { ArgumentError, BackendError, ParameterError, ResourceError } from '../core/errors.js';
import { build, kernels, memory, onInstantiate, type Ptr } from './module.js';
import { F32_BYTES } from './kernels.js';

const ALIGN = 16;
const GUARD_BYTES = 64;
/** A quiet NaN with a recognisable payload. */
export const GUARD_WORD = 0x7fc0dead;
const PAGE = 65536;
/** The wasm32 address space: 65536 pages of 64 KiB. No arena byte lies at or beyond it. */
export const MAX_MEMORY_BYTES = 2 ** 32;
/** The largest single allocation: sizes and strides reach the kernels as i32. */
export const MAX_ALLOCATION_BYTES = 2 ** 31 - 1;

interface Guard { ptr: number; owner: number; floats: number }

let base = -1;
let mark = 0;
let highWater = 0;
let depth = 0;
const guards: Guard[] = [];

onInstantiate(() => { base = -1; guards.length = 0; depth = 0; });

/** n rounded up to a multiple of ALIGN, in exact Number arithmetic (n ≤ 2^53). */
function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function ensureBase(): void {
  if (base >= 0) return;
  base = align(Math.max(kernels().heap_base(), ALIGN)); // never hand out 0: it means "no pointer"
  mark = base;
  highWater = base;
}

function ensureCapacity(end: number, numFloats: number): void {
  const mem = memory();
  const have = mem.buffer.byteLength;
  if (end <= have) return;
  const pages = Math.ceil((end - have) / PAGE);
  try {
    mem.grow(pages);
  } catch (e) {
    throw new ResourceError(
      `wasm: cannot grow memory from ${have} to ${end} bytes for an allocation of ${numFloats} floats: the engine refused ` +
      `(${(e as Error).message}); nothing was allocated`);
  }
}

function fillWords(ptr: number, bytes: number, word: number): void {
  new Uint32Array(memory().buffer, ptr, bytes / 4).fill(word);
}

function checkGuards(from: number): BackendError | null {
  const words = new Uint32Array(memory().buffer);
  for (let g = from; g < guards.length; g++) {
    const { ptr, owner, floats } = guards[g];
    for (let i = ptr / 4, end = (ptr + GUARD_BYTES) / 4; i < end; i++) {
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
    if (typeof numFloats !== 'number' || !Number.isSafeInteger(numFloats) || numFloats < 0) {
      throw new ParameterError(`wasm arena: numFloats must be a non-negative safe integer, got ${String(numFloats)}`);
    }
    ensureBase();
    const debug = build() === 'debug';
    const bytes = align(numFloats * F32_BYTES);
    if (bytes > MAX_ALLOCATION_BYTES) {
      throw new ResourceError(`wasm: an allocation of ${numFloats} floats (${bytes} bytes) exceeds the largest the kernels can address, ${MAX_ALLOCATION_BYTES} bytes (2^31 − 1); nothing was allocated`);
    }
    const ptr = debug ? mark + GUARD_BYTES : mark;
    const end = ptr + bytes + (debug ? GUARD_BYTES : 0);
    if (end > MAX_MEMORY_BYTES) {
      throw new ResourceError(`wasm: an allocation of ${numFloats} floats would end at byte ${end}, beyond the 4 GiB wasm32 address space (${MAX_MEMORY_BYTES} bytes; ${mark - base} bytes in use by open scopes); nothing was allocated`);
    }
    ensureCapacity(end, numFloats);
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
    if (!(src instanceof Float32Array)) throw new ArgumentError(`wasm: tensor data must be a Float32Array, got ${src === null ? 'null' : typeof src === 'object' ? (src as object).constructor?.name ?? 'object' : typeof src}`);
    const ptr = arena.alloc(src.length);
    new Float32Array(memory().buffer, ptr, src.length).set(src);
    return ptr;
  },
  download(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(memory().buffer, ptr, checkedLength(ptr, length, 'download')).slice();
  },
  view(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(memory().buffer, ptr, checkedLength(ptr, length, 'view'));
  },
};

/**
 * A download / view length: a non-negative safe integer whose floats lie within the open scopes' allocations
 * (an undefined length would otherwise view the whole rest of memory: stale data of earlier calls).
 * @throws ParameterError otherwise.
 */
function checkedLength(ptr: number, length: number, what: string): number {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || !Number.isSafeInteger(ptr) || ptr < 0 || ptr + length * F32_BYTES > mark) {
    throw new ParameterError(`wasm arena: ${what} of ${String(length)} floats at byte ${String(ptr)} must lie within the arena's allocations (mark ${mark})`);
  }
  return length;
}

/**
 * Runs `fn` with the arena and resets it to its entry mark afterwards, on return and on throw.
 * In debug builds, checks the guard bands of every allocation made in the scope first.
 * @throws ResourceError if an allocation exceeds the address space or memory cannot grow (see the header);
 * @throws BackendError if `init()` has not completed, or (debug) a guard band
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

/**
 * A checksum (FNV-1a, 32-bit) of the module's static data: every byte below the arena's base (data segments,
 * globals in memory). Kernels never write there; a call that changed it corrupted the module (the fuzz suite
 * compares it before and after every hostile call). @throws BackendError if `init()` has not completed.
 */
export function staticDataChecksum(): number {
  ensureBase();
  const bytes = new Uint8Array(memory().buffer, 0, base);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** @throws BackendError if `init()` has not completed. */
export function arenaStats(): ArenaStats {
  ensureBase();
  return { base, mark, highWater, memoryBytes: memory().buffer.byteLength, depth };
}
