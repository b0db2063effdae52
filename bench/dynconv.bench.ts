// Dynamic / deformable convolution (issue 4): deform_conv2d and conv2d_mixture (CondConv / DynamicConv's core) on
// real layer shapes; ref, wasm, and the fastest compositions of the peers. Run alone:
//   node --import tsx bench/dynconv.bench.ts
// PyTorch CPU context for the same shapes: /usr/bin/python3 bench/dynconv_torch.py
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Impl, type Workload, nhwcToNchw, nchwToNhwc, runStandalone, seeded } from './harness.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

const { onnx } = onnxProto;

/** Named shapes (batch, channels, map, kernel), after the layers they stand for. */
export const dynconvShapes = {
  /** DCNv2 in a ResNet-50 layer1 bottleneck: 3x3, 64 → 64 at 56x56, padding 1, one offset group, with mask */
  'dcnv2.resnet50.layer1.conv2': { N: 1, C_in: 64, C_out: 64, H: 56, W: 56, k: 3, padding: 1 },
  /** CondConv / DynamicConv with K = 4 experts, batch 8, 3x3, 64 → 64 at 28x28 (issue 4's shape) */
  'condconv.k4.b8.c64.28x28': { N: 8, K: 4, C_in: 64, C_out: 64, H: 28, W: 28, k: 3, padding: 1 },
};

/** An opset-19 model (DeformConv needs it) from an OnnxGraph (which writes opset 13). */
function opset19(g: OnnxGraph): Uint8Array {
  const m = onnx.ModelProto.decode(g.encode());
  m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 19 })];
  m.irVersion = 9;
  return onnx.ModelProto.encode(m).finish();
}

function deformWorkload(): Promise<Workload> | Workload {
  const s = dynconvShapes['dcnv2.resnet50.layer1.conv2'];
  const T = s.k * s.k, P = s.H * s.W;
  const xData = seeded(s.C_in * P, 201), wData = seeded(s.C_out * s.C_in * T, 202, 0.05), bData = seeded(s.C_out, 203);
  const offData = seeded(2 * T * P, 204, 2.5);                               // |Δ| up to 2.5 px: many samples near/over borders
  const maskData = seeded(T * P, 205).map((v) => Math.fround(0.5 + 0.5 * v)); // in [0, 1]
  const x = new Tensor(xData, [1, s.C_in, s.H, s.W]), w = new Tensor(wData, [s.C_out, s.C_in, s.k, s.k]), b = new Tensor(bData, [s.C_out]);
  const offset = new Tensor(offData, [1, 2 * T, s.H, s.W]), mask = new Tensor(maskData, [1, T, s.H, s.W]);
  const options = { padding: s.padding, mask };

  // tfjs composition (NHWC): sampling coordinates, floor, bilinear weights with per-corner validity, four
  // tf.gather's of pixel rows from x as [H·W, C], weighted sum × mask → columns [P, T·C] → one matMul with the
  // weight as [T·C, C_out] (+ bias). The grid [T, P] and the weight matrix are prepared outside the timed call.
  const gridY = new Float32Array(T * P), gridX = new Float32Array(T * P);
  for (let t = 0; t < T; t++) for (let i = 0; i < s.H; i++) for (let j = 0; j < s.W; j++) {
    gridY[t * P + i * s.W + j] = i - s.padding + Math.floor(t / s.k);
    gridX[t * P + i * s.W + j] = j - s.padding + (t % s.k);
  }
  const wMat = new Float32Array(T * s.C_in * s.C_out);
  for (let o = 0; o < s.C_out; o++) for (let c = 0; c < s.C_in; c++) for (let t = 0; t < T; t++) wMat[(t * s.C_in + c) * s.C_out + o] = wData[(o * s.C_in + c) * T + t];
  const xNhwc = nchwToNhwc(xData, s.C_in, s.H, s.W);
  const gy = tf.tensor2d(gridY, [T, P]), gx = tf.tensor2d(gridX, [T, P]), wt = tf.tensor2d(wMat, [T * s.C_in, s.C_out]), bt = tf.tensor1d(bData);
  const tfRun = () => {
    const y = tf.tidy(() => {
      const xs = tf.tensor2d(xNhwc, [P, s.C_in]);
      const off = tf.tensor3d(offData, [T, 2, P]), m = tf.tensor2d(maskData, [T, P]);
      const py = tf.add(gy, tf.squeeze(tf.slice(off, [0, 0, 0], [T, 1, P]), [1]));
      const px = tf.add(gx, tf.squeeze(tf.slice(off, [0, 1, 0], [T, 1, P]), [1]));
      const inside = tf.logicalAnd(tf.logicalAnd(tf.greater(py, -1), tf.less(py, s.H)), tf.logicalAnd(tf.greater(px, -1), tf.less(px, s.W)));
      const y0 = tf.floor(py), x0 = tf.floor(px), ly = tf.sub(py, y0), lx = tf.sub(px, x0), hy = tf.sub(1, ly), hx = tf.sub(1, lx);
      let acc: ReturnType<typeof tf.add> | null = null;
      for (const [cy, wy] of [[y0, hy], [tf.add(y0, 1), ly]] as const) for (const [cx, wx] of [[x0, hx], [tf.add(x0, 1), lx]] as const) {
        const valid = tf.logicalAnd(inside, tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(cy, 0), tf.lessEqual(cy, s.H - 1)), tf.logicalAnd(tf.greaterEqual(cx, 0), tf.lessEqual(cx, s.W - 1))));
        const weight = tf.mul(tf.mul(tf.mul(wy, wx), tf.cast(valid, 'float32')), m);                       // [T, P]
        const idx = tf.cast(tf.add(tf.mul(tf.clipByValue(cy, 0, s.H - 1), s.W), tf.clipByValue(cx, 0, s.W - 1)), 'int32');
        const v = tf.mul(tf.reshape(tf.gather(xs, tf.reshape(idx, [T * P])), [T, P, s.C_in]), tf.expandDims(weight, 2));
        acc = acc ? tf.add(acc, v) : v;
      }
      const cols = tf.reshape(tf.transpose(acc!, [1, 0, 2]), [P, T * s.C_in]);
      return tf.add(tf.matMul(cols, wt), bt);
    });
    const d = y.dataSync() as Float32Array;
    y.dispose();
    return d;
  };

  const g = new OnnxGraph();
  g.input('x', [1, s.C_in, s.H, s.W]); g.input('offset', [1, 2 * T, s.H, s.W]); g.input('mask', [1, T, s.H, s.W]);
  g.node('DeformConv', ['x', g.weight(wData, [s.C_out, s.C_in, s.k, s.k]), 'offset', g.weight(bData, [s.C_out]), 'mask'],
    { kernel_shape: [s.k, s.k], pads: [s.padding, s.padding, s.padding, s.padding], strides: [1, 1], dilations: [1, 1], group: 1, offset_group: 1 }, ['y']);
  g.output('y', [1, s.C_out, s.H, s.W]);
  const model = opset19(g), dims = { x: [1, s.C_in, s.H, s.W], offset: [1, 2 * T, s.H, s.W], mask: [1, T, s.H, s.W] };
  return (async () => {
    const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);
    const feeds = { x: xData, offset: offData, mask: maskData };
    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'ts/ref deform_conv2d (float64)', run: () => refOps.deformConv2d!(x, offset, w, b, options).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.deformConv2d: pad_border1 + deform_sample_table + bilinear_gather (f32x4) → gemm', run: () => wasmOps.deformConv2d!(x, offset, w, b, options).data },
      { impl: 'wasm:conv2d', kind: 'ours-extra', note: 'plain wasm.ops.conv2d of the same shape (no offsets): the floor', run: () => wasmOps.conv2d(x, w, b, { padding: s.padding }).data, toTruthLayout: () => refOps.deformConv2d!(x, offset, w, b, options).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'composed: add/floor/compare → 4 × gather of NHWC pixel rows × weight × mask → transpose/reshape → matMul + bias',
        run: tfRun, toTruthLayout: (y) => nhwcToNchw(y, s.C_out, s.H, s.W), dispose: () => { gy.dispose(); gx.dispose(); wt.dispose(); bt.dispose(); },
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX DeformConv (opset 19), NCHW', run: () => web.run(feeds), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'ONNX DeformConv (opset 19), native', run: () => native.run(feeds), dispose: () => native.release() },
    ];
    const flops = 2 * s.C_out * P * s.C_in * T;
    return {
      op: 'deform_conv2d', shape: 'dcnv2.resnet50.layer1.conv2',
      title: `modulated deformable 3x3 conv, ${s.C_in}→${s.C_out}, ${s.H}x${s.W}, padding 1, offsets |Δ| ≤ 2.5 px, mask, bias`,
      flops, formula: `2·C_out·H_out·W_out·C_in·k_h·k_w = 2·${s.C_out}·${s.H}·${s.W}·${s.C_in}·9 (sampling not counted)`,
      tolerance: { rel: 2e-5, why: `float32 sums of K = ${s.C_in * T} terms + float32 sampling coordinates (|p| ≤ 60)` },
      impls,
      notes: ['wasm:conv2d is the plain conv on the same shape; its "agreement" row compares the deform output with itself (it is only timed).'],
    } satisfies Workload;
  })();
}

async function mixtureWorkload(): Promise<Workload> {
  const s = dynconvShapes['condconv.k4.b8.c64.28x28'];
  const T = s.k * s.k, P = s.H * s.W, S = s.C_out * s.C_in * T;
  const xData = seeded(s.N * s.C_in * P, 301), eData = seeded(s.K * S, 302, 0.05), ebData = seeded(s.K * s.C_out, 303);
  const rData = seeded(s.N * s.K, 304).map((v) => Math.fround(1 / (1 + Math.exp(-3 * v))));     // sigmoid routing, CondConv-style
  const x = new Tensor(xData, [s.N, s.C_in, s.H, s.W]), experts = new Tensor(eData, [s.K, s.C_out, s.C_in, s.k, s.k]);
  const eb = new Tensor(ebData, [s.K, s.C_out]), r = new Tensor(rData, [s.N, s.K]);
  const options = { padding: s.padding };
  const w0 = new Tensor(eData.slice(0, S), [s.C_out, s.C_in, s.k, s.k]), b0 = new Tensor(ebData.slice(0, s.C_out), [s.C_out]);

  // tfjs: experts stored as HWIO rows [K, k·k·C_in·C_out] so one matMul gives every sample's HWIO filter; then
  // a per-sample tf.fused.conv2d (tfjs has no grouped conv, so the batch-folding trick is not available).
  const hwio = new Float32Array(s.K * S);
  for (let k = 0; k < s.K; k++) for (let o = 0; o < s.C_out; o++) for (let c = 0; c < s.C_in; c++) for (let t = 0; t < T; t++) {
    hwio[k * S + (t * s.C_in + c) * s.C_out + o] = eData[k * S + (o * s.C_in + c) * T + t];
  }
  const xNhwc = new Float32Array(xData.length);
  for (let n = 0; n < s.N; n++) xNhwc.set(nchwToNhwc(xData.subarray(n * s.C_in * P, (n + 1) * s.C_in * P), s.C_in, s.H, s.W), n * s.C_in * P);
  const et = tf.tensor2d(hwio, [s.K, S]), ebt = tf.tensor2d(ebData, [s.K, s.C_out]);
  const tfRun = () => {
    const y = tf.tidy(() => {
      const rt = tf.tensor2d(rData, [s.N, s.K]), xs = tf.tensor4d(xNhwc, [s.N, s.H, s.W, s.C_in]);
      const filters = tf.matMul(rt, et), biases = tf.matMul(rt, ebt);
      const outs = [];
      for (let n = 0; n < s.N; n++) {
        const f = tf.reshape(tf.slice(filters, [n, 0], [1, S]), [s.k, s.k, s.C_in, s.C_out]) as tf.Tensor4D;
        // (the bias is added by broadcasting: tfjs-wasm's FusedConv2D reads a reshaped bias's rank from its source
        //  tensor and rejects it — "only supports rank-1 bias but got rank 2")
        outs.push(tf.add(tf.conv2d(tf.slice(xs, [n, 0, 0, 0], [1, s.H, s.W, s.C_in]) as tf.Tensor4D, f, 1, 'same'), tf.slice(biases, [n, 0], [1, s.C_out])));
      }
      return tf.concat(outs, 0);
    });
    const d = y.dataSync() as Float32Array;
    y.dispose();
    return d;
  };
  const fromNhwcBatch = (y: Float32Array) => {
    const out = new Float32Array(y.length);
    for (let n = 0; n < s.N; n++) out.set(nhwcToNchw(y.subarray(n * s.C_out * P, (n + 1) * s.C_out * P), s.C_out, s.H, s.W), n * s.C_out * P);
    return out;
  };

  // ONNX: MatMul(routing, experts) → the grouped-conv trick: x as [1, N·C_in, H, W], kernels as [N·C_out, C_in, k, k], group = N.
  const g = new OnnxGraph();
  g.input('x', [s.N, s.C_in, s.H, s.W]); g.input('r', [s.N, s.K]);
  const kern = g.op('Reshape', [g.op('MatMul', ['r', g.weight(eData, [s.K, S])]), g.int64([s.N * s.C_out, s.C_in, s.k, s.k])]);
  const bias = g.op('Reshape', [g.op('MatMul', ['r', g.weight(ebData, [s.K, s.C_out])]), g.int64([s.N * s.C_out])]);
  const xf = g.op('Reshape', ['x', g.int64([1, s.N * s.C_in, s.H, s.W])]);
  const yf = g.op('Conv', [xf, kern, bias], { kernel_shape: [s.k, s.k], pads: [1, 1, 1, 1], group: s.N, strides: [1, 1] });
  g.node('Reshape', [yf, g.int64([s.N, s.C_out, s.H, s.W])], {}, ['y']);
  g.output('y', [s.N, s.C_out, s.H, s.W]);
  const model = g.encode(), dims = { x: [s.N, s.C_in, s.H, s.W], r: [s.N, s.K] };
  const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);
  const feeds = { x: xData, r: rData };
  const impls: Impl[] = [
    { impl: 'ref', kind: 'ref', note: 'ts/ref conv2d_mixture (float64)', run: () => refOps.conv2dMixture!(x, experts, eb, r, options).data },
    { impl: 'wasm', kind: 'ours', note: 'wasm.ops.conv2dMixture: routing·experts GEMM → per-sample im2col + gemm', run: () => wasmOps.conv2dMixture!(x, experts, eb, r, options).data },
    { impl: 'wasm:conv2d', kind: 'ours-extra', note: 'plain wasm.ops.conv2d, one shared kernel, same shape (the 1.3x target\'s baseline)', run: () => wasmOps.conv2d(x, w0, b0, options).data, toTruthLayout: () => refOps.conv2dMixture!(x, experts, eb, r, options).data },
    { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'composed: matMul(routing, HWIO experts) → N × (tf.conv2d + bias) (NHWC, per sample) → concat', run: tfRun, toTruthLayout: fromNhwcBatch, dispose: () => { et.dispose(); ebt.dispose(); } },
    { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX MatMul → Reshape → Conv(group = N) on the batch folded into channels', run: () => web.run(feeds), dispose: () => web.release() },
    { impl: 'ort-node', kind: 'native', note: 'the same graph, native', run: () => native.run(feeds), dispose: () => native.release() },
  ];
  return {
    op: 'conv2d_mixture', shape: 'condconv.k4.b8.c64.28x28',
    title: `CondConv/DynamicConv core: K = ${s.K} experts mixed per sample, batch ${s.N}, 3x3, ${s.C_in}→${s.C_out}, ${s.H}x${s.W}, routed bias`,
    flops: 2 * s.N * s.K * S + 2 * s.N * s.C_out * P * s.C_in * T,
    formula: `2·N·K·S + 2·N·C_out·H·W·C_in·9 = 2·8·4·${S} + 2·8·64·784·64·9`,
    tolerance: { rel: 2e-5, why: `float32 sums of K_red = ${s.C_in * T} terms after a ${s.K}-term mixture` },
    impls,
    notes: ['wasm:conv2d is the plain conv of the same shape with one shared kernel (only timed; its check row compares ref with itself).'],
  };
}

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  return [await deformWorkload(), await mixtureWorkload()];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
