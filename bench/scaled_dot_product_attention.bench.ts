// scaled_dot_product_attention: the fused op (as/sdpa.ts, one kernel per (batch, head): QKᵀ, scale, softmax and
// P·V in WASM memory) on the global MHSA of a ViT-style layer (bench/shapes.ts `mhsa`: n = 196 tokens, dim 256,
// 8 heads of 32), two workloads:
//   1. the attention core alone, q, k, v [1, heads, n, head_dim] → [1, heads, n, head_dim]: ours is one
//      Ops.scaledDotProductAttention call; the peers compose it (tfjs-wasm: batched matMul, softmax, matMul;
//      onnxruntime-web: Mul, MatMul, Softmax, MatMul);
//   2. the whole layer, nn.MultiheadAttention(256, 8, batch_first) in eval with need_weights false: ours is the
//      module on wasm (one packed in-projection Linear, JS head split, the fused op, JS head merge, out_proj); the
//      peers run the compositions of bench/multi_head_attention.bench.ts (best of their variants).
// Every output is checked against ts/ref before timing. Run alone: node --import tsx bench/scaled_dot_product_attention.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { MultiheadAttention } from '../ts/nn/multihead_attention.js';
import { type Workload, runStandalone, seeded, transpose2d } from './harness.js';
import { mhsa, mhsaFlops } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];
  for (const [name, { n, dim, heads }] of Object.entries(mhsa)) {
    const hd = dim / heads, scale = Math.fround(hd ** -0.5);

    // 1. the attention core
    {
      const shape = [1, heads, n, hd];
      const qd = seeded(heads * n * hd, 500), kd = seeded(heads * n * hd, 501), vd = seeded(heads * n * hd, 502);
      const q = new Tensor(qd, shape), k = new Tensor(kd, shape), v = new Tensor(vd, shape);
      const tfRun = () => {
        const y = tf.tidy(() => {
          const tq = tf.tensor4d(qd, shape as [number, number, number, number]), tk = tf.tensor4d(kd, shape as [number, number, number, number]);
          const tv = tf.tensor4d(vd, shape as [number, number, number, number]);
          return tf.matMul(tf.softmax(tf.matMul(tf.mul(tq, scale), tk, false, true)), tv);
        });
        const d = y.dataSync() as Float32Array; y.dispose(); return d;
      };
      const g = new OnnxGraph();
      for (const x of ['q', 'k', 'v']) g.input(x, shape);
      const s = g.op('MatMul', [g.op('Mul', ['q', g.weight(new Float32Array([scale]), [])]), g.op('Transpose', ['k'], { perm: [0, 1, 3, 2] })]);
      g.node('MatMul', [g.op('Softmax', [s], { axis: -1 }), 'v'], {}, ['y']);
      g.output('y', shape);
      const dims = { q: shape, k: shape, v: shape };
      const web = await ortSession('web', g.encode(), dims), native = await ortSession('node', g.encode(), dims);
      out.push({
        op: 'scaled_dot_product_attention', shape: name,
        title: `attention core softmax(QKᵀ/√${hd})V, ${heads} heads × ${n} tokens × head_dim ${hd} (q, k, v [1, ${heads}, ${n}, ${hd}])`,
        flops: 2 * heads * n * n * (hd + hd),
        formula: `2·B·L·S·(E + Ev) = 2·${heads}·${n}·${n}·${2 * hd} (exp not counted)`,
        tolerance: { rel: 1e-5, why: 'float32 reductions of 32 and 196 terms, exp < 1 ulp' },
        impls: [
          { impl: 'ref', kind: 'ref', note: 'ts/ref scaled_dot_product_attention (float64)', run: () => refOps.scaledDotProductAttention(q, k, v).data },
          { impl: 'wasm', kind: 'ours', note: 'wasm.ops.scaledDotProductAttention: sdpa__f32x4 × 8 (one per head)', run: () => wasmOps.scaledDotProductAttention(q, k, v).data },
          { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.mul, batched matMul (transposeB), softmax, matMul', run: tfRun },
          { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Mul, Transpose, MatMul, Softmax, MatMul', run: () => web.run({ q: qd, k: kd, v: vd }), dispose: () => web.release() },
          { impl: 'ort-node', kind: 'native', note: 'the same ONNX graph, native', run: () => native.run({ q: qd, k: kd, v: vd }), dispose: () => native.release() },
        ],
      });
    }

    // 2. the whole layer: nn.MultiheadAttention with the fused op
    {
      const xData = seeded(n * dim, 400);
      const wIn = seeded(3 * dim * dim, 401, 0.2), bIn = seeded(3 * dim, 402), wOut = seeded(dim * dim, 403, 0.2), bOut = seeded(dim, 404);
      const m = new MultiheadAttention(dim, heads, { batch_first: true });
      m.loadStateDict({ in_proj_weight: new Tensor(wIn, [3 * dim, dim]), in_proj_bias: new Tensor(bIn, [3 * dim]), 'out_proj.weight': new Tensor(wOut, [dim, dim]), 'out_proj.bias': new Tensor(bOut, [dim]) });
      const x = new Tensor(xData, [1, n, dim]);
      const wInT = transpose2d(wIn, 3 * dim, dim), wOutT = transpose2d(wOut, dim, dim);
      const tW = { inT: tf.tensor2d(wInT, [dim, 3 * dim]), bIn: tf.tensor1d(bIn), outT: tf.tensor2d(wOutT, [dim, dim]), bOut: tf.tensor1d(bOut) };
      const tfRun = () => {
        const y = tf.tidy(() => {
          const qkv = tf.fused.matMul({ a: tf.tensor2d(xData, [n, dim]), b: tW.inT, bias: tW.bIn });
          const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(qkv, [n, 3, heads, hd]), [1, 2, 0, 3]));
          const pr = tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true));
          const o = tf.reshape(tf.transpose(tf.matMul(pr, v), [1, 0, 2]), [n, dim]);
          return tf.fused.matMul({ a: o, b: tW.outT, bias: tW.bOut });
        });
        const d = y.dataSync() as Float32Array; y.dispose(); return d;
      };
      const g = new OnnxGraph();
      g.input('x', [n, dim]);
      const qkv = g.op('Add', [g.op('MatMul', ['x', g.weight(wInT, [dim, 3 * dim])]), g.weight(bIn, [3 * dim])]);
      const t = g.op('Transpose', [g.op('Reshape', [qkv, g.int64([n, 3, heads, hd])])], { perm: [1, 2, 0, 3] });
      const [q, k, v] = g.node('Split', [t, g.int64([1, 1, 1])], { axis: 0 }, 3);
      const s = g.op('MatMul', [g.op('Mul', [q, g.weight(new Float32Array([scale]), [])]), g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]);
      const o = g.op('MatMul', [g.op('Softmax', [s], { axis: -1 }), v]);
      const of = g.op('Reshape', [g.op('Transpose', [o], { perm: [0, 2, 1, 3] }), g.int64([n, dim])]);
      g.node('Add', [g.op('MatMul', [of, g.weight(wOutT, [dim, dim])]), g.weight(bOut, [dim])], {}, ['y']);
      g.output('y', [n, dim]);
      const web = await ortSession('web', g.encode(), { x: [n, dim] });
      out.push({
        op: 'scaled_dot_product_attention', shape: `${name}.mhsa_layer`,
        title: `global MHSA layer (nn.MultiheadAttention eval, need_weights false), n = ${n}, dim ${dim}, ${heads} heads, in/out projections with bias`,
        flops: mhsaFlops({ n, dim }),
        formula: `2·n·dim·3dim + 2·2·n²·dim + 2·n·dim² = 2·${n}·${dim}·${3 * dim} + 4·${n}²·${dim} + 2·${n}·${dim}² (softmax not counted)`,
        tolerance: { rel: 1e-4, why: 'float32 GEMMs (K ≤ 256) and exp of logits' },
        impls: [
          { impl: 'ref', kind: 'ref', note: 'nn.MultiheadAttention on ts/ref', run: () => m.forward(x, x, x, { need_weights: false, backend: 'ref' }).output.data },
          { impl: 'wasm', kind: 'ours', note: 'nn.MultiheadAttention on wasm: linear (packed qkv), sdpa__f32x4 × 8, linear; JS head split/merge', run: () => m.forward(x, x, x, { need_weights: false, backend: 'wasm' }).output.data },
          { impl: 'tfjs-wasm:batched', kind: 'wasm-peer', note: 'fused.matMul → reshape/transpose → batched matMul, softmax, matMul → fused.matMul', run: tfRun, dispose: () => Object.values(tW).forEach((tt) => tt.dispose()) },
          { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX MatMul/Add, Reshape, Transpose, Split, batched MatMul, Softmax', run: () => web.run({ x: xData }), dispose: () => web.release() },
        ],
      });
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
