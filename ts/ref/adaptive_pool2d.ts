import { Tensor } from '../core/tensor.js';
import { checkAdaptivePool2d, type AdaptiveSize } from '../core/check/pooling.js';

/** PyTorch's adaptive windows along one axis: [⌊o·in/out⌋, ⌈(o + 1)·in/out⌉). */
function window(o: number, inSize: number, out: number): [number, number] {
  return [Math.floor((o * inSize) / out), Math.ceil(((o + 1) * inSize) / out)];
}

/**
 * Adaptive average pooling: the output size is given, each output averages its window.
 *
 * Paper:   spatial pyramid pooling (He et al. 2014, arXiv:1406.4729, §2.3: bins of ⌈a/n⌉ with stride ⌊a/n⌋ — PyTorch
 *          uses the floor / ceil index form below); the global pool (output 1) of ResNet and every CNN classifier head.
 * Matches: torch.nn.functional.adaptive_avg_pool2d(input, output_size) (an int, or [h, w] with null = input size).
 * Equation: y[n, c, i, j] = mean of x[n, c, r, s] over r ∈ [⌊i·H/H_o⌋, ⌈(i+1)·H/H_o⌉), s ∈ [⌊j·W/W_o⌋, ⌈(j+1)·W/W_o⌉)
 *          — windows overlap when H_o does not divide H (7 → 3: [0,3), [2,5), [4,7)).
 * Shapes:  input [N, C, H, W] → output [N, C, H_o, W_o].
 * Numerics: float64 sum, one division, one rounding.
 * Cost:    window size + 1 FLOPs per output.
 * @throws as checkAdaptivePool2d, before any work.
 * @see ts/wasm/adaptive_avg_pool2d.ts · spec/pooling.test.ts
 */
export function adaptiveAvgPool2d(input: Tensor, output_size: AdaptiveSize): Tensor {
  const { rows, cols } = checkAdaptivePool2d('adaptive_avg_pool2d', input, output_size);
  return adaptive(input, rows.out, cols.out, (x, base, W, [r0, r1], [c0, c1]) => {
    let acc = 0;
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) acc += x[base + r * W + c];
    return acc / ((r1 - r0) * (c1 - c0));
  });
}

/**
 * Adaptive max pooling: the output size is given, each output is the max of its window.
 *
 * Paper:   spatial pyramid pooling (He et al. 2014, arXiv:1406.4729, §2.3, max pooling in each bin).
 * Matches: torch.nn.functional.adaptive_max_pool2d(input, output_size) (return_indices not supported).
 * Equation: y[n, c, i, j] = max over the window of adaptiveAvgPool2d; a tap replaces the running max when greater or
 *          NaN (PyTorch's rule: first of equal maxima wins, NaN propagates).
 * Shapes:  input [N, C, H, W] → output [N, C, H_o, W_o].   Numerics: exact.   Cost: window size per output.
 * @throws as checkAdaptivePool2d, before any work.
 * @see ts/wasm/adaptive_max_pool2d.ts · spec/pooling.test.ts
 */
export function adaptiveMaxPool2d(input: Tensor, output_size: AdaptiveSize): Tensor {
  const { rows, cols } = checkAdaptivePool2d('adaptive_max_pool2d', input, output_size);
  return adaptive(input, rows.out, cols.out, (x, base, W, [r0, r1], [c0, c1]) => {
    let m = -Infinity;
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) {
      const v = x[base + r * W + c];
      if (v > m || Number.isNaN(v)) m = v;
    }
    return m;
  });
}

function adaptive(input: Tensor, Ho: number, Wo: number,
  reduce: (x: Float32Array, base: number, W: number, rows: [number, number], cols: [number, number]) => number): Tensor {
  const [N, C, H, W] = input.shape, out = new Float32Array(N * C * Ho * Wo);
  for (let nc = 0; nc < N * C; nc++) {
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
      out[(nc * Ho + i) * Wo + j] = reduce(input.data, nc * H * W, W, window(i, H, Ho), window(j, W, Wo));
    }
  }
  return new Tensor(out, [N, C, Ho, Wo]);
}
