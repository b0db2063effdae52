// batch_norm2d: eval-mode batch norm (running statistics, affine) on ResNet-50 layer1.0.bn1; ref, wasm and the
// peers. Run alone: node --import tsx bench/batch_norm2d.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, nchwToNhwc, nhwcToNchw, runStandalone, seeded } from './harness.js';
import { norm } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'resnet50.layer1.0.bn1';
  const shape = norm[name], [, C, H, W] = shape, n = C * H * W, eps = 1e-5;
  const xData = seeded(n, 750, 4);
  const mean = seeded(C, 751), variance = seeded(C, 752).map((v) => Math.fround(0.75 + v)), gamma = seeded(C, 753, 2), beta = seeded(C, 754);
  const x = new Tensor(xData, shape);
  const [m, v, g, b] = [mean, variance, gamma, beta].map((d) => new Tensor(d, [C]));

  const xNhwc = nchwToNhwc(xData, C, H, W);
  const [tm, tv, tg, tb] = [mean, variance, gamma, beta].map((d) => tf.tensor1d(d));
  const onnx = new OnnxGraph();
  onnx.input('x', shape);
  onnx.node('BatchNormalization', ['x', onnx.weight(gamma, [C]), onnx.weight(beta, [C]), onnx.weight(mean, [C]), onnx.weight(variance, [C])], { epsilon: { f: eps } }, ['y']);
  onnx.output('y', shape);
  const web = await ortSession('web', onnx.encode(), { x: shape });

  return [{
    op: 'batch_norm2d', shape: name, title: `batch_norm (eval, affine) of [${shape}]`,
    flops: 2 * n, formula: `2 per element (x·scale + shift) · ${n}`,
    tolerance: { rel: 1e-6, why: 'float32 (x − μ)/√(σ² + ε)·γ + β vs its folded form x·scale + shift: a few ulp' },
    impls: [
      { impl: 'ref', kind: 'ref', note: 'ts/ref batchNorm2d (float64)', run: () => refOps.batchNorm2d(x, m, v, g, b, { eps }).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.batchNorm2d (batch_norm__f32x4)', run: () => wasmOps.batchNorm2d(x, m, v, g, b, { eps }).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.batchNorm, NHWC (converted outside the timed call)',
        run: () => {
          const y = tf.tidy(() => tf.batchNorm(tf.tensor4d(xNhwc, [1, H, W, C]), tm, tv, tb, tg, eps));
          const d = y.dataSync() as Float32Array; y.dispose(); return d;
        },
        toTruthLayout: (y) => nhwcToNchw(y, C, H, W), dispose: () => { for (const t of [tm, tv, tg, tb]) t.dispose(); },
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX BatchNormalization, NCHW', run: () => web.run({ x: xData }), dispose: () => web.release() },
    ],
  } satisfies Workload];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
