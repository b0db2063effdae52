/**
 * Golden verification against PyTorch: every fixture in spec/fixtures (written by
 * spec/fixtures/generate.py from real PyTorch 1.13) is run on a backend and compared with a tolerance
 * derived per op (see `tolerance` below and spec/support/close.ts for the derivation). Used by
 * `attnconv verify` and by the golden suites in spec/.
 */
import { readFileSync } from 'node:fs';
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import { readSafetensors } from '../io/safetensors.js';
import { packageFile } from './paths.js';
import { conv2d as refConv2d } from '../ref/conv2d.js';
import { linspace } from '../core/check/interpolate.js';
import { ACmix, Bottleneck } from '../nn/acmix.js';
import type { Module } from '../nn/module.js';
import { runDynconvCase } from './golden_dynconv.js';
import { runSwinCase } from './golden_swin.js';
import { runSwinModelCase } from './golden_swin_model.js';
import { runAttentionCase } from './golden_attention.js';
import { runLayersCase } from './golden_layers.js';
import { runGatesCase } from './golden_gates.js';
import { runAttnModulesCase } from './golden_attn_modules.js';
import { runC2fCase } from './golden_c2f.js';
import { U, abs, fixtureTensor, dotBound, chainBound, type Bound } from './bounds.js';

export { U };

/** One fixture case as the generator wrote it. */
export interface FixtureCase {
  file: string; name: string; op: string; params: Record<string, any>;
  tensors: Map<string, Tensor>; state: Map<string, Tensor>;
}

/** Where fixtures live: `<package root>/spec/fixtures`. */
export function fixturePath(file: string): string {
  return packageFile(`spec/fixtures/${file}`);
}

/** Loads every case of one fixture file. */
export function loadFixture(file: string): FixtureCase[] {
  const st = readSafetensors(readFileSync(fixturePath(file)));
  const cases = JSON.parse(st.metadata.cases) as { name: string; op: string; params: Record<string, any> }[];
  return cases.map((c) => {
    const tensors = new Map<string, Tensor>(), state = new Map<string, Tensor>();
    for (const [key, t] of st.tensors) {
      if (!key.startsWith(c.name + '.')) continue;
      const rest = key.slice(c.name.length + 1);
      if (rest.startsWith('state.')) state.set(rest.slice(6), t);
      else tensors.set(rest, t);
    }
    return { file, ...c, tensors, state };
  });
}

export const FIXTURE_FILES = ['conv2d.safetensors', 'unfold.safetensors', 'pad.safetensors', 'ops.safetensors', 'acmix.safetensors', 'bottleneck.safetensors'];
FIXTURE_FILES.push('dynconv.safetensors');   // dynamic / deformable convolution (ts/verify/golden_dynconv.ts)
FIXTURE_FILES.push('swin.safetensors');   // Swin window ops and modules, Swin-ACmix (ts/verify/golden_swin.ts)
FIXTURE_FILES.push('swin_model.safetensors');   // whole Swin / Swin-ACmix networks, reduced (ts/verify/golden_swin_model.ts)
FIXTURE_FILES.push('attention.safetensors');   // scaled dot-product attention, nn.MultiheadAttention (ts/verify/golden_attention.ts)
FIXTURE_FILES.push('layers.safetensors');   // pooling, activations, shape ops, standard modules, normalize (ts/verify/golden_layers.ts)
FIXTURE_FILES.push('gates.safetensors');   // mul, mean, amax, SqueezeExcitation, CoordAtt, CBAM (ts/verify/golden_gates.ts)
FIXTURE_FILES.push('c2f.safetensors');   // YOLOv8's Conv, C2f bottleneck, C2f, C2fCA, the seed's spatial gate (ts/verify/golden_c2f.ts)
FIXTURE_FILES.push('attn_modules.safetensors');   // separable, axial, CvT and global-ACmix attention modules (ts/verify/golden_attn_modules.ts)

/** Result of running one case on one backend. */
export interface VerifyResult {
  file: string; op: string; case: string; backend: string;
  maxAbsError: number; /** largest error / its bound (≤ 1 passes) */ worstRatio: number;
  tolerance: string; pass: boolean; outputs: number;
}

/** A per-element bound: |got − ref| ≤ bound[i]; `describe` states it for the table. */
const T = fixtureTensor;

const exact: Bound = { bound: () => 0, describe: 'bit-exact' };

/** Builds a module from a fixture case's params and loads its state. */
export function moduleFromCase(c: FixtureCase): Module {
  const p = c.params;
  if (c.op === 'acmix') {
    const m = new ACmix(p.in_planes, p.out_planes, { kernel_att: p.kernel_att, head: p.head, kernel_conv: p.kernel_conv, stride: p.stride, dilation: p.dilation });
    m.loadStateDict(c.state);
    return m;
  }
  const m = new Bottleneck(p.inplanes, p.planes, p.k_att, p.head, p.k_conv,
    { stride: p.stride, downsample: p.downsample ? Bottleneck.downsampleFor(p.inplanes, p.planes, p.stride) : null });
  m.loadStateDict(c.state);
  return m;
}

/** Runs one case on `ops`; returns got, expected and the bound. */
export function runCase(c: FixtureCase, ops: Ops): { got: Tensor; expected: Tensor; bound: Bound }[] {
  const p = c.params;
  const input = c.tensors.get('input')!;
  switch (c.op) {
    case 'conv2d': {
      const w = T(c, 'weight'), b = p.bias ? T(c, 'bias') : null;
      const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
      const K = (w.shape[1] * w.shape[2] * w.shape[3]) + (b ? 1 : 0);
      const scale = refConv2d(abs(input), abs(w), b ? abs(b) : null, opts);
      return [{ got: ops.conv2d(input, w, b, opts), expected: T(c, 'output'), bound: dotBound(K, scale.data) }];
    }
    case 'unfold':
      return [{ got: ops.unfold(input, p.kernel_size, { dilation: p.dilation, padding: p.padding, stride: p.stride }), expected: T(c, 'output'), bound: exact }];
    case 'pad':
      return [{ got: ops.pad(input, p.pad, { mode: p.mode, value: p.value ?? 0 }), expected: T(c, 'output'), bound: exact }];
    case 'relu':
      return [{ got: ops.relu(input), expected: T(c, 'output'), bound: exact }];
    case 'hardswish':
      // wasm follows PyTorch's float32 operation order (bit-exact); the float64 reference is within 3·u·|y|
      return [{ got: ops.hardswish(input), expected: T(c, 'output'),
        bound: { bound: (i) => 3 * U * Math.abs(T(c, 'output').data[i]) + 2 ** -149, describe: '3·u·|y|' } }];
    case 'softmax': {
      const out = T(c, 'output'), n = input.shape.at(p.dim)!;
      // float32 exp (≤ 1 ulp in PyTorch's vectorised exp) + a sum of n terms + one division: (n + 3)·u relative, ×2.
      return [{ got: ops.softmax(input, p.dim), expected: out, bound: { bound: (i) => 2 * (n + 3) * U * Math.abs(out.data[i]), describe: `2·(n+3)·u·|y|, n=${n}` } }];
    }
    case 'gelu': {
      // PyTorch's float32 erf/tanh are within a few ulp; cancellation near x ≈ −3 makes |x| the right scale.
      return [{ got: ops.gelu(input, { approximate: p.approximate }), expected: T(c, 'output'), bound: { bound: (i) => 16 * U * (Math.abs(input.data[i]) + 1e-30), describe: '16·u·|x|' } }];
    }
    case 'linear': {
      const w = T(c, 'weight'), b = c.tensors.get('bias') ?? null;
      const absRef = linearAbs(input, w, b);
      return [{ got: ops.linear(input, w, b), expected: T(c, 'output'), bound: dotBound(w.shape[1] + 1, absRef) }];
    }
    case 'layer_norm': {
      const out = T(c, 'output'), w = c.tensors.get('weight') ?? null, b = c.tensors.get('bias') ?? null;
      const size = (p.normalized_shape as number[]).reduce((a, x) => a * x, 1);
      const bb = b ? b.data : null;
      // mean and variance are sums of `size` terms: (size + 4)·u relative on the normalised value, plus the affine.
      return [{ got: ops.layerNorm(input, p.normalized_shape, w, b, { eps: p.eps }), expected: out,
        bound: { bound: (i) => 2 * (size + 4) * U * (Math.abs(out.data[i]) + (bb ? 2 * Math.abs(bb[i % size]) : 0)), describe: `2·(n+4)·u·(|y|+2|β|), n=${size}` } }];
    }
    case 'batch_norm': {
      const out = T(c, 'output'), mean = T(c, 'running_mean'), v = T(c, 'running_var'), w = c.tensors.get('weight') ?? null, b = c.tensors.get('bias') ?? null;
      const [, C, H, W] = input.shape;
      // PyTorch folds to x·scale + shift in float32: a few roundings on |x·scale| + |shift|.
      const bound = (i: number) => {
        const ch = Math.floor(i / (H * W)) % C, scale = (w ? w.data[ch] : 1) / Math.sqrt(v.data[ch] + p.eps);
        return 8 * U * (Math.abs(input.data[i] * scale) + Math.abs(mean.data[ch] * scale) + Math.abs(b ? b.data[ch] : 0));
      };
      return [{ got: ops.batchNorm2d(input, mean, v, w, b, { eps: p.eps }), expected: out, bound: { bound, describe: '8·u·(|x·s|+|μ·s|+|β|)' } }];
    }
    case 'linspace':
      // torch's CPU linspace evaluates blocks with a machine-dependent SIMD width (Vectorized::arange), so its
      // float32 roundings differ from the scalar formula by ≤ 2 ulp at |y| ≤ 1: bound 4·u.
      return [{ got: new Tensor(linspace(-1, 1, p.steps), [p.steps]), expected: T(c, 'output'), bound: { bound: () => 4 * U, describe: '4·u (|y| ≤ 1)' } }];
    case 'interpolate_bilinear': {
      // PyTorch computes the source coordinate src = scale·(d + ½) − ½ in float32: its error u·src moves the
      // interpolation weight, so the bound grows with the input size: (8 + 2·max(H, W))·u·max|x|.
      let m = 0; for (const v of input.data) m = Math.max(m, Math.abs(v));
      const K = 8 + 2 * Math.max(input.shape[2], input.shape[3]);
      return [{ got: ops.interpolate(input, { size: p.size, mode: 'bilinear', align_corners: p.align_corners ?? false }), expected: T(c, 'output'), bound: { bound: () => K * U * m, describe: `(8+2·max(H,W))·u·max|x|, K=${K}` } }];
    }
    case 'acmix': {
      const m = moduleFromCase(c) as ACmix;
      const r = m.forwardDetailed(input, { backend: ops });
      // longest reduction chain: 1x1 projection (C_in + 1), logits (3·head_dim), softmax (k_att²), aggregation
      // (k_att²), fc (3·head), dep_conv (k_conv²·k_conv²), mix (2).
      const K = p.in_planes + 1 + 3 * (p.out_planes / p.head) + 2 * p.kernel_att ** 2 + 3 * p.head + p.kernel_conv ** 4 + 2;
      return [
        { got: r.output, expected: T(c, 'output'), bound: chainBound(K, T(c, 'output').data) },
        { got: r.outAtt, expected: T(c, 'out_att'), bound: chainBound(K, T(c, 'out_att').data) },
        { got: r.outConv, expected: T(c, 'out_conv'), bound: chainBound(K, T(c, 'out_conv').data) },
      ];
    }
    case 'bottleneck': {
      const m = moduleFromCase(c);
      const width = p.planes;
      const K = p.inplanes + (width + 1 + 3 * (width / p.head) + 2 * p.k_att ** 2 + 3 * p.head + p.k_conv ** 4 + 2) + width + 8;
      return [{ got: m.forward(input, { backend: ops }), expected: T(c, 'output'), bound: chainBound(K, T(c, 'output').data) }];
    }
    default: {
      const dyn = runDynconvCase(c, ops);   // dynamic / deformable convolution ops (ts/verify/golden_dynconv.ts)
      if (dyn) return dyn;
      const swin = runSwinCase(c, ops);   // Swin window attention and modules (ts/verify/golden_swin.ts)
      if (swin) return swin;
      const swinModel = runSwinModelCase(c, ops);   // whole Swin / Swin-ACmix networks (ts/verify/golden_swin_model.ts)
      if (swinModel) return swinModel;
      const att = runAttentionCase(c, ops);   // global attention (ts/verify/golden_attention.ts)
      if (att) return att;
      const layers = runLayersCase(c, ops);   // the standard PyTorch layers (ts/verify/golden_layers.ts)
      if (layers) return layers;
      const gates = runGatesCase(c, ops);   // the attention gates (ts/verify/golden_gates.ts)
      if (gates) return gates;
      const attnModules = runAttnModulesCase(c, ops);   // attention modules (ts/verify/golden_attn_modules.ts)
      if (attnModules) return attnModules;
      const c2f = runC2fCase(c, ops);   // YOLOv8's blocks (ts/verify/golden_c2f.ts)
      if (c2f) return c2f;
      throw new Error(`verify: no runner for op ${c.op} (fixture ${c.file}:${c.name})`);
    }
  }
}

function linearAbs(x: Tensor, w: Tensor, b: Tensor | null): Float64Array {
  const inF = w.shape[1], outF = w.shape[0], rows = x.size / inF;
  const out = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) for (let o = 0; o < outF; o++) {
    let s = b ? Math.abs(b.data[o]) : 0;
    for (let i = 0; i < inF; i++) s += Math.abs(x.data[r * inF + i] * w.data[o * inF + i]);
    out[r * outF + o] = s;
  }
  return out;
}

/** Compares got with expected under a bound; NaN must match NaN. */
export function compare(got: Tensor, expected: Tensor, bound: Bound): { maxAbsError: number; worstRatio: number; pass: boolean } {
  if (got.shape.length !== expected.shape.length || got.shape.some((s, i) => s !== expected.shape[i])) {
    return { maxAbsError: Infinity, worstRatio: Infinity, pass: false };
  }
  let maxAbsError = 0, worstRatio = 0, pass = true;
  for (let i = 0; i < got.size; i++) {
    const g = got.data[i], e = expected.data[i];
    if (Number.isNaN(g) || Number.isNaN(e)) { if (Number.isNaN(g) !== Number.isNaN(e)) pass = false; continue; }
    if (g === e) continue;
    const err = Math.abs(g - e), b = bound.bound(i);
    maxAbsError = Math.max(maxAbsError, err);
    const ratio = b > 0 ? err / b : Infinity;
    worstRatio = Math.max(worstRatio, ratio);
    if (!(err <= b)) pass = false;
  }
  return { maxAbsError, worstRatio, pass };
}

/** Runs every fixture case on every given backend. */
export function verifyAll(backends: Ops[], onProgress?: (done: number, total: number, label: string) => void): VerifyResult[] {
  const cases = FIXTURE_FILES.flatMap(loadFixture);
  const results: VerifyResult[] = [];
  let done = 0;
  for (const c of cases) for (const ops of backends) {
    onProgress?.(done++, cases.length * backends.length, `${c.op}/${c.name} on ${ops.name}`);
    const outs = runCase(c, ops);
    outs.forEach((o, k) => {
      const r = compare(o.got, o.expected, o.bound);
      const suffix = outs.length > 1 ? ['', ':out_att', ':out_conv'][k] ?? `:${k}` : '';
      results.push({ file: c.file, op: c.op, case: c.name + suffix, backend: ops.name, ...r, tolerance: o.bound.describe, outputs: o.got.size });
    });
  }
  onProgress?.(done, cases.length * backends.length, 'done');
  return results;
}
