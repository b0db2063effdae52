import { Tensor } from '../core/tensor.js';
import { checkAdaptivePool2d, type AdaptiveSize } from '../core/check/pooling.js';
import { runPool2d } from './pool_run.js';

/**
 * Adaptive average pooling on WASM (as/pool2d.ts pool2d_avg__f32x4 over PyTorch's adaptive windows
 * [⌊i·H/H_o⌋, ⌈(i+1)·H/H_o⌉)). Matches / Shapes: as ts/ref/adaptive_pool2d.ts (F.adaptive_avg_pool2d).
 * Numerics: PyTorch 1.13's order: one float32 sum over the window in row-major order, then sum / k_h / k_w —
 *           bit-identical to PyTorch (except output 1x1, which PyTorch computes as mean(), a different summation);
 *           |wasm − ref| ≤ (k_h·k_w + 2)·u·Σ|window|/(k_h·k_w) with k_h, k_w the largest window sides.
 * @throws as checkAdaptivePool2d (before any WASM work); BackendError before `init()`.
 * @see ts/ref/adaptive_pool2d.ts · as/pool2d.ts · spec/pooling.test.ts
 */
export function adaptiveAvgPool2d(input: Tensor, output_size: AdaptiveSize): Tensor {
  const { rows, cols } = checkAdaptivePool2d('adaptive_avg_pool2d', input, output_size);
  const div = new Float32Array(rows.out + cols.out);
  div.set(rows.count, 0);
  div.set(cols.count, rows.out);
  return runPool2d(input, rows, cols, div, true);
}
