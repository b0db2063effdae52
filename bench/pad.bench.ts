// pad: the reflection padding of ACmix's attention path (official code: ReflectionPad2d(3) on the keys per head,
// before unfold) on ResNet-50 layer2's shape; ref, wasm and the peers. Data movement: every output is an input
// value (bit-exact), so the FLOP column is 0 and the bytes moved are in the title.
// Run alone: node --import tsx bench/pad.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, runStandalone, seeded } from './harness.js';
import { acmixWindows } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'acmix_resnet50.layer2.pad_att';
  const { shape, pad: P } = acmixWindows[name];
  const [N, C, H, W] = shape, outShape = [N, C, H + 2 * P, W + 2 * P];
  const xData = seeded(N * C * H * W, 720);
  const x = new Tensor(xData, shape);
  const pad = [P, P, P, P];                                   // F.pad order: (left, right, top, bottom)

  const g = new OnnxGraph();
  g.input('x', shape);
  g.node('Pad', ['x', g.int64([0, 0, P, P, 0, 0, P, P])], { mode: { s: 'reflect' } }, ['y']);
  g.output('y', outShape);
  const web = await ortSession('web', g.encode(), { x: shape });
  const bytes = 4 * (xData.length + outShape.reduce((a, b) => a * b, 1));

  return [{
    op: 'pad', shape: name, title: `reflect pad ${P} of [${shape}] → [${outShape}] (${(bytes / 2 ** 20).toFixed(1)} MiB read + written)`,
    flops: 0, formula: '0 (data movement)',
    tolerance: { rel: 0, why: 'data movement: bit-exact' },
    impls: [
      { impl: 'ref', kind: 'ref', note: 'ts/ref pad', run: () => refOps.pad(x, pad, { mode: 'reflect' }).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.pad (pad2d__f32x4)', run: () => wasmOps.pad(x, pad, { mode: 'reflect' }).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: "tf.mirrorPad(x, …, 'reflect')",
        run: () => {
          const y = tf.tidy(() => tf.mirrorPad(tf.tensor4d(xData, shape as [number, number, number, number]), [[0, 0], [0, 0], [P, P], [P, P]], 'reflect'));
          const d = y.dataSync() as Float32Array; y.dispose(); return d;
        },
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: "ONNX Pad(mode='reflect')", run: () => web.run({ x: xData }), dispose: () => web.release() },
    ],
  } satisfies Workload];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
