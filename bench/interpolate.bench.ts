// interpolate: bilinear upsampling (align_corners = False, PyTorch's half-pixel centres) of SegFormer-B0's
// decode-head feature map; ref, wasm and the peers (tf.image.resizeBilinear with halfPixelCenters; ONNX Resize
// linear, half_pixel). Run alone: node --import tsx bench/interpolate.bench.ts
import { fileURLToPath } from 'node:url';
import { Tensor } from '../ts/core/tensor.js';
import { ops as refOps } from '../ts/ref/index.js';
import { init, ops as wasmOps } from '../ts/wasm/index.js';
import { type Workload, nchwToNhwc, nhwcToNchw, runStandalone, seeded } from './harness.js';
import { resize } from './shapes.js';
import { OnnxGraph, ortSession, tf, tfjs } from './peers.js';

export async function workloads(): Promise<Workload[]> {
  await init();
  await tfjs();
  const name = 'segformer_b0.decode.c4';
  const { shape, size } = resize[name];
  const [N, C, H, W] = shape, [H_out, W_out] = size, outShape = [N, C, H_out, W_out], nOut = N * C * H_out * W_out;
  const xData = seeded(N * C * H * W, 770, 4);
  const x = new Tensor(xData, shape);
  const options = { size, align_corners: false };
  const xNhwc = nchwToNhwc(xData, C, H, W);

  const g = new OnnxGraph();
  g.input('x', shape);
  g.node('Resize', ['x', '', '', g.int64(outShape)], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'half_pixel' } }, ['y']);
  g.output('y', outShape);
  const web = await ortSession('web', g.encode(), { x: shape });

  return [{
    op: 'interpolate', shape: name, title: `bilinear [${shape}] → [${outShape}], align_corners = False`,
    flops: 7 * nOut, formula: `~7 per output element (4 weights, 4 products summed) · ${nOut}`,
    tolerance: { rel: 1e-6, why: 'float32 weights and a sum of 4 terms: a few ulp' },
    impls: [
      { impl: 'ref', kind: 'ref', note: 'ts/ref interpolate (float64)', run: () => refOps.interpolate(x, options).data },
      { impl: 'wasm', kind: 'ours', note: 'wasm.ops.interpolate (bilinear__f32x4)', run: () => wasmOps.interpolate(x, options).data },
      {
        impl: 'tfjs-wasm', kind: 'wasm-peer', note: 'tf.image.resizeBilinear(alignCorners false, halfPixelCenters true), NHWC (converted outside the timed call)',
        run: () => {
          const y = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(xNhwc, [N, H, W, C]), [H_out, W_out], false, true));
          const d = y.dataSync() as Float32Array; y.dispose(); return d;
        },
        toTruthLayout: (y) => nhwcToNchw(y, C, H_out, W_out),
      },
      { impl: 'ort-web', kind: 'wasm-peer', note: "ONNX Resize(mode 'linear', 'half_pixel', sizes), NCHW", run: () => web.run({ x: xData }), dispose: () => web.release() },
    ],
  } satisfies Workload];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runStandalone(workloads);
