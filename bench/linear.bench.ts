// linear / GEMM: the ACmix stage I projections as one matmul, A [3136, 64] @ B [64, 192].
// Ours is the GEMM/linear path: wasm.ops.linear(A, Bᵀ) (torch.nn.functional.linear computes A·Wᵀ),
// plus the gemm__f32x4_4x8 kernel called directly with the same upload/download per call.
// Run alone: node --import tsx bench/linear.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { kernels } from '../ts/wasm/module.js';
import { withArena } from '../ts/wasm/arena.js';
import { gemmColumnBlock, gemmPackedAFloats } from '../ts/wasm/conv2d.js';
import { type Impl, type Workload, runStandalone, seeded } from './harness.js';
import { matmul } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];
  for (const [name, { M, K, N }] of Object.entries(matmul)) {
    const aData = seeded(M * K, 300), bData = seeded(K * N, 301);
    const wData = new Float32Array(N * K); // Bᵀ: the linear weight [out_features, in_features]
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) wData[n * K + k] = bData[k * N + n];
    const a = new Tensor(aData, [M, K]), weight = new Tensor(wData, [N, K]);

    const bT = tf.tensor2d(bData, [K, N]);
    const g = new OnnxGraph();
    g.input('a', [M, K]);
    g.node('MatMul', ['a', g.weight(bData, [K, N])], {}, ['y']);
    g.output('y', [M, N]);
    const model = g.encode(), dims = { a: [M, K] };
    const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);

    const gemm = () => {
      const k = kernels();
      return withArena((ar) => {
        const pa = ar.upload(aData), pb = ar.upload(bData), pc = ar.alloc(M * N);
        const nc = gemmColumnBlock(K, N);
        k.gemm__f32x4_4x8(M, N, K, pa, K, pb, N, pc, N, 0, 0, ar.alloc(gemmPackedAFloats(M, K)), ar.alloc(K * nc), nc);
        return ar.download(pc, M * N);
      });
    };

    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'ts/ref linear (float64 accumulation)', run: () => refOps.linear(a, weight).data },
      { impl: 'wasm', kind: 'ours', note: `wasm.ops.linear(A, Bᵀ)`, run: () => wasmOps.linear(a, weight).data },
      { impl: 'wasm:gemm', kind: 'ours-extra', note: 'gemm__f32x4_4x8 called directly (upload A, B; pack; download C)', run: gemm },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.matMul(A, B), B resident', dispose: () => bT.dispose(),
        run: () => { const y = tf.tidy(() => tf.matMul(tf.tensor2d(aData, [M, K]), bT)); const d = y.dataSync() as Float32Array; y.dispose(); return d; },
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX MatMul, B an initializer', run: () => web.run({ a: aData }), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'ONNX MatMul, native MLAS', run: () => native.run({ a: aData }), dispose: () => native.release() },
    ];
    out.push({
      op: 'linear', shape: name, title: `matmul ${M}x${K} @ ${K}x${N} (no bias)`,
      flops: 2 * M * N * K, formula: `2·M·N·K = 2·${M}·${N}·${K}`,
      tolerance: { rel: 2e-5, why: `float32 sums of K = ${K} terms, any order` },
      impls,
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
