// layer_norm: over the last dim of ViT-B/16's token matrix (blocks.0.norm1); ref, wasm and the peers. tfjs-core
// has no layer norm: it is composed from tf.moments. ORT runs LayerNormalization (opset 17, what torch.onnx
// exports layer_norm to from opset 17 on). Run alone: node --import tsx bench/layer_norm.bench.ts
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, runStandalone, seeded } from './harness.js';
import { norm } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

const { onnx } = onnxProto;

/** An opset-17 model (LayerNormalization) from an OnnxGraph (which writes opset 13). */
function opset17(g: OnnxGraph): Uint8Array {
  const m = onnx.ModelProto.decode(g.encode());
  m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })];
  m.irVersion = 8;
  return onnx.ModelProto.encode(m).finish();
}

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'vit_b16.blocks.0.norm1';
  const shape = norm[name], D = shape[shape.length - 1], n = shape.reduce((a, b) => a * b, 1), eps = 1e-6;
  const xData = seeded(n, 760, 6).map((v) => Math.fround(v + 1));   // an offset mean, as after a residual
  const gamma = seeded(D, 761, 2), beta = seeded(D, 762);
  const x = new Tensor(xData, shape), g = new Tensor(gamma, [D]), b = new Tensor(beta, [D]);
  const tg = tf.tensor1d(gamma), tb = tf.tensor1d(beta);

  const graph = new OnnxGraph();
  graph.input('x', shape);
  graph.node('LayerNormalization', ['x', graph.weight(gamma, [D]), graph.weight(beta, [D])], { axis: -1, epsilon: { f: eps } }, ['y']);
  graph.output('y', shape);
  const web = await ortSession('web', opset17(graph), { x: shape });

  return [{
    op: 'layer_norm', shape: name, title: `layer_norm over the last ${D} of [${shape}] (eps ${eps}, affine)`,
    flops: 5 * n, formula: `~5 per element (mean, variance, normalise, scale, shift) · ${n}`,
    tolerance: { rel: 1e-5, why: `float32 mean and variance of ${D} terms, then a few roundings per element` },
    impls: [
      { impl: 'ref', kind: 'ref', note: 'ts/ref layerNorm (float64, two-pass)', run: () => refOps.layerNorm(x, [D], g, b, { eps }).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.layerNorm (layer_norm_rows__f32x4)', run: () => wasmOps.layerNorm(x, [D], g, b, { eps }).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.moments(x, -1) → (x − mean)·rsqrt(var + eps)·γ + β',
        run: () => {
          const y = tf.tidy(() => {
            const t = tf.tensor(xData, shape), { mean, variance } = tf.moments(t, -1, true);
            return tf.add(tf.mul(tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, eps))), tg), tb);
          });
          const d = y.dataSync() as Float32Array; y.dispose(); return d;
        },
        dispose: () => { tg.dispose(); tb.dispose(); },
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX LayerNormalization (opset 17)', run: () => web.run({ x: xData }), dispose: () => web.release() },
    ],
  } satisfies Workload];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
