// mul: the broadcast products of the attention gates on the maps they meet in real layers — SE's channel gate
// (ResNet-50 layer1 output [1,256,56,56] · [1,256,1,1]), CBAM's spatial gate (· [1,1,56,56]), coordinate
// attention's two directional gates on a 64-channel 56x56 map (· [1,64,56,1] and · [1,64,1,56]) and the
// equal-shape product; ref, wasm and tfjs-wasm (tf.mul broadcasts the same way, NCHW as given: the op is
// elementwise, so layout does not matter). Every implementation copies its inputs in and the output out per
// call (ours through the arena, tfjs into its heap): whole calls are compared.
// Run alone: node --import tsx bench/mul.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, runStandalone, seeded } from './harness.js';
import { tf, tfjs } from './peers.js';

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The gate shapes: [name, x shape, gate shape, what the gate is]. */
const gates: [string, number[], number[], string][] = [
  ['se.resnet50.layer1.out', [1, 256, 56, 56], [1, 256, 1, 1], 'SE channel gate x · s[N,C,1,1]'],
  ['cbam.resnet50.layer1.spatial', [1, 256, 56, 56], [1, 1, 56, 56], 'CBAM spatial gate x · s[N,1,H,W]'],
  ['coordatt.c64_56.a_h', [1, 64, 56, 56], [1, 64, 56, 1], 'coordinate attention x · a_h[N,C,H,1]'],
  ['coordatt.c64_56.a_w', [1, 64, 56, 56], [1, 64, 1, 56], 'coordinate attention x · a_w[N,C,1,W]'],
  ['resnet50.layer1.out.same', [1, 256, 56, 56], [1, 256, 56, 56], 'equal shapes x · y'],
];

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  return gates.map(([name, xs, gs, what], i) => {
    const n = numel(xs);
    const xData = seeded(n, 900 + i), gData = seeded(numel(gs), 950 + i);
    const x = new Tensor(xData, xs), g = new Tensor(gData, gs);
    return {
      op: 'mul', shape: name, title: `${what}: [${xs}] · [${gs}]`, flops: n, formula: `1 per output element · ${n}`,
      tolerance: { rel: 0, why: 'one float32 multiply per element, correctly rounded everywhere' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref mul', run: () => refOps.mul(x, g).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.mul (mul_broadcast__f32x4)', run: () => wasmOps.mul(x, g).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.mul (broadcasting)',
          run: () => {
            const y = tf.tidy(() => tf.mul(tf.tensor(xData, xs), tf.tensor(gData, gs)));
            const d = y.dataSync() as Float32Array; y.dispose(); return d;
          },
        },
      ],
    } satisfies Workload;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
