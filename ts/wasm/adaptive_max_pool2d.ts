import { Tensor } from '../core/tensor.js';
import { checkAdaptivePool2d, type AdaptiveSize } from '../core/check/pooling.js';
import { runPool2d } from './pool_run.js';

/**
 * Adaptive max pooling on WASM (as/pool2d.ts pool2d_max__f32x4 over PyTorch's adaptive windows).
 * Matches / Shapes: as ts/ref/adaptive_pool2d.ts (F.adaptive_max_pool2d). Numerics: exact (bit-equal to the
 * reference and PyTorch).
 * @throws as checkAdaptivePool2d (before any WASM work); BackendError before `init()`.
 * @see ts/ref/adaptive_pool2d.ts · as/pool2d.ts · spec/pooling.test.ts
 */
export function adaptiveMaxPool2d(input: Tensor, output_size: AdaptiveSize): Tensor {
  const { rows, cols } = checkAdaptivePool2d('adaptive_max_pool2d', input, output_size);
  return runPool2d(input, rows, cols, null);
}
