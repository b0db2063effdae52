// conv2d: 3x3, 1x1 and depthwise 3x3 on named ResNet-50 / MobileNet layers; ref, wasm and the peers.
// Run alone: node --import tsx bench/conv2d.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Impl, type Workload, nchwToNhwc, nhwcToNchw, runStandalone, seeded } from './harness.js';
import { conv, convFlops, type ConvShape } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

/** weight [C_out, C_in/groups, k, k] → tfjs filter: HWIO for a conv, [k, k, C, 1] for a depthwise conv. */
function tfFilter(w: Float32Array, s: ConvShape): Float32Array {
  const cin = s.C_in / s.groups, f = new Float32Array(w.length);
  for (let o = 0; o < s.C_out; o++) for (let i = 0; i < cin; i++) for (let p = 0; p < s.k; p++) for (let q = 0; q < s.k; q++) {
    const src = ((o * cin + i) * s.k + p) * s.k + q;
    f[s.groups === 1 ? ((p * s.k + q) * cin + i) * s.C_out + o : (p * s.k + q) * s.C_out + o] = w[src];
  }
  return f;
}

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];
  let seed = 100;
  for (const [name, s] of Object.entries(conv) as [string, ConvShape][]) {
    const depthwise = s.groups === s.C_in && s.groups > 1;
    const xData = seeded(s.C_in * s.H * s.W, seed++);
    const wData = seeded(s.C_out * (s.C_in / s.groups) * s.k * s.k, seed++);
    const bData = seeded(s.C_out, seed++);
    const x = new Tensor(xData, [1, s.C_in, s.H, s.W]);
    const w = new Tensor(wData, [s.C_out, s.C_in / s.groups, s.k, s.k]);
    const b = new Tensor(bData, [s.C_out]);
    const options = { padding: s.padding, groups: s.groups };

    // tfjs: NHWC input, HWIO (or [k,k,C,1]) filter, fused bias; input tensor created inside the timed call.
    const xNhwc = nchwToNhwc(xData, s.C_in, s.H, s.W);
    const filter = tf.tensor4d(tfFilter(wData, s), depthwise ? [s.k, s.k, s.C_in, 1] : [s.k, s.k, s.C_in, s.C_out]);
    const bias = tf.tensor1d(bData);
    const pad = s.padding === 0 ? 'valid' : 'same';
    const tfRun = () => {
      const y = tf.tidy(() => {
        const xt = tf.tensor4d(xNhwc, [1, s.H, s.W, s.C_in]);
        return depthwise
          ? tf.fused.depthwiseConv2d({ x: xt, filter, strides: 1, pad, bias })
          : tf.fused.conv2d({ x: xt, filter, strides: 1, pad, bias });
      });
      const d = y.dataSync() as Float32Array;
      y.dispose();
      return d;
    };

    // ONNX: one Conv node, weight and bias as initializers (so ORT can pre-pack them), NCHW.
    const g = new OnnxGraph();
    g.input('x', [1, s.C_in, s.H, s.W]);
    g.node('Conv', ['x', g.weight(wData, w.shape), g.weight(bData, [s.C_out])],
      { kernel_shape: [s.k, s.k], pads: [s.padding, s.padding, s.padding, s.padding], group: s.groups, strides: [1, 1] }, ['y']);
    g.output('y', [1, s.C_out, s.H, s.W]);
    const model = g.encode();
    const dims = { x: [1, s.C_in, s.H, s.W] };
    const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);

    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'ts/ref conv2d (float64 accumulation)', run: () => refOps.conv2d(x, w, b, options).data },
      { impl: 'wasm', kind: 'ours', note: `wasm.ops.conv2d, NCHW`, run: () => wasmOps.conv2d(x, w, b, options).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: `tf.fused.${depthwise ? 'depthwiseConv2d' : 'conv2d'} + bias, NHWC (converted outside the timed call)`,
        run: tfRun, toTruthLayout: (y) => nhwcToNchw(y, s.C_out, s.H, s.W), dispose: () => { filter.dispose(); bias.dispose(); },
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Conv (+B), NCHW', run: () => web.run({ x: xData }), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'ONNX Conv (+B), NCHW, native MLAS', run: () => native.run({ x: xData }), dispose: () => native.release() },
    ];
    const K = (s.C_in / s.groups) * s.k * s.k;
    out.push({
      op: 'conv2d', shape: name,
      title: `${depthwise ? 'depthwise ' : ''}${s.k}x${s.k} conv, ${s.C_in}→${s.C_out}, ${s.H}x${s.W}, padding ${s.padding}${s.groups > 1 ? `, groups ${s.groups}` : ''}, bias`,
      flops: convFlops(s),
      formula: `2·C_out·H_out·W_out·(C_in/groups)·k_h·k_w = 2·${s.C_out}·${s.H}·${s.W}·${s.C_in / s.groups}·${s.k}·${s.k}`,
      tolerance: { rel: 1e-5 * Math.max(1, K / 64), why: `float32 sums of K = ${K} terms, any order` },
      impls,
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
