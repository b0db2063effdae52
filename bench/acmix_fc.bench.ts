// acmix_fc: ACmix's conv-path fully connected layer (§4.1: the 3·head projected maps → k_conv² maps per head_dim
// channel, laid out for dep_conv) on ResNet-50 layer1's ACmix (C = 64, head 4, k_conv 3, 56x56); ref, wasm and
// the peers, composed as the official code is: cat(q, k, v) viewed [3·head, head_dim·H·W], a [k², 3·head]
// matmul (the official 1x1 conv), then the permute to [head_dim, k², H·W].
// Run alone: node --import tsx bench/acmix_fc.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, runStandalone, seeded } from './harness.js';
import { acmixFc } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'acmix_resnet50.layer1.fc';
  const { C, head, kernel_conv, H, W } = acmixFc[name];
  const hd = C / head, T = kernel_conv * kernel_conv, HW = H * W, shape = [1, C, H, W], outShape = [1, hd * T, H, W];
  const [qData, kData, vData] = [800, 801, 802].map((s) => seeded(C * HW, s));
  const fcData = seeded(T * 3 * head, 803, 2);
  const [q, k, v] = [qData, kData, vData].map((d) => new Tensor(d, shape));
  const fcWeight = new Tensor(fcData, [T, 3 * head, 1, 1]);

  const tfc = tf.tensor2d(fcData, [T, 3 * head]);
  const tfRun = () => {
    const y = tf.tidy(() => {
      const cat = tf.concat([qData, kData, vData].map((d) => tf.tensor2d(d, [head, hd * HW])), 0);   // [3·head, hd·HW]
      return tf.transpose(tf.reshape(tf.matMul(tfc, cat), [T, hd, HW]), [1, 0, 2]);
    });
    const d = y.dataSync() as Float32Array; y.dispose(); return d;
  };
  const g = new OnnxGraph();
  for (const nm of ['q', 'k', 'v']) g.input(nm, shape);
  const flat = (nm: string) => g.op('Reshape', [nm, g.int64([head, hd * HW])]);
  const cat = g.op('Concat', [flat('q'), flat('k'), flat('v')], { axis: 0 });
  const f = g.op('Reshape', [g.op('MatMul', [g.weight(fcData, [T, 3 * head]), cat]), g.int64([T, hd, HW])]);
  g.node('Reshape', [g.op('Transpose', [f], { perm: [1, 0, 2] }), g.int64(outShape)], {}, ['y']);
  g.output('y', outShape);
  const web = await ortSession('web', g.encode(), { q: shape, k: shape, v: shape });

  return [{
    op: 'acmix_fc', shape: name, title: `ACmix fc: q, k, v [${shape}], head ${head} → [${outShape}]`,
    flops: 2 * T * 3 * head * hd * HW, formula: `2·N·k_conv²·3·head·head_dim·H·W = 2·${T}·${3 * head}·${hd}·${HW}`,
    tolerance: { rel: 1e-6, why: `float32 sums of 3·head = ${3 * head} terms` },
    impls: [
      { impl: 'ref', kind: 'ref', note: 'ts/ref acmixFc (float64)', run: () => refOps.acmixFc(q, k, v, fcWeight, { head }).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.acmixFc (acmix_fc__f32x4)', run: () => wasmOps.acmixFc(q, k, v, fcWeight, { head }).data },
      { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.concat → tf.matMul(fc resident) → tf.transpose', run: tfRun, dispose: () => tfc.dispose() },
      {
        impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Reshape ×3 → Concat → MatMul → Reshape → Transpose → Reshape',
        run: () => web.run({ q: qData, k: kData, v: vData }), dispose: () => web.release(),
      },
    ],
  } satisfies Workload];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
