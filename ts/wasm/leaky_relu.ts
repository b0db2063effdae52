import { Tensor } from '../core/tensor.js';
import { checkLeakyRelu } from '../core/check/shape_ops.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * Leaky ReLU on WASM (as/activations_extra.ts leaky_relu__f32x4: x > 0 ? x : x·slope, slope as float32).
 * Matches / Shapes: as ts/ref/activations_extra.ts (F.leaky_relu). Numerics: bit-exact (one correctly rounded product).
 * @throws as checkLeakyRelu; BackendError before `init()`.
 * @see ts/ref/activations_extra.ts · as/activations_extra.ts
 */
export function leakyRelu(input: Tensor, options?: { negative_slope?: number }): Tensor {
  const slope = checkLeakyRelu('leaky_relu', input, options);
  const k = kernels(), n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data);
    k.leaky_relu__f32x4(x, x, n, slope);
    return a.download(x, n);
  });
  return new Tensor(out, input.shape);
}
