// local_attention: ACmix's 7x7 sliding-window multi-head attention (reflection at the borders), pe = null:
//   y[c, p] = Σ_t softmax_t( Σ_{d ∈ head(c)} s·q[d, p] · k[d, win(p, t)] ) · v[c, win(p, t)],  s = head_dim^−½
// Ours: wasm.ops.localAttention. No peer has an unfold / extract-patches op, so each peer gathers the
// windows with a precomputed index list (the reflection folded into the indices), then multiplies and
// reduces; the index tensors are built once, outside the timed call.
// Run alone: node --import tsx bench/local_attention.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Impl, type Workload, nchwToNhwc, nhwcToNchw, runStandalone, seeded } from './harness.js';
import { localAttention } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

const reflect = (s: number, n: number) => (s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s);

/** win[t·HW + p] = flat source pixel of tap t (row-major in the k_att × k_att window) for query pixel p. */
function windowIndex(H: number, W: number, kernel_att: number): Int32Array {
  const pad = Math.floor(kernel_att / 2), HW = H * W, T = kernel_att * kernel_att;
  const idx = new Int32Array(T * HW);
  for (let a = 0; a < kernel_att; a++) for (let b = 0; b < kernel_att; b++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    idx[(a * kernel_att + b) * HW + i * W + j] = reflect(i + a - pad, H) * W + reflect(j + b - pad, W);
  }
  return idx;
}

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const out: Workload[] = [];
  for (const [name, { C, H, W, head, kernel_att }] of Object.entries(localAttention)) {
    const HW = H * W, T = kernel_att * kernel_att, hd = C / head, scale = Math.fround(hd ** -0.5);
    const qData = seeded(C * HW, 500), kData = seeded(C * HW, 501), vData = seeded(C * HW, 502);
    const q = new Tensor(qData, [1, C, H, W]), k = new Tensor(kData, [1, C, H, W]), v = new Tensor(vData, [1, C, H, W]);
    const options = { head, kernel_att };
    const win = windowIndex(H, W, kernel_att);

    // tfjs, NHWC = [HW, C]: gatherND of whole pixel rows (the fast gather in tfjs-wasm), window-major per query.
    const qN = nchwToNhwc(qData, C, H, W), kN = nchwToNhwc(kData, C, H, W), vN = nchwToNhwc(vData, C, H, W);
    const rows = new Int32Array(HW * T);
    for (let p = 0; p < HW; p++) for (let t = 0; t < T; t++) rows[p * T + t] = win[t * HW + p];
    const rowIdx = tf.tensor2d(rows, [HW * T, 1], 'int32');
    const tfRun = () => {
      const y = tf.tidy(() => {
        const qt = tf.tensor2d(qN, [HW, C]), kt = tf.tensor2d(kN, [HW, C]), vt = tf.tensor2d(vN, [HW, C]);
        const kw = tf.reshape(tf.gatherND(kt, rowIdx), [HW, T, head, hd]);
        const logits = tf.sum(tf.mul(tf.reshape(tf.mul(qt, scale), [HW, 1, head, hd]), kw), -1);     // [HW, T, head]
        const pr = tf.transpose(tf.softmax(tf.transpose(logits, [0, 2, 1])), [0, 2, 1]);              // softmax over T
        const vw = tf.reshape(tf.gatherND(vt, rowIdx), [HW, T, head, hd]);
        return tf.reshape(tf.sum(tf.mul(tf.expandDims(pr, -1), vw), 1), [HW, C]);
      });
      const d = y.dataSync() as Float32Array; y.dispose(); return d;
    };

    // ONNX, two gathers: 'nchw' takes [C, HW] maps and gathers elements (Gather axis 1 with the [T, HW] index
    // list → [C, T, HW]); 'nhwc' takes [HW, C] maps and gathers whole pixel rows (Gather axis 0 with the
    // [HW, T] list → [HW, T, C], as tfjs's gatherND). Both then Mul + ReduceSum, Softmax over the window, Mul + ReduceSum.
    const onnxGraph = (layout: 'nchw' | 'nhwc') => {
      const g = new OnnxGraph();
      const shapeIn = layout === 'nchw' ? [1, C, H, W] : [HW, C];
      for (const nm of ['q', 'k', 'v']) g.input(nm, shapeIn);
      const scaleW = g.weight(new Float32Array([scale]), []);
      if (layout === 'nchw') {
        const idx = g.int64(win, [T, HW]);
        const flat = (nm: string) => g.op('Reshape', [nm, g.int64([C, HW])]);
        const windows = (nm: string) => g.op('Reshape', [g.op('Gather', [flat(nm), idx], { axis: 1 }), g.int64([head, hd, T, HW])]);
        const qs = g.op('Reshape', [g.op('Mul', [flat('q'), scaleW]), g.int64([head, hd, 1, HW])]);
        const logits = g.op('ReduceSum', [g.op('Mul', [qs, windows('k')]), g.int64([1])], { keepdims: 0 });   // [head, T, HW]
        const pr = g.op('Reshape', [g.op('Softmax', [logits], { axis: 1 }), g.int64([head, 1, T, HW])]);
        const o = g.op('ReduceSum', [g.op('Mul', [pr, windows('v')]), g.int64([2])], { keepdims: 0 });         // [head, hd, HW]
        g.node('Reshape', [o, g.int64(shapeIn)], {}, ['y']);
      } else {
        const idx = g.int64(rows, [HW, T]);
        const windows = (nm: string) => g.op('Reshape', [g.op('Gather', [nm, idx], { axis: 0 }), g.int64([HW, T, head, hd])]);
        const qs = g.op('Reshape', [g.op('Mul', ['q', scaleW]), g.int64([HW, 1, head, hd])]);
        const logits = g.op('ReduceSum', [g.op('Mul', [qs, windows('k')]), g.int64([3])], { keepdims: 1 });   // [HW, T, head, 1]
        const pr = g.op('Softmax', [logits], { axis: 1 });
        const o = g.op('ReduceSum', [g.op('Mul', [pr, windows('v')]), g.int64([1])], { keepdims: 0 });         // [HW, head, hd]
        g.node('Reshape', [o, g.int64(shapeIn)], {}, ['y']);
      }
      g.output('y', shapeIn);
      return g.encode();
    };
    const dimsNchw = { q: [1, C, H, W], k: [1, C, H, W], v: [1, C, H, W] }, dimsNhwc = { q: [HW, C], k: [HW, C], v: [HW, C] };
    const feedsNchw = { q: qData, k: kData, v: vData }, feedsNhwc = { q: qN, k: kN, v: vN };
    const nchwModel = onnxGraph('nchw'), nhwcModel = onnxGraph('nhwc');
    const webNchw = await ortSession('web', nchwModel, dimsNchw), webNhwc = await ortSession('web', nhwcModel, dimsNhwc);
    const native = await ortSession('node', nhwcModel, dimsNhwc);

    const impls: Impl[] = [
      { impl: 'ref', kind: 'ref', note: 'ts/ref localAttention (float64)', run: () => refOps.localAttention(q, k, v, null, options).data },
      { impl: 'wasm', kind: 'ours', note: `wasm.ops.localAttention(q, k, v, null)`, run: () => wasmOps.localAttention(q, k, v, null, options).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'NHWC: gatherND(k|v, [HW·49, 1] row indices) → mul, sum, transpose, softmax, transpose → mul, sum',
        run: tfRun, toTruthLayout: (y) => nhwcToNchw(y, C, H, W), dispose: () => rowIdx.dispose(),
      },
      { impl: 'ort-web:nchw', kind: 'wasm-peer', note: 'NCHW [C, HW]: Gather(axis 1, [49, HW] int64) → Mul, ReduceSum, Softmax(axis 1) → Mul, ReduceSum', run: () => webNchw.run(feedsNchw), dispose: () => webNchw.release() },
      {
        impl: 'ort-web:nhwc', kind: 'wasm-peer', note: 'NHWC [HW, C]: Gather(axis 0, [HW, 49] int64) rows → Mul, ReduceSum, Softmax(axis 1) → Mul, ReduceSum',
        run: () => webNhwc.run(feedsNhwc), toTruthLayout: (y) => nhwcToNchw(y, C, H, W), dispose: () => webNhwc.release(),
      },
      {
        impl: 'ort-node', kind: 'native', note: 'the NHWC ONNX graph, native', run: () => native.run(feedsNhwc),
        toTruthLayout: (y) => nhwcToNchw(y, C, H, W), dispose: () => native.release(),
      },
    ];
    out.push({
      op: 'local_attention', shape: name,
      title: `sliding ${kernel_att}x${kernel_att}-window attention, C = ${C} (${head} heads × ${hd}), ${H}x${W}, reflection at borders, pe = null`,
      flops: 4 * C * T * HW,
      formula: `4·N·C·k_att²·H_out·W_out = 4·1·${C}·${T}·${H}·${W} (logits + aggregation; softmax not counted)`,
      tolerance: { rel: 1e-5, why: 'float32 dots of head_dim = 32 and 49 terms, exp' },
      impls,
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
