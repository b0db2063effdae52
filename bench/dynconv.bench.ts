// Dynamic / deformable convolution: deform_conv2d, conv2d_mixture (CondConv / DynamicConv's core), ODConv2d,
// conv2d_modulated (StyleGAN2, demodulated), dynamic depthwise (homogeneous, conv2d_per_sample) and involution2d
// (inhomogeneous) on real layer shapes; ref, wasm, and the fastest compositions of the peers. Run alone:
//   node --import tsx bench/dynconv.bench.ts
// PyTorch CPU context for the same shapes: /usr/bin/python3 bench/dynconv_torch.py
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { ODConv2d, type ODConvAttentions } from '../ts/nn/odconv.js';
import { type Impl, type Workload, nhwcToNchw, nchwToNhwc, runStandalone, seeded } from './harness.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

const { onnx } = onnxProto;

/** Named shapes (batch, channels, map, kernel), after the layers they stand for. */
export const dynconvShapes = {
  /** DCNv2 in a ResNet-50 layer1 bottleneck: 3x3, 64 → 64 at 56x56, padding 1, one offset group, with mask */
  'dcnv2.resnet50.layer1.conv2': { N: 1, C_in: 64, C_out: 64, H: 56, W: 56, k: 3, padding: 1 },
  /** CondConv / DynamicConv with K = 4 experts, batch 8, 3x3, 64 → 64 at 28x28 */
  'condconv.k4.b8.c64.28x28': { N: 8, K: 4, C_in: 64, C_out: 64, H: 28, W: 28, k: 3, padding: 1 },
  /** ODConv2d with K = 4 kernels (ODConv-ResNet stage 2 width), batch 8, 3x3, 64 → 64 at 28x28 */
  'odconv.k4.b8.c64.28x28': { N: 8, K: 4, C_in: 64, C_out: 64, H: 28, W: 28, k: 3, padding: 1 },
  /** StyleGAN2 synthesis 3x3 conv at 16x16 with demodulation, batch 4; 256 channels (config-f has 512 there: see the note) */
  'stylegan2.b16.c256.demod.b4': { N: 4, C_in: 256, C_out: 256, H: 16, W: 16, k: 3, padding: 1 },
  /** DWNet (DemystifyLocalViT) dynamic depthwise conv: C 128, 7x7 window, 28x28, batch 8 */
  'dwnet.dyndw.c128.28x28.k7.b8': { N: 8, C: 128, H: 28, W: 28, k: 7, padding: 3 },
  /** RedNet-50 stage-2 involution: C 128, 16 channels per group (G = 8), 7x7, 28x28, batch 8 */
  'rednet.involution.c128.g8.28x28.k7.b8': { N: 8, C: 128, G: 8, H: 28, W: 28, k: 7 },
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

// ---------------------------------------------------------------------------------------------------------------
// ODConv2d, modulated conv (StyleGAN2), dynamic depthwise (homogeneous) and involution (inhomogeneous)

/** NCHW batch → NHWC batch (outside the timed calls). */
function batchToNhwc(x: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(x.length), per = C * H * W;
  for (let n = 0; n < N; n++) out.set(nchwToNhwc(x.subarray(n * per, (n + 1) * per), C, H, W), n * per);
  return out;
}
function batchToNchw(y: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(y.length), per = C * H * W;
  for (let n = 0; n < N; n++) out.set(nhwcToNchw(y.subarray(n * per, (n + 1) * per), C, H, W), n * per);
  return out;
}
/** OIHW [C_out, C_in, k, k] → HWIO [k, k, C_in, C_out]. */
function oihwToHwio(w: Float32Array, C_out: number, C_in: number, T: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < C_out; o++) for (let c = 0; c < C_in; c++) for (let t = 0; t < T; t++) out[(t * C_in + c) * C_out + o] = w[(o * C_in + c) * T + t];
  return out;
}
const sigmoidData = (n: number, seed: number, spread = 3) => seeded(n, seed).map((v) => Math.fround(1 / (1 + Math.exp(-spread * v))));

function odconvWorkload(): Workload {
  const s = dynconvShapes['odconv.k4.b8.c64.28x28'];
  const T = s.k * s.k, P = s.H * s.W, S = s.C_out * s.C_in * T;
  const od = new ODConv2d(s.C_in, s.C_out, s.k, { padding: s.padding, kernel_num: s.K });
  const wData = seeded(s.K * S, 401, 0.05);
  od.stateDict().get('weight')!.data.set(wData);
  const xData = seeded(s.N * s.C_in * P, 402);
  const aC = sigmoidData(s.N * s.C_in, 403), aF = sigmoidData(s.N * s.C_out, 404), aS = sigmoidData(s.N * T, 405);
  const aW = new Float32Array(s.N * s.K), logits = seeded(s.N * s.K, 406, 4);
  for (let n = 0; n < s.N; n++) {
    let z = 0;
    for (let k = 0; k < s.K; k++) z += Math.exp(logits[n * s.K + k]);
    for (let k = 0; k < s.K; k++) aW[n * s.K + k] = Math.fround(Math.exp(logits[n * s.K + k]) / z);
  }
  const x = new Tensor(xData, [s.N, s.C_in, s.H, s.W]);
  const att: ODConvAttentions = {
    channel: new Tensor(aC, [s.N, s.C_in]), filter: new Tensor(aF, [s.N, s.C_out]),
    spatial: new Tensor(aS, [s.N, T]), kernel: new Tensor(aW, [s.N, s.K]),
  };
  const w0 = new Tensor(wData.slice(0, S), [s.C_out, s.C_in, s.k, s.k]);
  let truthOut: Float32Array | null = null;     // ref output, computed once for the baseline's check row
  const truth = () => od.forwardWithAttentions(x, att, { backend: 'ref' }).data;
  const cachedTruth = () => (truthOut ??= truth());

  // tfjs (NHWC): W̃ = matMul(α_w, experts as HWIO rows [K, k·k·C_in·C_out]) · α_s (per tap, broadcast) → x·α_c
  // (broadcast over the batch) → N × tf.conv2d (no grouped conv in tfjs) → concat → ·α_f (broadcast).
  const hwio = new Float32Array(s.K * S);
  for (let k = 0; k < s.K; k++) hwio.set(oihwToHwio(wData.subarray(k * S, (k + 1) * S), s.C_out, s.C_in, T), k * S);
  const xNhwc = batchToNhwc(xData, s.N, s.C_in, s.H, s.W);
  const et = tf.tensor2d(hwio, [s.K, S]);
  const tfRun = () => {
    const y = tf.tidy(() => {
      const xs = tf.tensor4d(xNhwc, [s.N, s.H, s.W, s.C_in]);
      const ac = tf.tensor4d(aC, [s.N, 1, 1, s.C_in]), af = tf.tensor4d(aF, [s.N, 1, 1, s.C_out]);
      const as = tf.tensor3d(aS, [s.N, T, 1]), aw = tf.tensor2d(aW, [s.N, s.K]);
      const kern = tf.mul(tf.reshape(tf.matMul(aw, et), [s.N, T, s.C_in * s.C_out]), as);   // [N, T, C_in·C_out]
      const xm = tf.mul(xs, ac);
      const outs = [];
      for (let n = 0; n < s.N; n++) {
        const f = tf.reshape(tf.slice(kern, [n, 0, 0], [1, T, s.C_in * s.C_out]), [s.k, s.k, s.C_in, s.C_out]) as tf.Tensor4D;
        outs.push(tf.conv2d(tf.slice(xm as tf.Tensor4D, [n, 0, 0, 0], [1, s.H, s.W, s.C_in]), f, 1, 'same'));
      }
      return tf.mul(tf.concat(outs, 0), af);
    });
    const d = y.dataSync() as Float32Array;
    y.dispose();
    return d;
  };
  const impls: Impl[] = [
    { impl: 'ref', kind: 'ref', note: "nn.ODConv2d.forwardWithAttentions on 'ref': float32 aggregation (official order) + ref conv2dModulated (float64)", run: () => (truthOut = truth()) },
    { impl: 'wasm', kind: 'ours', note: "nn.ODConv2d.forwardWithAttentions on 'wasm': float32 aggregation (JS) + wasm conv2dModulated(γ_in = α_c, γ_out = α_f, per-sample W̃)", run: () => od.forwardWithAttentions(x, att, { backend: 'wasm' }).data },
    { impl: 'wasm:conv2d', kind: 'ours-extra', note: 'plain wasm.ops.conv2d, one shared kernel, same shape (floor)', run: () => wasmOps.conv2d(x, w0, null, { padding: s.padding }).data, toTruthLayout: cachedTruth },
    {
      impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'composed: matMul(α_w, HWIO experts)·α_s → x·α_c → N × tf.conv2d (NHWC, per sample) → concat → ·α_f',
      run: tfRun, toTruthLayout: (y) => batchToNchw(y, s.N, s.C_out, s.H, s.W), dispose: () => { et.dispose(); },
    },
  ];
  return {
    op: 'odconv2d', shape: 'odconv.k4.b8.c64.28x28',
    title: `ODConv2d given its 4 attentions: K = ${s.K} kernels, batch ${s.N}, 3x3, ${s.C_in}→${s.C_out}, ${s.H}x${s.W}, α_s/α_c/α_f/α_w (attention branch not timed)`,
    flops: 2 * s.N * s.K * S + 2 * s.N * s.C_out * P * s.C_in * T,
    formula: `2·N·K·S + 2·N·C_out·H·W·C_in·9 = 2·${s.N}·${s.K}·${S} + 2·${s.N}·${s.C_out}·${P}·${s.C_in}·9 (α scalings not counted)`,
    tolerance: { rel: 2e-5, why: `float32 sums of ${s.C_in * T} terms after a ${s.K}-term aggregation and three scalings` },
    impls,
    notes: ['wasm:conv2d is the plain conv of the same shape with one shared kernel (only timed; its check row compares ref with itself).'],
  };
}

function modulatedWorkload(): Workload {
  const s = dynconvShapes['stylegan2.b16.c256.demod.b4'];
  const T = s.k * s.k, P = s.H * s.W, S = s.C_out * s.C_in * T, eps = 1e-8;
  const xData = seeded(s.N * s.C_in * P, 501), wData = seeded(S, 502), bData = seeded(s.C_out, 503);
  const styles = seeded(s.N * s.C_in, 504).map((v) => Math.fround(1 + v));           // StyleGAN2 styles ≈ 1 ± 0.5
  const x = new Tensor(xData, [s.N, s.C_in, s.H, s.W]), w = new Tensor(wData, [s.C_out, s.C_in, s.k, s.k]), b = new Tensor(bData, [s.C_out]);
  const mod = { gamma_in: new Tensor(styles, [s.N, s.C_in]), demodulate: true, eps };
  const options = { padding: s.padding };
  let truthOut: Float32Array | null = null;     // ref output, computed once for the baseline's check row
  const truth = () => refOps.conv2dModulated!(x, w, b, mod, options).data;
  const cachedTruth = () => (truthOut ??= truth());

  // tfjs (NHWC), StyleGAN2's non-fused path (exact by linearity): d = rsqrt(matMul(s², Σ_pq W² as [C_in, C_out]) + eps),
  // y = tf.fused.conv2d(x·s, W (shared, HWIO), batched over N) · d + bias. The per-sample-kernel (fused) form would
  // need N separate tf.conv2d calls; the batched one is the fastest a user can build.
  const wSq = new Float32Array(s.C_in * s.C_out);
  for (let o = 0; o < s.C_out; o++) for (let c = 0; c < s.C_in; c++) {
    let acc = 0;
    for (let t = 0; t < T; t++) acc += wData[(o * s.C_in + c) * T + t] ** 2;
    wSq[c * s.C_out + o] = acc;
  }
  const xNhwc = batchToNhwc(xData, s.N, s.C_in, s.H, s.W);
  const wt = tf.tensor4d(oihwToHwio(wData, s.C_out, s.C_in, T), [s.k, s.k, s.C_in, s.C_out]), wsq = tf.tensor2d(wSq, [s.C_in, s.C_out]), bt = tf.tensor1d(bData);
  const tfRun = () => {
    const y = tf.tidy(() => {
      const xs = tf.tensor4d(xNhwc, [s.N, s.H, s.W, s.C_in]), st = tf.tensor2d(styles, [s.N, s.C_in]);
      const d = tf.rsqrt(tf.add(tf.matMul(tf.square(st), wsq), eps));                        // [N, C_out]
      const conv = tf.conv2d(tf.mul(xs, tf.reshape(st, [s.N, 1, 1, s.C_in])) as tf.Tensor4D, wt, 1, 'same');
      return tf.add(tf.mul(conv, tf.reshape(d, [s.N, 1, 1, s.C_out])), bt);
    });
    const d = y.dataSync() as Float32Array;
    y.dispose();
    return d;
  };
  const impls: Impl[] = [
    { impl: 'ref', kind: 'ref', note: 'ts/ref conv2d_modulated (per-sample modulated + demodulated kernel, float64)', run: () => (truthOut = truth()) },
    { impl: 'wasm', kind: 'ours', note: 'wasm.ops.conv2dModulated: factorised, channel_affine(x·s) → per-sample im2col + gemm → channel_affine(·d) + bias', run: () => wasmOps.conv2dModulated!(x, w, b, mod, options).data },
    { impl: 'wasm:conv2d', kind: 'ours-extra', note: 'plain wasm.ops.conv2d, same shape, no modulation (floor)', run: () => wasmOps.conv2d(x, w, b, options).data, toTruthLayout: cachedTruth },
    {
      impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'composed (non-fused StyleGAN2): rsqrt(matMul(s², ΣW²) + eps) → x·s → one batched tf.conv2d (shared HWIO) → ·d + bias',
      run: tfRun, toTruthLayout: (y) => batchToNchw(y, s.N, s.C_out, s.H, s.W), dispose: () => { wt.dispose(); wsq.dispose(); bt.dispose(); },
    },
  ];
  return {
    op: 'conv2d_modulated', shape: 'stylegan2.b16.c256.demod.b4',
    title: `StyleGAN2 modulated 3x3 conv with demodulation, batch ${s.N}, ${s.C_in}→${s.C_out}, ${s.H}x${s.W}, padding 1, bias`,
    flops: 4 * s.N * S + 2 * s.N * s.C_out * P * s.C_in * T,
    formula: `4·N·S + 2·N·C_out·H·W·C_in·9 = 4·${s.N}·${S} + 2·${s.N}·${s.C_out}·${P}·${s.C_in}·9 (registry formula)`,
    tolerance: { rel: 3e-5, why: `float32 sums of ${s.C_in * T} terms; demodulation and input scaling in float32` },
    impls,
    notes: [
      `shape: StyleGAN2 synthesis conv at 16x16 has 512 channels; ${s.C_in} here keeps ref (float64 JS, ~${((2 * s.N * s.C_out * P * s.C_in * T) / 1e9).toFixed(1)} GFLOP per call) within the bench budget.`,
      'wasm:conv2d is the plain conv of the same shape (only timed; its check row compares ref with itself).',
    ],
  };
}

function dynamicDwWorkload(): Workload {
  const s = dynconvShapes['dwnet.dyndw.c128.28x28.k7.b8'];
  const T = s.k * s.k, P = s.H * s.W, NC = s.N * s.C;
  const xData = seeded(s.N * s.C * P, 601), kData = seeded(NC * T, 602, 0.3), bData = seeded(s.C, 603);
  const x = new Tensor(xData, [s.N, s.C, s.H, s.W]), kern = new Tensor(kData, [s.N, s.C, 1, s.k, s.k]);
  const bTiled = new Tensor(Float32Array.from({ length: NC }, (_, i) => bData[i % s.C]), [s.N, s.C]);
  const options = { padding: s.padding, groups: s.C };
  const w0 = new Tensor(kData.slice(0, s.C * T), [s.C, 1, s.k, s.k]), b0 = new Tensor(bData, [s.C]);
  let truthOut: Float32Array | null = null;     // ref output, computed once for the baseline's check row
  const truth = () => refOps.conv2dPerSample!(x, kern, bTiled, options).data;
  const cachedTruth = () => (truthOut ??= truth());

  // tfjs (NHWC). The generated kernels arrive as the generator's output [N, C·k·k] (channel c·k·k + t).
  // fold: x [N, H, W, C] → transpose → [1, H, W, N·C]; kernels → transpose → [k, k, N·C, 1]; ONE tf.depthwiseConv2d
  //       (the grouped-conv trick, depthwise form) + tiled bias → reshape/transpose back.
  // loop: N × tf.depthwiseConv2d(x[n], kernels[n] as [k, k, C, 1]) + bias → concat.
  const xNhwc = batchToNhwc(xData, s.N, s.C, s.H, s.W);
  const bt = tf.tensor1d(bTiled.data), b1 = tf.tensor1d(bData);
  const tfFold = () => {
    const y = tf.tidy(() => {
      const xs = tf.tensor4d(xNhwc, [s.N, s.H, s.W, s.C]), kg = tf.tensor2d(kData, [NC, T]);
      const xf = tf.reshape(tf.transpose(xs, [1, 2, 0, 3]), [1, s.H, s.W, NC]) as tf.Tensor4D;
      const f = tf.reshape(tf.transpose(kg), [s.k, s.k, NC, 1]) as tf.Tensor4D;
      const yf = tf.add(tf.depthwiseConv2d(xf, f, 1, 'same'), bt);
      return tf.transpose(tf.reshape(yf, [s.H, s.W, s.N, s.C]), [2, 0, 1, 3]) as tf.Tensor4D;
    });
    const d = y.dataSync() as Float32Array;
    y.dispose();
    return d;
  };
  const tfLoop = () => {
    const y = tf.tidy(() => {
      const xs = tf.tensor4d(xNhwc, [s.N, s.H, s.W, s.C]), kg = tf.tensor3d(kData, [s.N, s.C, T]);
      const outs = [];
      for (let n = 0; n < s.N; n++) {
        const f = tf.reshape(tf.transpose(tf.reshape(tf.slice(kg, [n, 0, 0], [1, s.C, T]), [s.C, T])), [s.k, s.k, s.C, 1]) as tf.Tensor4D;
        outs.push(tf.add(tf.depthwiseConv2d(tf.slice(xs, [n, 0, 0, 0], [1, s.H, s.W, s.C]) as tf.Tensor4D, f, 1, 'same'), b1));
      }
      return tf.concat(outs, 0);
    });
    const d = y.dataSync() as Float32Array;
    y.dispose();
    return d;
  };
  const fromNhwc = (y: Float32Array) => batchToNchw(y, s.N, s.C, s.H, s.W);
  const impls: Impl[] = [
    { impl: 'ref', kind: 'ref', note: 'ts/ref conv2d_per_sample, groups = C (float64)', run: () => (truthOut = truth()) },
    { impl: 'wasm', kind: 'ours', note: 'wasm.ops.conv2dPerSample, groups = C (nn.DynamicDWConv\'s conv): per image and channel im2col + gemm', run: () => wasmOps.conv2dPerSample!(x, kern, bTiled, options).data },
    { impl: 'wasm:conv2d', kind: 'ours-extra', note: 'static depthwise wasm.ops.conv2d (groups = C, one kernel for the batch), same shape', run: () => wasmOps.conv2d(x, w0, b0, options).data, toTruthLayout: cachedTruth },
    { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'composed: batch folded into channels (transpose) → one tf.depthwiseConv2d [k,k,N·C,1] + bias → transpose back', run: tfFold, toTruthLayout: fromNhwc },
    { impl: 'tfjs-wasm:loop', kind: 'wasm-peer', note: 'composed: N × (transpose kernel → tf.depthwiseConv2d + bias) → concat', run: tfLoop, toTruthLayout: fromNhwc, dispose: () => { bt.dispose(); b1.dispose(); } },
  ];
  return {
    op: 'conv2d_per_sample', shape: 'dwnet.dyndw.c128.28x28.k7.b8',
    title: `homogeneous dynamic depthwise conv (DynamicDWConv's conv, kernels given): batch ${s.N}, C ${s.C}, ${s.H}x${s.W}, ${s.k}x${s.k}, padding ${s.padding}, bias`,
    flops: 2 * s.N * s.C * P * T,
    formula: `2·N·C·H·W·k·k = 2·${s.N}·${s.C}·${P}·${T} (kernel generator not counted)`,
    tolerance: { rel: 2e-5, why: `float32 sums of ${T} terms` },
    impls,
    notes: ['wasm:conv2d is the static depthwise conv of the same shape (only timed; its check row compares ref with itself).'],
  };
}

function involutionWorkload(): Workload {
  const s = dynconvShapes['rednet.involution.c128.g8.28x28.k7.b8'];
  const T = s.k * s.k, P = s.H * s.W, pad = (s.k - 1) / 2, cpg = s.C / s.G;
  const xData = seeded(s.N * s.C * P, 701), kData = seeded(s.N * s.G * T * P, 702, 0.3);
  const x = new Tensor(xData, [s.N, s.C, s.H, s.W]), kern = new Tensor(kData, [s.N, s.G, T, s.H, s.W]);
  const options = { kernel_size: s.k, padding: pad };
  const truth = () => refOps.involution2d!(x, kern, options).data;

  // tfjs (NHWC): no unfold / extract-patches op. Fastest composition found: unfold by ONE tf.depthwiseConv2d with
  // one-hot filters [k, k, C, k·k] (channel multiplier k·k: output channel c·k·k + t is x[c] shifted by tap t, zero
  // padded by 'same'), viewed [N·H·W, G, C/G, k·k] × the kernels (the generator's NHWC output [N·H·W, G·k·k]) viewed
  // [N·H·W, G, 1, k·k] (broadcast over the group's channels) → tf.sum over the taps. The one-hot filter is built once.
  // Shift-and-sum with k·k tf.slice's of the padded input was ~1 s per call (tfjs-wasm's slice copies at ~1 GB/s,
  // and rank-5 slices/broadcasts ~30 s): not timed.
  const xNhwc = batchToNhwc(xData, s.N, s.C, s.H, s.W);
  const kNhwc = batchToNhwc(kData, s.N, s.G * T, s.H, s.W);
  const NP = s.N * P;
  const oneHot = new Float32Array(T * s.C * T);                          // [k, k, C, T]: filter (p, q, c, t) = [t = p·k + q]
  for (let t = 0; t < T; t++) for (let c = 0; c < s.C; c++) oneHot[(t * s.C + c) * T + t] = 1;
  const oh = tf.tensor4d(oneHot, [s.k, s.k, s.C, T]);
  const tfRun = () => {
    const y = tf.tidy(() => {
      const xs = tf.tensor4d(xNhwc, [s.N, s.H, s.W, s.C]), kg = tf.tensor4d(kNhwc, [NP, s.G, 1, T]);
      const cols = tf.reshape(tf.depthwiseConv2d(xs, oh, 1, 'same'), [NP, s.G, cpg, T]);
      return tf.reshape(tf.sum(tf.mul(cols, kg), 3), [s.N, s.H, s.W, s.C]);
    });
    const d = y.dataSync() as Float32Array;
    y.dispose();
    return d;
  };
  const impls: Impl[] = [
    { impl: 'ref', kind: 'ref', note: 'ts/ref involution2d (float64)', run: truth },
    { impl: 'wasm', kind: 'ours', note: 'wasm.ops.involution2d: per image and channel im2col of one plane + weighted_tap_sum (f32x4 over positions)', run: () => wasmOps.involution2d!(x, kern, options).data },
    { impl: 'tfjs-wasm', kind: 'wasm-peer', note: `composed: unfold = tf.depthwiseConv2d with one-hot [${s.k},${s.k},C,${T}] filters → × kernels [N·H·W, G, 1, ${T}] (broadcast) → tf.sum over taps`, run: tfRun, toTruthLayout: (y) => batchToNchw(y, s.N, s.C, s.H, s.W), dispose: () => { oh.dispose(); } },
  ];
  return {
    op: 'involution2d', shape: 'rednet.involution.c128.g8.28x28.k7.b8',
    title: `involution / inhomogeneous dynamic depthwise conv (kernels given): batch ${s.N}, C ${s.C}, G ${s.G} (C/G = ${cpg}), ${s.H}x${s.W}, ${s.k}x${s.k}, padding ${pad}`,
    flops: 2 * s.N * s.C * P * T,
    formula: `2·N·C·H·W·k·k = 2·${s.N}·${s.C}·${P}·${T} (kernel generator not counted)`,
    tolerance: { rel: 2e-5, why: `float32 sums of ${T} terms` },
    impls,
  };
}

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  return [await deformWorkload(), await mixtureWorkload(), odconvWorkload(), modulatedWorkload(), dynamicDwWorkload(), involutionWorkload()];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
