// global_avg_pool2d: ResNet-50's final average pool (2048 channels at 7x7; also the squeeze of CondConv /
// DynamicConv routing); ref, wasm and the peers. Run alone: node --import tsx bench/global_avg_pool2d.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, nchwToNhwc, runStandalone, seeded } from './harness.js';
import { pool } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'resnet50.avgpool';
  const shape = pool[name], [N, C, H, W] = shape, n = N * C * H * W;
  const xData = seeded(n, 780, 4).map((v) => Math.max(0, v));        // post-ReLU activations
  const x = new Tensor(xData, shape);
  const xNhwc = nchwToNhwc(xData, C, H, W);

  const g = new OnnxGraph();
  g.input('x', shape);
  g.node('GlobalAveragePool', ['x'], {}, ['y']);
  g.output('y', [N, C, 1, 1]);
  const web = await ortSession('web', g.encode(), { x: shape });

  return [{
    op: 'global_avg_pool2d', shape: name, title: `global average pool of [${shape}] → [${N}, ${C}, 1, 1]`,
    flops: n, formula: `N·C·H·W = ${N}·${C}·${H}·${W}`,
    tolerance: { rel: 1e-6, why: `float32 sums of H·W = ${H * W} terms, any order` },
    impls: [
      { impl: 'ref', kind: 'ref', note: 'ts/ref globalAvgPool2d (float64)', run: () => refOps.globalAvgPool2d(x).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.globalAvgPool2d (global_avg_pool__f32x4)', run: () => wasmOps.globalAvgPool2d(x).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.mean(x, [1, 2]), NHWC (converted outside the timed call)',
        run: () => {
          const y = tf.tidy(() => tf.mean(tf.tensor4d(xNhwc, [N, H, W, C]), [1, 2]));
          const d = y.dataSync() as Float32Array; y.dispose(); return d;
        },
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX GlobalAveragePool, NCHW', run: () => web.run({ x: xData }), dispose: () => web.release() },
    ],
  } satisfies Workload];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
