import { Tensor } from '../core/tensor.js';
import { checkFlatten } from '../core/check/shape_ops.js';

/**
 * torch.flatten on the WASM backend: a view, as on the reference — no kernel runs, the returned Tensor shares
 * `data` with the input (nothing to copy into linear memory). Same signature, checks and result as ts/ref/flatten.ts.
 * @throws as checkFlatten.
 * @see ts/ref/flatten.ts
 */
export function flatten(input: Tensor, options?: { start_dim?: number; end_dim?: number }): Tensor {
  const shape = checkFlatten('flatten', input, options);      // before touching input.data
  return new Tensor(input.data, shape);
}
