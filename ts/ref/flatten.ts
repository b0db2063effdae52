import { Tensor } from '../core/tensor.js';
import { checkFlatten } from '../core/check/shape_ops.js';

/**
 * Flattens dims start_dim..end_dim into one: a view (the returned Tensor shares `data` with the input).
 *
 * Matches: torch.flatten(input, start_dim=0, end_dim=-1) (torch.nn.Flatten uses start_dim=1); a rank-0 input
 *          gives shape [1], as PyTorch.
 * Shapes:  [d0, …, d_{s}, …, d_{e}, …] → [d0, …, d_s·…·d_e, …].   Numerics: no arithmetic.   Cost: none.
 * @throws ArgumentError, ParameterError as checkFlatten.
 * @see ts/wasm/flatten.ts · spec/layers_std.test.ts
 */
export function flatten(input: Tensor, options?: { start_dim?: number; end_dim?: number }): Tensor {
  const shape = checkFlatten('flatten', input, options);      // before touching input.data
  return new Tensor(input.data, shape);
}
