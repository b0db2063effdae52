import { Tensor } from '../core/tensor.js';
import { interpolateNearest } from './interpolate_nearest.js';
import { checkInterpolate, bilinearAxis, type InterpolateOptions } from '../core/check/interpolate.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Bilinear resampling on the WASM kernels: same signature and semantics as ts/ref/interpolate.ts.
 *
 * Matches: torch.nn.functional.interpolate(input, size, mode='bilinear', align_corners), antialias=False.
 * Composition: PyTorch's source coordinates per axis (bilinearAxis, the geometry both backends share) give
 *          per output row (i0, i1, h0, h1) and per output column (c0, c1, w0, w1), weights in float32
 *          (w1 = l1, w0 = fround(1 − l1)); bilinear__f32x4 interpolates along W each input row an output
 *          row needs, then along H — the reference's order.
 * Numerics: with absScale = Σ of the 4 terms h·w·|x| (≥ |ref|) and u = 2⁻²⁴, first order in u:
 *          each term carries the rounding of w0/h0 (u), two products and two sums (4u), the reference's
 *          rounding adds u·|ref|: |wasm − ref| ≤ 7·u·absScale.
 * Shapes:  [N, C, H, W] → [N, C, H_out, W_out].   Cost: ~7 FLOPs per output element.
 * @throws ShapeError / ParameterError as checkInterpolate (before any WASM work); BackendError before init.
 * @see ts/ref/interpolate.ts · as/interpolate.ts
 */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  const [H_out, W_out] = checkInterpolate('interpolate', input, options);
  if (options.mode === 'nearest') return interpolateNearest(input, [H_out, W_out]);   // PyTorch's legacy nearest (interpolate_nearest.ts)
  const k = kernels();
  const [N, C, H, W] = input.shape;
  const align = options.align_corners ?? false;
  const n = N * C * H_out * W_out;
  if (n === 0 || H === 0 || W === 0) return new Tensor(new Float32Array(n), [N, C, H_out, W_out]);
  const ay = bilinearAxis(H, H_out, align), ax = bilinearAxis(W, W_out, align);
  const rowBuf = new ArrayBuffer(16 * H_out), rowI = new Int32Array(rowBuf), rowF = new Float32Array(rowBuf);
  for (let i = 0; i < H_out; i++) {
    rowI[4 * i] = ay.i0[i]; rowI[4 * i + 1] = ay.i1[i]; rowF[4 * i + 2] = 1 - ay.l1[i]; rowF[4 * i + 3] = ay.l1[i];
  }
  const colBuf = new ArrayBuffer(16 * W_out), colI = new Int32Array(colBuf), colF = new Float32Array(colBuf);
  for (let j = 0; j < W_out; j++) {
    colI[j] = ax.i0[j]; colI[W_out + j] = ax.i1[j]; colF[2 * W_out + j] = 1 - ax.l1[j]; colF[3 * W_out + j] = ax.l1[j];
  }
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    const rows = a.upload(rowF), cols = a.upload(colF), tmp = a.alloc(H * W_out);
    k.bilinear__f32x4(x, y, N * C, H, W, H_out, W_out, rows, cols, tmp);
    return a.download(y, n);
  });
  return new Tensor(out, [N, C, H_out, W_out]);
}
