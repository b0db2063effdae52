// conv2d_shift_sum, conv2d_stage_i, conv2d_stage_ii: convolution as the paper's two stages (ACmix §3.1,
// Eq. 2-7) on ResNet-50 layer1's 3x3 conv (64 → 64, 56x56, padding 1): stage I (k² 1x1 projections, the heavy
// O(k²C²) part), stage II (shift and sum, the light O(k²C) part) and the two together; ref, wasm and the peers.
// The peers compose each stage as a framework would: stage I as one 1x1 conv / matmul with the k² taps stacked
// on the output channels, stage II as pad + k² slices + a sum; the whole conv as their conv op.
// Run alone: node --import tsx bench/conv2d_shift_sum.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, nchwToNhwc, nhwcToNchw, runStandalone, seeded } from './harness.js';
import { conv, convFlops } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'resnet50.layer1.conv2';
  const s = conv[name], { C_in, C_out, H, W, k, padding } = s, T = k * k, HW = H * W, K = C_in * T;
  const xData = seeded(C_in * HW, 790), wData = seeded(C_out * K, 791, 0.25), bData = seeded(C_out, 792);
  const x = new Tensor(xData, [1, C_in, H, W]), w = new Tensor(wData, [C_out, C_in, k, k]), b = new Tensor(bData, [C_out]);
  const options = { padding };
  const out: Workload[] = [];
  const download = (y: ReturnType<typeof tf.add>) => { const d = y.dataSync() as Float32Array; y.dispose(); return d; };

  // ---- the whole conv as two stages
  {
    const xNhwc = nchwToNhwc(xData, C_in, H, W);
    const hwio = new Float32Array(K * C_out);
    for (let o = 0; o < C_out; o++) for (let c = 0; c < C_in; c++) for (let t = 0; t < T; t++) hwio[(t * C_in + c) * C_out + o] = wData[(o * C_in + c) * T + t];
    const filter = tf.tensor4d(hwio, [k, k, C_in, C_out]), bias = tf.tensor1d(bData);
    const g = new OnnxGraph();
    g.input('x', x.shape);
    g.node('Conv', ['x', g.weight(wData, w.shape), g.weight(bData, [C_out])], { kernel_shape: [k, k], pads: [padding, padding, padding, padding], strides: [1, 1] }, ['y']);
    g.output('y', [1, C_out, H, W]);
    const web = await ortSession('web', g.encode(), { x: x.shape });
    out.push({
      op: 'conv2d_shift_sum', shape: name, title: `${k}x${k} conv ${C_in}→${C_out}, ${H}x${W}, padding ${padding}, bias, as stage I + stage II`,
      flops: convFlops(s) + T * C_out * HW,
      formula: `2·N·C_out·H·W·(C_in/groups)·k_h·k_w + N·k_h·k_w·C_out·H_out·W_out = 2·${C_out}·${HW}·${K} + ${T}·${C_out}·${HW}`,
      tolerance: { rel: 1e-5 * K / 64, why: `float32 sums of C_in = ${C_in} then k² = ${T} terms vs one float32 conv of K = ${K}` },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref conv2dShiftSum (float64, two roundings)', run: () => refOps.conv2dShiftSum(x, w, b, options).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.conv2dShiftSum: one GEMM for all taps, shift_accumulate per tap', run: () => wasmOps.conv2dShiftSum(x, w, b, options).data },
        { impl: 'wasm:conv2d', kind: 'ours-extra', note: 'wasm.ops.conv2d on the same call (im2col + GEMM), for contrast', run: () => wasmOps.conv2d(x, w, b, options).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.fused.conv2d + bias, NHWC (converted outside the timed call)',
          run: () => download(tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(xNhwc, [1, H, W, C_in]), filter, strides: 1, pad: 'same', bias }))),
          toTruthLayout: (y) => nhwcToNchw(y, C_out, H, W), dispose: () => { filter.dispose(); bias.dispose(); },
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Conv (+B), NCHW', run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    });
  }

  // ---- stage I: proj[n, t, o] = Σ_c w[o, c, t] · x[n, c]: one [T·C_out, C_in] matrix times x as [C_in, H·W]
  {
    const stacked = new Float32Array(T * C_out * C_in);                      // row t·C_out + o
    for (let o = 0; o < C_out; o++) for (let c = 0; c < C_in; c++) for (let t = 0; t < T; t++) stacked[(t * C_out + o) * C_in + c] = wData[(o * C_in + c) * T + t];
    const tw = tf.tensor2d(stacked, [T * C_out, C_in]);
    const g = new OnnxGraph();
    g.input('x', x.shape);
    g.node('Conv', ['x', g.weight(stacked, [T * C_out, C_in, 1, 1])], { kernel_shape: [1, 1], strides: [1, 1] }, ['y']);
    g.output('y', [1, T * C_out, H, W]);
    const web = await ortSession('web', g.encode(), { x: x.shape });
    out.push({
      op: 'conv2d_stage_i', shape: name, title: `stage I: k² = ${T} 1x1 projections ${C_in}→${C_out} of ${H}x${W} → [1, ${T}, ${C_out}, ${H}, ${W}]`,
      flops: 2 * T * C_out * HW * C_in, formula: `2·N·k_h·k_w·C_out·H·W·(C_in/groups) = 2·${T}·${C_out}·${HW}·${C_in}`,
      tolerance: { rel: 2e-5, why: `float32 sums of C_in = ${C_in} terms, any order` },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref conv2dStageI (float64)', run: () => refOps.conv2dStageI(x, w).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.conv2dStageI (one gemm__f32x4_4x8 per image and group)', run: () => wasmOps.conv2dStageI(x, w).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: `tf.matMul([${T * C_out}, ${C_in}] resident, x as [${C_in}, ${HW}]), NCHW as is`, dispose: () => tw.dispose(),
          run: () => download(tf.tidy(() => tf.matMul(tw, tf.tensor2d(xData, [C_in, HW])))),
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: `ONNX Conv 1x1 ${C_in}→${T}·${C_out} (taps stacked on the output channels), NCHW`, run: () => web.run({ x: xData }), dispose: () => web.release() },
      ],
    });
  }

  // ---- stage II: y[o, i, j] = b[o] + Σ_t proj[t, o, i + p − P, j + q − P]
  {
    const projData = seeded(T * C_out * HW, 793, 4);
    const proj = new Tensor(projData, [1, T, C_out, H, W]);
    const tb = tf.tensor3d(bData, [C_out, 1, 1]);
    const tfRun = () => download(tf.tidy(() => {
      const padded = tf.pad(tf.tensor4d(projData, [T, C_out, H, W]), [[0, 0], [0, 0], [padding, padding], [padding, padding]]);
      const taps = [];
      for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) taps.push(tf.slice(padded, [p * k + q, 0, p, q], [1, C_out, H, W]));
      return tf.add(tf.addN(taps), tb);
    }));
    const g = new OnnxGraph();
    g.input('proj', [1, T, C_out, H, W]);
    const padded = g.op('Pad', [g.op('Reshape', ['proj', g.int64([T, C_out, H, W])]), g.int64([0, 0, padding, padding, 0, 0, padding, padding])], { mode: { s: 'constant' } });
    const taps: string[] = [];
    for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) {
      const t = p * k + q;
      taps.push(g.op('Slice', [padded, g.int64([t, p, q]), g.int64([t + 1, p + H, q + W]), g.int64([0, 2, 3])]));
    }
    g.node('Add', [g.op('Sum', taps), g.weight(bData, [C_out, 1, 1])], {}, ['y']);
    g.output('y', [1, C_out, H, W]);
    const web = await ortSession('web', g.encode(), { proj: [1, T, C_out, H, W] });
    out.push({
      op: 'conv2d_stage_ii', shape: name, title: `stage II: shift and sum ${T} tap maps [1, ${T}, ${C_out}, ${H}, ${W}] → [1, ${C_out}, ${H}, ${W}], padding ${padding}, bias`,
      flops: T * C_out * HW, formula: `N·k_h·k_w·C_out·H_out·W_out = ${T}·${C_out}·${HW}`,
      tolerance: { rel: 1e-5, why: `float32 sums of k² + 1 = ${T + 1} terms, any order` },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref conv2dStageII (float64)', run: () => refOps.conv2dStageII(proj, [k, k], b, options).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.conv2dStageII (shift_accumulate__f32x4 per tap)', run: () => wasmOps.conv2dStageII(proj, [k, k], b, options).data },
        { impl: 'tfjs-wasm', kind: 'wasm-peer', note: `tf.pad → ${T} × tf.slice → tf.addN → + bias`, run: tfRun, dispose: () => tb.dispose() },
        { impl: 'ort-web', kind: 'wasm-peer', note: `ONNX Reshape → Pad → ${T} × Slice → Sum → Add bias`, run: () => web.run({ proj: projData }), dispose: () => web.release() },
      ],
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
