import { Tensor } from '../core/tensor.js';
import type { IntPair } from '../core/geometry.js';
import { checkAvgPool2d, type AvgPool2dOptions } from '../core/check/pooling.js';
import { runPool2d } from './pool_run.js';

/**
 * Average pooling on WASM (as/pool2d.ts pool2d_avg__f32x4). Matches / Shapes: as ts/ref/pool2d.ts
 * (torch.nn.functional.avg_pool2d, count_include_pad and divisor_override included).
 * Order:    PyTorch 1.13's: one float32 accumulator per output over the in-input taps in row-major order, then one
 *           division by D = rowFactor·colFactor (integers < 2^24, exact) — bit-identical to PyTorch's avg_pool2d.
 * Numerics: |wasm − ref| ≤ (k_h·k_w + 1)·u·Σ|taps|/D (u = 2⁻²⁴): k_h·k_w − 1 float32 additions, the division, the
 *           reference's own rounding (the stated bound, spec/support/cases.ts, doubles it).
 * @throws as checkAvgPool2d (before any WASM work); BackendError before `init()`.
 * @see ts/ref/pool2d.ts · as/pool2d.ts · spec/pooling.test.ts
 */
export function avgPool2d(input: Tensor, kernel_size: IntPair, options?: AvgPool2dOptions): Tensor {
  const g = checkAvgPool2d('avg_pool2d', input, kernel_size, options);
  const div = new Float32Array(g.rows.out + g.cols.out);
  div.set(g.rowDiv, 0);
  div.set(g.colDiv, g.rows.out);
  return runPool2d(input, g.rows, g.cols, div);
}
