// shift2d and shift2d_as_conv: the Shift (ACmix Eq. 4; Wu et al. 2018) on ACmix ResNet-50 layer1's conv path at
// the official init (§4.2): channel d·9 + t of the fc output shifted by (⌊t/3⌋ − 1, t mod 3 − 1). shift2d moves
// data (shift_copy); shift2d_as_conv is the same Shift as one grouped conv with one-hot 3x3 kernels (Eq. 13-15),
// which is how a framework without a shift op runs it, so it is also the peers' composition there. Bit-exact.
// Run alone: node --import tsx bench/shift2d.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, nchwToNhwc, nhwcToNchw, runStandalone, seeded } from './harness.js';
import { shift } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'acmix_resnet50.layer1.conv_path';
  const { C, H, W } = shift[name];
  const shape = [1, C, H, W], G = C / 9;
  const xData = seeded(C * H * W, 740);
  const x = new Tensor(xData, shape);
  const shifts = Array.from({ length: C }, (_, ch) => [Math.floor((ch % 9) / 3) - 1, (ch % 9) % 3 - 1] as [number, number]);
  const bytes = 8 * C * H * W;

  // Shift as data movement: view x as [G, 9, H, W], zero-pad H and W by 1, tap t reads the window at
  // (1 + dy, 1 + dx) of plane t; concat the 9 taps back on axis 1. (y[i, j] = x[i + dy, j + dx].)
  const tfShift = () => {
    const y = tf.tidy(() => {
      const p = tf.pad(tf.tensor4d(xData, [G, 9, H, W]), [[0, 0], [0, 0], [1, 1], [1, 1]]);
      const taps = shifts.slice(0, 9).map(([dy, dx], t) => tf.slice(p, [0, t, 1 + dy, 1 + dx], [G, 1, H, W]));
      return tf.concat(taps, 1);
    });
    const d = y.dataSync() as Float32Array; y.dispose(); return d;
  };
  const gs = new OnnxGraph();
  gs.input('x', shape);
  const padded = gs.op('Pad', [gs.op('Reshape', ['x', gs.int64([G, 9, H, W])]), gs.int64([0, 0, 1, 1, 0, 0, 1, 1])], { mode: { s: 'constant' } });
  const taps = shifts.slice(0, 9).map(([dy, dx], t) => gs.op('Slice', [padded, gs.int64([t, 1 + dy, 1 + dx]), gs.int64([t + 1, 1 + dy + H, 1 + dx + W]), gs.int64([1, 2, 3])]));
  gs.node('Reshape', [gs.op('Concat', taps, { axis: 1 }), gs.int64(shape)], {}, ['y']);
  gs.output('y', shape);
  const webShift = await ortSession('web', gs.encode(), { x: shape });

  // Shift as a depthwise conv with one-hot 3x3 kernels (padding 1).
  const oneHot = new Float32Array(C * 9);
  shifts.forEach(([dy, dx], ch) => { oneHot[ch * 9 + (dy + 1) * 3 + (dx + 1)] = 1; });
  const filter = new Float32Array(9 * C);                                 // [3, 3, C, 1] for tfjs
  for (let ch = 0; ch < C; ch++) for (let t = 0; t < 9; t++) filter[t * C + ch] = oneHot[ch * 9 + t];
  const tfFilter = tf.tensor4d(filter, [3, 3, C, 1]);
  const xNhwc = nchwToNhwc(xData, C, H, W);
  const gc = new OnnxGraph();
  gc.input('x', shape);
  gc.node('Conv', ['x', gc.weight(oneHot, [C, 1, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: C, strides: [1, 1] }, ['y']);
  gc.output('y', shape);
  const webConv = await ortSession('web', gc.encode(), { x: shape });

  return [
    {
      op: 'shift2d', shape: name, title: `Shift of [${shape}], 9 shifts in the 3x3 neighbourhood (${(bytes / 2 ** 20).toFixed(1)} MiB read + written)`,
      flops: 0, formula: '0 (data movement)',
      tolerance: { rel: 0, why: 'data movement: bit-exact' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref shift2d', run: () => refOps.shift2d(x, shifts).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.shift2d (shift_copy__f32x4)', run: () => wasmOps.shift2d(x, shifts).data },
        { impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'NCHW as [G, 9, H, W]: tf.pad → 9 × tf.slice → tf.concat', run: tfShift },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Reshape → Pad → 9 × Slice → Concat → Reshape', run: () => webShift.run({ x: xData }), dispose: () => webShift.release() },
      ],
    },
    {
      op: 'shift2d_as_conv', shape: name, title: `the same Shift as a depthwise 3x3 conv with one-hot kernels (ACmix §4.2), [${shape}]`,
      flops: 2 * C * H * W * 9, formula: `2·N·C·H·W·k² = 2·1·${C}·${H}·${W}·9`,
      tolerance: { rel: 0, why: 'one nonzero tap per output, the others add exact zeros: bit-exact' },
      impls: [
        { impl: 'ref', kind: 'ref', note: 'ts/ref shift2dAsConv (ref conv2d)', run: () => refOps.shift2dAsConv(x, shifts).data },
        { impl: 'wasm', kind: 'ours', note: 'wasm.ops.shift2dAsConv (depthwise_conv2d__f32x4)', run: () => wasmOps.shift2dAsConv(x, shifts).data },
        {
          impl: 'tfjs-wasm', kind: 'wasm-peer', note: "tf.depthwiseConv2d, NHWC, 'same' (converted outside the timed call)",
          run: () => {
            const y = tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d(xNhwc, [1, H, W, C]), tfFilter, 1, 'same'));
            const d = y.dataSync() as Float32Array; y.dispose(); return d;
          },
          toTruthLayout: (y) => nhwcToNchw(y, C, H, W), dispose: () => tfFilter.dispose(),
        },
        { impl: 'ort-web', kind: 'wasm-peer', note: 'ONNX Conv(group = C, one-hot 3x3 initializer), NCHW', run: () => webConv.run({ x: xData }), dispose: () => webConv.release() },
      ],
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
