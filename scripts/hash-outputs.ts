// Hashes the outputs of every op and every nn module on fixed deterministic inputs, on both backends, so that
// a refactor can be checked bit for bit: run it before and after, then compare the two JSON files key for key.
//
//   node --import tsx scripts/hash-outputs.ts [--out FILE] [--build release|debug] [--only REGEX] [--stats]
//
//   Needs the wasm kernels built (`npm run build:as`).
//   --build  the wasm build (default release; passed to wasm.init, so ATTNCONV_WASM_BUILD is not consulted)
//   --only   hash only the keys matching REGEX (seeds depend on keys alone: the subset's hashes are unchanged)
//   --stats  print to stderr, per key, the output size, range, NaN count and (wasm) the max |wasm − ref|,
//            to see that no case is degenerate
//
// Output (stdout, or FILE with --out): one JSON object sorted by key,
//   { "<name>/<case>/<backend>": "<hex16>", ... }
// <name> is an op (a member of Ops / a row of ts/registry.ts, plus the fused `acmixForward`), a ref-only helper
// of ts/ref (backend 'ref' only) or an nn module class; <case> is a label naming the configuration; <backend> is
// 'ref' or 'wasm'. <hex16> is the first 16 hex digits of the sha256 of the raw bytes of the output array(s),
// concatenated in the order the case lists them. A case that throws gets "error:<ErrorName>" (and the exit code
// is 1). Metadata (wasm build, counts, coverage) goes to stderr.
//
// The file has three parts:
//   1. Deterministic data: the PRNG, the seeds and the rule for module parameters. No attnconv API here.
//      Every tensor is a function of its key `<name>/<case>/<input>` (module parameters: `<name>/<case>/param/
//      <state_dict key>`), its shape and its range only — never of the order in which cases or inputs run.
//   2. The attnconv API adapter and the case table: the ONLY place that calls the library. When the API changes,
//      port this part (keeping every name, case label, input name, shape and range) and the keys stay comparable.
//   3. The driver: hashing, the coverage check, the output.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// The library, used only by part 2 (part 3 refers to the Tensor type, never calls it directly).
import { Tensor, ref, wasm, nn, registry, type Ops } from '../ts/index.js';
import { prng } from '../spec/support/arbitraries.js';
import { shiftKernel, shiftKernels } from '../ts/core/check/shift2d.js';
import { acmixConfig, acmixPosition } from '../ts/core/check/acmix.js';
import { linspace } from '../ts/core/check/interpolate.js';
import { localAttentionWeights } from '../ts/ref/local_attention.js';
import { erf } from '../ts/ref/activations.js';

// =============================================================================================================
// 1. Deterministic data (no attnconv API)
// =============================================================================================================

type Backend = 'ref' | 'wasm';
const BACKENDS: readonly Backend[] = ['ref', 'wasm'];

/** FNV-1a (32 bit) of a string: the seed of a tensor is derived from its key. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32 (the specs' PRNG): uniform floats in [0, 1) from a 32-bit seed. */
const mulberry32 = prng;

/** A [lo, hi) range of uniform values. */
type Range = readonly [lo: number, hi: number];

/** The float32 values of one tensor: uniform in `range`, seeded by `key` alone. */
function uniformData(key: string, shape: readonly number[], range: Range = [-1, 1]): Float32Array {
  const rand = mulberry32(fnv1a(key));
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(range[0] + (range[1] - range[0]) * rand());
  return out;
}

/** An input of a case: a shape (values uniform in [−1, 1)) or a shape with its own range. */
type InputSpec = readonly number[] | { readonly shape: readonly number[]; readonly range: Range };
type InputSpecs = Record<string, InputSpec>;

/** A shape with values uniform in [lo, hi). */
const u = (shape: readonly number[], lo: number, hi: number): InputSpec => ({ shape, range: [lo, hi] });

function specShape(s: InputSpec): readonly number[] {
  return 'shape' in s ? s.shape : (s as readonly number[]);
}
function specRange(s: InputSpec): Range {
  return 'range' in s ? s.range : [-1, 1];
}

/**
 * The range of a module parameter, from its PyTorch state_dict key and shape only (so it survives a refactor
 * of the constructors): variances in [0.5, 1.5), means in [−0.2, 0.2), other vectors in [−0.5, 0.5), weights
 * U(±1/√fan_in) with fan_in = numel / shape[0] (the default init's scale, so activations stay O(1)).
 */
function paramRange(key: string, shape: readonly number[]): Range {
  if (key.endsWith('running_var')) return [0.5, 1.5];
  if (key.endsWith('running_mean')) return [-0.2, 0.2];
  if (shape.length <= 1) return [-0.5, 0.5];
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  return [-bound, bound];
}

/** ACmix parameter shapes by state_dict key (the official module's; dep_conv.bias optional). */
function acmixWeightSpecs(inPlanes: number, outPlanes: number, head: number, depConvBias: boolean): InputSpecs {
  const headDim = outPlanes / head, T = 9;   // kernel_conv = 3 (the only value the official module runs)
  const specs: InputSpecs = {
    rate1: [1], rate2: [1],
    'conv1.weight': [outPlanes, inPlanes, 1, 1], 'conv1.bias': [outPlanes],
    'conv2.weight': [outPlanes, inPlanes, 1, 1], 'conv2.bias': [outPlanes],
    'conv3.weight': [outPlanes, inPlanes, 1, 1], 'conv3.bias': [outPlanes],
    'conv_p.weight': [headDim, 2, 1, 1], 'conv_p.bias': [headDim],
    'fc.weight': [T, 3 * head, 1, 1],
    'dep_conv.weight': [outPlanes, T, 3, 3],
  };
  if (depConvBias) specs['dep_conv.bias'] = [outPlanes];
  return specs;
}

// =============================================================================================================
// 2. The attnconv API adapter and the case table (port this part when the API changes)
// =============================================================================================================

type OutArray = Float32Array | Float64Array;
type Output = Tensor | OutArray;
type Outputs = Output | readonly Output[];
type Tensors<S extends InputSpecs> = { [K in keyof S]: Tensor };

/** What a case gets: its backend, its inputs by name, and `params(m)`, which seeds a module's parameters. */
interface Ctx<S extends InputSpecs> {
  backend: Backend;
  x: Tensors<S>;
  params<M extends nn.Module>(m: M): M;
}

interface Case {
  inputs: InputSpecs;
  backends: readonly Backend[];
  run(ctx: Ctx<InputSpecs>): Outputs;
}

/** A case on both backends. */
function both<S extends InputSpecs>(inputs: S, run: (ctx: Ctx<S>) => Outputs): Case {
  return { inputs, backends: BACKENDS, run: run as (ctx: Ctx<InputSpecs>) => Outputs };
}
/** A case of a ref-only function (ts/ref exports with no wasm counterpart). */
function refOnly<S extends InputSpecs>(inputs: S, run: (ctx: Ctx<S>) => Outputs): Case {
  return { inputs, backends: ['ref'], run: run as (ctx: Ctx<InputSpecs>) => Outputs };
}

/**
 * The Ops of a backend, typed as Required: both backends implement every optional member today except
 * `acmixForward` on ref (its cases call the spec's composition `ref.acmixForward(ref.ops, ...)` instead).
 */
function ops(b: Backend): Required<Ops> {
  return (b === 'ref' ? ref.ops : wasm.ops) as Required<Ops>;
}

/** Loads the wasm kernels of the given build. */
async function initBackends(build: 'release' | 'debug'): Promise<void> {
  await wasm.init({ build, deterministic: true }); // hashes are of the strict kernels (same bits everywhere)
}

function makeTensor(data: Float32Array, shape: readonly number[]): Tensor {
  return new Tensor(data, shape);
}

/** Seeds every parameter and buffer of a module (strict load: every state_dict key is set). */
function seedParams<M extends nn.Module>(m: M, seedPrefix: string): M {
  const state = new Map<string, Tensor>();
  for (const [key, t] of m.stateDict()) {
    state.set(key, makeTensor(uniformData(`${seedPrefix}/param/${key}`, t.shape, paramRange(key, t.shape)), t.shape));
  }
  m.loadStateDict(state);
  return m;
}

/** The raw output arrays (in order) of what a case returned. */
function outputArrays(out: Outputs): OutArray[] {
  const list = Array.isArray(out) ? (out as readonly Output[]) : [out as Output];
  return list.map((o) => (o instanceof Tensor ? o.data : o));
}

/** Names the library has, for the coverage check: the Ops members, the registry, the nn classes with a forward. */
function libraryNames(): { ops: string[]; refExports: string[]; modules: string[] } {
  const opNames = new Set<string>(['acmixForward']);
  for (const o of [ref.ops, wasm.ops]) for (const k of Object.keys(o)) if (k !== 'name') opNames.add(k);
  for (const r of registry) opNames.add(r.fn);
  const refExports = Object.entries(ref).filter(([k, v]) => typeof v === 'function' && !opNames.has(k)).map(([k]) => k);
  const modules = Object.entries(nn)
    .filter(([, v]) => typeof v === 'function' && typeof (v as { prototype?: { forward?: unknown } }).prototype?.forward === 'function')
    .map(([k]) => k);
  return { ops: [...opNames], refExports, modules };
}

/** Functions of ts/ref deliberately not hashed (no array output). */
const NOT_HASHED: Record<string, string> = {
  acmixConfig: 'returns a config object (hyper-parameters), no array',
};

const erfGrid = () => Float64Array.from({ length: 201 }, (_, i) => erf(-5 + i * 0.05));

/**
 * The case table: name → case label → inputs (shapes and ranges: data only) and the call producing the
 * output(s). Labels name the configuration (semantics, not API), so the keys survive a port.
 */
const CASES: Record<string, Record<string, Case>> = {
  // ---------------------------------------------------------------------------------------- ops (Ops members)
  conv2d: {
    '3x3-p1-odd': both({ x: [2, 5, 9, 11], w: [7, 5, 3, 3], b: [7] }, ({ backend, x }) =>
      ops(backend).conv2d(x.x, x.w, x.b, { padding: 1 })),
    '1x1-gemm': both({ x: [1, 6, 5, 13], w: [10, 6, 1, 1], b: [10] }, ({ backend, x }) =>
      ops(backend).conv2d(x.x, x.w, x.b)),
    '3x2-s2-p2x1-d2-g2-nobias': both({ x: [1, 6, 11, 13], w: [10, 3, 3, 2] }, ({ backend, x }) =>
      ops(backend).conv2d(x.x, x.w, null, { stride: 2, padding: [2, 1], dilation: 2, groups: 2 })),
    'dw5x5-mult2-s2-p2': both({ x: [2, 6, 13, 15], w: [12, 1, 5, 5], b: [12] }, ({ backend, x }) =>
      ops(backend).conv2d(x.x, x.w, x.b, { stride: 2, padding: 2, groups: 6 })),
    'g4-2in2out-p1': both({ x: [1, 8, 6, 9], w: [8, 2, 3, 3], b: [8] }, ({ backend, x }) =>
      ops(backend).conv2d(x.x, x.w, x.b, { padding: 1, groups: 4 })),
    'same-4x4': both({ x: [1, 3, 7, 10], w: [5, 3, 4, 4], b: [5] }, ({ backend, x }) =>
      ops(backend).conv2d(x.x, x.w, x.b, { padding: 'same' })),
  },
  conv2dShiftSum: {
    '3x3-p1-odd': both({ x: [2, 5, 7, 9], w: [6, 5, 3, 3], b: [6] }, ({ backend, x }) =>
      ops(backend).conv2dShiftSum(x.x, x.w, x.b, { padding: 1 })),
    '3x3-s2-p2-d2-g2-nobias': both({ x: [1, 4, 9, 11], w: [6, 2, 3, 3] }, ({ backend, x }) =>
      ops(backend).conv2dShiftSum(x.x, x.w, null, { stride: 2, padding: 2, dilation: 2, groups: 2 })),
    'dw2x3-same': both({ x: [1, 3, 6, 7], w: [3, 1, 2, 3], b: [3] }, ({ backend, x }) =>
      ops(backend).conv2dShiftSum(x.x, x.w, x.b, { padding: 'same', groups: 3 })),
  },
  shift2d: {
    'all-channels-1-m2': both({ x: [2, 3, 6, 9] }, ({ backend, x }) => ops(backend).shift2d(x.x, [1, -2])),
    'per-channel-beyond-map': both({ x: [1, 5, 5, 7] }, ({ backend, x }) =>
      ops(backend).shift2d(x.x, [[0, 0], [1, 1], [-1, 2], [3, -4], [-6, 0]])),
  },
  pad: {
    'constant-hw-value': both({ x: [1, 3, 5, 7] }, ({ backend, x }) => ops(backend).pad(x.x, [1, 2, 3, 0], { mode: 'constant', value: 0.5 })),
    'constant-chw': both({ x: [1, 3, 4, 5] }, ({ backend, x }) => ops(backend).pad(x.x, [1, 1, 0, 2, 1, 0])),
    'reflect': both({ x: [2, 2, 6, 9] }, ({ backend, x }) => ops(backend).pad(x.x, [3, 2, 1, 4], { mode: 'reflect' })),
    'replicate': both({ x: [1, 3, 4, 5] }, ({ backend, x }) => ops(backend).pad(x.x, [2, 5, 3, 1], { mode: 'replicate' })),
  },
  unfold: {
    'k3-p1': both({ x: [2, 3, 5, 7] }, ({ backend, x }) => ops(backend).unfold(x.x, 3, { padding: 1 })),
    'k2x3-s2-d1x2-p0x1': both({ x: [1, 2, 7, 9] }, ({ backend, x }) =>
      ops(backend).unfold(x.x, [2, 3], { stride: 2, dilation: [1, 2], padding: [0, 1] })),
  },
  softmax: {
    'last-dim-13': both({ x: [3, 4, 13] }, ({ backend, x }) => ops(backend).softmax(x.x, -1)),
    'nchw-dim1': both({ x: u([2, 7, 5, 3], -4, 4) }, ({ backend, x }) => ops(backend).softmax(x.x, 1)),
    'dim0-wide-range': both({ x: u([5, 9], -30, 30) }, ({ backend, x }) => ops(backend).softmax(x.x, 0)),
  },
  linear: {
    '3d-bias': both({ x: [2, 7, 13], w: [9, 13], b: [9] }, ({ backend, x }) => ops(backend).linear(x.x, x.w, x.b)),
    '2d-nobias': both({ x: [5, 8], w: [3, 8] }, ({ backend, x }) => ops(backend).linear(x.x, x.w, null)),
    'wide-odd': both({ x: [3, 33], w: [17, 33], b: [17] }, ({ backend, x }) => ops(backend).linear(x.x, x.w, x.b)),
  },
  relu: {
    'nchw-odd': both({ x: [1, 3, 5, 7] }, ({ backend, x }) => ops(backend).relu(x.x)),
    '2x37': both({ x: [2, 37] }, ({ backend, x }) => ops(backend).relu(x.x)),
  },
  gelu: {
    'exact-nchw-odd': both({ x: u([2, 3, 5, 7], -4, 4) }, ({ backend, x }) => ops(backend).gelu(x.x, { approximate: 'none' })),
    'tanh-3x37': both({ x: u([3, 37], -6, 6) }, ({ backend, x }) => ops(backend).gelu(x.x, { approximate: 'tanh' })),
  },
  batchNorm2d: {
    'affine': both({ x: [2, 5, 3, 7], mean: [5], var: u([5], 0.5, 2), w: [5], b: [5] }, ({ backend, x }) =>
      ops(backend).batchNorm2d(x.x, x.mean, x.var, x.w, x.b, { eps: 1e-5 })),
    'no-affine-eps1e-3': both({ x: [1, 3, 9, 9], mean: [3], var: u([3], 0.5, 2) }, ({ backend, x }) =>
      ops(backend).batchNorm2d(x.x, x.mean, x.var, null, null, { eps: 1e-3 })),
  },
  layerNorm: {
    'last-13': both({ x: [2, 5, 13], w: [13], b: [13] }, ({ backend, x }) => ops(backend).layerNorm(x.x, [13], x.w, x.b)),
    '3x5-eps1e-6': both({ x: [2, 3, 5], w: [3, 5], b: [3, 5] }, ({ backend, x }) =>
      ops(backend).layerNorm(x.x, [3, 5], x.w, x.b, { eps: 1e-6 })),
    'no-affine-37': both({ x: u([4, 37], -3, 5) }, ({ backend, x }) => ops(backend).layerNorm(x.x, [37], null, null)),
  },
  add: {
    'nchw-odd': both({ a: [2, 3, 5, 7], b: [2, 3, 5, 7] }, ({ backend, x }) => ops(backend).add(x.a, x.b)),
    '1x41': both({ a: [1, 41], b: [1, 41] }, ({ backend, x }) => ops(backend).add(x.a, x.b)),
  },
  axpby: {
    'half-half': both({ x: [2, 3, 5, 7], y: [2, 3, 5, 7] }, ({ backend, x }) => ops(backend).axpby(0.5, x.x, 0.5, x.y)),
    'odd-coefficients-37': both({ x: [37], y: [37] }, ({ backend, x }) => ops(backend).axpby(0.3, x.x, -1.7, x.y)),
  },
  interpolate: {
    'up-5x7-to-9x13': both({ x: [1, 3, 5, 7] }, ({ backend, x }) => ops(backend).interpolate(x.x, { size: [9, 13] })),
    'down-align-corners': both({ x: [2, 2, 11, 13] }, ({ backend, x }) =>
      ops(backend).interpolate(x.x, { size: [4, 6], mode: 'bilinear', align_corners: true })),
    'up-3x4-to-8x11-align-corners': both({ x: [1, 2, 3, 4] }, ({ backend, x }) =>
      ops(backend).interpolate(x.x, { size: [8, 11], align_corners: true })),
  },
  localAttention: {
    'k3-h2-pe-odd': both({ q: [2, 8, 5, 7], k: [2, 8, 5, 7], v: [2, 8, 5, 7], pe: [1, 4, 5, 7] }, ({ backend, x }) =>
      ops(backend).localAttention(x.q, x.k, x.v, x.pe, { head: 2, kernel_att: 3 })),
    'k7-h4-s2-pe': both({ q: [1, 16, 8, 10], k: [1, 16, 8, 10], v: [1, 16, 8, 10], pe: [1, 4, 8, 10] }, ({ backend, x }) =>
      ops(backend).localAttention(x.q, x.k, x.v, x.pe, { head: 4, kernel_att: 7, stride: 2 })),
    'k5-h1-no-pe': both({ q: [1, 6, 6, 9], k: [1, 6, 6, 9], v: [1, 6, 6, 9] }, ({ backend, x }) =>
      ops(backend).localAttention(x.q, x.k, x.v, null, { head: 1, kernel_att: 5 })),
  },
  acmixFc: {
    'h2-t9-odd': both({ q: [2, 6, 5, 7], k: [2, 6, 5, 7], v: [2, 6, 5, 7], fc: [9, 6, 1, 1] }, ({ backend, x }) =>
      ops(backend).acmixFc(x.q, x.k, x.v, x.fc, { head: 2 })),
    'h4-t5': both({ q: [1, 16, 4, 9], k: [1, 16, 4, 9], v: [1, 16, 4, 9], fc: [5, 12, 1, 1] }, ({ backend, x }) =>
      ops(backend).acmixFc(x.q, x.k, x.v, x.fc, { head: 4 })),
  },
  // Fused on wasm (Ops.acmixForward); on ref the spec's composition. Outputs: output, outAtt, outConv, q, k, v, pe.
  acmixForward: {
    'in8-out8-k7-h4': both({ x: [2, 8, 8, 9], ...acmixWeightSpecs(8, 8, 4, false) }, ({ backend, x }) => {
      const c = acmixConfig('acmix', 8, 8, { kernel_att: 7, head: 4, kernel_conv: 3, stride: 1 });
      const r = ops(backend).acmixForward(x.x, x, c);
      return [r.output, r.outAtt, r.outConv, r.q, r.k, r.v, r.pe];
    }),
    'in6-out8-k3-h2-s2-depbias': both({ x: [1, 6, 10, 6], ...acmixWeightSpecs(6, 8, 2, true) }, ({ backend, x }) => {
      const c = acmixConfig('acmix', 6, 8, { kernel_att: 3, head: 2, kernel_conv: 3, stride: 2 });
      const r = ops(backend).acmixForward(x.x, x, c);
      return [r.output, r.outAtt, r.outConv, r.q, r.k, r.v, r.pe];
    }),
  },
  hardswish: {
    'nchw-odd': both({ x: u([2, 3, 5, 7], -8, 8) }, ({ backend, x }) => ops(backend).hardswish(x.x)),
  },
  sigmoid: {
    'nchw-odd': both({ x: u([2, 3, 5, 7], -10, 10) }, ({ backend, x }) => ops(backend).sigmoid(x.x)),
    'saturating-1x37': both({ x: u([1, 37], -100, 100) }, ({ backend, x }) => ops(backend).sigmoid(x.x)),
  },
  deformConv2d: {
    'v1-3x3-p1': both({ x: [1, 4, 6, 7], offset: u([1, 18, 6, 7], -2, 2), w: [5, 4, 3, 3], b: [5] }, ({ backend, x }) =>
      ops(backend).deformConv2d(x.x, x.offset, x.w, x.b, { padding: 1 })),
    'v2-mask-og2-g2-s2-p2-d2': both(
      { x: [2, 4, 9, 10], offset: u([2, 36, 5, 5], -3, 3), w: [6, 2, 3, 3], b: [6], mask: u([2, 18, 5, 5], 0, 1) },
      ({ backend, x }) => ops(backend).deformConv2d(x.x, x.offset, x.w, x.b, { stride: 2, padding: 2, dilation: 2, mask: x.mask })),
    'v1-2x3-p0x1-far-offsets-nobias': both({ x: [1, 3, 5, 8], offset: u([1, 12, 4, 8], -6, 6), w: [4, 3, 2, 3] }, ({ backend, x }) =>
      ops(backend).deformConv2d(x.x, x.offset, x.w, null, { padding: [0, 1] })),
  },
  globalAvgPool2d: {
    'odd-2x5x7x9': both({ x: [2, 5, 7, 9] }, ({ backend, x }) => ops(backend).globalAvgPool2d(x.x)),
    'row-1x6x1x13': both({ x: [1, 6, 1, 13] }, ({ backend, x }) => ops(backend).globalAvgPool2d(x.x)),
  },
  conv2dPerSample: {
    '3x3-p1-bias': both({ x: [2, 4, 6, 7], w: [2, 5, 4, 3, 3], b: [2, 5] }, ({ backend, x }) =>
      ops(backend).conv2dPerSample(x.x, x.w, x.b, { padding: 1 })),
    'g2-s2-nobias': both({ x: [3, 4, 9, 8], w: [3, 6, 2, 3, 3] }, ({ backend, x }) =>
      ops(backend).conv2dPerSample(x.x, x.w, null, { groups: 2, stride: 2 })),
  },
  conv2dMixture: {
    'k3-p1-bias': both({ x: [2, 4, 6, 7], w: [3, 5, 4, 3, 3], b: [3, 5], routing: u([2, 3], 0, 1) }, ({ backend, x }) =>
      ops(backend).conv2dMixture(x.x, x.w, x.b, x.routing, { padding: 1 })),
    'k4-dw-s2-p1-nobias': both({ x: [2, 6, 9, 11], w: [4, 6, 1, 3, 3], routing: u([2, 4], 0, 1) }, ({ backend, x }) =>
      ops(backend).conv2dMixture(x.x, x.w, null, x.routing, { groups: 6, stride: 2, padding: 1 })),
  },
  conv2dModulated: {
    'stylegan-demod-p1': both({ x: [2, 4, 6, 7], w: [5, 4, 3, 3], b: [5], gamma_in: u([2, 4], 0.5, 1.5) }, ({ backend, x }) =>
      ops(backend).conv2dModulated(x.x, x.w, x.b, { gamma_in: x.gamma_in, demodulate: true }, { padding: 1 })),
    'all-factors-g2-s2': both(
      { x: [2, 4, 7, 6], w: [6, 2, 3, 3], gamma_in: u([2, 4], 0.5, 1.5), gamma_out: u([2, 6], 0.5, 1.5),
        gamma: u([2, 6, 2, 3, 3], 0.5, 1.5), beta: u([2, 6, 2, 3, 3], -0.1, 0.1) },
      ({ backend, x }) => ops(backend).conv2dModulated(x.x, x.w, null,
        { gamma_in: x.gamma_in, gamma_out: x.gamma_out, gamma: x.gamma, beta: x.beta }, { groups: 2, stride: 2 })),
    'per-sample-weight-demod-eps': both({ x: [2, 3, 5, 9], w: [2, 4, 3, 1, 3], b: [4], gamma_out: u([2, 4], 0.5, 1.5) }, ({ backend, x }) =>
      ops(backend).conv2dModulated(x.x, x.w, x.b, { gamma_out: x.gamma_out, demodulate: true, eps: 1e-3 }, { padding: [0, 1] })),
  },
  involution2d: {
    'g2-k3-p1': both({ x: [2, 4, 6, 7], kernel: [2, 2, 9, 6, 7] }, ({ backend, x }) =>
      ops(backend).involution2d(x.x, x.kernel, { kernel_size: 3, padding: 1 })),
    'g1-k3x2-s2-p1-d2': both({ x: [1, 3, 9, 10], kernel: [1, 1, 6, 4, 5] }, ({ backend, x }) =>
      ops(backend).involution2d(x.x, x.kernel, { kernel_size: [3, 2], stride: 2, padding: 1, dilation: 2 })),
  },

  // ------------------------------------------------------------------------ ref-only helpers (exports of ts/ref)
  conv2dStageI: {
    'g2-3x3': both({ x: [2, 6, 5, 7], w: [8, 3, 3, 3] }, ({ backend, x }) => ops(backend).conv2dStageI(x.x, x.w, { groups: 2 })),
  },
  conv2dStageII: {
    '3x3-p1-s2-bias': both({ proj: [1, 9, 4, 6, 7], b: [4] }, ({ backend, x }) =>
      ops(backend).conv2dStageII(x.proj, [3, 3], x.b, { padding: 1, stride: 2 })),
  },
  shift2dAsConv: {
    'per-channel': both({ x: [1, 3, 5, 7] }, ({ backend, x }) => ops(backend).shift2dAsConv(x.x, [[1, -1], [0, 2], [-2, 0]])),
  },
  shiftKernel: {
    'k5-1-m2': refOnly({}, () => shiftKernel(5, 1, -2)),
  },
  shiftKernels: {
    'k3': refOnly({}, () => shiftKernels(3)),
  },
  localAttentionWeights: {
    'k3-h2-pe': refOnly({ q: [2, 8, 5, 7], k: [2, 8, 5, 7], pe: [1, 4, 5, 7] }, ({ x }) =>
      localAttentionWeights(x.q, x.k, x.pe, { head: 2, kernel_att: 3 })),
  },
  acmixPosition: {
    '5x7': refOnly({}, () => acmixPosition(5, 7)),
  },
  linspace: {
    'm1-1-7': refOnly({}, () => linspace(-1, 1, 7)),
  },
  erf: {
    'grid-m5-5-201': refOnly({}, () => erfGrid()),
  },
  acmix: {
    'in8-out8-k5-h2': both({ x: [1, 8, 6, 7], ...acmixWeightSpecs(8, 8, 2, false) }, ({ backend, x }) =>
      ops(backend).acmix(x.x, x, { kernel_att: 5, head: 2 })),
  },

  // ------------------------------------------------------------------------------------------------ nn modules
  Conv2d: {
    '5to7-3x3-s2-p1': both({ x: [2, 5, 9, 11] }, ({ backend, x, params }) =>
      params(new nn.Conv2d(5, 7, 3, { stride: 2, padding: 1 })).forward(x.x, { backend })),
    'dw6-3x3-same': both({ x: [1, 6, 7, 10] }, ({ backend, x, params }) =>
      params(new nn.Conv2d(6, 6, 3, { groups: 6, padding: 'same' })).forward(x.x, { backend })),
    '4to8-1x1-nobias': both({ x: [1, 4, 5, 13] }, ({ backend, x, params }) =>
      params(new nn.Conv2d(4, 8, 1, { bias: false })).forward(x.x, { backend })),
  },
  BatchNorm2d: {
    'c7': both({ x: [2, 7, 5, 9] }, ({ backend, x, params }) => params(new nn.BatchNorm2d(7)).forward(x.x, { backend })),
    'c3-eps1e-3': both({ x: [1, 3, 4, 13] }, ({ backend, x, params }) => params(new nn.BatchNorm2d(3, { eps: 1e-3 })).forward(x.x, { backend })),
  },
  ReLU: {
    'nchw-odd': both({ x: [2, 3, 5, 7] }, ({ backend, x }) => new nn.ReLU().forward(x.x, { backend })),
  },
  GELU: {
    'none': both({ x: u([2, 3, 5, 7], -4, 4) }, ({ backend, x }) => new nn.GELU().forward(x.x, { backend })),
    'tanh': both({ x: u([2, 3, 5, 7], -4, 4) }, ({ backend, x }) => new nn.GELU({ approximate: 'tanh' }).forward(x.x, { backend })),
  },
  Linear: {
    '13to9': both({ x: [2, 7, 13] }, ({ backend, x, params }) => params(new nn.Linear(13, 9)).forward(x.x, { backend })),
    '8to3-nobias': both({ x: [5, 8] }, ({ backend, x, params }) => params(new nn.Linear(8, 3, { bias: false })).forward(x.x, { backend })),
  },
  LayerNorm: {
    '13': both({ x: [2, 5, 13] }, ({ backend, x, params }) => params(new nn.LayerNorm(13)).forward(x.x, { backend })),
    '3x5-eps1e-6': both({ x: [2, 3, 5] }, ({ backend, x, params }) => params(new nn.LayerNorm([3, 5], { eps: 1e-6 })).forward(x.x, { backend })),
    '37-no-affine': both({ x: u([4, 37], -3, 5) }, ({ backend, x, params }) => params(new nn.LayerNorm(37, { eps: 1e-5, elementwise_affine: false })).forward(x.x, { backend })),
  },
  Sequential: {
    'conv-bn-relu': both({ x: [1, 3, 7, 9] }, ({ backend, x, params }) =>
      params(new nn.Sequential(new nn.Conv2d(3, 6, 3, { padding: 1 }), new nn.BatchNorm2d(6), new nn.ReLU()))
        .forward(x.x, { backend })),
    'linear-gelu-linear': both({ x: [3, 7] }, ({ backend, x, params }) =>
      params(new nn.Sequential(new nn.Linear(7, 12), new nn.GELU(), new nn.Linear(12, 5))).forward(x.x, { backend })),
  },
  ACmix: {
    'in8-out8-k7-h4': both({ x: [2, 8, 8, 9] }, ({ backend, x, params }) =>
      params(new nn.ACmix(8, 8, { kernel_att: 7, head: 4, kernel_conv: 3, stride: 1 })).forward(x.x, { backend })),
    'in6-out8-k3-h2-s2': both({ x: [1, 6, 10, 6] }, ({ backend, x, params }) =>
      params(new nn.ACmix(6, 8, { kernel_att: 3, head: 2, kernel_conv: 3, stride: 2 })).forward(x.x, { backend })),
  },
  Bottleneck: {
    'in16-p4-k7-h4': both({ x: [1, 16, 8, 9] }, ({ backend, x, params }) =>
      params(new nn.Bottleneck(16, 4, 7, 4, 3, { stride: 1 })).forward(x.x, { backend })),
    'in8-p4-k3-h2-s2-downsample': both({ x: [1, 8, 10, 6] }, ({ backend, x, params }) =>
      params(new nn.Bottleneck(8, 4, 3, 2, 3, { stride: 2, downsample: nn.Bottleneck.downsampleFor(8, 4, 2) })).forward(x.x, { backend })),
  },
  DeformConv2d: {
    'v1-4to5-3x3-p1': both({ x: [1, 4, 6, 7], offset: u([1, 18, 6, 7], -2, 2) }, ({ backend, x, params }) =>
      params(new nn.DeformConv2d(4, 5, 3, { padding: 1 })).forward(x.x, x.offset, null, { backend })),
    'v2-mask-4to6-s2-p1-g2': both({ x: [2, 4, 9, 10], offset: u([2, 18, 5, 5], -2, 2), mask: u([2, 9, 5, 5], 0, 1) }, ({ backend, x, params }) =>
      params(new nn.DeformConv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }))
        .forward(x.x, x.offset, x.mask, { backend })),
  },
  DCNv2: {
    '6to8-3x3-p1-dg2': both({ x: [1, 6, 7, 9] }, ({ backend, x, params }) =>
      params(new nn.DCNv2(6, 8, 3, { padding: 1, deform_groups: 2 })).forward(x.x, { backend })),
    '4to4-s2-p1-g2-nobias': both({ x: [2, 4, 9, 10] }, ({ backend, x, params }) =>
      params(new nn.DCNv2(4, 4, 3, { stride: 2, padding: 1, groups: 2, bias: false })).forward(x.x, { backend })),
  },
  CondConv2d: {
    '4to6-k3-timm-pad-bias-e3': both({ x: [2, 4, 7, 9], routing: u([2, 3], 0, 1) }, ({ backend, x, params }) =>
      params(new nn.CondConv2d(4, 6, { kernel_size: 3, bias: true, num_experts: 3 })).forward(x.x, x.routing, { backend })),
    'dw6-k3-s2-tf-same-e4': both({ x: [2, 6, 9, 10], routing: u([2, 4], 0, 1) }, ({ backend, x, params }) =>
      params(new nn.CondConv2d(6, 6, { kernel_size: 3, stride: 2, padding: 'same', groups: 6, num_experts: 4 }))
        .forward(x.x, x.routing, { backend })),
  },
  CondConvRouting: {
    'c6-e4': both({ x: [2, 6, 5, 7] }, ({ backend, x, params }) => params(new nn.CondConvRouting(6, 4)).forward(x.x, { backend })),
  },
  DynamicConv2d: {
    '8to6-k3-p1-K4-t1': both({ x: [2, 8, 6, 7] }, ({ backend, x, params }) =>
      params(new nn.DynamicConv2d(8, 6, 3, { padding: 1, K: 4, temperature: 1 })).forward(x.x, { backend })),
    '4to8-k3-s2-p1-g2-K3-t34-nobias': both({ x: [2, 4, 9, 10] }, ({ backend, x, params }) =>
      params(new nn.DynamicConv2d(4, 8, 3, { stride: 2, padding: 1, groups: 2, K: 3, temperature: 34, bias: false }))
        .forward(x.x, { backend })),
    '3to5-k3-p1-K2-rgb': both({ x: [1, 3, 6, 7] }, ({ backend, x, params }) =>
      params(new nn.DynamicConv2d(3, 5, 3, { padding: 1, K: 2, temperature: 1 })).forward(x.x, { backend })),
  },
  DynamicConvAttention: {
    'c8-r0.25-K4': both({ x: [2, 8, 5, 7] }, ({ backend, x, params }) =>
      params(new nn.DynamicConvAttention(8, 0.25, 4, 1)).forward(x.x, { backend })),
  },
  ODConv2d: {
    '8to16-k3-p1-K4': both({ x: [2, 8, 6, 7] }, ({ backend, x, params }) =>
      params(new nn.ODConv2d(8, 16, 3, { padding: 1, kernel_num: 4 })).forward(x.x, { backend })),
    'dw8-k3-s2-p1-K1': both({ x: [2, 8, 9, 10] }, ({ backend, x, params }) =>
      params(new nn.ODConv2d(8, 8, 3, { stride: 2, padding: 1, groups: 8, kernel_num: 1 })).forward(x.x, { backend })),
    '6to10-1x1-K2': both({ x: [1, 6, 5, 7] }, ({ backend, x, params }) =>
      params(new nn.ODConv2d(6, 10, 1, { kernel_num: 2 })).forward(x.x, { backend })),
  },
  ODConvAttention: {
    '8to16-k3-K4': both({ x: [2, 8, 5, 7] }, ({ backend, x, params }) =>
      params(new nn.ODConvAttention(8, 16, [3, 3], { groups: 1, reduction: 0.0625, kernel_num: 4 })).forward(x.x, { backend })),
  },
  DynamicDWConv: {
    'c8-k3-p1': both({ x: [2, 8, 6, 7] }, ({ backend, x, params }) => params(new nn.DynamicDWConv(8, 3)).forward(x.x, { backend })),
    'c6-k5-s2-p2-r2': both({ x: [2, 6, 9, 10] }, ({ backend, x, params }) =>
      params(new nn.DynamicDWConv(6, 5, { bias: true, stride: 2, padding: 2, reduction: 2 })).forward(x.x, { backend })),
  },
  IDynamicDWConv: {
    'c8-k3-gc4': both({ x: [2, 8, 6, 7] }, ({ backend, x, params }) => params(new nn.IDynamicDWConv(8, 3, 4)).forward(x.x, { backend })),
    'c12-k5-gc3': both({ x: [1, 12, 7, 9] }, ({ backend, x, params }) => params(new nn.IDynamicDWConv(12, 5, 3)).forward(x.x, { backend })),
  },
  DynamicDWFeedForward: {
    'd6-h12-k3': both({ x: [2, 6, 5, 7] }, ({ backend, x, params }) =>
      params(new nn.DynamicDWFeedForward(6, 12, { kernel_size: 3 })).forward(x.x, { backend })),
    'd4-h8-k5-r2': both({ x: [1, 4, 6, 6] }, ({ backend, x, params }) =>
      params(new nn.DynamicDWFeedForward(4, 8, { kernel_size: 5, reduction: 2 })).forward(x.x, { backend })),
  },
  RoutedDownsample: {
    'd6-e3-out10': both({ x: [2, 6, 6, 8] }, ({ backend, x, params }) =>
      params(new nn.RoutedDownsample(6, { num_experts: 3, out_dim: 10 })).forward(x.x, { backend })),
    'd4-e1-default-out': both({ x: [1, 4, 4, 10] }, ({ backend, x, params }) =>
      params(new nn.RoutedDownsample(4, { num_experts: 1 })).forward(x.x, { backend })),
  },
};

// =============================================================================================================
// 3. The driver (no API calls but through part 2)
// =============================================================================================================

function hex16(arrays: readonly OutArray[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}

function inputsFor(seedPrefix: string, specs: InputSpecs): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const shape = specShape(spec);
    out[name] = makeTensor(uniformData(`${seedPrefix}/${name}`, shape, specRange(spec)), shape);
  }
  return out;
}

/** One stderr line per key: element count, min, max, NaN count, and for wasm the max |wasm − ref|. */
function printStats(key: string, outputs: Map<string, OutArray[]>): void {
  const arrays = outputs.get(key);
  if (!arrays) return;
  let n = 0, nan = 0, min = Infinity, max = -Infinity;
  for (const a of arrays) for (const v of a) { n++; if (Number.isNaN(v)) nan++; else { min = Math.min(min, v); max = Math.max(max, v); } }
  let diff = '';
  const refArrays = key.endsWith('/wasm') ? outputs.get(key.slice(0, -'wasm'.length) + 'ref') : undefined;
  if (refArrays) {
    let d = 0;
    arrays.forEach((a, i) => { for (let j = 0; j < a.length; j++) d = Math.max(d, Math.abs(a[j] - (refArrays[i]?.[j] ?? NaN))); });
    diff = `  max|wasm-ref| ${d.toExponential(2)}`;
  }
  process.stderr.write(`${key.padEnd(64)} n ${String(n).padStart(6)}  [${min.toPrecision(4)}, ${max.toPrecision(4)}]  NaN ${nan}${diff}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      build: { type: 'string', default: 'release' },
      only: { type: 'string' },
      stats: { type: 'boolean', default: false },
    },
  });
  const build = values.build;
  if (build !== 'release' && build !== 'debug') throw new Error(`--build must be 'release' or 'debug', got ${JSON.stringify(build)}`);
  const only = values.only ? new RegExp(values.only) : null;
  await initBackends(build);

  const hashes = new Map<string, string>();
  const outputs = new Map<string, OutArray[]>();   // kept only with --stats
  const errors: string[] = [];
  for (const [name, cases] of Object.entries(CASES)) {
    for (const [label, c] of Object.entries(cases)) {
      if (name.includes('/') || label.includes('/')) throw new Error(`names and case labels must not contain '/': ${name} / ${label}`);
      const seedPrefix = `${name}/${label}`;
      for (const backend of c.backends) {
        const key = `${name}/${label}/${backend}`;
        if (only && !only.test(key)) continue;
        try {
          // fresh inputs per backend: a backend that wrote into its inputs cannot change the other's
          const x = inputsFor(seedPrefix, c.inputs);
          const out = c.run({ backend, x, params: (m) => seedParams(m, seedPrefix) });
          const arrays = outputArrays(out);
          hashes.set(key, hex16(arrays));
          if (values.stats) outputs.set(key, arrays.map((a) => a.slice()));
        } catch (e) {
          const err = e as Error;
          hashes.set(key, `error:${err?.name ?? 'Error'}`);
          errors.push(`${key}: ${err?.name}: ${err?.message}`);
        }
      }
    }
  }

  const sorted = [...hashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const json = JSON.stringify(Object.fromEntries(sorted), null, 2) + '\n';
  if (values.out) writeFileSync(values.out, json);
  else process.stdout.write(json);

  if (values.stats) for (const [key] of sorted) printStats(key, outputs);

  // Coverage: every op, ref export and module of the library should have cases.
  const names = libraryNames();
  const covered = new Set(Object.keys(CASES));
  const missingOps = names.ops.filter((n) => !covered.has(n));
  const missingModules = names.modules.filter((n) => !covered.has(n));
  const missingRef = names.refExports.filter((n) => !covered.has(n) && !(n in NOT_HASHED));
  const log = (s: string) => process.stderr.write(s + '\n');
  log(`hash-outputs: wasm build ${build}, ${hashes.size} keys (${Object.keys(CASES).length} names), ${errors.length} errors` +
    (values.out ? `, written to ${values.out}` : ''));
  for (const e of errors) log(`  error ${e}`);
  if (missingOps.length) log(`  ops without cases: ${missingOps.join(', ')}`);
  if (missingModules.length) log(`  nn modules without cases: ${missingModules.join(', ')}`);
  if (missingRef.length) log(`  ts/ref exports without cases: ${missingRef.join(', ')}`);
  for (const [n, why] of Object.entries(NOT_HASHED)) log(`  not hashed: ${n} (${why})`);
  return errors.length ? 1 : 0;
}

process.exitCode = await main();
