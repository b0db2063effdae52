// window_attention: Swin's shifted-window multi-head attention (SW-MSA) between the qkv Linear and proj, on
// Swin-T stage 1 (56x56, dim 96, 3 heads, window 7, shift 3: 64 windows of 49 tokens, the official −100 mask):
//   y = softmax((q·scale) kᵀ + table[index] + mask) v   per window and head
// Ours: wasm.ops.windowAttention (one fused kernel, as/window_attention.ts). Peers compose it as PyTorch's
// exported graph does: Reshape → Transpose → split q, k, v → Mul(scale) → MatMul → Add(bias gathered from the
// table by the index, in the graph) → Add(mask, broadcast over the batch of windows) → Softmax → MatMul →
// Transpose → Reshape. Also the data movement of the block: roll + window_partition (and back).
// Run alone: node --import tsx bench/window_attention.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { relativePositionIndex, swinAttentionMask } from '../ts/nn/swin.js';
import { type Impl, type Workload, runStandalone, seeded } from './harness.js';
import { windowAttention } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];
  for (const [name, { dim, H, W, heads, window_size: ws, shift_size: s }] of Object.entries(windowAttention)) {
    const N = ws * ws, nW = (H / ws) * (W / ws), B_ = nW, hd = dim / heads, T = (2 * ws - 1) ** 2;
    const scale = Math.fround(hd ** -0.5);
    const qkvData = seeded(B_ * N * 3 * dim, 900), tableData = seeded(T * heads, 901, 0.5);
    const qkv = new Tensor(qkvData, [B_, N, 3 * dim]), table = new Tensor(tableData, [T, heads]);
    const index = relativePositionIndex(ws, ws), mask = swinAttentionMask(H, W, ws, s);
    const options = { num_heads: heads };

    const g = new OnnxGraph();
    g.input('qkv', [B_, N, 3 * dim]);
    const tableW = g.weight(tableData, [T, heads]), maskW = g.weight(mask.data, [1, nW, 1, N, N]), scaleW = g.weight(new Float32Array([scale]), []);
    const idx = g.int64(Array.from(index.data), [N * N]);
    const parts = g.op('Transpose', [g.op('Reshape', ['qkv', g.int64([B_, N, 3, heads, hd])])], { perm: [2, 0, 3, 1, 4] });  // [3, B_, heads, N, hd]
    const pick = (t: number) => g.op('Gather', [parts, g.int64([t], [])], { axis: 0 });
    const q = g.op('Mul', [pick(0), scaleW]), kT = g.op('Transpose', [pick(1)], { perm: [0, 1, 3, 2] }), v = pick(2);
    const bias = g.op('Transpose', [g.op('Reshape', [g.op('Gather', [tableW, idx], { axis: 0 }), g.int64([N, N, heads])])], { perm: [2, 0, 1] });
    const logits = g.op('Add', [g.op('MatMul', [q, kT]), bias]);                                           // [B_, heads, N, N]
    const masked = g.op('Reshape', [g.op('Add', [g.op('Reshape', [logits, g.int64([B_ / nW, nW, heads, N, N])]), maskW]), g.int64([B_, heads, N, N])]);
    const o = g.op('MatMul', [g.op('Softmax', [masked], { axis: -1 }), v]);                               // [B_, heads, N, hd]
    g.node('Reshape', [g.op('Transpose', [o], { perm: [0, 2, 1, 3] }), g.int64([B_, N, dim])], {}, ['y']);
    g.output('y', [B_, N, dim]);
    const model = g.encode(), dims = { qkv: [B_, N, 3 * dim] }, feeds = { qkv: qkvData };
    const web = await ortSession('web', model, dims), native = await ortSession('node', model, dims);

    // tfjs: the same composition (gather of the bias once, outside the timed call, as a constant)
    const biasData = new Float32Array(heads * N * N);
    for (let h = 0; h < heads; h++) for (let ij = 0; ij < N * N; ij++) biasData[h * N * N + ij] = tableData[index.data[ij] * heads + h];
    const biasT = tf.tensor4d(biasData, [1, heads, N, N]), maskT = tf.tensor5d(mask.data, [1, nW, 1, N, N]);
    const tfRun = () => {
      const y = tf.tidy(() => {
        const p = tf.transpose(tf.reshape(tf.tensor3d(qkvData, [B_, N, 3 * dim]), [B_, N, 3, heads, hd]), [2, 0, 3, 1, 4]);
        const [qq, kk, vv] = tf.unstack(p, 0);
        const l = tf.add(tf.matMul(tf.mul(qq, scale), kk, false, true), biasT);
        const lm = tf.reshape(tf.add(tf.reshape(l, [B_ / nW, nW, heads, N, N]), maskT), [B_, heads, N, N]);
        return tf.reshape(tf.transpose(tf.matMul(tf.softmax(lm), vv), [0, 2, 1, 3]), [B_, N, dim]);
      });
      const d = y.dataSync() as Float32Array; y.dispose(); return d;
    };

    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'ts/ref windowAttention (float64)', run: () => refOps.windowAttention(qkv, table, index, mask, options).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.windowAttention (window_attention__f32x4, fused)', run: () => wasmOps.windowAttention(qkv, table, index, mask, options).data },
      { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'reshape, transpose, unstack, mul, matMul(kᵀ), add bias, add mask, softmax, matMul, transpose', run: tfRun, dispose: () => { biasT.dispose(); maskT.dispose(); } },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Reshape, Transpose, Gather ×3, Mul, MatMul, Gather(table)+Add, Add(mask), Softmax, MatMul, Transpose, Reshape', run: () => web.run(feeds), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'the same ONNX graph, native', run: () => native.run(feeds), dispose: () => native.release() },
    ];
    out.push({
      op: 'window_attention', shape: name,
      title: `Swin SW-MSA: ${H}x${W}, dim ${dim} (${heads} heads × ${hd}), window ${ws}, shift ${s}: ${nW} windows of ${N} tokens, bias + −100 mask`,
      flops: 4 * B_ * heads * N * N * hd,
      formula: `4·B_·heads·N²·head_dim = 4·${B_}·${heads}·${N}²·${hd} (QKᵀ + AV; bias, mask, softmax not counted)`,
      tolerance: { rel: 1e-5, why: 'float32 dots of head_dim = 32 and 49 terms, exp' },
      impls,
    });

    // the block's data movement around it: roll(−s) + window_partition, and window_reverse + roll(+s)
    const x = new Tensor(seeded(H * W * dim, 902), [1, H, W, dim]);
    const moveRef = () => refOps.windowReverse(refOps.windowPartition(refOps.roll(x, [-s, -s], [1, 2]), ws), ws, H, W).data;
    const moveWasm = () => wasmOps.roll(wasmOps.windowReverse(wasmOps.windowPartition(wasmOps.roll(x, [-s, -s], [1, 2]), ws), ws, H, W), [s, s], [1, 2]).data;
    out.push({
      op: 'window_partition', shape: name,
      title: `Swin cyclic shift + window partition + reverse + shift back, [1, ${H}, ${W}, ${dim}]`,
      flops: 0, formula: 'data movement (0 FLOPs)', tolerance: { rel: 0, why: 'bit-exact data movement' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref roll, windowPartition, windowReverse, roll', run: () => refOps.roll(new Tensor(moveRef(), x.shape), [s, s], [1, 2]).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops roll, windowPartition, windowReverse, roll (typed-array row copies)', run: moveWasm },
      ],
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
