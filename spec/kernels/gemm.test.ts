// as/gemm.ts: gemm__scalar ≡ gemm__f32x4_4x8 ≡ gemm_packed__f32x4_4x8 ≡ a TS float32 twin, bit for
// bit (Object.is per element), and pack_a/pack_b __scalar ≡ __f32x4 ≡ a TS twin of the layout. Sizes sweep M, N, K over 1..9
// (every M mod 4 and N mod 8 tail), plus larger shapes; accumulate on/off, bias on/off, leading
// dimensions larger than the matrix (the padding must stay untouched).
// Also the arena (ts/wasm/arena.ts) the kernels run in: scopes reset on return and throw, guard
// bands catch out-of-bounds writes in the debug build.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init, kernels, memory, build } from '../../ts/wasm/module.js';
import { withArena, arenaStats, GUARD_WORD } from '../../ts/wasm/arena.js';
import { BackendError } from '../../ts/core/errors.js';
import { prng } from '../support/arbitraries.js';
import { assertBitExact } from '../support/close.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)

const f = Math.fround;

/** The TS float32 twin: one accumulator per element, k in order, Math.fround after every × and +. */
function gemmTwin(
  M: number, N: number, K: number, A: Float32Array, lda: number, B: Float32Array, ldb: number,
  C: Float32Array, ldc: number, bias: Float32Array | null, accumulate: boolean,
): void {
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = accumulate ? C[m * ldc + n] : 0;
      for (let k = 0; k < K; k++) acc = f(acc + f(A[m * lda + k] * B[k * ldb + n]));
      if (bias) acc = f(acc + bias[m]);
      C[m * ldc + n] = acc;
    }
  }
}

function randomArray(length: number, seed: number, lo = -2, hi = 2): Float32Array {
  const rand = prng(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = f(lo + (hi - lo) * rand());
  return out;
}

interface GemmCase {
  M: number; N: number; K: number; lda: number; ldb: number; ldc: number;
  A: Float32Array; B: Float32Array; C0: Float32Array; bias: Float32Array | null; accumulate: boolean;
}

function makeCase(M: number, N: number, K: number, withBias: boolean, accumulate: boolean, seed: number, padLd = true): GemmCase {
  const lda = K + (padLd ? (M + N) % 3 : 0);
  const ldb = N + (padLd ? K % 2 : 0);
  const ldc = N + (padLd ? (M * N) % 3 : 0);
  return {
    M, N, K, lda, ldb, ldc, accumulate,
    A: randomArray(M * lda, seed),
    B: randomArray(K * ldb, seed ^ 0x5bd1e995),
    C0: randomArray(M * ldc, seed ^ 0x27d4eb2f),
    bias: withBias ? randomArray(M, seed ^ 0x165667b1) : null,
  };
}

type Variant = 'scalar' | 'f32x4_nc8' | 'f32x4_ncN' | 'f32x4_nc16' | 'packed';
const VARIANTS: Variant[] = ['scalar', 'f32x4_nc8', 'f32x4_nc16', 'f32x4_ncN', 'packed'];

/** Runs one variant on a fresh copy of C (padding included) and returns the whole C buffer. */
function runVariant(c: GemmCase, variant: Variant): Float32Array {
  const k = kernels();
  return withArena((a) => {
    const pa = a.upload(c.A), pb = a.upload(c.B), pc = a.upload(c.C0);
    const pbias = c.bias ? a.upload(c.bias) : 0;
    const acc = c.accumulate ? 1 : 0;
    const roundN = (c.N + 7) & ~7;
    const packedA = a.alloc(((c.M + 3) & ~3) * c.K);
    if (variant === 'scalar') {
      k.gemm__scalar(c.M, c.N, c.K, pa, c.lda, pb, c.ldb, pc, c.ldc, pbias, acc);
    } else if (variant === 'packed') {
      const packedB = a.alloc(c.K * roundN);
      k.pack_a__scalar(c.M, c.K, pa, c.lda, packedA);
      k.pack_b__scalar(c.K, c.N, pb, c.ldb, packedB);
      k.gemm_packed__f32x4_4x8(c.M, c.N, c.K, packedA, packedB, pc, c.ldc, pbias, acc);
    } else {
      const nc = variant === 'f32x4_nc8' ? 8 : variant === 'f32x4_nc16' ? 16 : Math.max(8, roundN);
      const packedB = a.alloc(c.K * nc);
      k.gemm__f32x4_4x8(c.M, c.N, c.K, pa, c.lda, pb, c.ldb, pc, c.ldc, pbias, acc, packedA, packedB, nc);
    }
    return a.download(pc, c.C0.length);
  });
}

function checkCase(c: GemmCase): void {
  const want = c.C0.slice();
  gemmTwin(c.M, c.N, c.K, c.A, c.lda, c.B, c.ldb, want, c.ldc, c.bias, c.accumulate);
  const label = `gemm M=${c.M} N=${c.N} K=${c.K} lda=${c.lda} ldb=${c.ldb} ldc=${c.ldc} bias=${!!c.bias} accumulate=${c.accumulate}`;
  for (const v of VARIANTS) assertBitExact(runVariant(c, v), want, `${label} ${v} vs TS twin`, [c.M, c.ldc]);
}

// ---------------------------------------------------------------------------------------------
const Kernels = suite('gemm/kernels');

for (const withBias of [false, true]) {
  for (const accumulate of [false, true]) {
    Kernels(`M, N, K each 1..9 (729 shapes), bias=${withBias}, accumulate=${accumulate}: scalar ≡ f32x4 ≡ twin`, () => {
      let seed = (withBias ? 2 : 0) + (accumulate ? 1 : 0);
      for (let M = 1; M <= 9; M++) for (let N = 1; N <= 9; N++) for (let K = 1; K <= 9; K++) {
        checkCase(makeCase(M, N, K, withBias, accumulate, (seed = (seed * 747796405 + 2891336453) >>> 0)));
      }
    });
  }
}

Kernels('larger shapes (several column blocks, every tail): scalar ≡ f32x4 ≡ twin', () => {
  const shapes: Array<[number, number, number]> = [
    [37, 61, 29], [64, 100, 576], [130, 17, 70], [5, 200, 3], [4, 8, 1000], [13, 129, 9], [3, 33, 64],
  ];
  let seed = 99;
  for (const [M, N, K] of shapes) {
    for (const withBias of [false, true]) for (const accumulate of [false, true]) {
      checkCase(makeCase(M, N, K, withBias, accumulate, seed++));
    }
  }
});

Kernels('zero-sized dimensions: K = 0 gives (C or 0) + bias; M = 0 or N = 0 writes nothing', () => {
  for (const [M, N, K] of [[3, 5, 0], [0, 5, 4], [3, 0, 4], [0, 0, 0], [5, 9, 0]] as Array<[number, number, number]>) {
    for (const withBias of [false, true]) for (const accumulate of [false, true]) {
      checkCase(makeCase(M, N, K, withBias, accumulate, 7 + M + N + K));
    }
  }
});

Kernels('dense leading dimensions (lda = K, ldb = N, ldc = N)', () => {
  let seed = 1234;
  for (const [M, N, K] of [[4, 8, 4], [7, 13, 5], [8, 16, 16], [9, 9, 9]] as Array<[number, number, number]>) {
    checkCase(makeCase(M, N, K, true, false, seed++, false));
    checkCase(makeCase(M, N, K, false, true, seed++, false));
  }
});

Kernels('splitting K into blocks (accumulate after the first, bias on the last) gives the same bits', () => {
  const k = kernels();
  const M = 6, N = 19, K = 23, split = 10;
  const c = makeCase(M, N, K, true, false, 4242, false);
  const whole = runVariant(c, 'f32x4_ncN');
  const blocked = withArena((a) => {
    const pa = a.upload(c.A), pb = a.upload(c.B), pc = a.upload(c.C0), pbias = a.upload(c.bias!);
    const packedA = a.alloc(8 * K), packedB = a.alloc(K * 24);
    k.gemm__f32x4_4x8(M, N, split, pa, K, pb, N, pc, N, 0, 0, packedA, packedB, 24);
    k.gemm__f32x4_4x8(M, N, K - split, pa + 4 * split, K, pb + 4 * split * N, N, pc, N, pbias, 1, packedA, packedB, 24);
    return a.download(pc, M * N);
  });
  assertBitExact(blocked, whole, 'K split in two blocks vs one pass');
});

Kernels('special values (NaN, ±Inf, −0, subnormals, huge) propagate identically in every variant', () => {
  const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-45, -1e-40, 3e38, -3e38, 1, -1, 0.5];
  let seed = 77;
  for (const [M, N, K] of [[5, 11, 3], [4, 8, 6], [1, 1, 1], [9, 9, 2]] as Array<[number, number, number]>) {
    for (const accumulate of [false, true]) {
      const c = makeCase(M, N, K, true, accumulate, seed++);
      const rand = prng(seed++);
      for (const arr of [c.A, c.B, c.C0, c.bias!]) {
        for (let i = 0; i < arr.length; i++) if (rand() < 0.3) arr[i] = specials[Math.floor(rand() * specials.length)];
      }
      checkCase(c);
    }
  }
  // −0 products into a +0 accumulator give +0 in every variant (acc starts at +0, not at the first product).
  const negZero = { M: 1, N: 1, K: 1, lda: 1, ldb: 1, ldc: 1, A: new Float32Array([-0]), B: new Float32Array([1]),
    C0: new Float32Array([7]), bias: null, accumulate: false };
  for (const v of VARIANTS) assert.ok(Object.is(runVariant(negZero, v)[0], 0), `${v}: +0 + (−0·1) must be +0`);
});

Kernels('debug build: a broken contract (nc not a multiple of 8) traps with the assertion message', () => {
  if (build() !== 'debug') return; // release compiles asserts out (noAssert)
  const k = kernels();
  assert.throws(() => withArena((a) => {
    const p = a.zeros(64);
    k.gemm__f32x4_4x8(2, 2, 2, p, 2, p, 2, p, 2, 0, 0, p, p, 12);
  }), (e: unknown) => e instanceof BackendError && /assertion failed/.test((e as Error).message));
});

Kernels.run();

// ---------------------------------------------------------------------------------------------
const Pack = suite('gemm/pack');

Pack('pack_a__scalar ≡ pack_a__f32x4 ≡ TS twin (K×4 row-interleaved blocks, zero rows), M 0..9, K 0..11, lda > K', () => {
  const k = kernels();
  for (let M = 0; M <= 9; M++) for (let K = 0; K <= 11; K++) {
    const lda = K + (M % 3);
    const A = randomArray(M * lda, M * 100 + K);
    const blocks = Math.ceil(M / 4);
    const want = new Float32Array(blocks * 4 * K);
    for (let r = 0; r < blocks; r++) for (let kk = 0; kk < K; kk++) for (let i = 0; i < 4; i++) {
      const m = 4 * r + i;
      want[(r * K + kk) * 4 + i] = m < M ? A[m * lda + kk] : 0;
    }
    for (const variant of ['pack_a__scalar', 'pack_a__f32x4'] as const) {
      const got = withArena((a) => {
        const pa = a.upload(A);
        const packed = a.alloc(want.length);
        k[variant](M, K, pa, lda, packed);
        return a.download(packed, want.length);
      });
      assertBitExact(got, want, `${variant} M=${M} K=${K} lda=${lda}`);
    }
  }
});

Pack('pack_b__scalar ≡ pack_b__f32x4 ≡ TS twin (zero-padded K×8 panels), K 0..9, N 1..17, ldb > N', () => {
  const k = kernels();
  for (let K = 0; K <= 9; K++) for (let N = 1; N <= 17; N++) {
    const ldb = N + (K % 3);
    const B = new Float32Array(randomArray(K * ldb, K * 100 + N));
    const panels = Math.ceil(N / 8);
    const want = new Float32Array(panels * 8 * K);
    for (let p = 0; p < panels; p++) for (let kk = 0; kk < K; kk++) for (let j = 0; j < 8; j++) {
      const n = 8 * p + j;
      want[(p * K + kk) * 8 + j] = n < N ? B[kk * ldb + n] : 0;
    }
    for (const variant of ['pack_b__scalar', 'pack_b__f32x4'] as const) {
      const got = withArena((a) => {
        const pb = a.upload(B);
        const packed = a.alloc(want.length);
        k[variant](K, N, pb, ldb, packed);
        return a.download(packed, want.length);
      });
      assertBitExact(got, want, `${variant} K=${K} N=${N} ldb=${ldb}`);
    }
  }
});

Pack.run();

// ---------------------------------------------------------------------------------------------
const Arena = suite('gemm/arena');

Arena('allocations are 16-byte aligned, above heap_base, never 0; scopes nest and reset', () => {
  const before = arenaStats();
  assert.is(before.depth, 0);
  withArena((a) => {
    const p1 = a.alloc(3), p2 = a.alloc(5);
    assert.ok(p1 >= kernels().heap_base() && p1 > 0 && p1 % 16 === 0 && p2 % 16 === 0 && p2 >= p1 + 12);
    const inner = withArena((b) => { b.alloc(1000); return arenaStats().mark; });
    assert.ok(inner > arenaStats().mark, 'inner scope allocated above the outer mark');
    const p3 = a.alloc(1);
    assert.ok(p3 < inner, 'inner scope was reset on return');
  });
  assert.is(arenaStats().mark, before.mark);
});

Arena('the arena resets when the function throws', () => {
  const before = arenaStats();
  assert.throws(() => withArena((a) => { a.alloc(12345); throw new Error('boom'); }), /boom/);
  assert.is(arenaStats().mark, before.mark);
  assert.is(arenaStats().depth, 0);
});

Arena('memory grows on demand; upload/download round-trip across the grow', () => {
  const bytes = memory().buffer.byteLength;
  const big = bytes / 4 + 100_000; // more floats than the memory holds now
  withArena((a) => {
    const small = a.upload(new Float32Array([1, 2, 3]));
    const p = a.alloc(big);
    assert.ok(memory().buffer.byteLength >= p + big * 4);
    assert.equal(Array.from(a.download(small, 3)), [1, 2, 3]);
    a.view(p, big).fill(2);
    assert.is(a.download(p + 4 * (big - 1), 1)[0], 2);
  });
  assert.ok(arenaStats().highWater >= arenaStats().base + big * 4);
});

Arena('debug build: a write past an allocation is caught when the scope ends', () => {
  if (build() !== 'debug') return; // guard bands exist in debug builds only
  const before = arenaStats();
  assert.throws(() => withArena((a) => {
    const p = a.alloc(4);
    new Uint32Array(memory().buffer)[p / 4 + 4] = 0; // one float past the end
  }), (e: unknown) => e instanceof BackendError && /out of bounds after/.test((e as Error).message));
  assert.throws(() => withArena((a) => {
    const p = a.alloc(4);
    new Float32Array(memory().buffer)[p / 4 - 1] = 1; // one float before the start
  }), (e: unknown) => e instanceof BackendError && /out of bounds before/.test((e as Error).message));
  assert.is(arenaStats().mark, before.mark);
  // Fresh allocations are poisoned with the guard NaN, so unwritten outputs show up.
  withArena((a) => {
    const p = a.alloc(4);
    assert.is(new Uint32Array(memory().buffer, p, 4)[2], GUARD_WORD);
  });
});

Arena.run();
