import { Tensor } from '../core/tensor.js';
import type { IntPair } from '../core/geometry.js';
import { checkMaxPool2d, type MaxPool2dOptions } from '../core/check/pooling.js';
import { runPool2d } from './pool_run.js';

/**
 * Max pooling on WASM (as/pool2d.ts pool2d_max__f32x4: a row pass (f32x4 at strides 1 and 2), then an f32x4 column pass over the
 * window tables of checkMaxPool2d). Matches / Shapes: as ts/ref/pool2d.ts (torch.nn.functional.max_pool2d).
 * Numerics: exact — equal to the reference and to PyTorch bit for bit (the first of equal maxima in row-major tap
 * order, NaN propagates).   Cost: k_h·k_w comparisons per output (k_w per row-pass element + k_h per output).
 * @throws as checkMaxPool2d (before any WASM work); BackendError before `init()`.
 * @see ts/ref/pool2d.ts · as/pool2d.ts · spec/pooling.test.ts
 */
export function maxPool2d(input: Tensor, kernel_size: IntPair, options?: MaxPool2dOptions): Tensor {
  const g = checkMaxPool2d('max_pool2d', input, kernel_size, options);
  return runPool2d(input, g.rows, g.cols, null);
}
