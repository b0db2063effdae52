// pool2d: max_pool2d on the ResNet stem (3x3, stride 2, padding 1, [1, 64, 112, 112]) and adaptive_avg_pool2d on
// torchvision AlexNet's avgpool (13x13 → 6x6); flatten, cat and chunk are registered here too (cat/chunk timed on
// the ResNet stem tensor; flatten is a view). ref, wasm and the peers (tfjs-wasm, onnxruntime-web), outputs checked
// against the reference before timing. Run alone: node --import tsx bench/pool2d.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, nchwToNhwc, nhwcToNchw, runStandalone, seeded } from './harness.js';
import { pool2d } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];

  // max_pool2d 3x3 s2 p1 on the ResNet stem
  {
    const name = 'resnet.maxpool', { shape, kernel_size, stride, padding } = pool2d[name];
    const [N, C, H, W] = shape, n = N * C * H * W;
    const xData = seeded(n, 1301, 4).map((v) => Math.max(0, v));      // post-ReLU activations
    const x = new Tensor(xData, shape), xNhwc = nchwToNhwc(xData, C, H, W);
    const Ho = Math.floor((H + 2 * padding - kernel_size) / stride) + 1, Wo = Math.floor((W + 2 * padding - kernel_size) / stride) + 1;
    const g = new OnnxGraph();
    g.input('x', shape);
    g.node('MaxPool', ['x'], { kernel_shape: [kernel_size, kernel_size], strides: [stride, stride], pads: [padding, padding, padding, padding] }, ['y']);
    g.output('y', [N, C, Ho, Wo]);
    const web = await ortSession('web', g.encode(), { x: shape });
    out.push({
      op: 'max_pool2d', shape: name, title: `max_pool2d 3x3 s2 p1 [${shape}] → [${N}, ${C}, ${Ho}, ${Wo}]`,
      flops: N * C * Ho * Wo * kernel_size * kernel_size, formula: `N·C·H_out·W_out·9 comparisons`,
      tolerance: { rel: 0, why: 'max is exact' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref maxPool2d', run: () => refOps.maxPool2d(x, kernel_size, { stride, padding }).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.maxPool2d (pool2d_max__f32x4)', run: () => wasmOps.maxPool2d(x, kernel_size, { stride, padding }).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.maxPool(x, 3, 2, pad 1), NHWC (layout converted outside the timed call)',
          run: () => {
            const y = tf.tidy(() => tf.maxPool(tf.tensor4d(xNhwc, [N, H, W, C]), kernel_size, stride, padding));
            const d = y.dataSync() as Float32Array; y.dispose(); return d;
          },
          toTruthLayout: (d: Float32Array) => nhwcToNchw(d, C, Ho, Wo),
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX MaxPool, NCHW', run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    } satisfies Workload);
  }

  // adaptive_avg_pool2d 13x13 → 6x6 (AlexNet): PyTorch's windows here are all 3 wide at stride 2, so the peers run AvgPool 3 s2
  {
    const name = 'alexnet.avgpool', { shape, output_size } = pool2d[name];
    const [N, C, H, W] = shape, n = N * C * H * W, [Ho, Wo] = output_size;
    const xData = seeded(n, 1302, 4).map((v) => Math.max(0, v));
    const x = new Tensor(xData, shape), xNhwc = nchwToNhwc(xData, C, H, W);
    const g = new OnnxGraph();
    g.input('x', shape);
    g.node('AveragePool', ['x'], { kernel_shape: [3, 3], strides: [2, 2] }, ['y']);
    g.output('y', [N, C, Ho, Wo]);
    const web = await ortSession('web', g.encode(), { x: shape });
    out.push({
      op: 'adaptive_avg_pool2d', shape: name, title: `adaptive_avg_pool2d [${shape}] → [${N}, ${C}, ${Ho}, ${Wo}]`,
      flops: N * C * Ho * Wo * 10, formula: 'N·C·H_o·W_o·(9 + 1)',
      tolerance: { rel: 1e-6, why: 'float32 sums of 9 terms, any order' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref adaptiveAvgPool2d (float64)', run: () => refOps.adaptiveAvgPool2d(x, output_size).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.adaptiveAvgPool2d (pool2d_avg__f32x4)', run: () => wasmOps.adaptiveAvgPool2d(x, output_size).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.avgPool(x, 3, 2, valid) (= the adaptive windows here), NHWC',
          run: () => {
            const y = tf.tidy(() => tf.avgPool(tf.tensor4d(xNhwc, [N, H, W, C]), 3, 2, 'valid'));
            const d = y.dataSync() as Float32Array; y.dispose(); return d;
          },
          toTruthLayout: (d: Float32Array) => nhwcToNchw(d, C, Ho, Wo),
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX AveragePool 3 s2 (the adaptive windows here)', run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    } satisfies Workload);
  }
  // avg_pool2d 2x2 s2 on a DenseNet-121 transition (128 channels at 56x56)
  {
    const shape = [1, 128, 56, 56], [N, C, H, W] = shape, n = N * C * H * W, Ho = H / 2, Wo = W / 2;
    const xData = seeded(n, 1303, 4);
    const x = new Tensor(xData, shape), xNhwc = nchwToNhwc(xData, C, H, W);
    const g = new OnnxGraph();
    g.input('x', shape);
    g.node('AveragePool', ['x'], { kernel_shape: [2, 2], strides: [2, 2] }, ['y']);
    g.output('y', [N, C, Ho, Wo]);
    const web = await ortSession('web', g.encode(), { x: shape });
    out.push({
      op: 'avg_pool2d', shape: 'densenet121.transition1.pool', title: `avg_pool2d 2x2 s2 [${shape}] → [${N}, ${C}, ${Ho}, ${Wo}]`,
      flops: N * C * Ho * Wo * 5, formula: 'N·C·H_out·W_out·(4 + 1)',
      tolerance: { rel: 1e-6, why: 'float32 sums of 4 terms, any order' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref avgPool2d (float64)', run: () => refOps.avgPool2d(x, 2).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.avgPool2d (pool2d_avg__f32x4)', run: () => wasmOps.avgPool2d(x, 2).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.avgPool(x, 2, 2, valid), NHWC',
          run: () => {
            const y = tf.tidy(() => tf.avgPool(tf.tensor4d(xNhwc, [N, H, W, C]), 2, 2, 'valid'));
            const d = y.dataSync() as Float32Array; y.dispose(); return d;
          },
          toTruthLayout: (d: Float32Array) => nhwcToNchw(d, C, Ho, Wo),
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX AveragePool 2 s2', run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    } satisfies Workload);
  }

  // cat along channels: a YOLOv8 C2f / DenseNet concatenation of two [1, 64, 56, 56] maps (flatten is a view, chunk
  // the inverse copy: they share this suite's registration)
  {
    const shape = [1, 64, 56, 56], [N, C, H, W] = shape, n = N * C * H * W;
    const aData = seeded(n, 1304, 4), bData = seeded(n, 1305, 4);
    const a = new Tensor(aData, shape), b = new Tensor(bData, shape);
    const g = new OnnxGraph();
    g.input('a', shape); g.input('b', shape);
    g.node('Concat', ['a', 'b'], { axis: 1 }, ['y']);
    g.output('y', [N, 2 * C, H, W]);
    const web = await ortSession('web', g.encode(), { a: shape, b: shape });
    out.push({
      op: 'cat', shape: 'yolov8.c2f.cat', title: `cat([${shape}] × 2, dim=1) → [${N}, ${2 * C}, ${H}, ${W}]`,
      flops: 2 * n, formula: 'copies (elements moved)',
      tolerance: { rel: 0, why: 'data movement' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref cat', run: () => refOps.cat([a, b], { dim: 1 }).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.cat (copy_blocks__f32x4)', run: () => wasmOps.cat([a, b], { dim: 1 }).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.concat(axis 1), NCHW',
          run: () => {
            const y = tf.tidy(() => tf.concat([tf.tensor4d(aData, [N, C, H, W]), tf.tensor4d(bData, [N, C, H, W])], 1));
            const d = y.dataSync() as Float32Array; y.dispose(); return d;
          },
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Concat axis 1', run: () => web.run({ a: aData, b: bData }), dispose: () => web.release() },
      ],
    } satisfies Workload);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
