import { Tensor } from '../core/tensor.js';
import { conv2dGeometry, type Conv2dOptions, type Conv2dGeometry } from '../core/geometry.js';
import { checkConv2d } from '../core/check/conv2d.js';

export type { Conv2dOptions };

/**
 * 2-D convolution (cross-correlation) with zero padding, stride, dilation and groups.
 *
 * Paper:   Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022,
 *          arXiv:2111.14556, §3.1, Eq. (1) (standard convolution).
 * Matches: torch.nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups),
 *          including padding='valid' / 'same' (extra 'same' padding on the bottom/right).
 *
 * Equation:
 *   g[n,o,i,j] = b[o] + sum_{c,p,q} K[o,c,p,q] · f[n, g·C_in/groups + c, i·s_h + p·d_h − P_top, j·s_w + q·d_w − P_left]
 *   f → input, K → weight, b → bias, (p,q) → kernel tap, g → group of o; f reads 0 outside the map.
 *
 * Shapes:  input [N, C_in, H, W]   weight [C_out, C_in/groups, k_h, k_w]   bias [C_out] | null
 *          output [N, C_out, H_out, W_out], H_out = floor((H + 2·padding − dilation·(k_h − 1) − 1) / stride) + 1
 * Units:   stride, padding, dilation in input pixels.
 * Numerics: float64 accumulation in (c, p, q) order, bias added last, one rounding to float32.
 * Cost:    2 · N · C_out · H_out · W_out · (C_in/groups) · k_h · k_w FLOPs.
 * @throws ShapeError if ranks are not 4, weight.shape[1] ≠ C_in/groups, groups ∤ C_in or C_out,
 *         bias is not [C_out], or the dilated kernel is larger than the padded input.
 * @throws ParameterError if stride, dilation or groups is not a positive integer or padding is negative.
 * @see ts/wasm/conv2d.ts · spec/conv2d.test.ts
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const g = checkConv2d('conv2d', input, weight, bias, options);
  const { N, C_in, H, W, C_out, k_h, k_w, H_out, W_out, cinPerGroup, coutPerGroup } = g;
  const x = input.data, w = weight.data, b = bias ? bias.data : null;
  const out = new Float32Array(N * C_out * H_out * W_out);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < C_out; o++) {
      const group = Math.floor(o / coutPerGroup);
      for (let i = 0; i < H_out; i++) {
        for (let j = 0; j < W_out; j++) {
          let acc = 0;
          for (let c = 0; c < cinPerGroup; c++) {
            const cIn = group * cinPerGroup + c;
            for (let p = 0; p < k_h; p++) {
              const y = i * g.stride_h + p * g.dilation_h - g.pad_top;
              if (y < 0 || y >= H) continue;
              for (let q = 0; q < k_w; q++) {
                const xx = j * g.stride_w + q * g.dilation_w - g.pad_left;
                if (xx < 0 || xx >= W) continue;
                acc += w[((o * cinPerGroup + c) * k_h + p) * k_w + q] * x[((n * C_in + cIn) * H + y) * W + xx];
              }
            }
          }
          if (b) acc += b[o];
          out[((n * C_out + o) * H_out + i) * W_out + j] = acc;
        }
      }
    }
  }
  return new Tensor(out, [N, C_out, H_out, W_out]);
}
