// mean and amax over one dim, as the gates use them: CBAM's channel pools (dim 1 of the ResNet-50 layer1 output
// [1,256,56,56], keepdim) and coordinate attention's directional pool (mean over W, dim 3, of [1,64,56,56]); ref,
// wasm and tfjs-wasm (tf.mean / tf.max with the same axis and keepDims, NCHW as given).
// Run alone: node --import tsx bench/reduce.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, runStandalone, seeded } from './harness.js';
import { tf, tfjs } from './peers.js';

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** [op, name, shape, dim, what, kernel]. */
const cases: ['mean' | 'amax', string, number[], number, string, string][] = [
  ['mean', 'cbam.resnet50.layer1.channel_pool', [1, 256, 56, 56], 1, 'CBAM channel mean', 'mean_dim__f32x4'],
  ['amax', 'cbam.resnet50.layer1.channel_pool', [1, 256, 56, 56], 1, 'CBAM channel max', 'amax_dim__f32x4'],
  ['mean', 'coordatt.c64_56.pool_h', [1, 64, 56, 56], 3, 'coordinate attention X pool (mean over W)', 'global_avg_pool__f32x4'],
];

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  return cases.map(([op, name, shape, dim, what, kernel], i) => {
    const n = numel(shape), size = shape[dim];
    const xData = seeded(n, 990 + i);
    const x = new Tensor(xData, shape);
    return {
      op, shape: name, title: `${what}: ${op}([${shape}], dim=${dim}, keepdim=True)`, flops: n, formula: `1 per input element · ${n}`,
      tolerance: op === 'amax' ? { rel: 0, why: 'the maximum is exact' } : { rel: 2 * (size + 1) * 2 ** -24 * 4, why: `float32 sums of ${size} terms, any order (|x| ≤ 1, mean ≈ 0: scaled by max|truth|)` },
      impls: [
        { impl: 'ref', kind: 'ref', note: `ts/ref ${op} (float64)`, run: () => refOps[op](x, { dim, keepdim: true }).data },
        { impl: 'wasm', kind: 'ours', note: `wasm.ops.${op} (${kernel})`, run: () => wasmOps[op](x, { dim, keepdim: true }).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: `tf.${op === 'mean' ? 'mean' : 'max'}(x, ${dim}, true)`,
          run: () => {
            const y = tf.tidy(() => (op === 'mean' ? tf.mean : tf.max)(tf.tensor(xData, shape), dim, true));
            const d = y.dataSync() as Float32Array; y.dispose(); return d;
          },
        },
      ],
    } satisfies Workload;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
