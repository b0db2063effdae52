// Quick GFLOP/s check of the GEMM core (not the benchmark.js suite: see bench/run.ts for that).
// Run after `npm run build:as`:  node --import tsx bench/gemm-quick.ts [rounds]
// FLOPs = 2 × multiply-accumulates: conv = 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w, gemm = 2·M·N·K.
// Reports the best and median of `rounds` timed rounds (each ≥ 0.2 s) after a warm-up; the VM's
// speed drifts between runs, so compare numbers within one run only.
import { init } from '../../ts/wasm/index.js';
import { conv2d } from '../../ts/wasm/conv2d.js';
import { kernels, build } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { gemmColumnBlock, gemmPackedAFloats } from '../../ts/wasm/conv2d.js';
import { randomTensor, measure } from './quick.js';

await init();
const rounds = Number(process.argv[2] ?? 7);



console.log(`node ${process.version}, wasm build ${build()}, ${rounds} rounds`);

{ // conv 3x3 64->64 56x56, padding 1 (resnet50 layer1 3x3)
  const x = randomTensor([1, 64, 56, 56], 1), w = randomTensor([64, 64, 3, 3], 2), b = randomTensor([64], 3);
  measure('conv2d 3x3 64->64 56x56 pad 1 (wasm)', 2 * 64 * 56 * 56 * 64 * 9, rounds, () => { conv2d(x, w, b, { padding: 1 }); });
}
{ // conv 1x1 256->64 56x56
  const x = randomTensor([1, 256, 56, 56], 4), w = randomTensor([64, 256, 1, 1], 5), b = randomTensor([64], 6);
  measure('conv2d 1x1 256->64 56x56 (wasm)', 2 * 64 * 56 * 56 * 256, rounds, () => { conv2d(x, w, b); });
}
{ // raw GEMM 3136x64 @ 64x192 (M=3136, K=64, N=192), operands already in WASM memory
  const M = 3136, K = 64, N = 192;
  const A = randomTensor([M, K], 7).data, B = randomTensor([K, N], 8).data;
  const k = kernels();
  withArena((a) => {
    const pa = a.upload(A), pb = a.upload(B), pc = a.alloc(M * N);
    const nc = gemmColumnBlock(K, N), packedA = a.alloc(gemmPackedAFloats(M, K)), packedB = a.alloc(K * nc);
    measure('gemm__f32x4_4x8 3136x64 @ 64x192 (in memory)', 2 * M * N * K, rounds,
      () => k.gemm__f32x4_4x8(M, N, K, pa, K, pb, N, pc, N, 0, 0, packedA, packedB, nc));
    const packedAll = a.alloc(K * ((N + 7) & ~7));
    k.pack_a__f32x4(M, K, pa, K, packedA);
    k.pack_b__f32x4(K, N, pb, N, packedAll);
    measure('gemm_packed__f32x4_4x8 (A, B packed once)', 2 * M * N * K, rounds,
      () => k.gemm_packed__f32x4_4x8(M, N, K, packedA, packedAll, pc, N, 0, 0));
    measure('gemm__scalar 3136x64 @ 64x192', 2 * M * N * K, rounds,
      () => k.gemm__scalar(M, N, K, pa, K, pb, N, pc, N, 0, 0));
  });
}
{ // the conv 3x3 GEMM alone: 64 x 3136 x 576 on a prepared im2col matrix
  const M = 64, K = 576, N = 3136;
  const A = randomTensor([M, K], 9).data, B = randomTensor([K, N], 10).data;
  const k = kernels();
  withArena((a) => {
    const pa = a.upload(A), pb = a.upload(B), pc = a.alloc(M * N);
    const nc = gemmColumnBlock(K, N), packedA = a.alloc(gemmPackedAFloats(M, K)), packedB = a.alloc(K * nc);
    measure('gemm__f32x4_4x8 64x576 @ 576x3136 (conv core)', 2 * M * N * K, rounds,
      () => k.gemm__f32x4_4x8(M, N, K, pa, K, pb, N, pc, N, 0, 0, packedA, packedB, nc));
  });
}
