import { Tensor } from '../core/tensor.js';
import { ShapeError, fmtContext } from '../core/errors.js';
import { expectRank, pair, type IntPair } from '../core/geometry.js';

/** Options of `deformConv2d`, under torchvision.ops.deform_conv2d's keyword names. */
export interface DeformConv2dOptions {
  stride?: IntPair;
  /** ints or [h, w]; zero padding (it only shifts the sampling grid: samples outside read 0). */
  padding?: IntPair;
  dilation?: IntPair;
  /** DCNv2 modulation [N, offset_groups·k_h·k_w, H_out, W_out]; null/undefined = DCNv1 (mask ≡ 1). */
  mask?: Tensor | null;
}

/** Everything a deformable conv needs, computed once by `checkDeformConv2d`. */
export interface DeformConv2dGeometry {
  N: number; C_in: number; H: number; W: number;
  C_out: number; k_h: number; k_w: number; /** taps k_h·k_w */ T: number;
  H_out: number; W_out: number;
  stride_h: number; stride_w: number; pad_h: number; pad_w: number; dilation_h: number; dilation_w: number;
  /** weight groups, inferred: C_in / weight.shape[1] */
  groups: number;
  /** offset groups, inferred: offset.shape[1] / (2·k_h·k_w) */
  offset_groups: number;
  cinPerGroup: number; coutPerGroup: number; cinPerOffsetGroup: number;
}

/**
 * Validates deform_conv2d arguments exactly where torchvision's kernel does (plus ranks), before any work,
 * and computes the geometry. Shared by ts/ref and ts/wasm.
 *
 * Groups are inferred as torchvision does: groups = C_in / weight.shape[1], offset_groups =
 * offset.shape[1] / (2·k_h·k_w). The output size uses C++ integer division (truncation toward zero), as
 * torchvision's kernel: H_out = trunc((H + 2·pad_h − (dilation_h·(k_h − 1) + 1)) / stride_h) + 1, so a
 * numerator in (−stride_h, 0) still gives H_out = 1 (F.conv2d would reject that input).
 * @throws ShapeError if a rank is wrong; weight.shape[1] does not divide C_in; groups does not divide C_out;
 *         bias is not [C_out]; offset.shape[0] ≠ N; offset.shape[1] is not a positive multiple of 2·k_h·k_w;
 *         offset_groups does not divide C_in; H_out or W_out < 1; offset's map is not [H_out, W_out]; mask is
 *         not [N, offset_groups·k_h·k_w, H_out, W_out].
 * @throws ParameterError if stride or dilation is not a positive integer (pair) or padding is negative.
 */
export function checkDeformConv2d(
  op: string, input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: DeformConv2dOptions = {},
): DeformConv2dGeometry {
  const mask = options.mask ?? null;
  const ctx = () => fmtContext({
    input, offset, weight, ...(bias ? { bias } : {}), ...(mask ? { mask } : {}),
    ...(options.stride !== undefined ? { stride: JSON.stringify(options.stride) } : {}),
    ...(options.padding !== undefined ? { padding: JSON.stringify(options.padding) } : {}),
    ...(options.dilation !== undefined ? { dilation: JSON.stringify(options.dilation) } : {}),
  });
  const fail = (what: string): never => { throw new ShapeError(`${op}: ${what} (${ctx()})`); };
  const rankCtx = { input, offset, weight, ...(mask ? { mask } : {}) };
  expectRank(op, 'input', input.shape, 4, rankCtx);
  expectRank(op, 'offset', offset.shape, 4, rankCtx);
  expectRank(op, 'weight', weight.shape, 4, rankCtx);
  if (mask) expectRank(op, 'mask', mask.shape, 4, rankCtx);
  const [stride_h, stride_w] = pair(op, 'stride', options.stride, 1, 1);
  const [pad_h, pad_w] = pair(op, 'padding', options.padding, 0, 0);
  const [dilation_h, dilation_w] = pair(op, 'dilation', options.dilation, 1, 1);
  const [N, C_in, H, W] = input.shape;
  const [C_out, cinPerGroup, k_h, k_w] = weight.shape;
  if (k_h < 1 || k_w < 1) fail(`kernel_size = weight.shape[2:] must be ≥ 1, got [${k_h},${k_w}]`);
  if (cinPerGroup < 1 || C_in % cinPerGroup !== 0) fail(`weight.shape[1] must divide C_in = ${C_in} (groups = C_in / weight.shape[1]), got ${cinPerGroup}`);
  const groups = C_in / cinPerGroup;
  if (C_out % groups !== 0) fail(`C_out = weight.shape[0] must be divisible by groups = ${groups}, got ${C_out}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== C_out)) fail(`bias must have shape [${C_out}], got [${bias.shape.join(',')}]`);
  const T = k_h * k_w;
  if (offset.shape[0] !== N) fail(`offset.shape[0] must equal N = ${N}, got ${offset.shape[0]}`);
  const offsetChannels = offset.shape[1];
  if (offsetChannels < 2 * T || offsetChannels % (2 * T) !== 0) {
    fail(`offset.shape[1] must equal 2·offset_groups·k_h·k_w (a positive multiple of 2·${k_h}·${k_w} = ${2 * T}), got ${offsetChannels}`);
  }
  const offset_groups = offsetChannels / (2 * T);
  if (C_in % offset_groups !== 0) fail(`C_in = ${C_in} must be divisible by offset_groups = offset.shape[1] / ${2 * T} = ${offset_groups}`);
  const effH = dilation_h * (k_h - 1) + 1, effW = dilation_w * (k_w - 1) + 1;
  const H_out = Math.trunc((H + 2 * pad_h - effH) / stride_h) + 1;
  const W_out = Math.trunc((W + 2 * pad_w - effW) / stride_w) + 1;
  if (H_out < 1 || W_out < 1) fail(`the output [H_out, W_out] must be at least [1,1], got [${H_out},${W_out}]`);
  if (offset.shape[2] !== H_out || offset.shape[3] !== W_out) {
    fail(`offset's map offset.shape[2:] must equal the output size [H_out, W_out] = [${H_out},${W_out}], got [${offset.shape[2]},${offset.shape[3]}]`);
  }
  if (mask) {
    if (mask.shape[0] !== N) fail(`mask.shape[0] must equal N = ${N}, got ${mask.shape[0]}`);
    if (mask.shape[1] !== offset_groups * T) fail(`mask.shape[1] must equal offset_groups·k_h·k_w = ${offset_groups}·${T} = ${offset_groups * T}, got ${mask.shape[1]}`);
    if (mask.shape[2] !== H_out || mask.shape[3] !== W_out) {
      fail(`mask's map mask.shape[2:] must equal the output size [H_out, W_out] = [${H_out},${W_out}], got [${mask.shape[2]},${mask.shape[3]}]`);
    }
  }
  return {
    N, C_in, H, W, C_out, k_h, k_w, T, H_out, W_out, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w,
    groups, offset_groups, cinPerGroup, coutPerGroup: C_out / groups, cinPerOffsetGroup: C_in / offset_groups,
  };
}

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
 *          F.conv2d would not.
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
