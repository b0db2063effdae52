// io.exportOnnx: every exportable module, with random weights, exported from one input and run in onnxruntime-node
// on another input, against our own forward on the reference backend (a subset also in onnxruntime-web); the
// PyTorch-exported ACmix fixture and trained MNIST net as reference points for op choice and values; the modules
// that cannot export refuse with a NotImplementedError naming the op.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, NotImplementedError, ParameterError } from '../ts/core/errors.js';
import { chainBound, type Bound } from '../ts/core/numerics.js';
import '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import * as nn from '../ts/nn/index.js';
import { exportOnnx, readSafetensors } from '../ts/io/index.js';
import { decodeModel } from '../ts/io/onnx_proto.js';
import { seededTensor } from './support/arbitraries.js';

type Ort = typeof ortNode;
const fixture = (file: string) => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));

/** Every parameter drawn at random (seeded) so no initial value (ones, zeros, one-hot shift kernels) hides a wrong
 *  mapping; running_var kept positive; buffers derived from the hyper-parameters (Swin's index and mask) kept. */
function randomise<M extends nn.Module<unknown>>(m: M, seed = 11): M {
  const derived = new Set(m.derivedBufferKeys());
  let s = seed;
  for (const [key, t] of m.stateDict()) {
    if (derived.has(key)) continue;
    const r = seededTensor(t.shape, s++, -1, 1);
    t.data.set(key.endsWith('running_var') ? r.data.map((v) => 0.5 + Math.abs(v)) : r.data);
  }
  return m;
}

/** Runs a model on onnxruntime (node: CPU EP, web: WASM EP, one thread) and returns every output. */
async function runOrt(ort: Ort, model: Uint8Array, inputs: Tensor[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(model, { executionProviders: [ort === ortNode ? 'cpu' : 'wasm'], intraOpNumThreads: 1 } as never);
  try {
    const feeds: Record<string, ortNode.Tensor> = {};
    session.inputNames.forEach((name, i) => { feeds[name] = new ort.Tensor('float32', inputs[i].data, [...inputs[i].shape]); });
    const out = await session.run(feeds);
    return session.outputNames.map((n) => out[n].data as Float32Array);
  } finally {
    await session.release();
  }
}

function assertWithin(got: Float32Array, want: Tensor, bound: Bound, label: string): void {
  assert.is(got.length, want.size, `${label}: output size`);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want.data[i]);
    if (!(err <= bound.bound(i))) {
      assert.unreachable(`${label}: element ${i}: onnxruntime ${got[i]}, ours ${want.data[i]}, |diff| ${err} > bound ${bound.bound(i)} (${bound.describe})`);
    }
  }
}

interface Case {
  name: string;
  make: () => nn.Module<unknown>;
  /** the input shape, or the shapes of forward's leading tensor arguments */
  input: number[] | number[][];
  forward_options?: Record<string, unknown>;
  /**
   * K of the chain bound 4·K·u·(|y| + mean|y|): the summed float32 reduction lengths along the longest path of the
   * module (each conv / linear / norm / softmax / attention sum counted once), as ts/core/numerics.ts defines it.
   * Both sides are float32 computations of the same graph in different orders (ours rounds each op once from
   * float64, onnxruntime accumulates in float32), so their difference is within the sum of the two chains' errors.
   */
  K: number;
  web?: boolean;
}

const cases: Case[] = [
  { name: 'Conv2d', make: () => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1 }), input: [2, 4, 9, 9], K: 4 * 9 + 1, web: true },
  { name: 'Conv2d groups dilation same', make: () => new nn.Conv2d(4, 8, 3, { padding: 'same', dilation: 2, groups: 2 }), input: [1, 4, 7, 8], K: 2 * 9 + 1 },
  { name: 'Linear (rank 2, Gemm)', make: () => new nn.Linear(12, 5), input: [3, 12], K: 13 },
  { name: 'Linear (rank 3, MatMul)', make: () => new nn.Linear(12, 5, { bias: false }), input: [2, 3, 12], K: 12 },
  { name: 'BatchNorm2d', make: () => new nn.BatchNorm2d(5), input: [2, 5, 4, 3], K: 4 },
  { name: 'LayerNorm', make: () => new nn.LayerNorm([3, 8]), input: [2, 3, 8], K: 2 * 24 + 2, web: true },
  { name: 'GELU (erf)', make: () => new nn.GELU(), input: [2, 3, 17], K: 8 },
  { name: 'GELU (tanh)', make: () => new nn.GELU({ approximate: 'tanh' }), input: [2, 3, 17], K: 8 },
  {
    name: 'activations (Sequential: ReLU, SiLU, Hardswish, Hardsigmoid, Tanh, LeakyReLU, Sigmoid)',
    make: () => new nn.Sequential(new nn.ReLU(), new nn.SiLU(), new nn.Hardswish(), new nn.Hardsigmoid(), new nn.Tanh(), new nn.LeakyReLU({ negative_slope: 0.2 }), new nn.Sigmoid()),
    input: [2, 3, 5, 5], K: 16,
  },
  { name: 'MaxPool2d (ceil_mode, dilation)', make: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, dilation: 2, ceil_mode: true }), input: [1, 3, 10, 9], K: 1 },
  { name: 'AvgPool2d (ceil_mode, count_include_pad false)', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceil_mode: true, count_include_pad: false }), input: [1, 3, 8, 9], K: 11 },
  { name: 'AvgPool2d (divisor_override)', make: () => new nn.AvgPool2d([2, 3], { divisor_override: 5 }), input: [1, 2, 6, 9], K: 8 },
  { name: 'AdaptiveAvgPool2d (uneven windows)', make: () => new nn.AdaptiveAvgPool2d([3, 5]), input: [2, 3, 8, 7], K: 8 },
  { name: 'AdaptiveAvgPool2d (1x1: global)', make: () => new nn.AdaptiveAvgPool2d(1), input: [2, 3, 8, 7], K: 56 },
  { name: 'AdaptiveMaxPool2d', make: () => new nn.AdaptiveMaxPool2d([2, 3]), input: [1, 3, 7, 8], K: 1 },
  { name: 'Flatten + Linear', make: () => new nn.Sequential(new nn.Flatten(), new nn.Linear(48, 4)), input: [2, 3, 4, 4], K: 49 },
  { name: 'Upsample (bilinear, align_corners)', make: () => new nn.Upsample({ scale_factor: 2, mode: 'bilinear', align_corners: true }), input: [1, 2, 4, 5], K: 4 },
  // onnxruntime derives the source coordinate from the float32 scale out/in, PyTorch from in/out: the coordinates
  // differ by a few ulps of the input size (5), so the values by that times the local slope (≤ |y| + mean|y| here):
  // K = 4 (the 2x2 weighted sum) + 8·5.
  { name: 'Upsample (bilinear)', make: () => new nn.Upsample({ size: [7, 11], mode: 'bilinear' }), input: [1, 2, 4, 5], K: 4 + 8 * 5 },
  { name: 'Upsample (nearest)', make: () => new nn.Upsample({ scale_factor: 2, mode: 'nearest' }), input: [1, 2, 4, 5], K: 1 },
  { name: 'ACmix', make: () => new nn.ACmix(8, 8, { kernel_att: 5, head: 2 }), input: [2, 8, 6, 7], K: 8 + 4 * 25 + 2 * 25 + 1, web: true },
  { name: 'ACmix stride 2 (default kernel_att 7, head 4)', make: () => new nn.ACmix(8, 16, { stride: 2 }), input: [1, 8, 8, 8], K: 8 + 4 * 49 + 2 * 49 + 1 },
  {
    name: 'Bottleneck (ACmix ResNet, with downsample)',
    make: () => new nn.Bottleneck(8, 4, 7, 2, 3, { stride: 2, downsample: nn.Bottleneck.downsampleFor(8, 4, 2) }),
    input: [1, 8, 8, 8], K: 8 + 1 + (4 + 2 * 49 + 2 * 49 + 1) + 1 + 4 + 1 + 1,
  },
  { name: 'WindowAttention', make: () => new nn.WindowAttention(16, 4, 2), input: [3, 16, 16], K: 16 + 8 + 2 * 16 + 16 + 4, web: true },
  {
    name: 'SwinTransformerBlock (shifted windows)',
    make: () => new nn.SwinTransformerBlock(16, [8, 8], 2, { window_size: 4, shift_size: 2 }),
    input: [2, 64, 16], K: 2 * 16 + 16 + 8 + 2 * 16 + 16 + 2 * 16 + 16 + 64 + 8, web: true,
  },
  { name: 'SwinMlp', make: () => new nn.SwinMlp(8, 32), input: [2, 5, 8], K: 8 + 32 + 2 + 8 },
  { name: 'DynamicDWConv (per-sample depthwise kernels)', make: () => new nn.DynamicDWConv(8, 3), input: [2, 8, 6, 6], K: 36 + 8 + 2 + 9 + 1 },
  { name: 'IDynamicDWConv (involution)', make: () => new nn.IDynamicDWConv(8, 3, 4), input: [2, 8, 6, 6], K: 8 + 4 + 2 + 9 + 1 },
  // DynamicConv2d divides its attention logits by the temperature in JavaScript: recorded as Div by that number
  { name: 'DynamicConv2d (temperature softmax routing)', make: () => new nn.DynamicConv2d(4, 8, 3, { padding: 1 }), input: [2, 4, 6, 6], K: 36 + 4 + 2 + 4 + 36 + 2 },
  { name: 'C2f (YOLOv8, batch norms folded)', make: () => new nn.C2f(8, 8, { n: 1, shortcut: true }), input: [1, 8, 8, 8], K: 8 + 4 * 9 + 4 * 9 + 16 + 4 * 2 },
  { name: 'CBAM (channel and spatial gates: mul, mean, amax)', make: () => new nn.CBAM(16), input: [2, 16, 6, 6], K: 36 + 16 + 2 + 2 + 98 + 2 },
  { name: 'CondConv2d (routing as a second input)', make: () => new nn.CondConv2d(4, 8, { kernel_size: 3, padding: 1, num_experts: 3 }), input: [[2, 4, 6, 6], [2, 3]], K: 3 + 36 + 2 },
  // ODConv2d aggregates its K kernels with the attentions in JavaScript: recorded as Mul (broadcast) + ReduceSum over
  // k (recognised bit for bit), then conv2dModulated as the per-sample grouped-conv trick. Longest chain: GAP (H·W)
  // + fc (C_in) + bn + a softmax / sigmoid logit (A = 16 hidden) + softmax (K) + the aggregation (K) + the conv
  // (C_in/groups·k_h·k_w) + the two modulation products.
  { name: 'ODConv2d (kernel, spatial, channel, filter attentions)', make: () => new nn.ODConv2d(4, 6, 3, { padding: 1 }), input: [2, 4, 6, 6], K: 36 + 4 + 1 + 16 + 4 + 4 + 36 + 2 },
  { name: 'ODConv2d (depthwise, one kernel, stride 2)', make: () => new nn.ODConv2d(8, 8, 3, { padding: 1, stride: 2, groups: 8, kernel_num: 1 }), input: [2, 8, 7, 7], K: 49 + 8 + 1 + 16 + 1 + 9 + 2 },
  // Squeeze-and-excitation gates: GAP (H·W) + two 1x1 convs (C, squeeze) + the sigmoid and the product
  { name: 'SqueezeExcitation', make: () => new nn.SqueezeExcitation(16, 4), input: [2, 16, 5, 6], K: 30 + 16 + 4 + 2 },
  // CoordAtt: directional pools (max(H, W)) + conv1 (C) + bn + conv_h / conv_w (mip = max(8, C/32)) + gates
  { name: 'CoordAtt', make: () => new nn.CoordAtt(16, 16), input: [2, 16, 6, 7], K: 7 + 16 + 1 + 8 + 4 },
  // SpatialGateC2f: the C2f chain (as above) plus CBAM's spatial gate (channel mean / max, 7x7 conv of 2 maps)
  { name: 'SpatialGateC2f', make: () => new nn.SpatialGateC2f(8, 8), input: [1, 8, 8, 8], K: 8 + 4 * 9 + 4 * 9 + 16 + 4 * 2 + 8 + 98 + 2 },
  // C2fCA: the C2f chain plus a coordinate-attention gate
  { name: 'C2fCA', make: () => new nn.C2fCA(8, 8), input: [1, 8, 8, 8], K: 8 + 4 * 9 + 4 * 9 + 16 + 4 * 2 + 8 + 8 + 8 + 4 },
  // MobileViTv2 separable attention: qkv 1x1 conv (d), softmax over N patches, context sum (N), out 1x1 conv (d)
  { name: 'LinearSelfAttention (MobileViTv2)', make: () => new nn.LinearSelfAttention(8), input: [2, 8, 4, 5], K: 8 + 1 + 2 * 5 + 8 + 3 },
  // ACmix with global self-attention: q·k over H·W positions (head_dim) + softmax + aggregation (H·W) + the conv path
  { name: 'ACmixGlobal', make: () => new nn.ACmixGlobal(8, 8, { head: 2 }), input: [1, 8, 5, 6], K: 8 + 4 + 2 * 30 + 30 + 4 * 9 + 1 },
  // axial attention: per axis q/k/v projection (dim), q·k (dim_heads) + softmax and aggregation (axis length), out (dim)
  { name: 'AxialAttention (channels last, dim_index −1)', make: () => new nn.AxialAttention(8, { heads: 2 }), input: [2, 4, 5, 8], K: 2 * (8 + 4 + 2 * 5 + 8 + 2) },
  { name: 'AxialAttention (NCHW, dim_index 1, summed)', make: () => new nn.AxialAttention(8, { heads: 2, dim_index: 1, sum_axial_out: true }), input: [2, 8, 4, 5], K: 8 + 4 + 2 * 5 + 8 + 2 },
  // CvT's convolutional projection: depthwise 3x3 conv + bn per projection, linear q/k/v (dim), q·k (head dim), softmax
  // and aggregation over the h·w tokens, out projection
  { name: 'ConvProjectionAttention (CvT, NCHW, no cls token)', make: () => new nn.ConvProjectionAttention(8, 8, 2, { with_cls_token: false }), input: [2, 8, 5, 6], K: 9 + 1 + 8 + 4 + 2 * 30 + 8 + 2 },
  // 'dynamic_dw_bn': the depthwise kernel generated per sample (GAP (h·w) + generator (C, 2 layers) as DynamicDWConv)
  {
    name: 'ConvProjectionAttention (dynamic_dw_bn)', make: () => new nn.ConvProjectionAttention(8, 8, 2, { with_cls_token: false, method: 'dynamic_dw_bn' }),
    input: [2, 8, 5, 6], K: 30 + 8 + 2 + 9 + 1 + 1 + 8 + 4 + 2 * 30 + 8 + 2,
  },
  // conv FFN with a dynamic depthwise kernel: fc1 (dim) + DynamicDWConv (GAP h·w, generator hidden, 2 layers, k²) + GELU + fc2 (hidden)
  { name: 'DynamicDWFeedForward (NCHW forward)', make: () => new nn.DynamicDWFeedForward(8, 16), input: [2, 8, 5, 6], K: 9 + 30 + 16 + 4 + 2 + 9 + 1 + 8 + 17 },
  // routed 2x2 stride-2 downsampling: routing (GAP h·w + Linear dim + σ), CondConv mixture (K) + conv (dim·4) + LayerNorm
  { name: 'RoutedDownsample (NCHW forward)', make: () => new nn.RoutedDownsample(8), input: [2, 8, 6, 6], K: 36 + 9 + 2 + 4 + 33 + 2 * 16 + 2 },
  // deform_conv2d as GridSample (bilinear, zeros, align_corners) + MatMul: GridSample maps the pixel coordinate to
  // [−1, 1] and back, so the sampling point moves by a few ulps of the map size (8) and the value by that times the
  // local slope: K = 4 (bilinear) + 8·8, plus the conv's C_in/groups·T + 1 (and conv_offset's, for DCNv2).
  { name: 'DCNv2 (offsets and mask from conv_offset)', make: () => new nn.DCNv2(4, 8, 3, { padding: 1 }), input: [2, 4, 6, 7], K: 37 + 4 + 64 + 37, web: true },
  {
    name: 'DeformConv2d (offset and mask as inputs, stride 2, 2 offset groups)', make: () => new nn.DeformConv2d(4, 6, 3, { padding: 1, stride: 2 }),
    input: [[1, 4, 8, 8], [1, 36, 4, 4], [1, 18, 4, 4]], K: 4 + 64 + 37,
  },
  // From here on the modules move data in plain JavaScript (token ↔ NCHW transposes, head splits, patch gathers):
  // the exporter records those as Transpose / Gather of the value they copy.
  { name: 'PatchEmbed', make: () => new nn.PatchEmbed({ img_size: 16, patch_size: 4, in_chans: 3, embed_dim: 8, patch_norm: true }), input: [1, 3, 16, 16], K: 48 + 1 + 2 * 8 + 2 },
  { name: 'PatchMerging', make: () => new nn.PatchMerging([8, 8], 8), input: [2, 64, 8], K: 2 * 32 + 2 + 32 },
  {
    name: 'MultiheadAttention (cross-attention, batch_first, need_weights false)',
    make: () => new nn.MultiheadAttention(8, 2, { batch_first: true }), input: [[2, 5, 8], [2, 6, 8], [2, 6, 8]],
    forward_options: { need_weights: false }, K: 9 + 4 + 2 * 6 + 9,
  },
  {
    name: 'SwinTransformerBlockACmix (shifted windows)',
    make: () => new nn.SwinTransformerBlockACmix(16, [8, 8], 2, { window_size: 4, shift_size: 2 }),
    input: [1, 64, 16], K: 2 * 16 + 16 + 8 + 2 * 16 + 16 + 8 * 9 + 16 + 2 * 16 + 16 + 64 + 8,
  },
  {
    name: 'SwinTransformer (whole model: patch embed, 2 stages, patch merging, head)',
    make: () => new nn.SwinTransformer({ img_size: 32, patch_size: 4, embed_dim: 16, depths: [2, 2], num_heads: [2, 4], window_size: 4, num_classes: 5 }),
    input: [1, 3, 32, 32], K: 48 + 2 * (2 * 16 + 16 + 8 + 2 * 16 + 16 + 2 * 16 + 16 + 64) + 2 * 64 + 2 * (2 * 32 + 32 + 8 + 2 * 16 + 32 + 2 * 32 + 32 + 128) + 2 * 32 + 16 + 33,
  },
  {
    name: 'SwinTransformerACmix (reduced: 2 stages)',
    make: () => new nn.SwinTransformerACmix({ img_size: 32, patch_size: 4, embed_dim: 16, depths: [2, 2], num_heads: [2, 4], window_size: 4, num_classes: 5 }),
    // as SwinTransformer, plus each block's ACmix-style conv branch (fc over 3·heads, 3x3 depthwise) on the residual path
    input: [1, 3, 32, 32], K: 48 + 2 * (2 * 16 + 16 + 8 + 2 * 16 + 16 + 8 * 9 + 16 + 2 * 16 + 16 + 64) + 2 * 64 + 2 * (2 * 32 + 32 + 8 + 2 * 16 + 32 + 8 * 9 + 32 + 2 * 32 + 32 + 128) + 2 * 32 + 16 + 33,
  },
  {
    // stem (1·9, 16·9) + bns, routing (GAP 196 + Linear 32 + sigmoid), CondConv (mixture 4 + 32·9) + bn, ACmix (32 + 8·9 +
    // 2·9 + 1) + bn + residual, GAP (49) + fc (32)
    name: 'MnistACmixNet', make: () => new nn.MnistACmixNet(), input: [2, 1, 28, 28],
    K: 9 + 1 + 16 * 9 + 1 + 196 + 32 + 2 + 4 + 32 * 9 + 1 + 32 + 8 * 9 + 2 * 9 + 1 + 1 + 1 + 49 + 33,
  },
];

/** The case's inputs from a seed (one tensor per shape). */
function example(c: Case, seed: number): Tensor[] {
  const shapes = Array.isArray(c.input[0]) ? c.input as number[][] : [c.input as number[]];
  return shapes.map((s, i) => seededTensor(s, seed * 31 + i));
}

/** Our forward on the reference backend (the tensor output of an object result). */
function forward(m: nn.Module<unknown>, c: Case, xs: Tensor[]): Tensor {
  const out = (m.forward as (...a: unknown[]) => unknown)(...xs, { ...c.forward_options });
  return out instanceof Tensor ? out : (out as { output: Tensor }).output;
}

const Export = suite('onnx_export/onnxruntime-node');

for (const c of cases) {
  Export(`${c.name} round-trips through onnxruntime-node within the chain bound`, async () => {
    const m = randomise(c.make());
    const model = exportOnnx(m, example(c, 1), { forward_options: c.forward_options });
    const xs = example(c, 2);                                  // other inputs than the export's example
    const want = forward(m, c, xs);
    const [got] = await runOrt(ortNode, model, xs);
    assertWithin(got, want, chainBound(c.K, want.data), c.name);
  });
}

const Web = suite('onnx_export/onnxruntime-web');

Web('a subset runs in onnxruntime-web (WASM EP) within the same bound', async () => {
  const ort = await import('onnxruntime-web') as unknown as Ort;
  (ort as unknown as { env: { wasm: { numThreads: number } } }).env.wasm.numThreads = 1;
  for (const c of cases.filter((k) => k.web)) {
    const m = randomise(c.make());
    const xs = example(c, 3);
    const [got] = await runOrt(ort, exportOnnx(m, example(c, 1), { forward_options: c.forward_options }), xs);
    const want = forward(m, c, xs);
    assertWithin(got, want, chainBound(c.K, want.data), `${c.name} (web)`);
  }
});

const Graph = suite('onnx_export/graph');

Graph('a model is opset 17 ONNX of standard ops, parameters as initializers under their state_dict keys', () => {
  const m = randomise(new nn.Bottleneck(8, 2, 3, 2, 3));
  const model = decodeModel(exportOnnx(m, seededTensor([1, 8, 4, 4], 1)));
  assert.equal(model.opsetImport, [{ domain: '', version: 17 }]);
  assert.is(model.irVersion, 8);
  assert.equal(model.graph.input.map((v: { name: string }) => v.name), ['input']);
  assert.equal(model.graph.output.map((v: { name: string }) => v.name), ['output']);
  assert.ok(model.graph.node.every((n: { domain?: string }) => !n.domain), 'every node in the default ONNX domain');
  const inits = new Set(model.graph.initializer.map((t: { name: string }) => t.name));
  for (const key of m.stateDict().keys()) assert.ok(inits.has(key), `initializer ${key}`);
  const bn = model.graph.initializer.find((t: { name: string }) => t.name === 'bn1.running_var');
  const bytes = bn.rawData as Uint8Array;
  assert.equal(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))), Array.from(m.bn1.stateDict().get('running_var')!.data));
});

Graph('ACmix uses the op set of the PyTorch export of the official block (Pad, Gather im2col, ReduceSum, Softmax, ...)', () => {
  const torchOps = new Set<string>(decodeModel(readFileSync(fixture('acmix_block.onnx'))).graph.node.map((n: { opType: string }) => n.opType));
  const ours = decodeModel(exportOnnx(new nn.ACmix(8, 8, { kernel_att: 3, head: 2 }), seededTensor([1, 8, 5, 5], 1)));
  const opTypes = new Set<string>(ours.graph.node.map((n: { opType: string }) => n.opType));
  for (const op of opTypes) assert.ok(torchOps.has(op) || op === 'Identity', `${op} is not in the PyTorch export's op set [${[...torchOps].join(', ')}]`);
  const pads = ours.graph.node.filter((n: { opType: string }) => n.opType === 'Pad');
  assert.ok(pads.length >= 2 && pads.every((n: { attribute: { s: Uint8Array }[] }) => new TextDecoder().decode(n.attribute[0].s) === 'reflect'), 'k, v, pe reflection-padded');
});

Graph('our ACmix graph and PyTorch\'s graph of the same block agree in onnxruntime (ResNet-50 layer1 shape, fixture weights)', async () => {
  await wasm.init();
  const file = readSafetensors(readFileSync(fixture('acmix_block.safetensors')));
  const state = new Map<string, Tensor>();
  for (const [k, t] of file.tensors) if (k.startsWith('acmix_block.state.')) state.set(k.slice('acmix_block.state.'.length), t);
  const block = new nn.ACmix(64, 64, { kernel_att: 7, head: 4, kernel_conv: 3, stride: 1 });
  block.loadStateDict(state);
  const x = seededTensor([1, 64, 56, 56], 5, -0.5, 0.5);
  const ours = exportOnnx(block, x, { backend: 'wasm' });     // the tracer computes on wasm: same graph, faster
  const [a] = await runOrt(ortNode, ours, [x]);
  const [b] = await runOrt(ortNode, new Uint8Array(readFileSync(fixture('acmix_block.onnx'))), [x]);
  // attention path, the longest chain: 64 (stage I) + 16·49 (logits) + 2·49 (softmax, aggregation) + 1 (mix)
  assertWithin(a, new Tensor(b, [1, 64, 56, 56]), chainBound(64 + 16 * 49 + 2 * 49 + 1, b), 'ours vs PyTorch export');
});

Graph('our MnistACmixNet graph with the trained weights and PyTorch\'s export of the same net agree in onnxruntime', async () => {
  const root = (file: string) => fileURLToPath(new URL(`../models/mnist/${file}`, import.meta.url));
  const net = new nn.MnistACmixNet();
  net.loadStateDict(readSafetensors(readFileSync(root('mnist_acmix.safetensors'))).tensors);
  const x = seededTensor([3, 1, 28, 28], 7, 0, 1);                // pixel / 255 range
  const [a] = await runOrt(ortNode, exportOnnx(net, seededTensor([3, 1, 28, 28], 8, 0, 1)), [x]);
  const [b] = await runOrt(ortNode, new Uint8Array(readFileSync(root('mnist_acmix.onnx'))), [x]);
  // the MnistACmixNet case's chain (both graphs in float32 in onnxruntime, different op choices)
  assertWithin(a, new Tensor(b, [3, 10]), chainBound(9 + 1 + 16 * 9 + 1 + 196 + 32 + 2 + 4 + 32 * 9 + 1 + 32 + 8 * 9 + 2 * 9 + 1 + 1 + 1 + 49 + 33, b), 'ours vs PyTorch export');
  assert.equal(b.length, 30);
});

/** A module that moves data in plain JavaScript (NCHW → NHWC after a ReLU, so many repeated zeros) or, with
 *  `compute`, also computes there (x·2): what the exporter must record as a Transpose, or refuse. */
class JsSide extends nn.Module {
  readonly conv: nn.Conv2d;
  constructor(readonly compute = false) { super(); this.conv = this.child('conv', new nn.Conv2d(3, 4, 1)); }
  forward(x: Tensor, options: nn.ForwardOptions = {}): Tensor {
    const ops = nn.resolveOps(options.backend);
    const y = ops.relu(this.conv.forward(x, options));
    const [N, C, H, W] = y.shape, t = new Float32Array(y.size);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) {
      t[(n * H * W + i) * C + c] = this.compute ? 2 * y.data[(n * C + c) * H * W + i] : y.data[(n * C + c) * H * W + i];
    }
    return ops.sigmoid(new Tensor(t, [N, H, W, C]));
  }
}

Graph('data moved in plain JavaScript is recorded as the Transpose that reproduces it, repeated values (ReLU zeros) included', async () => {
  const m = randomise(new JsSide());
  const model = exportOnnx(m, seededTensor([2, 3, 5, 6], 1));
  const opTypes = decodeModel(model).graph.node.map((n: { opType: string }) => n.opType);
  assert.ok(opTypes.includes('Transpose') && !opTypes.includes('Gather'), `ops: ${opTypes.join(', ')}`);
  const x = seededTensor([2, 3, 5, 6], 2), want = m.forward(x);
  const [got] = await runOrt(ortNode, model, [x]);
  assertWithin(got, want, chainBound(3 + 1 + 4, want.data), 'JsSide');
});

Graph('the graph does not depend on the backend that computed the values while tracing (ref and wasm give the same bytes)', async () => {
  await wasm.init();
  for (const m of [randomise(new nn.ACmix(8, 8, { kernel_att: 3, head: 2 })), randomise(new nn.SwinTransformerBlockACmix(16, [8, 8], 2, { window_size: 4, shift_size: 2 }))]) {
    const x = seededTensor(m instanceof nn.ACmix ? [1, 8, 6, 6] : [1, 64, 16], 4);
    assert.equal(exportOnnx(m, x, { backend: 'wasm' }), exportOnnx(m, x, { backend: 'ref' }), m.constructor.name);
  }
});

const Refuse = suite('onnx_export/errors');

Refuse('a value computed from the input in plain JavaScript is refused, naming the op that read it', () => {
  assert.throws(() => exportOnnx(new JsSide(true), seededTensor([1, 3, 4, 4], 1)), (e: Error) => e instanceof NotImplementedError &&
    /JsSide computes a tensor \[1,4,4,4\] from the input outside the Ops/.test(e.message) && /read by sigmoid/.test(e.message));
});


/** ODConv2d whose JavaScript kernel aggregation is not exactly a mixture (one element moved by 1e-3). */
class OffMixture extends nn.ODConv2d {
  override aggregateKernel(...args: Parameters<nn.ODConv2d['aggregateKernel']>): Tensor {
    const w = super.aggregateKernel(...args);
    w.data[5] += 1e-3;
    return w;
  }
}

Refuse('a kernel computed in plain JavaScript that is a mixture of the parameter\'s slices only up to one element is refused', () => {
  const m = randomise(new OffMixture(4, 4, 3, { padding: 1 }));
  assert.ok(exportOnnx(randomise(new nn.ODConv2d(4, 4, 3, { padding: 1 })), seededTensor([2, 4, 5, 5], 1)).length > 0, 'the exact mixture exports');
  assert.throws(() => exportOnnx(m, seededTensor([2, 4, 5, 5], 1)), (e: Error) => e instanceof NotImplementedError &&
    /OffMixture computes a tensor \[2,4,4,3,3\] from the input outside the Ops/.test(e.message) && /read by conv2dModulated/.test(e.message));
});

Refuse('MultiheadAttention with need_weights (the default) is refused: its head-averaged weights are computed in JavaScript', () => {
  const mha = new nn.MultiheadAttention(8, 2, { batch_first: true });
  const q = seededTensor([1, 5, 8], 1);
  assert.throws(() => exportOnnx(mha, [q, q, q]), (e: Error) => e instanceof NotImplementedError && /MultiheadAttention/.test(e.message));
});

Refuse('bad arguments are named errors before any tracing', () => {
  const conv = new nn.Conv2d(2, 2, 1);
  const x = seededTensor([1, 2, 3, 3], 1);
  assert.throws(() => exportOnnx(null as never, x), (e: Error) => e instanceof ArgumentError && /module must be an nn.Module/.test(e.message));
  assert.throws(() => exportOnnx(conv, 'x' as never), (e: Error) => e instanceof ArgumentError && /exampleInput/.test(e.message));
  assert.throws(() => exportOnnx(conv, x, { opset_version: 13 }), (e: Error) => e instanceof ParameterError && /opset_version must be 17/.test(e.message));
  assert.throws(() => exportOnnx(conv, x, { dynamic_axes: {} } as never), (e: Error) => e instanceof ArgumentError);
  assert.throws(() => exportOnnx(conv, x, { input_names: 5 } as never), (e: Error) => e instanceof ArgumentError && /input_names/.test(e.message));
  assert.throws(() => exportOnnx(conv, x, { input_names: ['a', 'b'] }), (e: Error) => e instanceof ParameterError && /input_names/.test(e.message));
  assert.throws(() => exportOnnx(conv, x, { output_names: ['input'] }), (e: Error) => e instanceof ParameterError && /output_names/.test(e.message));
  assert.throws(() => exportOnnx(conv, x, { forward_options: 'x' } as never), (e: Error) => e instanceof ArgumentError && /forward_options/.test(e.message));
  assert.throws(() => exportOnnx(conv, [x, null] as never), (e: Error) => e instanceof ArgumentError && /exampleInput\[1\]/.test(e.message));
  assert.throws(() => exportOnnx(conv, x, { backend: 'nope' }), (e: Error) => e.name === 'BackendError');
  assert.throws(() => exportOnnx(conv, seededTensor([1, 3, 3, 3], 1)), (e: Error) => /conv2d/.test(e.message));   // the module's own error
});

Export.run();
Web.run();
Graph.run();
Refuse.run();
