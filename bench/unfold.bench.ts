// unfold: ACmix's window gather (official code: nn.Unfold(kernel_att) on the reflection-padded keys per head,
// ACmix §3.2 Eq. 8) on ResNet-50 layer2's shape; ref, wasm and the peers. Neither peer has an unfold / im2col
// op: each stacks k² slices on a new tap axis (a gather with a precomputed index list, Gather / tf.gather, was
// 2-3x slower on both). Data movement: bit-exact.
// Run alone: node --import tsx bench/unfold.bench.ts
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
  const name = 'acmix_resnet50.layer2.unfold_k';
  const { shape, kernel: k } = acmixWindows[name];
  const [N, C, H, W] = shape, H_out = H - k + 1, W_out = W - k + 1, T = k * k, L = H_out * W_out;
  const outShape = [N, C * T, L];
  const xData = seeded(N * C * H * W, 730);
  const x = new Tensor(xData, shape);

  const g = new OnnxGraph();
  g.input('x', shape);
  const taps: string[] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    const tap = g.op('Slice', ['x', g.int64([a, b]), g.int64([a + H_out, b + W_out]), g.int64([2, 3])]);   // [N, C, H_out, W_out]
    taps.push(g.op('Reshape', [tap, g.int64([N, C, 1, L])]));
  }
  g.node('Reshape', [g.op('Concat', taps, { axis: 2 }), g.int64(outShape)], {}, ['y']);
  g.output('y', outShape);
  const web = await ortSession('web', g.encode(), { x: shape });
  const bytes = 4 * (xData.length + N * C * T * L);

  return [{
    op: 'unfold', shape: name, title: `unfold ${k}x${k} of [${shape}] → [${outShape}] (${(bytes / 2 ** 20).toFixed(1)} MiB read + written)`,
    flops: 0, formula: '0 (data movement)',
    tolerance: { rel: 0, why: 'data movement: bit-exact' },
    impls: [
      { impl: 'ref', kind: 'ref', note: 'ts/ref unfold', run: () => refOps.unfold(x, [k, k]).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.unfold (im2col__f32x4)', run: () => wasmOps.unfold(x, [k, k]).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: `${T} × tf.slice → tf.stack(axis 2) → reshape`,
        run: () => {
          const y = tf.tidy(() => {
            const t = tf.tensor4d(xData, shape as [number, number, number, number]);
            const taps = [];
            for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) taps.push(tf.slice(t, [0, 0, a, b], [N, C, H_out, W_out]));
            return tf.reshape(tf.stack(taps, 2), outShape);
          });
          const d = y.dataSync() as Float32Array; y.dispose(); return d;
        },
      },
      {
        impl: 'ort-web', kind: 'wasm-peer', note: `ONNX ${T} × Slice → Concat(axis 2) → Reshape`,
        run: () => web.run({ x: xData }), dispose: () => web.release(),
      },
    ],
  } satisfies Workload];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
