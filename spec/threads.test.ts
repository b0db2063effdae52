// The thread pool (ts/wasm/pool.ts, ts/wasm/pool_kernels.ts): results bit-identical for threads 1, 2 and 3 on every
// registry row's generated cases (with the split thresholds at their minimum, so that small cases are cut into
// chunks too) and on real-layer shapes at the default thresholds; the pool's life cycle (threads: 1 spawns nothing,
// dispose, a dead worker → named error + rebuilt pool, a kernel failing in a worker → its message, the arena back
// at its base after every failure) and init's thread option.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { registry } from '../ts/registry.js';
import * as wasm from '../ts/wasm/index.js';
import { Tensor } from '../ts/core/tensor.js';
import { BackendError, ParameterError } from '../ts/core/errors.js';
import { arenaStats, withArena } from '../ts/wasm/arena.js';
import { build, kernels, threads, variant } from '../ts/wasm/module.js';
import { currentPool, threadsUnavailableReason } from '../ts/wasm/pool.js';
import { parallelTuning } from '../ts/wasm/pool_kernels.js';
import { opSpecs, type OpSpec } from './support/cases.js';
import { runs } from './support/arbitraries.js';
import { randomArray } from './support/kernel_io.js';

type AnyOp = (...args: unknown[]) => unknown;
const THREADS = [1, 2, 3];

await wasm.init();
const initialBuild = build(), initialDeterministic = variant() === 'strict', initialThreads = threads();
const restore = () => wasm.init({ build: initialBuild, deterministic: initialDeterministic, threads: initialThreads });
const unavailable = threadsUnavailableReason();

/** Every Float32Array in an op's result (a Tensor, a list, or an object of them), in a fixed order. */
function collect(x: unknown): Float32Array[] {
  if (x instanceof Tensor) return [x.data as Float32Array];
  if (Array.isArray(x)) return x.flatMap(collect);
  if (x && typeof x === 'object') return Object.keys(x).sort().flatMap((k) => collect((x as Record<string, unknown>)[k]));
  return [];
}

/** Index of the first element whose bits differ (Object.is: NaN ≡ NaN, +0 ≢ −0), or −1. */
function firstDifference(a: Float32Array[], b: Float32Array[]): string | null {
  if (a.length !== b.length) return `${a.length} vs ${b.length} outputs`;
  for (let o = 0; o < a.length; o++) {
    if (a[o].length !== b[o].length) return `output ${o}: length ${a[o].length} vs ${b[o].length}`;
    for (let i = 0; i < a[o].length; i++) if (!Object.is(a[o][i], b[o][i])) return `output ${o}[${i}]: ${a[o][i]} vs ${b[o][i]}`;
  }
  return null;
}

const Determinism = suite('threads/determinism');

if (unavailable === null) {
  Determinism('every registry row: wasm results bit-identical for threads 1, 2, 3 (every call split into chunks)', async () => {
    const saved = { ...parallelTuning };
    Object.assign(parallelTuning, { minFlops: 0, minColumns: 8, minRows: 4 });
    try {
      const rows = registry.filter((e) => opSpecs[e.fn]);
      const cases = rows.map((e) => fc.sample((opSpecs[e.fn] as OpSpec<unknown, unknown>).params, { numRuns: runs(12), seed: 0x7ead5 }));
      const out = new Map<number, Float32Array[][][]>();
      const split = new Set<string>();
      for (const t of THREADS) {
        await wasm.init({ build: 'release', deterministic: true, threads: t });
        assert.is(threads(), t);
        out.set(t, rows.map((e, r) => cases[r].map((p) => {
          const args = (opSpecs[e.fn] as OpSpec<unknown, unknown>).build(p);
          const before = currentPool()?.tasks ?? 0;
          const got = collect((wasm.ops[e.fn] as AnyOp)(...args)).map((d) => d.slice());
          if ((currentPool()?.tasks ?? 0) > before) split.add(e.id);
          assert.is(arenaStats().mark, arenaStats().base, `${e.id}: arena back at its base`);
          return got;
        })));
      }
      // the rows whose kernels are parallel (ts/wasm/pool_kernels.ts) must really have been split
      for (const id of ['conv2d', 'linear', 'local_attention', 'window_attention', 'deform_conv2d', 'acmix_forward']) {
        if (rows.some((e) => e.id === id)) assert.ok(split.has(id), `${id} was never split into chunks`);
      }
      if (process.env.THREADS_LIST_SPLIT) console.log(`split: ${[...split].sort().join(' ')}\ncalling thread only: ${rows.map((e) => e.id).filter((id) => !split.has(id)).join(' ')}`);
      for (const t of [2, 3]) {
        rows.forEach((e, r) => cases[r].forEach((p, i) => {
          const diff = firstDifference(out.get(1)![r][i], out.get(t)![r][i]);
          assert.is(diff, null, `${e.id} threads ${t} ≠ threads 1 at ${diff} for ${JSON.stringify(p)}`);
        }));
      }
    } finally {
      Object.assign(parallelTuning, saved);
    }
  });

  Determinism('real-layer shapes at the default thresholds: conv 3x3 / 1x1 / depthwise, linear, local and window attention, deformable conv', async () => {
    const T = (shape: number[], seed: number) => new Tensor(randomArray(shape.reduce((a, b) => a * b, 1), seed, -1, 1), shape);
    const x = T([1, 32, 20, 20], 1);
    const calls: Array<[string, () => unknown]> = [
      ['conv2d 3x3', () => wasm.conv2d(x, T([48, 32, 3, 3], 2), T([48], 3), { padding: 1 })],
      ['conv2d 1x1', () => wasm.conv2d(x, T([40, 32, 1, 1], 4), null, {})],
      ['conv2d depthwise', () => wasm.conv2d(T([2, 64, 18, 18], 5), T([64, 1, 3, 3], 6), null, { padding: 1, groups: 64 })],
      ['linear', () => wasm.linear(T([300, 64], 7), T([96, 64], 8), T([96], 9))],
      ['local attention', () => wasm.localAttention(T([1, 32, 12, 12], 10), T([1, 32, 12, 12], 11), T([1, 32, 12, 12], 12), null, { head: 4, kernel_att: 5 } as never)],
      ['deform conv', () => wasm.deformConv2d(x, T([1, 18, 20, 20], 13), T([24, 32, 3, 3], 14), null, { padding: 1 } as never)],
    ];
    const out = new Map<number, Float32Array[][]>();
    for (const t of THREADS) {
      await wasm.init({ build: 'release', deterministic: true, threads: t });
      out.set(t, calls.map(([, f]) => collect(f()).map((d) => d.slice())));
    }
    for (const t of [2, 3]) calls.forEach(([name], i) => assert.is(firstDifference(out.get(1)![i], out.get(t)![i]), null, `${name}: threads ${t} ≠ threads 1`));
  });
} else {
  Determinism(`no thread pool in this runtime (${unavailable}): threads > 1 is refused by name`, async () => {
    await wasm.init({ threads: 2 }).then(() => assert.unreachable('threads: 2 accepted'), (e) => assert.instance(e, BackendError));
  });
}

Determinism.after(restore);
Determinism.run();

const Pool = suite('threads/pool');

Pool('threads: 1 spawns nothing; threads: 2 starts one worker; init validates the option', async () => {
  await wasm.init({ threads: 1 });
  assert.is(currentPool(), null);
  for (const bad of [0, 1.5, -1, 1000, '2']) {
    await wasm.init({ threads: bad as number }).then(() => assert.unreachable(`threads ${String(bad)} accepted`), (e) => {
      assert.instance(e, ParameterError);
      assert.match((e as Error).message, /wasm\.init: threads must be an integer in \[1, \d+\], got/);
    });
  }
  if (unavailable !== null) return;
  await wasm.init({ threads: 2 });
  assert.is(currentPool()?.threads, 2);
  assert.is(currentPool()?.readyCount(), 1);
});

if (unavailable === null) {
  Pool('dispose() terminates the workers and unloads the module; init() brings both back', async () => {
    await wasm.init({ threads: 2 });
    wasm.dispose();
    assert.is(currentPool(), null);
    assert.throws(() => kernels(), /before `await wasm\.init\(\)`/);
    await wasm.init({ threads: 2 });
    assert.is(currentPool()?.readyCount(), 1);
  });

  Pool('a worker that died: the next parallel call throws a BackendError naming it, the pool is rebuilt, the arena is back at its base', async () => {
    await wasm.init({ build: 'release', threads: 3 });
    const a = new Tensor(randomArray(256 * 128, 1), [256, 128]), w = new Tensor(randomArray(128 * 128, 2), [128, 128]);
    const want = wasm.linear(a, w, null).data.slice();
    currentPool()!.killWorkerForTest(1);
    await new Promise((r) => setTimeout(r, 200));      // the worker's exit event
    assert.throws(() => wasm.linear(a, w, null), (e: unknown) => e instanceof BackendError && /worker 1 exited/.test((e as Error).message) && /rebuilt/.test((e as Error).message));
    assert.is(arenaStats().mark, arenaStats().base);
    assert.is(arenaStats().depth, 0);
    await currentPool()!.ready();
    await new Promise((r) => setTimeout(r, 200));      // exit events of the replaced workers (ignored: another generation)
    for (let i = 0; i < 2; i++) assert.is(firstDifference([wasm.linear(a, w, null).data], [want]), null, 'the rebuilt pool computes the same bits');
  });

  Pool('a kernel failing in any executor (a debug-build assert) surfaces as a BackendError with its message; the arena is back at its base', async () => {
    await wasm.init({ build: 'debug', threads: 2 });
    const k = kernels();
    const M = 64, N = 256, K = 64;
    assert.throws(() => withArena((ar) => {
      // nc = 12 is not a multiple of 8: gemm__f32x4_4x8 asserts in every chunk
      k.gemm__f32x4_4x8(M, N, K, ar.alloc(M * K), K, ar.alloc(K * N), N, ar.alloc(M * N), N, 0, 0, ar.alloc(M * K), ar.alloc(K * 16), 12);
    }), (e: unknown) => e instanceof BackendError && /assertion failed/.test((e as Error).message));
    assert.is(arenaStats().mark, arenaStats().base);
    assert.is(arenaStats().depth, 0);
  });
}

Pool.after(restore);
Pool.run();
