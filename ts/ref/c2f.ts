import { Tensor } from '../core/tensor.js';
import { checkC2f, foldedConv, type C2fOpOptions, type C2fWeights } from '../core/check/c2f.js';
import { conv2d } from './conv2d.js';
import { silu } from './activations_extra.js';
import { cat, chunk } from './cat_chunk.js';
import { add } from './activations.js';

/**
 * YOLOv8's C2f block in one call: Ultralytics' `C2f.forward` with its parameters given by state_dict key.
 *
 * Paper:   none — Ultralytics, ultralytics/nn/modules/block.py `C2f` ("Faster Implementation of CSP Bottleneck with
 *          2 convolutions"), a CSP stage (Wang et al., "CSPNet", CVPR-W 2020, arXiv:1911.11929, §3.1 Fig. 2).
 * Matches: C2f(c1, c2, n, shortcut, g, e).eval().forward(x) with the model's BatchNorm eps (1e-3 in Ultralytics
 *          models), each Conv being SiLU(BatchNorm(conv(x))) evaluated as Ultralytics' fused form (below).
 * Equation:
 *   Conv_p(t)      = SiLU(conv(t, W_p·s_p) + (β_p − μ_p·s_p)),  s_p = γ_p / √(σ²_p + ε)   (batch norm folded, p a prefix)
 *   [y0, y1]       = chunk(Conv_cv1(x), 2, dim 1)                                          (1x1, c1 → 2c)
 *   y_{i+1}        = Conv_{m.i-1.cv2}(Conv_{m.i-1.cv1}(y_i)) (+ y_i if shortcut),  i = 1..n  (3x3, padding 1; cv2 grouped by g)
 *   out            = Conv_cv2(cat([y0, y1, …, y_{n+1}], dim 1))                            (1x1, (2+n)c → c2)
 * Shapes:  input [N, c1, H, W]; weights as `c2fParameterShapes` (ts/core/check/c2f.ts); output [N, c2, H, W].
 * Units:   channels; eps added to the running variance.
 * Numerics: the composition of this folder's conv2d (float64 accumulation, one rounding per output), silu, chunk, cat
 *          and add; the folded weights are computed in float64 and rounded once (foldBatchNorm).
 * Cost:    2·N·H·W·(c1·2c + n·(9c² + 9c²/g) + (2+n)·c·c2) FLOPs, plus ~26 per activation and one per residual add.
 * @throws as checkC2f (ArgumentError, ParameterError, ShapeError, StateDictError, ResourceError) before any work.
 * @see ts/wasm/c2f.ts · ts/nn/ultralytics.ts (nn.C2f) · spec/c2f.test.ts · bench/c2f.bench.ts
 */
export function c2f(input: Tensor, weights: C2fWeights, options?: C2fOpOptions): Tensor {
  const g = checkC2f('c2f', input, weights, options);
  const conv = (prefix: string, t: Tensor, padding: number, groups: number) => {
    const { weight, bias } = foldedConv(weights, prefix, g.eps);
    return silu(conv2d(t, weight, bias, { padding, groups }));
  };
  const y = chunk(conv('cv1', input, 0, 1), 2, { dim: 1 });
  for (let i = 0; i < g.n; i++) {
    const prev = y[y.length - 1];
    const out = conv(`m.${i}.cv2`, conv(`m.${i}.cv1`, prev, 1, 1), 1, g.g);
    y.push(g.shortcut ? add(prev, out) : out);
  }
  return conv('cv2', cat(y, { dim: 1 }), 0, 1);
}
