// softmax: along the last dim (a ViT-style MHSA's logits, softmax_rows) and along dim 1 of ACmix's official
// attention layout [N·head, k_att², H, W] (softmax over the 49 taps, strided: softmax_columns); ref, wasm and the
// peers. tfjs's softmax only takes the last dim: for dim 1 it is composed with two transposes, timed.
// Run alone: node --import tsx bench/softmax.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Impl, type Workload, runStandalone, seeded } from './harness.js';
import { softmax } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

const tfOut = (f: () => ReturnType<typeof tf.add>) => (): Float32Array => {
  const y = tf.tidy(f);
  const d = y.dataSync() as Float32Array;
  y.dispose();
  return d;
};

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];
  let seed = 710;
  for (const [name, { shape, dim }] of Object.entries(softmax)) {
    const n = shape.reduce((a, b) => a * b, 1), rank = shape.length, axis = dim < 0 ? dim + rank : dim;
    const xData = seeded(n, seed++, 16);                   // logits in [−8, 8)
    const x = new Tensor(xData, shape);
    const last = axis === rank - 1;
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[axis] = rank - 1; perm[rank - 1] = axis;          // swap dim and the last dim (its own inverse)

    const g = new OnnxGraph();
    g.input('x', shape);
    g.node('Softmax', ['x'], { axis }, ['y']);
    g.output('y', shape);
    const web = await ortSession('web', g.encode(), { x: shape });

    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'ts/ref softmax (float64)', run: () => refOps.softmax(x, dim).data },
      { impl: 'wasm', kind: 'ours', note: `wasm.ops.softmax (${last ? 'softmax_rows' : 'softmax_columns'}__f32x4)`, run: () => wasmOps.softmax(x, dim).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: last ? 'tf.softmax' : `tf.transpose → tf.softmax → tf.transpose (perm [${perm}])`,
        run: last ? tfOut(() => tf.softmax(tf.tensor(xData, shape)))
          : tfOut(() => tf.transpose(tf.softmax(tf.transpose(tf.tensor(xData, shape), perm)), perm)),
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: `ONNX Softmax(axis ${axis}) (opset 13)`, run: () => web.run({ x: xData }), dispose: () => web.release() },
    ];
    out.push({
      op: 'softmax', shape: name, title: `softmax over dim ${dim} of [${shape}] (${shape[axis]} terms per row)`,
      flops: 5 * n, formula: `~5 per element (max, sub, exp, sum, div) · ${n}`,
      tolerance: { rel: 1e-6, why: `float32 exp and a sum of ${shape[axis]} terms, a few ulp of the largest weight` },
      impls,
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
