// The two kernel variants (ts/wasm/variants.ts): strict (f32x4 mul then add, the same bits everywhere) and relaxed
// (f32x4.relaxed_madd in the FMA-shaped kernels, as/lib/fma.ts).
//
// - selection: init({ deterministic }) and the default (relaxed exactly where the engine validates relaxed SIMD);
// - strict: the FMA-shaped f32x4 kernels equal their __scalar twins bit for bit (the twin specs in spec/kernels/
//   pin this variant too);
// - relaxed: every registry row's wasm op stays within its stated bound of the reference (spec/support/cases.ts:
//   the bounds are the strict ones; a fused step rounds once instead of twice, so they hold unchanged), the arena
//   returns to its base, and the fused kernels really are in use (a GEMM differs from strict in some bits).
// On an engine without relaxed SIMD (Node 20 without a flag) the relaxed suite reruns this file in a child Node with
// --experimental-wasm-relaxed-simd, so `npm test` on Node 20 checks both variants.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registry } from '../ts/registry.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { arenaStats } from '../ts/wasm/arena.js';
import { build, kernels, variant } from '../ts/wasm/module.js';
import { relaxedSimdSupported } from '../ts/wasm/variants.js';
import { BackendError } from '../ts/core/errors.js';
import { opSpecs, type OpSpec } from './support/cases.js';
import { runs } from './support/arbitraries.js';
import { randomArray, runKernel } from './support/kernel_io.js';

type AnyOp = (...args: unknown[]) => unknown;
const nodeMajor = Number(process.versions.node.split('.')[0]);
const relaxedFlag = process.execArgv.includes('--experimental-wasm-relaxed-simd');
const isChild = process.env.ATTNCONV_RELAXED_CHILD === '1';

// uvu runs the suites of every spec file after importing them all: put back the variant the other files loaded.
await wasm.init();
const initialBuild = build(), initialVariant = variant();
const restore = () => wasm.init({ build: initialBuild, deterministic: initialVariant === 'strict' });

/** C = A·B (M×K times K×N) with gemm__f32x4_4x8 on the loaded variant; returns C. */
function gemm(M: number, N: number, K: number, seed: number): Float32Array {
  const a = randomArray(M * K, seed), b = randomArray(K * N, seed + 1);
  const k = kernels();
  return runKernel([a, b], [new Float32Array(M * N)], ([pa, pb], [pc], arena) => {
    const nc = 8 * Math.ceil(N / 8);
    k.gemm__f32x4_4x8(M, N, K, pa, K, pb, N, pc, N, 0, 0, arena.alloc(4 * Math.ceil(M / 4) * K), arena.alloc(nc * K), nc);
  })[0];
}

function gemmScalar(M: number, N: number, K: number, seed: number): Float32Array {
  const a = randomArray(M * K, seed), b = randomArray(K * N, seed + 1);
  return runKernel([a, b], [new Float32Array(M * N)], ([pa, pb], [pc]) => {
    kernels().gemm__scalar(M, N, K, pa, K, pb, N, pc, N, 0, 0);
  })[0];
}

const sameBits = (x: Float32Array, y: Float32Array) =>
  x.length === y.length && Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;

const Selection = suite('relaxed/selection');

Selection('the relaxed-SIMD probe agrees with the engine: Node ≥ 22 has it, Node 20 only with the flag', () => {
  if (nodeMajor >= 22) assert.ok(relaxedSimdSupported(), `Node ${process.version} validates relaxed SIMD`);
  else assert.is(relaxedSimdSupported(), relaxedFlag, `Node ${process.version}, --experimental-wasm-relaxed-simd ${relaxedFlag ? 'on' : 'off'}`);
});

Selection('init() loads the fastest available variant; deterministic: true the strict one; bad values are named errors', async () => {
  const saved = process.env.ATTNCONV_WASM_DETERMINISTIC;
  delete process.env.ATTNCONV_WASM_DETERMINISTIC;
  try {
    await wasm.init({ build: 'release' });
    assert.is(variant(), relaxedSimdSupported() ? 'relaxed' : 'strict');
    await wasm.init({ build: 'release', deterministic: true });
    assert.is(variant(), 'strict');
    process.env.ATTNCONV_WASM_DETERMINISTIC = '1';
    await wasm.init({ build: 'release' });
    assert.is(variant(), 'strict', 'ATTNCONV_WASM_DETERMINISTIC=1 makes the default strict');
    process.env.ATTNCONV_WASM_DETERMINISTIC = 'yes';
    await wasm.init({ build: 'release' }).then(() => assert.unreachable('bad env value accepted'), (e) => {
      assert.instance(e, BackendError);
      assert.match((e as Error).message, /ATTNCONV_WASM_DETERMINISTIC must be/);
    });
    delete process.env.ATTNCONV_WASM_DETERMINISTIC;
    await wasm.init({ build: 'release', deterministic: 'yes' as unknown as boolean }).then(() => assert.unreachable('non-boolean accepted'), (e) => {
      assert.match(String(e), /ArgumentError: wasm\.init: deterministic must be a boolean, got/);
    });
    if (relaxedSimdSupported()) {
      await wasm.init({ build: 'release', deterministic: false });
      assert.is(variant(), 'relaxed');
      await wasm.init({ build: 'debug', deterministic: false }).then(() => assert.unreachable('debug + relaxed accepted'), (e) => {
        assert.instance(e, BackendError);
        assert.match((e as Error).message, /debug build is strict only/);
      });
    } else {
      await wasm.init({ build: 'release', deterministic: false }).then(() => assert.unreachable('relaxed accepted without engine support'), (e) => {
        assert.instance(e, BackendError);
        assert.match((e as Error).message, /needs WebAssembly relaxed SIMD/);
      });
    }
    assert.ok(variant() === 'strict' || variant() === 'relaxed', 'a rejected init leaves the loaded module usable');
  } finally {
    if (saved === undefined) delete process.env.ATTNCONV_WASM_DETERMINISTIC; else process.env.ATTNCONV_WASM_DETERMINISTIC = saved;
  }
});

Selection.after(restore);
Selection.run();

const Strict = suite('relaxed/strict');

Strict('strict: gemm__f32x4_4x8 ≡ gemm__scalar bit for bit (M, N, K around the tile sizes)', async () => {
  await wasm.init({ build: 'release', deterministic: true });
  for (const [M, N, K] of [[1, 1, 1], [3, 9, 5], [4, 8, 17], [7, 13, 33], [9, 23, 64]]) {
    assert.ok(sameBits(gemm(M, N, K, 7 * M + N), gemmScalar(M, N, K, 7 * M + N)), `M=${M} N=${N} K=${K}`);
  }
});

Strict.after(restore);
Strict.run();

const Relaxed = suite('relaxed/wasm');

if (relaxedSimdSupported()) {
  Relaxed('relaxed: the fused kernels are in use (a 64×64×64 GEMM differs from strict in some bits, and is closer to float64)', async () => {
    await wasm.init({ build: 'release', deterministic: true });
    const strict = gemm(64, 64, 64, 3);
    await wasm.init({ build: 'release', deterministic: false });
    const fused = gemm(64, 64, 64, 3);
    // Every x86-64 CPU with FMA3 (since 2013) and every arm64 CPU fuses relaxed_madd in V8; an engine that lowers
    // it to mul + add would make this fail, which is what the test is for (the relaxed build would be useless there).
    assert.not.ok(sameBits(strict, fused), 'relaxed GEMM bits equal strict: relaxed_madd is not fused on this engine/CPU');
    const a = randomArray(64 * 64, 3), b = randomArray(64 * 64, 4);
    let errStrict = 0, errFused = 0;
    for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s += a[i * 64 + k] * b[k * 64 + j];
      errStrict += Math.abs(strict[i * 64 + j] - s); errFused += Math.abs(fused[i * 64 + j] - s);
    }
    assert.ok(errFused < errStrict, `summed |error| against float64: fused ${errFused} < strict ${errStrict}`);
  });

  for (const entry of registry) {
    const s = opSpecs[entry.fn] as OpSpec<unknown, unknown> | undefined;
    if (!s) continue;                        // spec/registry.test.ts fails on a row without a case
    Relaxed(`${entry.id}: relaxed wasm.${entry.fn} ≈ ref within ${s.bound}, ${runs(40)} cases`, async () => {
      await wasm.init({ build: 'release', deterministic: false });
      const refFn = refOps[entry.fn] as AnyOp, wasmFn = wasm.ops[entry.fn] as AnyOp;
      fc.assert(fc.property(s.params, (p) => {
        const args = s.build(p);
        s.compare(wasmFn(...args), refFn(...args), args, p);
        assert.is(arenaStats().mark, arenaStats().base, `${entry.id}: arena back at its base`);
      }), { numRuns: runs(40) });
    });
  }
} else if (!isChild && nodeMajor === 20) {
  Relaxed('relaxed (child Node 20 with --experimental-wasm-relaxed-simd): this file passes', () => {
    const self = fileURLToPath(import.meta.url);
    const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url));
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', uvu, 'spec', 'relaxed\\.test\\.ts$', '-i', 'support', '-i', 'fixtures'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', maxBuffer: 1 << 26,
      env: { ...process.env, ATTNCONV_RELAXED_CHILD: '1' },
    });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    assert.is(r.status, 0, `child run of ${self} failed:\n${out.slice(-6000)}`);
    assert.match(out, /Passed:\s+\d+/, 'the child ran its suites');
    assert.not.match(out, /relaxed \(child/, 'the child had relaxed SIMD (no nested child)');
  });
} else {
  Relaxed('relaxed: this engine has no relaxed SIMD; only strict runs here', () => {
    assert.not.ok(relaxedSimdSupported());
    assert.ok(isChild || nodeMajor !== 20, 'Node 20 reruns this file with the flag');
  });
}

Relaxed.after(restore);
Relaxed.run();
