// Global multi-head self-attention (as torch.nn.MultiheadAttention, batch 1, no mask, no dropout):
//   qkv = x·W_inᵀ + b_in;  per head h: O_h = softmax((Q_h / √head_dim) K_hᵀ) V_h;  y = concat_h(O_h)·W_outᵀ + b_out
// x is [n, dim] (tokens × channels) for every implementation. attnconv has no attention op for this: ours is
// composed from the wasm backend's ops, two ways: 'wasm' batches the heads as groups of 1x1 convolutions
// (4 conv2d calls + 1 softmax), 'wasm:linear' runs per-head linear calls (2 + 2·heads) + 1 softmax; JS copies
// (transposes, head slices) are inside the timed call. ref is the linear composition on ts/ref (the truth).
// Run alone: node --import tsx bench/multi_head_attention.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import type { Ops } from '../ts/core/ops.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Impl, type Workload, runStandalone, seeded, transpose2d } from './harness.js';
import { mhsa, mhsaFlops } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

interface Weights { w_in: Tensor; b_in: Tensor; w_out: Tensor; b_out: Tensor }

/** The composition over any Ops. */
function mhsaWith(ops: Ops, x: Tensor, p: Weights, heads: number): Float32Array {
  const [n, dim] = x.shape, hd = dim / heads, scale = Math.fround(hd ** -0.5);
  const qkv = ops.linear(x, p.w_in, p.b_in).data;                 // [n, 3·dim]
  const scores = new Float32Array(heads * n * n);
  const q = new Float32Array(n * hd), k = new Float32Array(n * hd), vT = new Float32Array(hd * n);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) for (let d = 0; d < hd; d++) {
      const row = i * 3 * dim + h * hd + d;
      q[i * hd + d] = qkv[row] * scale;
      k[i * hd + d] = qkv[row + dim];
    }
    scores.set(ops.linear(new Tensor(q, [n, hd]), new Tensor(k, [n, hd])).data, h * n * n);   // Q Kᵀ  [n, n]
  }
  const pr = ops.softmax(new Tensor(scores, [heads, n, n]), 2).data;                   // all heads at once
  const concat = new Float32Array(n * dim);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) for (let d = 0; d < hd; d++) vT[d * n + i] = qkv[i * 3 * dim + 2 * dim + h * hd + d];
    const o = ops.linear(new Tensor(pr.subarray(h * n * n, (h + 1) * n * n), [n, n]), new Tensor(vT, [hd, n])).data;   // P V  [n, hd]
    for (let i = 0; i < n; i++) for (let d = 0; d < hd; d++) concat[i * dim + h * hd + d] = o[i * hd + d];
  }
  return ops.linear(new Tensor(concat, [n, dim]), p.w_out, p.b_out).data;
}

/**
 * The same attention with every head batched into grouped 1x1 convolutions (one GEMM per group in one call),
 * tokens on the spatial axis (channel-major, [C, n]):
 *   qkvᵀ = conv1x1(xᵀ, W_in, b_in)                        [3·dim, n]
 *   Sᵀ_h = (s·K_h) · Q_hᵀ = conv2d(Qᵀ, s·K as [heads·n, hd, 1, 1], groups = heads)   [heads·n(keys), n(queries)]
 *          (the scale rides on the K copy the weight layout needs anyway, and Qᵀ is a slice of qkvT: no
 *          separate scaling pass; the logits differ from (s·q)·k by a rounding, far inside the tolerance)
 *   Pᵀ   = softmax over the keys (dim 1 of [heads, n, n])
 *   Oᵀ_h = V_hᵀ · Pᵀ_h = conv2d(Pᵀ, Vᵀ as [heads·hd, n, 1, 1], groups = heads)   [dim, n]   (Vᵀ is a slice of qkvᵀ)
 *   yᵀ   = conv1x1(Oᵀ, W_out, b_out), then y = (yᵀ)ᵀ
 * JS does the two transposes of x and y and the per-head s·K copy, inside the timed call.
 */
function mhsaGrouped(ops: Ops, x: Tensor, p: Weights, heads: number): Float32Array {
  const [n, dim] = x.shape, hd = dim / heads, scale = Math.fround(hd ** -0.5);
  const w4 = (t: Tensor) => new Tensor(t.data, [t.shape[0], t.shape[1], 1, 1]);
  const qkvT = ops.conv2d(new Tensor(transpose2d(x.data, n, dim), [1, dim, n, 1]), w4(p.w_in), p.b_in).data;   // [3·dim, n]
  const qT = qkvT.subarray(0, dim * n);
  const kw = new Float32Array(heads * n * hd);                                // s·K_h [n, hd] per head, stacked
  for (let h = 0; h < heads; h++) for (let d = 0; d < hd; d++) {
    const src = (dim + h * hd + d) * n;
    for (let j = 0; j < n; j++) kw[(h * n + j) * hd + d] = qkvT[src + j] * scale;
  }
  const sT = ops.conv2d(new Tensor(qT, [1, dim, n, 1]), new Tensor(kw, [heads * n, hd, 1, 1]), null, { groups: heads });   // [1, heads·n, n, 1]
  const pT = ops.softmax(new Tensor(sT.data, [heads, n, n]), 1);
  const vT = new Tensor(qkvT.subarray(2 * dim * n, 3 * dim * n), [dim, n, 1, 1]);
  const oT = ops.conv2d(new Tensor(pT.data, [1, heads * n, n, 1]), vT, null, { groups: heads });   // [1, dim, n, 1]
  const yT = ops.conv2d(oT, w4(p.w_out), p.b_out).data;                                            // [dim, n]
  return transpose2d(yT, dim, n);
}

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];
  for (const [name, { n, dim, heads }] of Object.entries(mhsa)) {
    const hd = dim / heads, scale = Math.fround(hd ** -0.5);
    const xData = seeded(n * dim, 400);
    const p: Weights = {
      w_in: new Tensor(seeded(3 * dim * dim, 401, 0.2), [3 * dim, dim]), b_in: new Tensor(seeded(3 * dim, 402), [3 * dim]),
      w_out: new Tensor(seeded(dim * dim, 403, 0.2), [dim, dim]), b_out: new Tensor(seeded(dim, 404), [dim]),
    };
    const x = new Tensor(xData, [n, dim]);
    const wInT = transpose2d(p.w_in.data, 3 * dim, dim), wOutT = transpose2d(p.w_out.data, dim, dim);

    // tfjs: weights resident; x created inside the timed call.
    const tW = { inT: tf.tensor2d(wInT, [dim, 3 * dim]), bIn: tf.tensor1d(p.b_in.data), outT: tf.tensor2d(wOutT, [dim, dim]), bOut: tf.tensor1d(p.b_out.data) };
    const tfBatched = () => {
      const y = tf.tidy(() => {
        const qkv = tf.fused.matMul({ a: tf.tensor2d(xData, [n, dim]), b: tW.inT, bias: tW.bIn });
        const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(qkv, [n, 3, heads, hd]), [1, 2, 0, 3]));  // 3 × [heads, n, hd]
        const pr = tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true));                          // [heads, n, n]
        const o = tf.reshape(tf.transpose(tf.matMul(pr, v), [1, 0, 2]), [n, dim]);
        return tf.fused.matMul({ a: o, b: tW.outT, bias: tW.bOut });
      });
      const d = y.dataSync() as Float32Array; y.dispose(); return d;
    };
    const tfPerHead = () => {
      const y = tf.tidy(() => {
        const qkv = tf.fused.matMul({ a: tf.tensor2d(xData, [n, dim]), b: tW.inT, bias: tW.bIn });
        const outs: tf.Tensor2D[] = [];
        for (let h = 0; h < heads; h++) {
          const q = tf.slice(qkv, [0, h * hd], [n, hd]), k = tf.slice(qkv, [0, dim + h * hd], [n, hd]), v = tf.slice(qkv, [0, 2 * dim + h * hd], [n, hd]);
          outs.push(tf.matMul(tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true)), v));
        }
        return tf.fused.matMul({ a: tf.concat(outs, 1), b: tW.outT, bias: tW.bOut });
      });
      const d = y.dataSync() as Float32Array; y.dispose(); return d;
    };

    // ONNX: MatMul+Add → Reshape [n,3,h,hd] → Transpose [3,h,n,hd] → Split → (Q·s)Kᵀ → Softmax → ·V → Transpose/Reshape → MatMul+Add
    const g = new OnnxGraph();
    g.input('x', [n, dim]);
    const qkv = g.op('Add', [g.op('MatMul', ['x', g.weight(wInT, [dim, 3 * dim])]), g.weight(p.b_in.data, [3 * dim])]);
    const t = g.op('Transpose', [g.op('Reshape', [qkv, g.int64([n, 3, heads, hd])])], { perm: [1, 2, 0, 3] });
    const [q, k, v] = g.node('Split', [t, g.int64([1, 1, 1])], { axis: 0 }, 3);
    const s = g.op('MatMul', [g.op('Mul', [q, g.weight(new Float32Array([scale]), [])]), g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]);
    const o = g.op('MatMul', [g.op('Softmax', [s], { axis: -1 }), v]);                                 // [1, h, n, hd]
    const of = g.op('Reshape', [g.op('Transpose', [o], { perm: [0, 2, 1, 3] }), g.int64([n, dim])]);
    g.node('Add', [g.op('MatMul', [of, g.weight(wOutT, [dim, dim])]), g.weight(p.b_out.data, [dim])], {}, ['y']);
    g.output('y', [n, dim]);
    const model = g.encode(), dims = { x: [n, dim] };
    const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);

    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'the same composition on ts/ref (linear, softmax)', run: () => mhsaWith(refOps, x, p, heads) },
      { impl: 'wasm', kind: 'ours', note: `composed: wasm.ops.conv2d ×4 (1x1; heads as groups), wasm.ops.softmax ×1, JS transposes`, run: () => mhsaGrouped(wasmOps, x, p, heads) },
      { impl: 'wasm:linear', kind: 'ours-extra', note: `composed: wasm.ops.linear ×${2 + 2 * heads}, wasm.ops.softmax ×1 (all heads), JS head slicing`, run: () => mhsaWith(wasmOps, x, p, heads) },
      { impl: 'tfjs-wasm:batched', kind: 'wasm-peer', note: 'fused.matMul → reshape/transpose → batched matMul, softmax, matMul → fused.matMul', run: tfBatched },
      { impl: 'tfjs-wasm:per-head', kind: 'wasm-peer', note: `fused.matMul → ${heads} × (slice, matMul, softmax, matMul) → concat → fused.matMul`, run: tfPerHead, dispose: () => Object.values(tW).forEach((tt) => tt.dispose()) },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX MatMul/Add, Reshape, Transpose, Split, batched MatMul, Softmax', run: () => web.run({ x: xData }), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'the same ONNX graph, native', run: () => native.run({ x: xData }), dispose: () => native.release() },
    ];
    out.push({
      op: 'multi_head_attention', shape: name,
      title: `global MHSA, n = ${n} tokens, dim ${dim}, ${heads} heads (head_dim ${hd}), in/out projections with bias`,
      flops: mhsaFlops({ n, dim }),
      formula: `2·n·dim·3dim + 2·2·n²·dim + 2·n·dim² = 2·${n}·${dim}·${3 * dim} + 4·${n}²·${dim} + 2·${n}·${dim}² (softmax not counted)`,
      tolerance: { rel: 1e-4, why: 'float32 GEMMs (K ≤ 256) and exp of logits' },
      impls,
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
