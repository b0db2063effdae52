import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtContext } from '../core/errors.js';
import { expectRank, pair, type IntPair } from '../core/geometry.js';
import { DeformConv2dOptions, DeformConv2dGeometry, checkDeformConv2d } from '../core/check/deform_conv2d.js';

/**
 * Bilinear sample of one H×W plane at a real position (py, px), zero beyond (−1, H) × (−1, W), each of
 * the four corners read only if it lies inside the plane (torchvision's `bilinear_interpolate`).
 *
 * Equation (Dai et al. 2017, Eq. (3)-(4): G(q, p) = g(q_y, p_y)·g(q_x, p_x), g(a, b) = max(0, 1 − |a − b|)):
 *   0 if py ≤ −1 or py ≥ H or px ≤ −1 or px ≥ W; otherwise, with y0 = ⌊py⌋, x0 = ⌊px⌋, ly = py − y0, lx = px − x0,
 *   (1−ly)(1−lx)·v[y0,x0] + (1−ly)·lx·v[y0,x0+1] + ly·(1−lx)·v[y0+1,x0] + ly·lx·v[y0+1,x0+1], v = 0 off the plane.
 * Numerics: float64 throughout (the caller rounds once).
 */
export function bilinearSample(plane: Float32Array, base: number, H: number, W: number, py: number, px: number): number {
  if (py <= -1 || py >= H || px <= -1 || px >= W) return 0;
  const y0 = Math.floor(py), x0 = Math.floor(px), y1 = y0 + 1, x1 = x0 + 1;
  const ly = py - y0, lx = px - x0, hy = 1 - ly, hx = 1 - lx;
  const v00 = y0 >= 0 && x0 >= 0 ? plane[base + y0 * W + x0] : 0;
  const v01 = y0 >= 0 && x1 <= W - 1 ? plane[base + y0 * W + x1] : 0;
  const v10 = y1 <= H - 1 && x0 >= 0 ? plane[base + y1 * W + x0] : 0;
  const v11 = y1 <= H - 1 && x1 <= W - 1 ? plane[base + y1 * W + x1] : 0;
  return hy * hx * v00 + hy * lx * v01 + ly * hx * v10 + ly * lx * v11;
}

/**
 * Deformable 2-D convolution (v1) and modulated deformable convolution (v2): every kernel tap samples the
 * input at its regular grid position plus a learned, per-output-position offset, bilinearly, optionally
 * scaled by a modulation mask.
 *
 * Paper:   Dai et al., "Deformable Convolutional Networks", ICCV 2017, arXiv:1703.06211, §2.1 Eq. (2)-(4);
 *          Zhu et al., "Deformable ConvNets v2", CVPR 2019, arXiv:1811.11168, §3.1 Eq. (1) (modulation Δm_k)
 *          (equation numbers as read from the arXiv versions; re-verify against the PDFs).
 * Matches: torchvision.ops.deform_conv2d(input, offset, weight, bias, stride, padding, dilation, mask)
 *          (torchvision 0.14 CPU kernel): offsets interleaved (Δy, Δx) per tap, taps row-major, offset groups
 *          outermost; groups and offset_groups inferred from the shapes; zero beyond (−1, H) / (−1, W) with
 *          per-corner validity (*not* ONNX GridSample's normalised coordinates); the mask multiplies the
 *          sampled value and is used as given (no sigmoid inside); output size by C++ truncating division.
 *
 * Equation (Zhu et al. Eq. (1) with groups, offset groups, stride, padding and dilation):
 *   y[n,o,i,j] = b[o] + Σ_{c ∈ group(o)} Σ_{t=(p,q)} w[o, c − c₀, p, q] · m[n, G(c)·T + t, i, j]
 *                         · bilinear(x[n, c], i·s_h − P_h + p·d_h + Δy, j·s_w − P_w + q·d_w + Δx)
 *   Δy = offset[n, G(c)·2T + 2t, i, j], Δx = offset[n, G(c)·2T + 2t + 1, i, j], G(c) = ⌊c / (C_in/offset_groups)⌋
 *   p_k → the tap's grid position, Δp_k → (Δy, Δx), Δm_k → m (≡ 1 without mask), t = p·k_w + q.
 *
 * Shapes:  input [N, C_in, H, W]   weight [C_out, C_in/groups, k_h, k_w]   bias [C_out] | null
 *          offset [N, 2·offset_groups·k_h·k_w, H_out, W_out]   mask [N, offset_groups·k_h·k_w, H_out, W_out] | null
 *          output [N, C_out, H_out, W_out], H_out = trunc((H + 2·padding − dilation·(k_h − 1) − 1) / stride) + 1
 * Units:   offsets in input pixels (Δy along H first, then Δx along W); mask dimensionless.
 * Numerics: float64 throughout (coordinates, bilinear weights, products, the sum in (c, p, q) order), bias
 *          added last, one rounding to float32. NaN/Inf in a corner that gets weight 0 still propagates (0·Inf),
 *          as in torchvision; so with zero offsets a non-finite right/bottom neighbour spoils the output where
 *          F.conv2d would not. A NaN offset gives a NaN sample here (its bilinear weights are NaN, as in
 *          torchvision's CPU kernel); the wasm backend treats a NaN sample coordinate as outside the map and
 *          reads 0 — the one known difference between the backends on valid input, pinned by
 *          spec/errors.test.ts (edge/deform_conv2d).
 * Cost:    2 · N · C_out · H_out · W_out · (C_in/groups) · k_h · k_w FLOPs (+ ~12 per sample for the
 *          N · C_in · k_h · k_w · H_out · W_out bilinear samples).
 * @throws ShapeError / ParameterError as `checkDeformConv2d` lists them, before any work.
 * @see ts/wasm/deform_conv2d.ts · as/bilinear_gather.ts · spec/deform_conv2d.test.ts
 */
export function deformConv2d(
  input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null = null, options: DeformConv2dOptions = {},
): Tensor {
  const g = checkDeformConv2d('deform_conv2d', input, offset, weight, bias, options);
  const { N, C_in, H, W, C_out, k_h, k_w, T, H_out, W_out, cinPerGroup, coutPerGroup, cinPerOffsetGroup, offset_groups } = g;
  const x = input.data, off = offset.data, w = weight.data, b = bias ? bias.data : null;
  const m = options.mask ? options.mask.data : null;
  const P = H_out * W_out;
  const out = new Float32Array(N * C_out * P);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < C_out; o++) {
      const group = Math.floor(o / coutPerGroup);
      for (let i = 0; i < H_out; i++) {
        for (let j = 0; j < W_out; j++) {
          const pos = i * W_out + j;
          let acc = 0;
          for (let c = 0; c < cinPerGroup; c++) {
            const cIn = group * cinPerGroup + c;
            const og = Math.floor(cIn / cinPerOffsetGroup);                    // offset group of channel cIn
            for (let p = 0; p < k_h; p++) {
              for (let q = 0; q < k_w; q++) {
                const t = p * k_w + q;
                const dy = off[((n * offset_groups + og) * 2 * T + 2 * t) * P + pos];
                const dx = off[((n * offset_groups + og) * 2 * T + 2 * t + 1) * P + pos];
                const mod = m ? m[((n * offset_groups + og) * T + t) * P + pos] : 1;
                const py = i * g.stride_h - g.pad_h + p * g.dilation_h + dy;
                const px = j * g.stride_w - g.pad_w + q * g.dilation_w + dx;
                const sample = mod * bilinearSample(x, (n * C_in + cIn) * H * W, H, W, py, px);
                acc += w[((o * cinPerGroup + c) * k_h + p) * k_w + q] * sample;
              }
            }
          }
          if (b) acc += b[o];
          out[(n * C_out + o) * P + pos] = acc;
        }
      }
    }
  }
  return new Tensor(out, [N, C_out, H_out, W_out]);
}

/**
 * The error scales of a float32 deform_conv2d (PyTorch's or ours on WASM) against `deformConv2d`, per output:
 *   absScale   = |b[o]| + Σ_{c,t} |w|·|m|·Σ_corners |bilinear weight · corner value|   (the Σ|terms| of the sum)
 *   coordScale = Σ_{c,t} |w|·|m|·(|py| + |px|)·max|corner value|
 * A float32 implementation rounds py = (grid position) + Δy once (|δpy| ≤ u·|py|), which moves the sample by at
 * most |δpy|·|∂bilinear/∂py| ≤ u·|py|·2·max|corner|; the rest is a dot product of K = C_in/groups·k_h·k_w terms
 * each carrying ~8 roundings (bilinear weights, corner products, mask). Hence the bound used by the specs and
 * ts/verify.ts:  |got − ref| ≤ 2·(K + 8)·u·absScale + 4·u·coordScale.
 * `inputError` (in units of u = 2⁻²⁴, per element of offset / mask) widens coordScale when the offsets or the
 * mask are themselves float32 results (DCNv2: a conv and a sigmoid): + (e_Δy + e_Δx)·|w|·|m|·max|corner| and
 * + e_m·|w|·max|corner|.
 * Not part of the op: a tolerance oracle, computed in float64 with the op's own index arithmetic.
 */
export function deformConv2dErrorScales(
  input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null = null, options: DeformConv2dOptions = {},
  inputError: { offset?: Float64Array; mask?: Float64Array } = {},
): { absScale: Float64Array; coordScale: Float64Array; reduction: number } {
  const g = checkDeformConv2d('deform_conv2d', input, offset, weight, bias, options);
  const { N, C_in, H, W, C_out, k_h, k_w, T, H_out, W_out, cinPerGroup, coutPerGroup, cinPerOffsetGroup, offset_groups } = g;
  const x = input.data, off = offset.data, w = weight.data;
  const m = options.mask ? options.mask.data : null;
  const P = H_out * W_out;
  const absScale = new Float64Array(N * C_out * P), coordScale = new Float64Array(N * C_out * P);
  const at = (base: number, y: number, xx: number) => (y >= 0 && y < H && xx >= 0 && xx < W ? Math.abs(x[base + y * W + xx]) : 0);
  for (let n = 0; n < N; n++) for (let o = 0; o < C_out; o++) {
    const group = Math.floor(o / coutPerGroup);
    for (let pos = 0; pos < P; pos++) {
      const i = Math.floor(pos / W_out), j = pos % W_out;
      let a = bias ? Math.abs(bias.data[o]) : 0, s = 0;
      for (let c = 0; c < cinPerGroup; c++) {
        const cIn = group * cinPerGroup + c, og = Math.floor(cIn / cinPerOffsetGroup), base = (n * C_in + cIn) * H * W;
        for (let t = 0; t < T; t++) {
          const p = Math.floor(t / k_w), q = t % k_w;
          const py = i * g.stride_h - g.pad_h + p * g.dilation_h + off[((n * offset_groups + og) * 2 * T + 2 * t) * P + pos];
          const px = j * g.stride_w - g.pad_w + q * g.dilation_w + off[((n * offset_groups + og) * 2 * T + 2 * t + 1) * P + pos];
          const oy = ((n * offset_groups + og) * 2 * T + 2 * t) * P + pos, mi = ((n * offset_groups + og) * T + t) * P + pos;
          const absW = Math.abs(w[((o * cinPerGroup + c) * k_h + p) * k_w + q]);
          const wm = absW * (m ? Math.abs(m[mi]) : 1);
          const eOff = inputError.offset ? inputError.offset[oy] + inputError.offset[oy + P] : 0;
          const eMask = inputError.mask ? inputError.mask[mi] : 0;
          if (!(py > -1 - 1e-3 && py < H + 1e-3 && px > -1 - 1e-3 && px < W + 1e-3)) continue;   // (with margin for rounding)
          const y0 = Math.floor(py), x0 = Math.floor(px), ly = py - y0, lx = px - x0;
          const v = [at(base, y0, x0), at(base, y0, x0 + 1), at(base, y0 + 1, x0), at(base, y0 + 1, x0 + 1)];
          a += wm * ((1 - ly) * (1 - lx) * v[0] + (1 - ly) * lx * v[1] + ly * (1 - lx) * v[2] + ly * lx * v[3]);
          s += (wm * (Math.abs(py) + Math.abs(px) + 1 + eOff) + absW * eMask) * Math.max(...v);
        }
      }
      absScale[(n * C_out + o) * P + pos] = a;
      coordScale[(n * C_out + o) * P + pos] = s;
    }
  }
  return { absScale, coordScale, reduction: cinPerGroup * T + 1 };
}
