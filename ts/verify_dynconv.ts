/**
 * Golden runners for the dynamic / deformable convolution fixtures (spec/fixtures/dynconv.safetensors,
 * written by spec/fixtures/generate_dynconv.py), called by `runCase` in ts/verify.ts. Each returns the
 * backend's output, PyTorch's, and a per-element bound derived from the op's error analysis.
 */
import { Tensor } from './core/tensor.js';
import type { Ops } from './core/ops.js';
import { conv2d as refConv2d } from './ref/conv2d.js';
import { deformConv2dErrorScales } from './ref/deform_conv2d.js';
import { DeformConv2d, DCNv2, deformOp } from './nn/deform_conv2d.js';

const U = 2 ** -24;

interface Bound { bound: (i: number) => number; describe: string }
interface CaseLike { file: string; name: string; op: string; params: Record<string, any>; tensors: Map<string, Tensor>; state: Map<string, Tensor> }

const abs = (t: Tensor) => new Tensor(t.data.map(Math.abs), t.shape);
function T(c: CaseLike, name: string): Tensor {
  const t = c.tensors.get(name);
  if (!t) throw new Error(`fixture ${c.file}:${c.name} has no tensor ${name}`);
  return t;
}

/** deform_conv2d: 2·(K + 8)·u·Σ|terms| + 4·u·Σ|w||m|(|py| + |px| + 1 + e_Δ)·max|corner| (see deformConv2dErrorScales). */
function deformBound(s: { absScale: Float64Array; coordScale: Float64Array; reduction: number }): Bound {
  const K = s.reduction;
  return {
    bound: (i) => 2 * (K + 8) * U * s.absScale[i] + 4 * U * s.coordScale[i],
    describe: `2·(K+8)·u·Σ|terms| + 4·u·Σ|w·m|·|p|·max|x|, K=${K}`,
  };
}

/** Runs one dynconv fixture case on `ops`; null if the op is not one of ours. */
export function runDynconvCase(c: CaseLike, ops: Ops): { got: Tensor; expected: Tensor; bound: Bound }[] | null {
  const p = c.params;
  const input = c.tensors.get('input')!;
  switch (c.op) {
    case 'deform_conv2d': {
      const off = T(c, 'offset'), w = T(c, 'weight'), b = p.bias ? T(c, 'bias') : null, mask = p.mask ? T(c, 'mask') : null;
      const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, mask };
      return [{ got: deformOp(ops)(input, off, w, b, opts), expected: T(c, 'output'), bound: deformBound(deformConv2dErrorScales(input, off, w, b, opts)) }];
    }
    case 'deform_conv2d_module': {
      const m = new DeformConv2d({ in_channels: p.in_channels, out_channels: p.out_channels, kernel_size: p.kernel_size, stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups, bias: p.bias });
      m.loadStateDict(c.state);
      const off = T(c, 'offset'), mask = c.tensors.get('mask') ?? null;
      const scales = deformConv2dErrorScales(input, off, m.weight, m.bias, m.opOptions(mask));
      return [{ got: m.forward(input, off, mask, { backend: ops }), expected: T(c, 'output'), bound: deformBound(scales) }];
    }
    case 'dcnv2': {
      const m = new DCNv2({ in_channels: p.in_channels, out_channels: p.out_channels, kernel_size: p.kernel_size, stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups, deform_groups: p.deform_groups, bias: p.bias });
      m.loadStateDict(c.state);
      // The offsets and mask are float32 results of conv_offset (K_off = C_in·k_h·k_w + 1 terms) and a sigmoid:
      // PyTorch's may differ from the reference's by 2·K_off·u·Σ|terms| (+1 rounding), the mask by a quarter of
      // that (σ' ≤ ¼) + 4 roundings; those enter the deform bound as input errors (units of u).
      const { offset, mask } = m.offsetAndMask(input);
      const co = m.conv_offset, [, Cin, kh, kw] = co.weight.shape;
      const K_off = Cin * kh * kw + 1;
      const absOff = refConv2d(abs(input), abs(co.weight), abs(co.bias!), { stride: co.options.stride, padding: co.options.padding, dilation: co.options.dilation });
      const [N, C3, Ho, Wo] = absOff.shape, C = C3 / 3, plane = Ho * Wo;
      const eOff = new Float64Array(N * 2 * C * plane), eMask = new Float64Array(N * C * plane);
      for (let n = 0; n < N; n++) for (let ch = 0; ch < C3; ch++) for (let q = 0; q < plane; q++) {
        const e = 2 * K_off * absOff.data[(n * C3 + ch) * plane + q] + 1;
        if (ch < 2 * C) eOff[(n * 2 * C + ch) * plane + q] = e;
        else eMask[(n * C + ch - 2 * C) * plane + q] = e / 4 + 4;
      }
      const { stride, padding, dilation } = m.options;
      const scales = deformConv2dErrorScales(input, offset, m.stateDict().get('weight')!, m.stateDict().get('bias') ?? null,
        { stride, padding, dilation, mask }, { offset: eOff, mask: eMask });
      return [{ got: m.forward(input, { backend: ops }), expected: T(c, 'output'), bound: deformBound(scales) }];
    }
    default:
      return null;
  }
}
