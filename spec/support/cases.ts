/**
 * One fast-check arbitrary per registered op, and the op's stated bound: what spec/registry.test.ts loops
 * over (STYLE.md §2.4, §2.9). A new op gets its ref ≈ wasm property by adding a row to ts/registry.ts and an
 * entry here; the registry loop fails loudly on a registered op without one.
 *
 * Arbitraries generate shapes by construction (divisibility and valid output sizes hold without .filter:
 * C = groups·cinPerGroup, H = smallest valid side + extra, ...) plus an integer seed; `build` fills the
 * tensors from the seed with the deterministic PRNG of arbitraries.ts, so a counterexample shrinks in its
 * shapes and replays from its seed. Sizes sweep 1..9 around the vector width; 1x1 maps, C = 1, odd sizes,
 * stride > kernel and groups = C (depthwise) all occur.
 *
 * Bounds (u = 2⁻²⁴; derivations in each ts/wasm/<op>.ts docstring):
 *   bit-exact: data movement (shift2d, pad, unfold), shift2d_as_conv (finite inputs), relu, add, axpby,
 *   batch_norm2d (float64 lanes);
 *   dot products: |wasm − ref| ≤ slack·K·u·Σ|terms| with Σ|terms| = the reference on |inputs| (conv2d,
 *   conv2d_stage_i, conv2d_stage_ii, linear, acmix_fc, ...); per-element bounds for conv2d_shift_sum,
 *   softmax, gelu, layer_norm, interpolate, local_attention; the chain bound (ts/core/numerics.ts) for the
 *   ACmix block (acmix, acmix_forward).
 */
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { Tensor } from '../../ts/core/tensor.js';
import type { Conv2dOptions } from '../../ts/core/geometry.js';
import type { OpName, Ops } from '../../ts/core/ops.js';
import {
  acmixConfig, acmixConfigFromWeights, acmixParameterShapes, acmixPosition,
  type ACmixConfig, type ACmixOptions, type ACmixResult, type ACmixWeights,
} from '../../ts/core/check/acmix.js';
import { chainBound } from '../../ts/core/numerics.js';
import { c2fParameterShapes, checkC2f, type C2fOpOptions, type C2fWeights } from '../../ts/core/check/c2f.js';
import { ops as ref } from '../../ts/ref/index.js';
import { deformConv2dErrorScales } from '../../ts/ref/deform_conv2d.js';
import { mixtureBound, modulatedBound } from '../../ts/verify/golden_dynconv.js';
import { windowAttentionBound } from '../../ts/verify/golden_swin.js';
import { sdpaBound } from '../../ts/verify/golden_attention.js';
import { prng, seededTensor, absTensor } from './arbitraries.js';
import { assertBitExact, assertWithinDotBound, U } from './close.js';

/**
 * An op's case: `params` (shrinkable, printed on failure) → the call's arguments → the comparison. `R` is what
 * the op returns (a Tensor, or ACmixResult for acmixForward).
 */
export interface OpSpec<P = any, R = Tensor> {
  /** the bound, in words (shown in the test title) */
  bound: string;
  params: fc.Arbitrary<P>;
  build(p: P): unknown[];
  /** throws unless `got` (wasm) is within the bound of `want` (ref) for these arguments */
  compare(got: R, want: R, args: unknown[], p: P): void;
}

/** The spec of each Ops member, typed by what the member returns. */
export type OpSpecs = { [K in OpName]?: OpSpec<any, ReturnType<Ops[K]>> };

const lo = Math.fround(-2), hi = Math.fround(2);
const T = (shape: readonly number[], seed: number, a = lo, b = hi) => seededTensor(shape, seed, a, b);
const int = (min: number, max: number) => fc.integer({ min, max });
const abs = (t: Tensor | null | undefined) => (t ? absTensor(t) : null);
const seed = fc.integer();

/** A few special values placed from the seed (bit-exact ops must carry them through unchanged). */
const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1e-45, -3e38, 3e38];
function withSpecials(t: Tensor, s: number, on: boolean): Tensor {
  if (!on) return t;
  const r = prng(s ^ 0x2545f491), d = t.data.slice();
  for (let i = 0; i < d.length; i++) if (r() < 0.2) d[i] = SPECIALS[Math.floor(r() * SPECIALS.length)];
  return new Tensor(d, t.shape);
}

function sameShape(got: Tensor, want: Tensor, label: string): void {
  assert.equal([...got.shape], [...want.shape], `${label}: shape`);
}

function bitExact(label: string) {
  return (got: Tensor, want: Tensor) => {
    sameShape(got, want, label);
    assertBitExact(got.data, want.data, `${label} wasm vs ref`, want.shape);
  };
}

/** |got − want| ≤ bound[i] elementwise (NaN must match NaN). */
function withinElementBound(got: Tensor, want: Tensor, bound: ArrayLike<number>, label: string, p: unknown): void {
  sameShape(got, want, label);
  assertWithinDotBound(got.data, want.data, Float64Array.from(bound, (b) => b / U), { reduction: 1, slack: 1, label, case: p, shape: want.shape });
}

/** |got − want| ≤ slack·K·u·absScale + atol (the γ_K dot-product bound). */
function withinDotBound(got: Tensor, want: Tensor, absScale: ArrayLike<number>, K: number, slack: number, label: string, p: unknown, atol = 1e-30): void {
  sameShape(got, want, label);
  assertWithinDotBound(got.data, want.data, absScale, { reduction: K, slack, atol, label, case: p, shape: want.shape });
}

function spec<P, R = Tensor>(s: OpSpec<P, R>): OpSpec<P, R> {
  return s;
}

// ---------------------------------------------------------------------------------------------
// convolution shapes (conv2d, conv2d_shift_sum, and the per-sample family)

type PaddingCase = { kind: 'int'; p: number } | { kind: 'pair'; ph: number; pw: number } | { kind: 'same' } | { kind: 'valid' };
const paddingArb: fc.Arbitrary<PaddingCase> = fc.oneof(
  { weight: 4, arbitrary: int(0, 2).map((p) => ({ kind: 'int' as const, p })) },
  { weight: 2, arbitrary: fc.tuple(int(0, 2), int(0, 2)).map(([ph, pw]) => ({ kind: 'pair' as const, ph, pw })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'same' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'valid' as const }) },
);

export interface ConvCase {
  N: number; C_in: number; C_out: number; H: number; W: number; k_h: number; k_w: number;
  groups: number; cinPerGroup: number; options: Conv2dOptions; bias: boolean; seed: number;
}

/** dense (groups 1), grouped, or depthwise (groups = C_in, multiplier 1..2); strides up to 4 (> kernel). */
const convCase: fc.Arbitrary<ConvCase> = fc.record({
  N: int(1, 2), layout: fc.constantFrom('dense', 'grouped', 'depthwise'),
  groups: int(1, 3), channels: int(1, 6), cinPerGroup: int(1, 4), coutPerGroup: int(1, 5),
  k_h: int(1, 3), k_w: int(1, 3), stride_h: int(1, 4), stride_w: int(1, 4), dilation_h: int(1, 2), dilation_w: int(1, 2),
  padding: paddingArb, extraH: int(0, 8), extraW: int(0, 8), bias: fc.boolean(), seed,
}).map((c) => {
  const groups = c.layout === 'dense' ? 1 : c.layout === 'depthwise' ? c.channels : c.groups;
  const cinPerGroup = c.layout === 'depthwise' ? 1 : c.cinPerGroup;
  const coutPerGroup = c.layout === 'depthwise' ? 1 + (c.coutPerGroup % 2) : c.coutPerGroup;
  const same = c.padding.kind === 'same';
  const stride_h = same ? 1 : c.stride_h, stride_w = same ? 1 : c.stride_w;
  const effH = c.dilation_h * (c.k_h - 1) + 1, effW = c.dilation_w * (c.k_w - 1) + 1;
  const [padH, padW] = c.padding.kind === 'int' ? [2 * c.padding.p, 2 * c.padding.p]
    : c.padding.kind === 'pair' ? [2 * c.padding.ph, 2 * c.padding.pw]
    : c.padding.kind === 'same' ? [effH - 1, effW - 1] : [0, 0];
  const padding: Conv2dOptions['padding'] = c.padding.kind === 'int' ? c.padding.p
    : c.padding.kind === 'pair' ? [c.padding.ph, c.padding.pw] : c.padding.kind;
  return {
    N: c.N, C_in: groups * cinPerGroup, C_out: groups * coutPerGroup, groups, cinPerGroup,
    H: Math.max(1, effH - padH) + c.extraH, W: Math.max(1, effW - padW) + c.extraW, k_h: c.k_h, k_w: c.k_w,
    options: { stride: [stride_h, stride_w], padding, dilation: [c.dilation_h, c.dilation_w], groups } as Conv2dOptions,
    bias: c.bias, seed: c.seed,
  };
});

function convArgs(c: ConvCase): [Tensor, Tensor, Tensor | null, Conv2dOptions] {
  return [T([c.N, c.C_in, c.H, c.W], c.seed), T([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x9e3779b9),
    c.bias ? T([c.C_out], c.seed ^ 0x85ebca6b) : null, c.options];
}

// ---------------------------------------------------------------------------------------------
// softmax / layer_norm helpers

const shapeArb = (minRank: number, maxRank: number, maxDim: number) =>
  fc.record({ rank: int(minRank, maxRank), dims: fc.array(int(1, maxDim), { minLength: maxRank, maxLength: maxRank }) })
    .map(({ rank, dims }) => dims.slice(0, rank));

/**
 * Broadcast operand pairs by construction: a gate pattern on an NCHW map (same shape, [N,C,1,1], [N,1,H,W],
 * [N,C,H,1], [N,C,1,W], either side), or a general pair: an output shape of rank 0..5, each operand keeping or
 * setting to 1 each dimension and dropping 0..rank leading ones; sometimes `other` is a number.
 */
const broadcastPairArb: fc.Arbitrary<{ a: number[]; b: number[] | 'number' }> = fc.oneof(
  fc.record({ N: int(1, 2), C: int(1, 6), H: int(1, 9), W: int(1, 9), pattern: fc.constantFrom('same', 'NC11', 'N1HW', 'NCH1', 'NC1W'), swap: fc.boolean() })
    .map(({ N, C, H, W, pattern, swap }) => {
      const x = [N, C, H, W];
      const g = pattern === 'same' ? x : pattern === 'NC11' ? [N, C, 1, 1] : pattern === 'N1HW' ? [N, 1, H, W] : pattern === 'NCH1' ? [N, C, H, 1] : [N, C, 1, W];
      return swap ? { a: g, b: x } : { a: x, b: g };
    }),
  fc.record({
    out: shapeArb(0, 5, 5), keepA: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), keepB: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    dropA: int(0, 5), dropB: int(0, 5), number: fc.integer({ min: 0, max: 7 }),
  }).map(({ out, keepA, keepB, dropA, dropB, number }) => ({
    a: out.map((d, i) => (keepA[i] ? d : 1)).slice(Math.min(dropA, out.length)),
    b: number === 0 ? 'number' as const : out.map((d, i) => (keepB[i] ? d : 1)).slice(Math.min(dropB, out.length)),
  })),
);

/** A one-dim reduction: shape of rank 1..4 (sides 1..9), dim in [−rank, rank − 1], keepdim true / false / absent. */
const reduceArb = fc.record({ shape: shapeArb(1, 4, 9), dimPick: fc.integer({ min: 0, max: 7 }), keepdim: fc.constantFrom(true, false, undefined), offset: fc.constantFrom(0, 3), seed })
  .map(({ shape, dimPick, keepdim, offset, seed: s }) => ({ shape, dim: (dimPick % (2 * shape.length)) - shape.length, keepdim, offset, seed: s }));

/**
 * Pooling geometry by construction: kernel k, stride s, padding p ≤ ⌊k/2⌋, dilation d (max only), and
 * H = max(1, d(k − 1) + 1 − 2p) + extra, so the dilated kernel always fits the padded input; ceil_mode both ways,
 * count_include_pad both ways and divisor_override sometimes (avg).
 */
function poolCase(max: boolean) {
  return fc.record({
    N: int(1, 2), C: int(1, 3), kh: int(1, 4), kw: int(1, 4), sh: int(1, 3), sw: int(1, 3), ph: fc.nat(2), pw: fc.nat(2),
    dh: max ? int(1, 2) : fc.constant(1), dw: max ? int(1, 2) : fc.constant(1), eh: int(0, 7), ew: int(0, 7),
    ceil: fc.boolean(), strideNone: fc.boolean(), include: fc.boolean(), override: fc.oneof(fc.constant(null), int(1, 9)),
    specials: fc.boolean(), seed,
  }).map((c) => {
    const ph = Math.min(c.ph, c.kh >> 1), pw = Math.min(c.pw, c.kw >> 1);
    const H = Math.max(1, c.dh * (c.kh - 1) + 1 - 2 * ph) + c.eh, W = Math.max(1, c.dw * (c.kw - 1) + 1 - 2 * pw) + c.ew;
    const options: Record<string, unknown> = { padding: [ph, pw], ceil_mode: c.ceil };
    if (!c.strideNone) options.stride = [c.sh, c.sw];
    if (max) options.dilation = [c.dh, c.dw];
    else { options.count_include_pad = c.include; options.divisor_override = c.override; }
    return { N: c.N, C: c.C, H, W, k: [c.kh, c.kw] as [number, number], options, specials: c.specials, seed: c.seed };
  });
}

/** Adaptive pooling: any input 1..12 and output 1..8 per side (non-dividing sizes, outputs larger than inputs). */
const adaptiveCase = fc.record({ N: int(1, 2), C: int(1, 3), H: int(1, 12), W: int(1, 12), ho: int(1, 8), wo: int(1, 8), seed })
  .map((c) => ({ ...c, size: [c.ho, c.wo] as [number, number] }));

/**
 * softmax's per-element bound (ts/wasm/softmax.ts): (|d_i| + n + n/(e·S) + 6)·u·|ref_i| + 2⁻¹⁴⁸, with
 * d_i = x_i − max along the dimension, S = Σ e^{d_j} ≥ 1, n = the dimension's size.
 */
function softmaxBound(x: Tensor, dim: number, want: Tensor): Float64Array {
  const d = dim < 0 ? dim + x.rank : dim, size = x.shape[d];
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1), outer = x.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const bound = new Float64Array(x.size);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const at = (s: number) => (o * size + s) * inner + i;
    let m = -Infinity, S = 0;
    for (let s = 0; s < size; s++) m = Math.max(m, x.data[at(s)]);
    for (let s = 0; s < size; s++) S += Math.exp(x.data[at(s)] - m);
    for (let s = 0; s < size; s++) {
      const di = Math.abs(x.data[at(s)] - m);
      bound[at(s)] = (di + size + size / (Math.E * S) + 6) * U * Math.abs(want.data[at(s)]) + 2 ** -148;
    }
  }
  return bound;
}

/** layer_norm's per-element bound (ts/wasm/layer_norm.ts), from the exact row statistics. */
function layerNormBound(x: Tensor, n: number, weight: Tensor | null, eps: number, want: Tensor): Float64Array {
  const rows = x.size / n, bound = new Float64Array(x.size);
  for (let r = 0; r < rows; r++) {
    let mean = 0, m1 = 0;
    for (let i = 0; i < n; i++) { mean += x.data[r * n + i]; m1 += Math.abs(x.data[r * n + i]); }
    mean /= n; m1 /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x.data[r * n + i] - mean) ** 2;
    v /= n;
    const inv = 1 / Math.sqrt(v + eps);
    const dMu = (n + 1) * U * m1;
    const eInv = ((n + 4) * U + dMu * dMu / (v + eps) + U) / 2 + 2 * U;
    for (let i = 0; i < n; i++) {
      const g = weight ? Math.abs(weight.data[i]) : 1;
      bound[r * n + i] = g * inv * (dMu + Math.abs(x.data[r * n + i] - mean) * (eInv + 3 * U)) + 2 * U * Math.abs(want.data[r * n + i]);
    }
  }
  return bound;
}

/**
 * gelu's per-element bound (ts/wasm/gelu.ts), plus the reference's own error where the result is tiny: it
 * forms 1 + tanh / 1 + erf in float64, an absolute error of 2⁻⁵³ there, so |ref − gelu| ≤ 2⁻⁵⁴·|x| + u·|ref|.
 */
function geluBound(x: Tensor, approximate: 'none' | 'tanh', want: Tensor): Float64Array {
  return Float64Array.from(x.data, (v, i) => {
    const y = Math.abs(want.data[i]), refError = 2 ** -54 * Math.abs(v) + 2 ** -149;
    if (approximate === 'tanh') {
      const z2 = 2 * Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v);
      return (4 * Math.abs(z2) + 6) * U * y + refError;
    }
    const t = v / Math.SQRT2;
    if (t <= -3.92) return y + refError;
    return (12 + 4 * t * t) * U * y + refError;
  });
}

// ---------------------------------------------------------------------------------------------
// local attention: a per-case bound from the maxima (ts/wasm/local_attention.ts states its own; this
// one is the composition-independent envelope every float32 implementation meets)

function maxAbs(t: Tensor | null): number {
  let m = 0;
  if (t) for (const v of t.data) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Logits L_t = Σ_d qs_d (k_t,d + pe_c,d − pe_t,d) over head_dim terms: |ΔL| ≤ (3·hd + 3)·u·Λ with
 * Λ = hd·max|qs|·(max|k| + 2·max|pe|) (any float32 order of the three terms); the logit range ≤ 2Λ; softmax
 * over T = k_att² taps (softmax's bound with |d| ≤ 2Λ, n = T); a weighted sum of T values:
 * |Δo| ≤ max|v|·(2·|ΔL| + (2Λ + 2T + 6)·u + (T + 2)·u), with slack 2.
 */
function localAttentionAtol(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, head: number, kernel_att: number): number {
  const hd = q.shape[1] / head, T = kernel_att * kernel_att;
  const qs = maxAbs(q) * Math.fround(hd ** -0.5) * (1 + U);
  const Lambda = hd * qs * (maxAbs(k) + 2 * maxAbs(pe));
  const dL = (3 * hd + 3) * U * Lambda;
  return 2 * maxAbs(v) * (2 * dL + (2 * Lambda + 2 * T + 6) * U + (T + 2) * U) + 1e-30;
}

// ---------------------------------------------------------------------------------------------
// the ACmix block: configurations the official module can run (kernel_conv 3; stride | H, W; P < H, W),
// every parameter random (no initial value hides a bug), dep_conv.bias present or absent

/** A C2f case (op c2f): shapes by construction, c = g·cPerGroup so the groups divide c. */
interface C2fCase { N: number; c1: number; g: number; cPerGroup: number; c: number; c2: number; n: number; shortcut: boolean; H: number; W: number; eps: number; seed: number }

interface AcmixCase { N: number; H: number; W: number; config: ACmixConfig; depBias: boolean; seed: number }

const acmixCase: fc.Arbitrary<AcmixCase> = fc.record({
  N: int(1, 2), in_planes: int(1, 6), head: int(1, 3), head_dim: int(1, 3), kernel_att: fc.constantFrom(3, 5, 7),
  stride: fc.constantFrom(1, 2), extraH: int(0, 3), extraW: int(0, 3), depBias: fc.boolean(), seed,
}).map((c) => {
  const P = Math.floor(c.kernel_att / 2), fit = (e: number) => c.stride * Math.ceil((P + 1 + e) / c.stride);
  const config = acmixConfig('acmix', c.in_planes, c.head * c.head_dim, { kernel_att: c.kernel_att, head: c.head, kernel_conv: 3, stride: c.stride });
  return { N: c.N, H: fit(c.extraH), W: fit(c.extraW), config, depBias: c.depBias, seed: c.seed };
});

/** Every parameter by state_dict key, uniform in [−1, 1) from the seed. */
function acmixWeights(config: ACmixConfig, s: number, depBias: boolean): ACmixWeights {
  const weights: ACmixWeights = {};
  let k = 1;
  for (const [key, shape] of Object.entries(acmixParameterShapes(config))) weights[key] = T(shape, s + 101 * k++, Math.fround(-1), Math.fround(1));
  if (depBias) weights['dep_conv.bias'] = T([config.out_planes], s + 7, Math.fround(-1), Math.fround(1));
  return weights;
}

/**
 * The longest float32 reduction chain of the block on wasm (spec/acmix.test.ts): the 1x1 projections
 * (C_in + 1), the attention path (logits over head_dim, softmax and aggregation over k_att² taps), fc (3·head)
 * and dep_conv (9·9).
 */
const acmixChainK = (c: ACmixConfig) => c.in_planes + 1 + 3 * c.head_dim + 2 * c.kernel_att ** 2 + 81 + 3 * c.head;

/** |got − want| ≤ 4·K·u·(|want_i| + mean|want|) (ts/core/numerics.ts chainBound). */
function withinChainBound(got: Tensor, want: Tensor, K: number, label: string, p: unknown): void {
  const b = chainBound(K, want.data);
  withinElementBound(got, want, Float64Array.from(want.data, (_, i) => b.bound(i) + 1e-30), label, p);
}

// ---------------------------------------------------------------------------------------------
// the specs, by Ops member

export const opSpecs: OpSpecs = {
  conv2d: spec({
    bound: '2·(C_in/groups·k_h·k_w + 1)·u·Σ|terms|',
    params: convCase,
    build: convArgs,
    compare(got, want, [x, w, b, o], p) {
      const scale = ref.conv2d(absTensor(x as Tensor), absTensor(w as Tensor), abs(b as Tensor | null), o as Conv2dOptions).data;
      const [, cin, kh, kw] = (w as Tensor).shape;
      withinDotBound(got, want, scale, cin * kh * kw + 1, 2, 'conv2d', p);
    },
  }),

  conv2dShiftSum: spec({
    bound: '1.01·(C_in/groups + k_h·k_w + 3)·u·Σ|terms|',
    params: convCase,
    build: convArgs,
    compare(got, want, [x, w, b, o], p) {
      const scale = ref.conv2d(absTensor(x as Tensor), absTensor(w as Tensor), abs(b as Tensor | null), o as Conv2dOptions).data;
      const [, cin, kh, kw] = (w as Tensor).shape;
      withinDotBound(got, want, scale, cin + kh * kw + 3, 1.01, 'conv2d_shift_sum', p);
    },
  }),

  conv2dStageI: spec({
    bound: '1.01·(C_in/groups + 1)·u·Σ|terms| (a float32 dot of C_in/groups terms vs one rounding)',
    params: convCase,
    build: (c) => [T([c.N, c.C_in, c.H, c.W], c.seed), T([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x9e3779b9), { groups: c.groups }],
    compare(got, want, [x, w, o], p) {
      const scale = ref.conv2dStageI(absTensor(x as Tensor), absTensor(w as Tensor), o as { groups: number }).data;
      withinDotBound(got, want, scale, (w as Tensor).shape[1] + 1, 1.01, 'conv2d_stage_i', p);
    },
  }),

  conv2dStageII: spec({
    bound: '1.01·(k_h·k_w + 1)·u·Σ|terms| (a float32 sum of ≤ T + 1 terms in the reference\'s order)',
    params: convCase,
    build: (c) => {
      const { groups: _groups, ...options } = c.options;
      return [T([c.N, c.k_h * c.k_w, c.C_out, c.H, c.W], c.seed), [c.k_h, c.k_w] as [number, number],
        c.bias ? T([c.C_out], c.seed ^ 0x85ebca6b) : null, options];
    },
    compare(got, want, [proj, ks, b, o], p) {
      const kernel_size = ks as [number, number];
      const scale = ref.conv2dStageII(absTensor(proj as Tensor), kernel_size, abs(b as Tensor | null), o as Conv2dOptions).data;
      withinDotBound(got, want, scale, kernel_size[0] * kernel_size[1] + 1, 1.01, 'conv2d_stage_ii', p);
    },
  }),

  shift2d: spec({
    bound: 'bit-exact',
    params: fc.record({
      N: int(1, 2), C: int(1, 5), H: int(1, 9), W: int(1, 9), perChannel: fc.boolean(), specials: fc.boolean(),
      shifts: fc.array(fc.tuple(int(-10, 10), int(-10, 10)), { minLength: 5, maxLength: 5 }), seed,
    }),
    build: (c) => [withSpecials(T([c.N, c.C, c.H, c.W], c.seed), c.seed, c.specials),
      c.perChannel ? c.shifts.slice(0, c.C) : c.shifts[0]],
    compare: bitExact('shift2d'),
  }),

  shift2dAsConv: spec({
    bound: 'bit-exact (finite inputs: every other tap adds an exact ±0)',
    params: fc.record({
      N: int(1, 2), C: int(1, 5), H: int(1, 9), W: int(1, 9), perChannel: fc.boolean(),
      shifts: fc.array(fc.tuple(int(-4, 4), int(-4, 4)), { minLength: 5, maxLength: 5 }), seed,
    }),
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed), c.perChannel ? c.shifts.slice(0, c.C) : c.shifts[0]],
    compare: bitExact('shift2d_as_conv'),
  }),

  pad: spec({
    bound: 'bit-exact',
    params: fc.record({
      rank: int(1, 5), dims: fc.array(int(0, 5), { minLength: 5, maxLength: 5 }),
      mode: fc.constantFrom('constant', 'reflect', 'replicate'), padded: int(0, 5),
      amounts: fc.array(int(0, 6), { minLength: 10, maxLength: 10 }),
      value: fc.double({ min: -4, max: 4, noNaN: true }), specials: fc.boolean(), seed,
    }).map((c) => {
      const shape = c.dims.slice(0, c.rank);
      const nd = c.mode === 'constant' ? Math.min(c.padded, c.rank) : Math.min(c.padded, 2, c.rank);
      const pad: number[] = [];
      for (let i = 0; i < nd; i++) {
        const d = c.rank - 1 - i;
        if (c.mode !== 'constant' && shape[d] === 0) shape[d] = 1 + (c.amounts[2 * i] % 3);   // reflect/replicate need a non-empty dim
        const cap = c.mode === 'reflect' ? shape[d] : Infinity;                               // reflect: pad < size
        pad.push(c.amounts[2 * i] % cap, c.amounts[2 * i + 1] % cap);
      }
      return { shape, pad, mode: c.mode as 'constant' | 'reflect' | 'replicate', value: c.value, specials: c.specials, seed: c.seed };
    }),
    build: (c) => [withSpecials(T(c.shape, c.seed), c.seed, c.specials), c.pad, { mode: c.mode, value: c.value }],
    compare: bitExact('pad'),
  }),

  unfold: spec({
    bound: 'bit-exact',
    params: fc.record({
      N: int(1, 2), C: int(1, 3), k_h: int(1, 3), k_w: int(1, 3), dh: int(1, 2), dw: int(1, 2), ph: int(0, 2), pw: int(0, 2),
      sh: int(1, 4), sw: int(1, 4), extraH: int(0, 8), extraW: int(0, 8), specials: fc.boolean(), seed,
    }).map((c) => ({
      ...c,
      H: Math.max(1, c.dh * (c.k_h - 1) + 1 - 2 * c.ph) + c.extraH,
      W: Math.max(1, c.dw * (c.k_w - 1) + 1 - 2 * c.pw) + c.extraW,
    })),
    build: (c) => [withSpecials(T([c.N, c.C, c.H, c.W], c.seed), c.seed, c.specials), [c.k_h, c.k_w],
      { dilation: [c.dh, c.dw], padding: [c.ph, c.pw], stride: [c.sh, c.sw] }],
    compare: bitExact('unfold'),
  }),

  softmax: spec({
    bound: '(|x_i − max| + n + n/(e·S) + 6)·u·|ref_i| + 2⁻¹⁴⁸',
    params: fc.record({ shape: shapeArb(1, 4, 9), dimSeed: fc.nat(), spread: fc.constantFrom(1, 10, 50), seed })
      .map((c) => ({ ...c, dim: (c.dimSeed % (2 * c.shape.length)) - c.shape.length })),
    build: (c) => [T(c.shape, c.seed, Math.fround(-2 * c.spread), Math.fround(2 * c.spread)), c.dim],
    compare(got, want, [x, dim], p) {
      withinElementBound(got, want, softmaxBound(x as Tensor, dim as number, want), 'softmax', p);
    },
  }),

  linear: spec({
    bound: '2·(in_features + 1)·u·Σ|terms|',
    params: fc.record({ lead: shapeArb(0, 2, 5), inF: int(0, 12), outF: int(1, 11), bias: fc.boolean(), seed }),
    build: (c) => [T([...c.lead, c.inF], c.seed), T([c.outF, c.inF], c.seed + 1), c.bias ? T([c.outF], c.seed + 2) : null],
    compare(got, want, [x, w, b], p) {
      const scale = ref.linear(absTensor(x as Tensor), absTensor(w as Tensor), abs(b as Tensor | null)).data;
      withinDotBound(got, want, scale, (w as Tensor).shape[1] + 1, 2, 'linear', p);
    },
  }),

  relu: spec({
    bound: 'bit-exact',
    params: fc.record({ shape: shapeArb(0, 4, 9), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T(c.shape, c.seed), c.seed, c.specials)],
    compare: bitExact('relu'),
  }),

  gelu: spec({
    bound: "'none': (12 + 4t²)·u·|ref| (t = x/√2 > −3.92), |ref| below; 'tanh': (4|z₂| + 6)·u·|ref|; + 2⁻⁵⁴·|x| (ref's own)",
    params: fc.record({ shape: shapeArb(0, 4, 9), approximate: fc.constantFrom('none', 'tanh'), range: fc.constantFrom(2, 8, 12), seed }),
    build: (c) => [T(c.shape, c.seed, Math.fround(-c.range), Math.fround(c.range)), { approximate: c.approximate }],
    compare(got, want, [x, options], p) {
      withinElementBound(got, want, geluBound(x as Tensor, (options as { approximate?: 'none' | 'tanh' } | undefined)?.approximate ?? 'none', want), 'gelu', p);
    },
  }),

  batchNorm2d: spec({
    bound: 'bit-exact',
    params: fc.record({
      N: int(1, 2), C: int(1, 5), H: int(1, 7), W: int(1, 7), weight: fc.boolean(), bias: fc.boolean(),
      eps: fc.constantFrom(1e-5, 1e-3, 0.1, 0), seed,
    }),
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed), T([c.C], c.seed + 1), T([c.C], c.seed + 2, Math.fround(0.1), Math.fround(3)),
      c.weight ? T([c.C], c.seed + 3) : null, c.bias ? T([c.C], c.seed + 4) : null, { eps: c.eps }],
    compare: bitExact('batch_norm2d'),
  }),

  layerNorm: spec({
    bound: '|γ|·inv·(Δμ + |x − μ|·(ε_inv + 3u)) + 2u·|ref| (ts/wasm/layer_norm.ts)',
    params: fc.record({
      shape: shapeArb(1, 4, 9), kSeed: fc.nat(), weight: fc.boolean(), bias: fc.boolean(),
      eps: fc.constantFrom(1e-5, 1e-3), offset: fc.constantFrom(0, 3), seed,
    }).map((c) => ({ ...c, k: 1 + (c.kSeed % c.shape.length) })),
    build: (c) => {
      const ns = c.shape.slice(c.shape.length - c.k);
      return [T(c.shape, c.seed, Math.fround(c.offset - 2), Math.fround(c.offset + 2)), ns,
        c.weight ? T(ns, c.seed + 1) : null, c.bias ? T(ns, c.seed + 2) : null, { eps: c.eps }];
    },
    compare(got, want, [x, ns, w, , epsOptions], p) {
      const eps = (epsOptions as { eps?: number } | undefined)?.eps ?? 1e-5;   // the op's default when absent
      const n = (ns as number[]).reduce((a, b) => a * b, 1);
      withinElementBound(got, want, layerNormBound(x as Tensor, n, w as Tensor | null, eps as number, want), 'layer_norm', p);
    },
  }),

  add: spec({
    bound: 'bit-exact',
    params: fc.record({
      pair: fc.oneof(shapeArb(0, 4, 9).map((s) => ({ a: s, b: s as number[] | 'number' })), broadcastPairArb),   // equal shapes, or broadcast
      specials: fc.boolean(), seed,
    }),
    build: (c) => [withSpecials(T(c.pair.a, c.seed), c.seed, c.specials),                   // (a number other becomes a 0-d tensor)
      withSpecials(T(c.pair.b === 'number' ? [] : c.pair.b, c.seed + 1), c.seed + 1, c.specials)],
    compare: bitExact('add'),
  }),

  axpby: spec({
    bound: 'bit-exact',
    params: fc.record({
      shape: shapeArb(0, 4, 9), alpha: fc.double({ min: -3, max: 3, noNaN: true }), beta: fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }),
        fc.float({ min: -3, max: 3, noNaN: true })), specials: fc.boolean(), seed,
    }),
    build: (c) => [c.alpha, withSpecials(T(c.shape, c.seed), c.seed, c.specials), c.beta, withSpecials(T(c.shape, c.seed + 1), c.seed + 1, c.specials)],
    compare: bitExact('axpby'),
  }),

  interpolate: spec({
    bound: '7·u·Σ h·w·|x| (+ 1e-30)',
    params: fc.record({ N: int(1, 2), C: int(1, 3), H: int(1, 9), W: int(1, 9), H_out: int(1, 17), W_out: int(1, 17), align_corners: fc.boolean(), seed }),
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed), { size: [c.H_out, c.W_out] as [number, number], align_corners: c.align_corners }],
    compare(got, want, [x, o], p) {
      const scale = ref.interpolate(absTensor(x as Tensor), o as { size: [number, number]; align_corners: boolean }).data;
      withinDotBound(got, want, scale, 7, 1.01, 'interpolate', p);
    },
  }),

  localAttention: spec({
    bound: '2·max|v|·(2ΔL + (2Λ + 3T + 8)·u), ΔL = (3hd + 3)·u·Λ, Λ = hd·max|qs|·(max|k| + 2max|pe|)',
    params: fc.record({
      N: int(1, 2), head: int(1, 3), head_dim: int(1, 4), ka: fc.constantFrom(1, 3, 5, 7), stride: fc.constantFrom(1, 2),
      extraH: int(0, 5), extraW: int(0, 5), pe: fc.boolean(), seed,
    }).map((c) => {
      const P = Math.floor(c.ka / 2), min = P + 1;                        // reflection padding needs P < H
      const fit = (e: number) => c.stride * Math.ceil((min + e) / c.stride); // stride | H
      return { ...c, C: c.head * c.head_dim, H: fit(c.extraH), W: fit(c.extraW) };
    }),
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed), T([c.N, c.C, c.H, c.W], c.seed + 1), T([c.N, c.C, c.H, c.W], c.seed + 2),
      c.pe ? T([1, c.head_dim, c.H, c.W], c.seed + 3) : null, { head: c.head, kernel_att: c.ka, stride: c.stride }],
    compare(got, want, [q, k, v, pe, o], p) {
      const { head, kernel_att } = o as { head: number; kernel_att: number };
      const atol = localAttentionAtol(q as Tensor, k as Tensor, v as Tensor, pe as Tensor | null, head, kernel_att);
      withinElementBound(got, want, new Float64Array(want.size).fill(atol), 'local_attention', p);
    },
  }),

  acmixFc: spec({
    bound: '2·(3·head + 1)·u·Σ|terms|',
    params: fc.record({ N: int(1, 2), head: int(1, 3), head_dim: int(1, 3), T: int(1, 9), H: int(1, 6), W: int(1, 9), seed }),
    build: (c) => {
      const s = [c.N, c.head * c.head_dim, c.H, c.W];
      return [T(s, c.seed), T(s, c.seed + 1), T(s, c.seed + 2), T([c.T, 3 * c.head, 1, 1], c.seed + 3), { head: c.head }];
    },
    compare(got, want, [q, k, v, fcw, headOptions], p) {
      const head = (headOptions as { head: number }).head;
      const scale = ref.acmixFc(absTensor(q as Tensor), absTensor(k as Tensor), absTensor(v as Tensor), absTensor(fcw as Tensor), { head: head as number }).data;
      withinDotBound(got, want, scale, 3 * (head as number) + 1, 2, 'acmix_fc', p);
    },
  }),

  acmix: spec({
    bound: 'chain bound 4·K·u·(|y| + mean|y|), K = C_in + 1 + 3·head_dim + 2·k_att² + 81 + 3·head',
    params: acmixCase,
    build: (c) => [T([c.N, c.config.in_planes, c.H, c.W], c.seed), acmixWeights(c.config, c.seed, c.depBias),
      { kernel_att: c.config.kernel_att, head: c.config.head, kernel_conv: 3, stride: c.config.stride }],
    compare(got, want, [, weights, options], p) {
      withinChainBound(got, want, acmixChainK(acmixConfigFromWeights('acmix', weights as ACmixWeights, options as ACmixOptions)), 'acmix', p);
    },
  }),

  acmixForward: spec<AcmixCase, ACmixResult>({
    bound: 'q, k, v: 2·(C_in + 1)·u·Σ|terms|; pe: 2·3·u·Σ|terms|; both paths and the output: the chain bound of acmix',
    params: acmixCase,
    build: (c) => [T([c.N, c.config.in_planes, c.H, c.W], c.seed), acmixWeights(c.config, c.seed, c.depBias), c.config],
    compare(got, want, [x, weights, config], p) {
      const w = weights as ACmixWeights, c = config as ACmixConfig, xa = absTensor(x as Tensor), [, , H, W] = (x as Tensor).shape;
      for (const [key, name] of [['conv1', 'q'], ['conv2', 'k'], ['conv3', 'v']] as const) {
        const scale = ref.conv2d(xa, absTensor(w[`${key}.weight`]!), abs(w[`${key}.bias`])).data;
        withinDotBound(got[name], want[name], scale, c.in_planes + 1, 2, `acmix_forward ${name}`, p);
      }
      const peScale = ref.conv2d(absTensor(acmixPosition(H, W)), absTensor(w['conv_p.weight']!), abs(w['conv_p.bias'])).data;
      withinDotBound(got.pe, want.pe, peScale, 3, 2, 'acmix_forward pe', p);
      const K = acmixChainK(c);
      for (const name of ['outAtt', 'outConv', 'output'] as const) withinChainBound(got[name], want[name], K, `acmix_forward ${name}`, p);
    },
  }),

  // ---- dynamic / deformable convolution: the bounds their specs and ts/verify/golden_dynconv.ts state

  // ---- global attention: the bound ts/wasm/scaled_dot_product_attention.ts states (ts/verify/golden_attention.ts sdpaBound)

  scaledDotProductAttention: spec({
    bound: '2·u·(2(E + 4)·Λ_i + 2S + 5)·Σ_j P_ij|v_jc| + S·2⁻¹⁴⁹·max|v|, Λ_i = max_j Σ_e |qs_e k_je| + |mask_ij|',
    params: fc.record({
      N: int(1, 2), H: int(1, 3), L: int(0, 9), S: int(0, 11), E: int(1, 9), Ev: int(1, 10),
      kvShared: fc.boolean(),                                  // key/value [N, 1, S, ·]: one per batch, broadcast over heads
      mask: fc.constantFrom('none', 'float', 'float_bcast', 'bool', 'bool_kpm', 'causal'),
      scale: fc.option(fc.double({ min: -2, max: 2, noNaN: true }), { nil: undefined }), spread: fc.constantFrom(1, 4), seed,
    }),
    build: (c) => {
      const kvH = c.kvShared ? 1 : c.H, r = prng(c.seed ^ 0x51ed270b);
      const q = T([c.N, c.H, c.L, c.E], c.seed, Math.fround(-c.spread), Math.fround(c.spread));
      const k = T([c.N, kvH, c.S, c.E], c.seed + 1, Math.fround(-c.spread), Math.fround(c.spread)), v = T([c.N, kvH, c.S, c.Ev], c.seed + 2);
      const bool = (shape: number[]) => ({ bool: Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() < 0.75 ? 1 : 0)), shape });
      const attn_mask = c.mask === 'float' ? T([c.L, c.S], c.seed + 3, Math.fround(-3), Math.fround(3))
        : c.mask === 'float_bcast' ? T([c.N, 1, c.L, c.S], c.seed + 3, Math.fround(-3), Math.fround(3))
        : c.mask === 'bool' ? bool([c.N, c.H, c.L, c.S]) : c.mask === 'bool_kpm' ? bool([c.N, 1, 1, c.S]) : null;
      return [q, k, v, { attn_mask, is_causal: c.mask === 'causal', ...(c.scale !== undefined ? { scale: c.scale } : {}) }];
    },
    compare(got, want, [q, k, v, o], p) {
      const b = sdpaBound(q as Tensor, k as Tensor, v as Tensor, o as object);
      withinElementBound(got, want, b, 'scaled_dot_product_attention', p);
    },
  }),

  c2f: spec<C2fCase>({
    bound: 'the chain bound 4·K·u·(|y| + mean|y|), K = c1 + n·(9c + 9c/g + 3) + (2+n)·c + 2 + 8 per Conv (ts/wasm/c2f.ts)',
    params: fc.record({
      N: int(1, 2), c1: int(1, 5), g: int(1, 2), cPerGroup: int(1, 3), c2: int(1, 6), n: int(0, 2), shortcut: fc.boolean(),
      H: int(1, 9), W: int(1, 9), eps: fc.constantFrom(1e-3, 1e-5), seed,
    }).map((c) => ({ ...c, c: c.g * c.cPerGroup })),
    build: (c) => {
      // every parameter from the seed; batch-norm scales in [0.5, 1.5), variances in [0.5, 2)
      const weights: Record<string, Tensor> = {};
      let k = 0;
      for (const [key, shape] of Object.entries(c2fParameterShapes(c))) {
        const range: [number, number] = key.endsWith('running_var') ? [0.5, 2] : key.endsWith('bn.weight') ? [0.5, 1.5] : [-1, 1];
        weights[key] = T(shape, c.seed + 977 * k++, Math.fround(range[0]), Math.fround(range[1]));
      }
      return [T([c.N, c.c1, c.H, c.W], c.seed), weights, { shortcut: c.shortcut, eps: c.eps }];
    },
    compare(got, want, [x, weights, options], p) {
      // the geometry from the call itself (the fuzz suite passes other arguments than `build` makes)
      const g = checkC2f('c2f', x as Tensor, weights as C2fWeights, options as C2fOpOptions);
      const K = g.c1 + 1 + g.n * (9 * g.c + 9 * g.c / g.g + 3) + (2 + g.n) * g.c + 1 + 8 * (2 + 2 * g.n);
      withinChainBound(got, want, K, 'c2f', p);
    },
  }),
  hardswish: spec({
    bound: '3·u·|ref| + 2⁻¹⁴⁹ (three float32 roundings in PyTorch\'s order; x + 3 exact near −3)',
    params: fc.record({ shape: shapeArb(0, 4, 9), range: fc.constantFrom(2, 4, 8, 100), specials: fc.boolean(), seed }),
    build: (c) => [c.specials ? withSpecials(T(c.shape, c.seed, Math.fround(-c.range), Math.fround(c.range)), c.seed, true)
      : T(c.shape, c.seed, Math.fround(-c.range), Math.fround(c.range))],
    compare(got, want, _args, p) {
      withinElementBound(got, want, Float64Array.from(want.data, (y) => 3 * U * Math.abs(y) + 2 ** -149), 'hardswish', p);
    },
  }),

  // ---- the standard PyTorch layers (activations, pooling, shape ops)
  silu: spec({
    bound: '8·u·|ref| + 2⁻¹²⁶ (σ as sigmoid, one product; the absolute term: the subnormal tail)',
    params: fc.record({ shape: shapeArb(0, 4, 9), range: fc.constantFrom(2, 20, 100), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T(c.shape, c.seed, Math.fround(-c.range), Math.fround(c.range)), c.seed, c.specials)],
    compare(got, want, _args, p) {
      withinElementBound(got, want, Float64Array.from(want.data, (y) => 8 * U * Math.abs(y) + 2 ** -126), 'silu', p);
    },
  }),

  hardsigmoid: spec({
    bound: '2·u·|ref| + 2⁻¹⁴⁹ (two float32 roundings in PyTorch\'s order)',
    params: fc.record({ shape: shapeArb(0, 4, 9), range: fc.constantFrom(2, 4, 8, 100), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T(c.shape, c.seed, Math.fround(-c.range), Math.fround(c.range)), c.seed, c.specials)],
    compare(got, want, _args, p) {
      withinElementBound(got, want, Float64Array.from(want.data, (y) => 2 * U * Math.abs(y) + 2 ** -149), 'hardsigmoid', p);
    },
  }),

  tanh: spec({
    bound: '4·u·|ref| + 2⁻¹⁴⁹ (musl tanhf)',
    params: fc.record({ shape: shapeArb(0, 4, 9), range: fc.constantFrom(0.01, 1, 5, 20), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T(c.shape, c.seed, Math.fround(-c.range), Math.fround(c.range)), c.seed, c.specials)],
    compare(got, want, _args, p) {
      withinElementBound(got, want, Float64Array.from(want.data, (y) => 4 * U * Math.abs(y) + 2 ** -149), 'tanh', p);
    },
  }),

  leakyRelu: spec({
    bound: 'bit-exact',
    params: fc.record({ shape: shapeArb(0, 4, 9), slope: fc.constantFrom(0.01, 0.1, 0.2, 1, -0.5, 3), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T(c.shape, c.seed), c.seed, c.specials), { negative_slope: c.slope }],
    compare: bitExact('leaky_relu'),
  }),

  maxPool2d: spec({
    bound: 'bit-exact',
    params: poolCase(true),
    build: (c) => [withSpecials(T([c.N, c.C, c.H, c.W], c.seed), c.seed, c.specials), c.k, c.options],
    compare: bitExact('max_pool2d'),
  }),

  avgPool2d: spec({
    bound: '2·(k_h·k_w + 1)·u·Σ|taps|/D (PyTorch\'s row-major float32 sum)',
    params: poolCase(false),
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed), c.k, c.options],
    compare(got, want, [x, k, o], p) {
      const scale = ref.avgPool2d(absTensor(x as Tensor), k as [number, number], o as object).data;
      const [kh, kw] = k as [number, number];
      withinDotBound(got, want, scale, kh * kw + 1, 2, 'avg_pool2d', p);
    },
  }),

  adaptiveAvgPool2d: spec({
    bound: '2·(k_h·k_w + 2)·u·mean|window| (k the largest window sides)',
    params: adaptiveCase,
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed), c.size],
    compare(got, want, [x, size], p) {
      const scale = ref.adaptiveAvgPool2d(absTensor(x as Tensor), size as [number, number]).data;
      const [, , H, W] = (x as Tensor).shape, [ho, wo] = want.shape.slice(2);
      withinDotBound(got, want, scale, (Math.ceil(H / ho) + 1) * (Math.ceil(W / wo) + 1) + 2, 2, 'adaptive_avg_pool2d', p);
    },
  }),

  adaptiveMaxPool2d: spec({
    bound: 'bit-exact',
    params: fc.record({ base: adaptiveCase, specials: fc.boolean() }),
    build: ({ base: c, specials }) => [withSpecials(T([c.N, c.C, c.H, c.W], c.seed), c.seed, specials), c.size],
    compare: bitExact('adaptive_max_pool2d'),
  }),

  flatten: spec({
    bound: 'bit-exact (a view on both backends)',
    params: fc.record({ shape: shapeArb(1, 4, 6), a: fc.nat(), b: fc.nat(), seed }),
    build: (c) => {
      const r = c.shape.length, s = c.a % r, e = s + (c.b % (r - s));
      return [T(c.shape, c.seed), { start_dim: s, end_dim: e - (c.b % 2 ? r : 0) }];
    },
    compare(got, want, [x]) {
      bitExact('flatten')(got, want);
      assert.ok(got.data === (x as Tensor).data, 'flatten: wasm returns a view of the input data');
    },
  }),

  cat: spec({
    bound: 'bit-exact',
    params: fc.record({ shape: shapeArb(1, 4, 5), sizes: fc.array(int(0, 4), { minLength: 1, maxLength: 4 }), d: fc.nat(), specials: fc.boolean(), seed }),
    build: (c) => {
      const dim = c.d % c.shape.length;
      const ts = c.sizes.map((n, i) => withSpecials(T(c.shape.map((s, a) => (a === dim ? n : s)), c.seed + i), c.seed + i, c.specials));
      return [ts, { dim: c.d % 2 ? dim - c.shape.length : dim }];
    },
    compare: bitExact('cat'),
  }),

  chunk: spec<{ shape: number[]; chunks: number; d: number; specials: boolean; seed: number }, Tensor[]>({
    bound: 'bit-exact',
    params: fc.record({ shape: shapeArb(1, 4, 9), chunks: int(1, 5), d: fc.nat(), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T(c.shape, c.seed), c.seed, c.specials), c.chunks, { dim: c.d % c.shape.length }],
    compare(got, want) {
      assert.is(got.length, want.length, 'chunk: number of pieces');
      got.forEach((g, i) => bitExact(`chunk[${i}]`)(g, want[i]));
    },
  }),

  sigmoid: spec({
    bound: '8·u·|ref| + 2⁻¹⁴⁸',
    params: fc.record({ shape: shapeArb(0, 4, 9), range: fc.constantFrom(2, 20, 100), seed }),
    build: (c) => [T(c.shape, c.seed, Math.fround(-c.range), Math.fround(c.range))],
    compare(got, want, _args, p) {
      withinElementBound(got, want, Float64Array.from(want.data, (y) => 8 * U * Math.abs(y) + 2 ** -148), 'sigmoid', p);
    },
  }),

  globalAvgPool2d: spec({
    bound: '2·(H·W + 1)·u·mean|x|',
    params: fc.record({ N: int(1, 2), C: int(1, 5), H: int(1, 9), W: int(1, 9), seed }),
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed)],
    compare(got, want, [x], p) {
      const scale = ref.globalAvgPool2d!(absTensor(x as Tensor)).data;
      const [, , H, W] = (x as Tensor).shape;
      withinDotBound(got, want, scale, H * W + 1, 2, 'global_avg_pool2d', p);
    },
  }),

  conv2dPerSample: spec({
    bound: '2·(C_in/groups·k_h·k_w + 1)·u·Σ|terms|',
    params: convCase,
    build: (c) => [T([c.N, c.C_in, c.H, c.W], c.seed), T([c.N, c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x9e3779b9),
      c.bias ? T([c.N, c.C_out], c.seed ^ 0x85ebca6b) : null, c.options],
    compare(got, want, [x, w, b, o], p) {
      const scale = ref.conv2dPerSample!(absTensor(x as Tensor), absTensor(w as Tensor), abs(b as Tensor | null), o as Conv2dOptions).data;
      const [, , cin, kh, kw] = (w as Tensor).shape;
      withinDotBound(got, want, scale, cin * kh * kw + 1, 2, 'conv2d_per_sample', p);
    },
  }),

  conv2dMixture: spec({
    bound: 'ts/verify_dynconv.ts mixtureBound: 2·(K_red + experts + 2)·u·Σ|terms|',
    params: fc.record({ conv: convCase, experts: int(1, 4) }),
    build: ({ conv: c, experts }) => [T([c.N, c.C_in, c.H, c.W], c.seed), T([experts, c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x9e3779b9),
      c.bias ? T([experts, c.C_out], c.seed ^ 0x85ebca6b) : null, T([c.N, experts], c.seed + 7, 0, 1), c.options],
    compare(got, want, [x, w, b, r, o], p) {
      const bd = mixtureBound(x as Tensor, w as Tensor, b as Tensor | null, r as Tensor, null, o as object);
      withinElementBound(got, want, Float64Array.from(want.data, (_, i) => bd.bound(i) + 1e-30), 'conv2d_mixture', p);
    },
  }),

  conv2dModulated: spec({
    bound: 'ts/verify_dynconv.ts modulatedBound: 2·(2·K_red + 8)·u·Σ|terms|',
    params: fc.record({ conv: convCase, gamma_in: fc.boolean(), gamma_out: fc.boolean(), demodulate: fc.boolean() }),
    build: ({ conv: c, gamma_in, gamma_out, demodulate }) => [T([c.N, c.C_in, c.H, c.W], c.seed),
      T([c.C_out, c.cinPerGroup, c.k_h, c.k_w], c.seed ^ 0x9e3779b9), c.bias ? T([c.C_out], c.seed ^ 0x85ebca6b) : null,
      { gamma_in: gamma_in ? T([c.N, c.C_in], c.seed + 5) : null, gamma_out: gamma_out ? T([c.N, c.C_out], c.seed + 6) : null, demodulate },
      c.options],
    compare(got, want, [x, w, b, mod, o], p) {
      const bd = modulatedBound(x as Tensor, w as Tensor, b as Tensor | null, mod as object, o as object);
      withinElementBound(got, want, Float64Array.from(want.data, (_, i) => bd.bound(i) + 1e-30), 'conv2d_modulated', p);
    },
  }),

  deformConv2d: spec({
    bound: '2·(K + 8)·u·Σ|terms| + 4·u·coordScale (ts/ref/deform_conv2d.ts deformConv2dErrorScales)',
    params: fc.record({
      N: int(1, 2), groups: int(1, 2), offsetGroups: int(1, 2), cinPerOG: int(1, 2), coutPerGroup: int(1, 3),
      k_h: int(1, 3), k_w: int(1, 3), stride: int(1, 3), pad: int(0, 2), dilation: int(1, 2), extraH: int(0, 6), extraW: int(0, 6),
      mask: fc.boolean(), bias: fc.boolean(), seed,
    }).map((c) => {
      // C_in a multiple of both groups and offset_groups: groups·offset_groups·cinPerOG
      const C_in = c.groups * c.offsetGroups * c.cinPerOG, C_out = c.groups * c.coutPerGroup;
      const effH = c.dilation * (c.k_h - 1) + 1, effW = c.dilation * (c.k_w - 1) + 1;
      const H = Math.max(1, effH - 2 * c.pad) + c.extraH, W = Math.max(1, effW - 2 * c.pad) + c.extraW;
      const H_out = Math.floor((H + 2 * c.pad - effH) / c.stride) + 1, W_out = Math.floor((W + 2 * c.pad - effW) / c.stride) + 1;
      return { ...c, C_in, C_out, H, W, H_out, W_out };
    }),
    build: (c) => {
      const Tt = c.k_h * c.k_w;
      const mask = c.mask ? T([c.N, c.offsetGroups * Tt, c.H_out, c.W_out], c.seed + 3, 0, 1) : null;
      return [T([c.N, c.C_in, c.H, c.W], c.seed), T([c.N, 2 * c.offsetGroups * Tt, c.H_out, c.W_out], c.seed + 1, -3, 3),
        T([c.C_out, c.C_in / c.groups, c.k_h, c.k_w], c.seed + 2), c.bias ? T([c.C_out], c.seed + 4) : null,
        { stride: c.stride, padding: c.pad, dilation: c.dilation, mask }];
    },
    compare(got, want, [x, off, w, b, o], p) {
      const s = deformConv2dErrorScales(x as Tensor, off as Tensor, w as Tensor, b as Tensor | null, o as object);
      withinElementBound(got, want, Float64Array.from(s.absScale, (a, i) => (2 * (s.reduction + 8) * a + 4 * s.coordScale[i]) * U + 1e-30), 'deform_conv2d', p);
    },
  }),

  involution2d: spec({
    bound: '2·(k_h·k_w + 1)·u·Σ|terms|',
    params: fc.record({ N: int(1, 2), G: int(1, 3), perGroup: int(1, 3), k: fc.constantFrom(1, 3, 5), stride: int(1, 2), dilation: int(1, 2), H: int(1, 8), W: int(1, 9), seed })
      .map((c) => {
        const padding = Math.floor(c.dilation * (c.k - 1) / 2), out = (n: number) => Math.floor((n + 2 * padding - c.dilation * (c.k - 1) - 1) / c.stride) + 1;
        return { ...c, C: c.G * c.perGroup, padding, H_out: out(c.H), W_out: out(c.W) };
      }),
    build: (c) => [T([c.N, c.C, c.H, c.W], c.seed), T([c.N, c.G, c.k * c.k, c.H_out, c.W_out], c.seed + 1),
      { kernel_size: c.k, stride: c.stride, padding: c.padding, dilation: c.dilation }],
    compare(got, want, [x, kern, o], p) {
      const scale = ref.involution2d!(absTensor(x as Tensor), absTensor(kern as Tensor), o as { kernel_size: number }).data;
      withinDotBound(got, want, scale, ((o as { kernel_size: number }).kernel_size) ** 2 + 1, 2, 'involution2d', p);
    },
  }),

  // ---- Swin window attention (ts/ref/window_attention.ts; bound derived in ts/wasm/window_attention.ts)

  windowPartition: spec({
    bound: 'bit-exact',
    params: fc.record({ B: int(1, 2), nh: int(1, 3), nw: int(1, 3), ws: int(1, 4), C: int(1, 5), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T([c.B, c.nh * c.ws, c.nw * c.ws, c.C], c.seed), c.seed, c.specials), c.ws],
    compare: bitExact('window_partition'),
  }),

  windowReverse: spec({
    bound: 'bit-exact',
    params: fc.record({ B: int(1, 2), nh: int(1, 3), nw: int(1, 3), ws: int(1, 4), C: int(1, 5), specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T([c.B * c.nh * c.nw, c.ws, c.ws, c.C], c.seed), c.seed, c.specials), c.ws, c.nh * c.ws, c.nw * c.ws],
    compare: bitExact('window_reverse'),
  }),

  roll: spec({
    bound: 'bit-exact',
    params: fc.record({ shape: shapeArb(1, 4, 7), shifts: fc.array(int(-15, 15), { minLength: 1, maxLength: 3 }), dimSeeds: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), specials: fc.boolean(), seed })
      .map((c) => ({ ...c, dims: c.shifts.map((_, i) => (c.dimSeeds[i] % (2 * c.shape.length)) - c.shape.length) })),
    build: (c) => [withSpecials(T(c.shape, c.seed), c.seed, c.specials), c.shifts, c.dims],
    compare: bitExact('roll'),
  }),

  windowAttention: spec({
    bound: '2·[Σ_j w_j((hd+2)uΛ_j + u|ℓ_j − m| + 2u)(|v_j| + |y|) + (2N+3)u·Σ_j w_j|v_j|] + 2⁻¹⁴⁸·N·max|v|',
    params: fc.record({
      B: int(1, 2), nW: int(1, 3), N: int(1, 9), heads: int(1, 3), hd: int(1, 6), T: int(1, 10),
      mask: fc.constantFrom('none', 'swin', 'random'), scaled: fc.boolean(), spread: fc.constantFrom(1, 4), seed,
    }),
    build: (c) => {
      const C = c.heads * c.hd, r = prng(c.seed ^ 0x51ed);
      const index = new Tensor(Float32Array.from({ length: c.N * c.N }, () => Math.floor(r() * c.T)), [c.N, c.N]);
      const mask = c.mask === 'none' ? null : c.mask === 'swin'
        ? new Tensor(Float32Array.from({ length: c.nW * c.N * c.N }, () => (r() < 0.4 ? -100 : 0)), [c.nW, c.N, c.N])
        : T([c.nW, c.N, c.N], c.seed + 3);
      return [T([c.B * c.nW, c.N, 3 * C], c.seed, Math.fround(-c.spread), Math.fround(c.spread)), T([c.T, c.heads], c.seed + 1), index, mask,
        { num_heads: c.heads, ...(c.scaled ? { scale: 0.37 } : {}) }];
    },
    compare(got, want, [qkv, table, index, mask, o], p) {
      const b = windowAttentionBound(qkv as Tensor, table as Tensor, index as Tensor, mask as Tensor | null, o as { num_heads: number });
      withinElementBound(got, want, b, 'window_attention', p);
    },
  }),

  mul: spec({
    bound: 'bit-exact',
    params: fc.record({ pair: broadcastPairArb, specials: fc.boolean(), seed }),
    build: (c) => [withSpecials(T(c.pair.a, c.seed), c.seed, c.specials),
      c.pair.b === 'number' ? Math.fround(0.37 + (c.seed % 7)) : withSpecials(T(c.pair.b, c.seed + 1), c.seed + 1, c.specials)],
    compare: bitExact('mul'),
  }),

  mean: spec({
    bound: '2·(n + 1)·u·mean|x| (n = the reduced dim; + 1e-30)',
    params: reduceArb,
    build: (c) => [T(c.shape, c.seed, Math.fround(c.offset - 2), Math.fround(c.offset + 2)), { dim: c.dim, ...(c.keepdim === undefined ? {} : { keepdim: c.keepdim }) }],
    compare(got, want, [x, o], p) {
      const scale = ref.mean(absTensor(x as Tensor), o as { dim: number });
      const n = (x as Tensor).shape.at((o as { dim: number }).dim)!;
      withinDotBound(got, want, scale.data, n + 1, 2, 'mean', p);
    },
  }),

  amax: spec({
    bound: 'bit-exact',
    params: fc.record({ r: reduceArb, specials: fc.boolean() }),
    build: ({ r: c, specials }) => [withSpecials(T(c.shape, c.seed), c.seed, specials), { dim: c.dim, ...(c.keepdim === undefined ? {} : { keepdim: c.keepdim }) }],
    compare: bitExact('amax'),
  }),
};

/**
 * Asserts wasm ≈ ref for one call of `fn` with `args` within the op's bound (for specs that compare the
 * backends on hand-written calls, e.g. spec/errors.test.ts's "next call right").
 */
export function assertOpClose(fn: OpName, args: unknown[], got: Tensor, want: Tensor): void {
  const s = opSpecs[fn] as OpSpec<unknown, unknown> | undefined;
  if (!s) throw new Error(`spec/support/cases.ts: no bound for ${fn}`);
  s.compare(got, want, args, { call: fn });
}
