// elementwise: relu, gelu, hardswish, sigmoid, add and axpby (ACmix Eq. 12) on the tensors they meet in real layers
// (bench/shapes.ts `pointwise`); ref, wasm and the peers (tfjs-wasm, onnxruntime-web) on the same inputs.
// These ops are memory-bound: every implementation copies the input in and the output out per call (ours
// through the arena, tfjs into its heap, ORT into its session), so the times compare whole calls.
// onnxruntime-node is left out of the small suites to keep them short (BENCH_ONLY=relu runs one op).
// Run alone: node --import tsx bench/elementwise.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Impl, type Workload, runStandalone, seeded } from './harness.js';
import { pointwise } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

/** One tfjs call: build the graph in a tidy, download the result, free it. */
const tfOut = (f: () => ReturnType<typeof tf.add>) => (): Float32Array => {
  const y = tf.tidy(f);
  const d = y.dataSync() as Float32Array;
  y.dispose();
  return d;
};
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** An ONNX graph over inputs named `names` (all of `shape`) whose body `body` returns the output name. */
async function ortWebOf(names: string[], shape: readonly number[], body: (g: OnnxGraph) => string) {
  const g = new OnnxGraph();
  for (const n of names) g.input(n, shape);
  g.node('Identity', [body(g)], {}, ['y']);
  g.output('y', shape);
  return ortSession('web', g.encode(), Object.fromEntries(names.map((n) => [n, shape])));
}

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];

  // relu and add on a ResNet-50 block output
  {
    const name = 'resnet50.layer1.0.out', shape = pointwise[name], n = numel(shape);
    const xData = seeded(n, 700), yData = seeded(n, 701);
    const x = new Tensor(xData, shape), y = new Tensor(yData, shape);
    const reluWeb = await ortWebOf(['x'], shape, (g) => g.op('Relu', ['x']));
    out.push({
      op: 'relu', shape: name, title: `relu on [${shape}]`, flops: n, formula: `1 per element (max) · ${n}`,
      tolerance: { rel: 0, why: 'max(x, 0) is exact' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref relu', run: () => refOps.relu(x).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.relu (relu__f32x4)', run: () => wasmOps.relu(x).data },
        { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.relu', run: tfOut(() => tf.relu(tf.tensor(xData, shape))) },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Relu', run: () => reluWeb.run({ x: xData }), dispose: () => reluWeb.release() },
      ],
    });
    const addWeb = await ortWebOf(['x', 'r'], shape, (g) => g.op('Add', ['x', 'r']));
    out.push({
      op: 'add', shape: name, title: `residual add of two [${shape}]`, flops: n, formula: `1 per element · ${n}`,
      tolerance: { rel: 0, why: 'one float32 add per element, correctly rounded everywhere' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref add', run: () => refOps.add(x, y).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.add (add__f32x4)', run: () => wasmOps.add(x, y).data },
        { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.add', run: tfOut(() => tf.add(tf.tensor(xData, shape), tf.tensor(yData, shape))) },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Add', run: () => addWeb.run({ x: xData, r: yData }), dispose: () => addWeb.release() },
      ],
    });
  }

  // gelu (exact, erf form) on ViT-B/16's MLP hidden layer
  {
    const name = 'vit_b16.blocks.0.mlp.fc1', shape = pointwise[name], n = numel(shape);
    const xData = seeded(n, 702, 8);                      // [−4, 4): both tails of erf
    const x = new Tensor(xData, shape);
    const web = await ortWebOf(['x'], shape, (g) => {
      const half = g.weight(new Float32Array([0.5]), []), one = g.weight(new Float32Array([1]), []), r2 = g.weight(new Float32Array([Math.SQRT1_2]), []);
      const e = g.op('Erf', [g.op('Mul', ['x', r2])]);
      return g.op('Mul', [g.op('Mul', ['x', half]), g.op('Add', [e, one])]);
    });
    out.push({
      op: 'gelu', shape: name, title: `gelu(approximate='none') on [${shape}]`, flops: 20 * n, formula: `~20 per element · ${n}`,
      tolerance: { rel: 1e-5, why: 'float32 erf: ours ≈ 1.1 ulp, tfjs and ORT their own approximations' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref gelu (float64 erf)', run: () => refOps.gelu(x).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.gelu (gelu__f32x4)', run: () => wasmOps.gelu(x).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: '0.5·x·(1 + tf.erf(x/√2)) (tfjs-core has no gelu)',
          run: tfOut(() => { const t = tf.tensor(xData, shape); return tf.mul(tf.mul(t, 0.5), tf.add(tf.erf(tf.mul(t, Math.SQRT1_2)), 1)); }),
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: "ONNX Mul, Erf, Add, Mul, Mul (torch.onnx's gelu below opset 20)", run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    });
  }

  // hardswish on a MobileNetV3-Large expansion (tfjs has no hardswish: its composition x·relu6(x + 3)/6; ONNX
  // HardSwish needs opset 14 and the peer graphs are opset 13, so ORT runs the same composition)
  {
    const name = 'mobilenetv3_large.features.7.block.0', shape = pointwise[name], n = numel(shape);
    const xData = seeded(n, 709, 8);
    const x = new Tensor(xData, shape);
    const web = await ortWebOf(['x'], shape, (g) => {
      const three = g.weight(Float32Array.of(3), [1]), six = g.weight(Float32Array.of(6), [1]), zero = g.weight(Float32Array.of(0), [1]);
      const clipped = g.op('Max', [g.op('Min', [g.op('Add', ['x', three]), six]), zero]);
      return g.op('Div', [g.op('Mul', ['x', clipped]), six]);
    });
    out.push({
      op: 'hardswish', shape: name, title: `hardswish on [${shape}]`, flops: 4 * n, formula: `4 per element · ${n}`,
      tolerance: { rel: 1e-6, why: 'three float32 roundings' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref hardswish (float64)', run: () => refOps.hardswish(x).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.hardswish (hardswish__f32x4)', run: () => wasmOps.hardswish(x).data },
        { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf: x·relu6(x + 3)/6', run: tfOut(() => { const t = tf.tensor(xData, shape); return tf.div(tf.mul(t, tf.relu6(tf.add(t, 3))), 6); }) },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Add, Min, Max, Mul, Div', run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    });
  }

  // sigmoid on DCNv2's modulation mask
  {
    const name = 'dcnv2.resnet50.layer1.conv2.mask', shape = pointwise[name], n = numel(shape);
    const xData = seeded(n, 703, 16);
    const x = new Tensor(xData, shape);
    const web = await ortWebOf(['x'], shape, (g) => g.op('Sigmoid', ['x']));
    out.push({
      op: 'sigmoid', shape: name, title: `sigmoid on [${shape}]`, flops: 4 * n, formula: `~4 per element · ${n}`,
      tolerance: { rel: 1e-6, why: 'float32 exp and a division: a few ulp' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref sigmoid (float64)', run: () => refOps.sigmoid(x).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.sigmoid (sigmoid__f32x4)', run: () => wasmOps.sigmoid(x).data },
        { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.sigmoid', run: tfOut(() => tf.sigmoid(tf.tensor(xData, shape))) },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Sigmoid', run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    });
  }

  // axpby: ACmix's Eq. (12) mix
  {
    const name = 'acmix_resnet50.layer1.mix', shape = pointwise[name], n = numel(shape);
    const aData = seeded(n, 704), cData = seeded(n, 705);
    const att = new Tensor(aData, shape), conv = new Tensor(cData, shape);
    const rate1 = Math.fround(0.7), rate2 = Math.fround(1.3);
    const web = await ortWebOf(['a', 'c'], shape, (g) =>
      g.op('Add', [g.op('Mul', ['a', g.weight(new Float32Array([rate1]), [])]), g.op('Mul', ['c', g.weight(new Float32Array([rate2]), [])])]));
    out.push({
      op: 'axpby', shape: name, title: `rate1·out_att + rate2·out_conv on [${shape}] (ACmix Eq. 12)`, flops: 3 * n, formula: `3 per element · ${n}`,
      tolerance: { rel: 0, why: 'two float32 products and a sum, each correctly rounded' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref axpby', run: () => refOps.axpby(rate1, att, rate2, conv).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.axpby (axpby__f32x4)', run: () => wasmOps.axpby(rate1, att, rate2, conv).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.add(tf.mul(a, rate1), tf.mul(c, rate2))',
          run: tfOut(() => tf.add(tf.mul(tf.tensor(aData, shape), rate1), tf.mul(tf.tensor(cData, shape), rate2))),
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Mul, Mul, Add', run: () => web.run({ a: aData, c: cData }), dispose: () => web.release() },
      ],
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
