// The tracing backend behind io.exportOnnx: an `Ops` that computes every op on a real backend (ref or wasm, found by
// name) and records the same computation as standard ONNX nodes (opset 17). Because it is an `Ops`, every module in
// ts/nn exports through it without module-specific code; because it computes real values, every shape is known, so
// the graph is static and exact.
import { Tensor } from '../core/tensor.js';
import { NotImplementedError } from '../core/errors.js';
import type { Ops, ACmixHooks } from '../core/ops.js';
import { conv2dGeometry, pair, type Conv2dOptions, type IntPair } from '../core/geometry.js';
import type { Shifts } from '../core/check/shift2d.js';
import { checkShift2d, shiftConvWeight } from '../core/check/shift2d.js';
import { padOptions, checkPad, type PadMode } from '../core/check/pad.js';
import { checkUnfold, type UnfoldOptions } from '../core/check/unfold.js';
import type { GeluApproximate } from '../core/check/activations.js';
import type { InterpolateOptions } from '../core/check/interpolate.js';
import { localAttentionGeometry, type LocalAttentionOptions } from '../core/check/local_attention.js';
import { acmixConfigFromWeights, acmixPosition, checkACmix, type ACmixConfig, type ACmixOptions, type ACmixResult, type ACmixWeights } from '../core/check/acmix.js';
import { checkDeformConv2d, type DeformConv2dOptions, type DeformConv2dGeometry } from '../core/check/deform_conv2d.js';
import type { WeightModulation } from '../core/check/conv2d_per_sample.js';
import { checkInvolution2d, type Involution2dOptions } from '../core/check/involution2d.js';
import { checkRoll, type WindowAttentionOptions } from '../core/check/window_attention.js';
import { isBoolMask, type ScaledDotProductAttentionOptions } from '../core/check/scaled_dot_product_attention.js';
import { checkMaxPool2d, checkAvgPool2d, checkAdaptivePool2d, type MaxPool2dOptions, type AvgPool2dOptions, type AdaptiveSize, type PoolAxis } from '../core/check/pooling.js';
import { checkCat, checkChunk, checkFlatten, checkLeakyRelu } from '../core/check/shape_ops.js';
import { checkReduceDim, type ReduceDimOptions } from '../core/check/reduce.js';
import { checkC2f, foldedConv, type C2fOpOptions, type C2fWeights } from '../core/check/c2f.js';
import { OnnxGraph, type Attr } from './onnx_graph.js';

/** Where a tensor's value lives in the graph: its name and the shape that name has. */
interface Bound { name: string; shape: readonly number[]; data: Float32Array }

/** A tensor the module built outside the Ops (a constant of the graph), and the op that first read it. */
export interface TracedConstant { name: string; data: Float32Array; op: string; ordinal: number }

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * An `Ops` that records ONNX while it computes. `compute` is the backend that produces the values (its checks run
 * first, so bad input throws the backend's named error before anything is recorded).
 *
 * How a Tensor becomes an ONNX value (`ref`): a traced op's output → its node output; a graph input or a
 * parameter (state_dict key) → its name; a view of one of those made outside the Ops (the same Float32Array under
 * another shape, `new Tensor(t.data, shape)`, or a `subarray` of it) → Reshape / Slice of it; anything else → a
 * constant initializer, listed in `constants`. exportOnnx traces twice; a constant whose values differ between the
 * traces was computed from the input in plain JavaScript, and its ordinal is passed as `dynamic` to the next pair
 * of traces, where it must be a data movement (recognizeMovement: Transpose / Gather) or a scaling by one number
 * (recognizeScaling: Div / Mul) of a recent graph value, or a per-sample mixture of a parameter's slices
 * (recognizeMixture: Mul + ReduceSum, ODConv's kernel aggregation) — else a NotImplementedError naming the op that read it.
 *
 * Ops without a single ONNX node are compositions of standard opset-17 nodes (see each method); every Ops member
 * is mapped (a new member fails to compile here until it is).
 */
export class OnnxTracer implements Ops {
  readonly name = 'onnx-trace';
  readonly graph = new OnnxGraph();
  readonly constants: TracedConstant[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly byData = new Map<Float32Array, Bound>();
  private readonly byBuffer = new Map<ArrayBufferLike, Bound[]>();
  private readonly calls = new Map<string, number>();
  private current = 'graph';
  /** Bound values in binding order (candidates for recognizeMovement, most recent last). */
  private readonly recent: Bound[] = [];
  private readonly lookups = new Map<Float32Array, Map<number, number[]>>();
  /** Element maps of the data movements found in plain JavaScript (compared between exportOnnx's two traces). */
  readonly movements: { op: string; index: number[] }[] = [];

  private unknowns = 0;

  /**
   * @param compute the backend that computes the values
   * @param dynamic ordinals (in order of first use) of the tensors built outside the Ops that an earlier pair of
   *        traces found to depend on the input: these must be data movements of graph values (recognizeMovement)
   */
  constructor(private readonly compute: Ops, private readonly dynamic: ReadonlySet<number> = new Set()) {}

  // ------------------------------------------------------------------------------------------------------------
  // Values

  /** Binds a tensor to a graph value (its node output, input or initializer). */
  bind(t: Tensor, name: string): Tensor {
    this.names.set(t, name);
    const b: Bound = { name, shape: t.shape, data: t.data };
    this.byData.set(t.data, b);
    this.recent.push(b);
    const list = this.byBuffer.get(t.data.buffer) ?? [];
    list.push(b);
    this.byBuffer.set(t.data.buffer, list);
    return t;
  }

  /** The graph value of a tensor (see the class docstring). */
  ref(t: Tensor): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    const g = this.graph;
    const same = this.byData.get(t.data);
    if (same) {
      const name = sameShape(same.shape, t.shape) ? same.name : this.scoped('view', () => g.reshape(same.name, t.shape));
      this.names.set(t, name);
      return name;
    }
    const begin = t.data.byteOffset / 4, end = begin + t.data.length;
    for (const b of this.byBuffer.get(t.data.buffer) ?? []) {
      const bBegin = b.data.byteOffset / 4;
      if (begin >= bBegin && end <= bBegin + b.data.length) {                 // a subarray of a known value
        const name = this.scoped('view', () =>
          g.reshape(g.slice(g.reshape(b.name, [b.data.length]), [begin - bBegin], [end - bBegin], [0]), t.shape));
        this.names.set(t, name);
        return name;
      }
    }
    const ordinal = this.unknowns++;
    if (this.dynamic.has(ordinal)) {                        // computed from the input: must be a data movement
      const moved = this.recognizeMovement(t);          // or, failing that, recognizeScaling / recognizeMixture
      if (moved === null) {
        throw new NotImplementedError(`exportOnnx: the module computes a tensor ${'['}${t.shape.join(',')}] from the input outside the Ops (in plain JavaScript), ` +
          `read by ${this.current}: the tracer cannot record that computation (only data movement, scaling by one number and a per-sample mixture of a parameter are recognised), and a constant would be wrong for every other input`);
      }
      this.names.set(t, moved);
      return moved;
    }
    const name = this.graph.float(t.data, t.shape, this.graph.fresh('const'));
    this.constants.push({ name, data: t.data.slice(), op: this.current, ordinal });
    this.names.set(t, name);
    return name;
  }

  /**
   * Data movement done in plain JavaScript (a transpose, a window gather, a strided pick: every element of `t` a
   * copy of an element of one recent graph value). Found by value: each element of `t` is looked up among the
   * values of the most recent bound tensors; when all are found in one of them, `t` is recorded as a Reshape +
   * Transpose of it (when the element map is a transpose of a contiguous factorization) or else as one Gather with
   * the flat index map. A coincidence (two equal values elsewhere) is caught by exportOnnx's second trace, whose
   * index maps must be the same (`movements`).
   */
  private recognizeMovement(t: Tensor): string | null {
    const n = t.data.length;
    if (n === 0) return null;
    // a permutation first: a same-size value whose Σv and Σv² match (no index built for the others), then any larger one
    // (float64 sums in another order: equal within 1e-9 of Σ|v|; a non-finite sum is not filtered)
    const sums = (d: Float32Array) => { let a = 0, q = 0, m = 0; for (let i = 0; i < d.length; i++) { a += d[i]; q += d[i] * d[i]; m += Math.abs(d[i]); } return [a, q, m]; };
    const [ta, tq, tm] = sums(t.data);
    const close = (x: number, y: number, scale: number) => !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x - y) <= 1e-9 * scale;
    const sameSize = this.recent.filter((b) => b.data.length === n).slice(-16).reverse()
      .filter((b) => { const [a, q] = sums(b.data); return close(a, ta, tm) && close(q, tq, tq); });
    const larger = this.recent.filter((b) => b.data.length > n).slice(-16).reverse();
    for (const b of [...sameSize, ...larger]) {
      const where = this.positions(b.data);
      let ok = true;
      for (let i = 0; i < n && ok; i++) if (!where.has(t.data[i])) ok = false;
      if (!ok) continue;
      const index = affineMap(b.data, t.data, t.shape, where) ?? nearestMap(b.data, t.data, where);
      this.movements.push({ op: this.current, index });
      return this.scoped('movement', () => this.moveGraph(b, t.shape, index));
    }
    return this.recognizeScaling(t) ?? this.recognizeMixture(t);
  }

  /**
   * A per-sample mixture of a parameter's K slices computed in plain JavaScript (ODConv's kernel aggregation):
   *   t[n, e] = Σ_k (s[n, e mod T] · a[n, k]) · W[k, e]      t [N, ...S], W [K, ...S], a [N, K], s [N, T]
   * with W a bound value of shape [K, ...S], a (absent when K = 1) and s (absent ≡ 1; T the product of S's trailing
   * dims) recent graph values. Accepted only if float32 evaluation in that order (the official ODConv2d order,
   * ((α_s·α_w)·W_k summed over k in order) reproduces every element of t bit for bit; recorded as Mul (broadcast)
   * + ReduceSum over k. Candidates: the 8 most recent values of each size.
   */
  private recognizeMixture(t: Tensor): string | null {
    if (t.rank < 2) return null;
    const N = t.shape[0], S = t.shape.slice(1), per = prod(S);
    const f = Math.fround;
    const recentOf = (len: number) => this.recent.filter((b) => b.data.length === len).slice(-8).reverse();
    const weights = this.recent.filter((b) => b.shape.length === S.length + 1 && S.every((d, i) => b.shape[i + 1] === d)).slice(-8).reverse();
    for (const w of weights) {
      const K = w.shape[0];
      const as: (Bound | null)[] = K === 1 ? [null, ...recentOf(N)] : recentOf(N * K);
      const sTaps: [Bound | null, number][] = [[null, 1]];
      for (let j = 1; j <= S.length; j++) {
        const T = prod(S.slice(S.length - j));
        if (T > 1) for (const b of recentOf(N * T)) sTaps.push([b, j]);
      }
      for (const a of as) {
        for (const [s, j] of sTaps) {
          if (!a && !s) continue;
          const T = s ? prod(S.slice(S.length - j)) : 1;
          let ok = true;
          for (let n = 0; n < N && ok; n++) {
            for (let e = 0; e < per && ok; e++) {
              const sv = s ? s.data[n * T + (e % T)] : 1;
              let acc = 0;
              for (let k = 0; k < K; k++) acc = f(acc + f(f(sv * (a ? a.data[n * K + k] : 1)) * w.data[k * per + e]));
              if (!same(acc, t.data[n * per + e])) ok = false;
            }
          }
          if (!ok) continue;
          const at = (b: Bound | null) => (b ? this.recent.indexOf(b) : -1);
          this.movements.push({ op: this.current, index: [3, at(w), at(a), at(s), j] });
          return this.scoped('mixture', () => {
            const g = this.graph, ones = (m: number) => new Array<number>(m).fill(1);
            let coef: string | null = s ? g.reshape(s.name, [N, 1, ...ones(S.length - j), ...S.slice(S.length - j)]) : null;
            if (a) { const ar = g.reshape(a.name, [N, K, ...ones(S.length)]); coef = coef ? g.mul(coef, ar) : ar; }
            return g.reduceSum(g.mul(coef!, w.name), [1]);                   // [N, K, ...S] summed over k
          });
        }
      }
    }
    return null;
  }

  /**
   * A recent graph value of the same size divided or multiplied elementwise by one number in plain JavaScript
   * (e.g. logits / temperature): the number is read off one element, then every element must equal
   * fround(v / c) (or fround(v · c)) exactly, as ONNX's Div / Mul with that float32 scalar computes it.
   */
  private recognizeScaling(t: Tensor): string | null {
    const n = t.data.length;
    let tried = 0;
    for (let c = this.recent.length - 1; c >= 0 && tried < 16; c--) {
      const b = this.recent[c];
      if (b.data.length !== n) continue;
      tried++;
      const k = t.data.findIndex((u, i) => u !== 0 && Number.isFinite(u) && Number.isFinite(b.data[i]) && b.data[i] !== 0);
      if (k < 0) continue;
      for (const [opType, scalar] of [['Div', b.data[k] / t.data[k]], ['Mul', t.data[k] / b.data[k]]] as const) {
        for (const guess of [Math.fround(scalar), Math.fround(Number(scalar.toPrecision(6)))]) {
          const f = opType === 'Div' ? (v: number) => Math.fround(v / guess) : (v: number) => Math.fround(v * guess);
          let ok = true;
          for (let i = 0; i < n && ok; i++) if (!same(f(b.data[i]), t.data[i])) ok = false;
          if (!ok) continue;
          this.movements.push({ op: this.current, index: [opType === 'Div' ? 1 : 2, guess] });
          return this.scoped('scaling', () => {
            const g = this.graph;
            const v = sameShape(b.shape, t.shape) ? b.name : g.reshape(b.name, t.shape);
            return g.op(opType, [v, g.scalar(guess)]);
          });
        }
      }
    }
    return null;
  }

  /** Every position of every value of `data` (built once per candidate). */
  private positions(data: Float32Array): Map<number, number[]> {
    let where = this.lookups.get(data);
    if (!where) {
      where = new Map<number, number[]>();
      for (let i = 0; i < data.length; i++) {
        const list = where.get(data[i]);
        if (list) list.push(i); else where.set(data[i], [i]);
      }
      this.lookups.set(data, where);
    }
    return where;
  }

  /** The graph of `out[i] = source.flat[index[i]]`: Reshape + Transpose when the map is one, else a Gather. */
  private moveGraph(source: Bound, shape: readonly number[], index: number[]): string {
    const g = this.graph;
    const dims = shape.filter((d) => d !== 1);
    const strides: number[] = [];
    let step = index.length;
    for (const d of dims) { step /= d; strides.push(index[step] - index[0]); }   // the index step along each dim
    // a transpose: strides are those of a contiguous [dims sorted by stride] layout of the whole source
    const order = dims.map((_, i) => i).sort((a, b) => strides[b] - strides[a]);
    let contiguous = index[0] === 0 && source.data.length === index.length;
    let expect = 1;
    for (let k = order.length - 1; k >= 0 && contiguous; k--) {
      if (strides[order[k]] !== expect) contiguous = false;
      expect *= dims[order[k]];
    }
    if (contiguous) {
      // verify every element (the strides only looked at one step per dim)
      const coord = new Array<number>(dims.length).fill(0);
      for (let i = 0; i < index.length && contiguous; i++) {
        let want = 0;
        for (let d = 0; d < dims.length; d++) want += coord[d] * strides[d];
        if (want !== index[i]) contiguous = false;
        for (let d = dims.length - 1; d >= 0; d--) { if (++coord[d] < dims[d]) break; coord[d] = 0; }
      }
    }
    if (contiguous) {
      const sorted = g.reshape(source.name, order.map((d) => dims[d]));
      const perm = dims.map((_, d) => order.indexOf(d));
      return g.reshape(g.transpose(sorted, perm), shape);
    }
    return g.op('Gather', [g.reshape(source.name, [source.data.length]), g.int64(index, shape)], { axis: 0 });
  }

  /** Runs `record` with node names scoped under `<op>_<n>`; nested calls keep the outer scope. */
  private scoped<T>(op: string, record: () => T): T {
    if (this.graph.scope !== 'graph') return record();
    const n = this.calls.get(op) ?? 0;
    this.calls.set(op, n + 1);
    this.graph.scope = `${op}_${n}`;
    this.current = op;
    try { return record(); } finally { this.graph.scope = 'graph'; this.current = 'graph'; }
  }

  /** Computes `y` on the compute backend, then records `record()` as its graph value. */
  private trace(op: string, y: Tensor, record: (g: OnnxGraph) => string): Tensor {
    return this.bind(y, this.scoped(op, () => record(this.graph)));
  }

  private notExportable(op: string, why: string): never {
    throw new NotImplementedError(`exportOnnx: ${op} has no ONNX export: ${why}`);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Building blocks shared by several ops

  /** ONNX Conv with PyTorch's conv2d geometry (explicit pads; 'same' puts the extra pad bottom/right as PyTorch). */
  private conv(x: string, w: string, b: string | null, xShape: readonly number[], wShape: readonly number[], options: Conv2dOptions = {}): string {
    const c = conv2dGeometry('conv2d', xShape, wShape, null, options);
    return this.graph.op('Conv', b ? [x, w, b] : [x, w], {
      kernel_shape: [c.k_h, c.k_w], strides: [c.stride_h, c.stride_w], dilations: [c.dilation_h, c.dilation_w],
      pads: [c.pad_top, c.pad_left, c.pad_bottom, c.pad_right], group: c.groups,
    });
  }

  /**
   * im2col by index: x [B, C, Hp, Wp] (already padded) → [B, C, k_h, k_w, H_out, W_out] with
   * out[..., p, q, i, j] = x[..., i·s_h + p·d_h, j·s_w + q·d_w] — two Gathers and a Transpose (data movement, exact;
   * the ops PyTorch's exporter emits for nn.Unfold).
   */
  private im2col(x: string, k: [number, number], stride: [number, number], dilation: [number, number], out: [number, number]): string {
    const g = this.graph;
    const rows: number[] = [], cols: number[] = [];
    for (let p = 0; p < k[0]; p++) for (let i = 0; i < out[0]; i++) rows.push(i * stride[0] + p * dilation[0]);
    for (let q = 0; q < k[1]; q++) for (let j = 0; j < out[1]; j++) cols.push(j * stride[1] + q * dilation[1]);
    const r = g.op('Gather', [x, g.int64(rows, [k[0], out[0]])], { axis: 2 });             // [B, C, k_h, H_out, Wp]
    const c = g.op('Gather', [r, g.int64(cols, [k[1], out[1]])], { axis: 4 });             // [B, C, k_h, H_out, k_w, W_out]
    return g.transpose(c, [0, 1, 2, 4, 3, 5]);
  }

  /** ONNX Pad over the last two dims of a rank-4 value. */
  private pad4(x: string, top: number, left: number, bottom: number, right: number, mode: 'constant' | 'reflect' | 'edge', value = 0): string {
    if (!top && !left && !bottom && !right) return x;
    const g = this.graph;
    const inputs = [x, g.int64([0, 0, top, left, 0, 0, bottom, right])];
    if (mode === 'constant' && value !== 0) inputs.push(g.scalar(value));
    return g.op('Pad', inputs, { mode: { s: mode } });
  }

  /** Per-sample convolution: x [N, C_in, H, W], w [N·C_out, C_in/groups, k_h, k_w], b [N·C_out] → [N, C_out, H_out, W_out]. */
  private perSampleConv(x: string, w: string, b: string | null, input: Tensor, wShape: readonly number[], yShape: readonly number[], options: Conv2dOptions): string {
    const g = this.graph, [N, C, H, W] = input.shape;
    const groups = (options.groups ?? 1) * N;
    const y = this.conv(g.reshape(x, [1, N * C, H, W]), w, b, [1, N * C, H, W], wShape, { ...options, groups });
    return g.reshape(y, yShape);
  }

  // ------------------------------------------------------------------------------------------------------------
  // The Ops

  conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
    const y = this.compute.conv2d(input, weight, bias, options);
    return this.trace('conv2d', y, () => this.conv(this.ref(input), this.ref(weight), bias ? this.ref(bias) : null, input.shape, weight.shape, options));
  }

  conv2dShiftSum(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
    const y = this.compute.conv2dShiftSum(input, weight, bias, options);
    return this.trace('conv2dShiftSum', y, () => this.conv(this.ref(input), this.ref(weight), bias ? this.ref(bias) : null, input.shape, weight.shape, options));
  }

  conv2dStageI(input: Tensor, weight: Tensor, options: { groups?: number } = {}): Tensor {
    const y = this.compute.conv2dStageI(input, weight, options);
    return this.trace('conv2dStageI', y, (g) => {
      // every tap (p, q) a 1x1 conv: weight [C_out, C_in/g, k_h, k_w] → [g·T·C_out/g, C_in/g, 1, 1] (group-major)
      const [C_out, cig, k_h, k_w] = weight.shape, groups = options.groups ?? 1, T = k_h * k_w, cog = C_out / groups;
      const [N, , H, W] = input.shape;
      const w = g.reshape(g.transpose(g.reshape(this.ref(weight), [groups, cog, cig, T]), [0, 3, 1, 2]), [groups * T * cog, cig, 1, 1]);
      const z = this.conv(this.ref(input), w, null, input.shape, [groups * T * cog, cig, 1, 1], { groups });
      return g.reshape(g.transpose(g.reshape(z, [N, groups, T, cog, H, W]), [0, 2, 1, 3, 4, 5]), [N, T, C_out, H, W]);
    });
  }

  conv2dStageII(proj: Tensor, kernel_size: readonly [number, number], bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
    const y = this.compute.conv2dStageII(proj, kernel_size, bias, options);
    return this.trace('conv2dStageII', y, (g) => {
      // Σ over taps of shifted planes = a grouped conv of [N, C_out·T, H, W] (channel o·T + t) with one-hot kernels
      const [N, T, C_out, H, W] = proj.shape, [k_h, k_w] = kernel_size;
      const onehot = new Float32Array(C_out * T * T);
      for (let o = 0; o < C_out; o++) for (let t = 0; t < T; t++) onehot[(o * T + t) * T + t] = 1;
      const w = g.float(onehot, [C_out, T, k_h, k_w], g.fresh('stage_ii_taps'));
      const x = g.reshape(g.transpose(this.ref(proj), [0, 2, 1, 3, 4]), [N, C_out * T, H, W]);
      return this.conv(x, w, bias ? this.ref(bias) : null, [N, C_out * T, H, W], [C_out, T, k_h, k_w], { ...options, groups: C_out });
    });
  }

  shift2d(input: Tensor, shifts: Shifts): Tensor {
    const y = this.compute.shift2d(input, shifts);
    return this.trace('shift2d', y, () => this.shiftConv(input, shifts));
  }

  shift2dAsConv(input: Tensor, shifts: Shifts): Tensor {
    const y = this.compute.shift2dAsConv(input, shifts);
    return this.trace('shift2dAsConv', y, () => this.shiftConv(input, shifts));
  }

  /** A shift as the depthwise conv with one-hot kernels (ACmix Eq. 13-15): exact for finite inputs. */
  private shiftConv(input: Tensor, shifts: Shifts): string {
    const C = input.shape[1], { weight, padding } = shiftConvWeight(C, checkShift2d('shift2d', input, shifts));
    const w = this.graph.float(weight.data, weight.shape, this.graph.fresh('shift_kernels'));
    return this.conv(this.ref(input), w, null, input.shape, weight.shape, { padding, groups: C });
  }

  pad(input: Tensor, pad: readonly number[], options: { mode?: PadMode; value?: number } = {}): Tensor {
    const y = this.compute.pad(input, pad, options);
    return this.trace('pad', y, (g) => {
      const { mode, value } = padOptions('pad', options);
      const { before, after } = checkPad('pad', input, pad, mode);
      const inputs = [this.ref(input), g.int64([...before, ...after])];
      if (mode === 'constant' && value !== 0) inputs.push(g.scalar(value));
      return g.op('Pad', inputs, { mode: { s: mode === 'replicate' ? 'edge' : mode } });
    });
  }

  unfold(input: Tensor, kernel_size: IntPair, options: UnfoldOptions = {}): Tensor {
    const y = this.compute.unfold(input, kernel_size, options);
    return this.trace('unfold', y, (g) => {
      const u = checkUnfold('unfold', input, kernel_size, options);
      const x = this.pad4(this.ref(input), u.pad_h, u.pad_w, u.pad_h, u.pad_w, 'constant');
      const cols = this.im2col(x, [u.k_h, u.k_w], [u.stride_h, u.stride_w], [u.dilation_h, u.dilation_w], [u.H_out, u.W_out]);
      return g.reshape(cols, y.shape);
    });
  }

  softmax(input: Tensor, dim: number): Tensor {
    const y = this.compute.softmax(input, dim);
    return this.trace('softmax', y, (g) => g.op('Softmax', [this.ref(input)], { axis: dim < 0 ? dim + input.rank : dim }));
  }

  linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
    const y = this.compute.linear(input, weight, bias);
    return this.trace('linear', y, (g) => {
      const x = this.ref(input), w = this.ref(weight);
      if (input.rank === 2) return g.op('Gemm', bias ? [x, w, this.ref(bias)] : [x, w], { transB: 1 });
      const m = g.op('MatMul', [x, g.transpose(w, [1, 0])]);
      return bias ? g.add(m, this.ref(bias)) : m;
    });
  }

  relu(input: Tensor): Tensor { return this.unary('relu', this.compute.relu(input), input, 'Relu'); }
  sigmoid(input: Tensor): Tensor { return this.unary('sigmoid', this.compute.sigmoid(input), input, 'Sigmoid'); }
  tanh(input: Tensor): Tensor { return this.unary('tanh', this.compute.tanh(input), input, 'Tanh'); }
  hardswish(input: Tensor): Tensor { return this.unary('hardswish', this.compute.hardswish(input), input, 'HardSwish'); }

  hardsigmoid(input: Tensor): Tensor {
    const y = this.compute.hardsigmoid(input);
    // PyTorch: relu6(x + 3) / 6 = max(0, min(1, x/6 + 1/2))
    return this.trace('hardsigmoid', y, (g) => g.op('HardSigmoid', [this.ref(input)], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } }));
  }

  silu(input: Tensor): Tensor {
    const y = this.compute.silu(input);
    return this.trace('silu', y, (g) => { const x = this.ref(input); return g.mul(x, g.op('Sigmoid', [x])); });
  }

  leakyRelu(input: Tensor, options?: { negative_slope?: number }): Tensor {
    const y = this.compute.leakyRelu(input, options);
    return this.trace('leakyRelu', y, (g) => g.op('LeakyRelu', [this.ref(input)], { alpha: { f: checkLeakyRelu('leaky_relu', input, options) } }));
  }

  gelu(input: Tensor, options: { approximate?: GeluApproximate } = {}): Tensor {
    const y = this.compute.gelu(input, options);
    return this.trace('gelu', y, (g) => {
      // Gelu is an ONNX op from opset 20 only; opset 17 gets PyTorch's own formulas.
      const x = this.ref(input);
      let inner: string;
      if ((options.approximate ?? 'none') === 'tanh') {   // tanh(√(2/π)·(x + 0.044715·x³))
        const x3 = g.mul(g.mul(x, x), x);
        inner = g.op('Tanh', [g.mul(g.add(x, g.mul(x3, g.scalar(0.044715))), g.scalar(Math.sqrt(2 / Math.PI)))]);
      } else {                                             // erf(x / √2)
        inner = g.op('Erf', [g.mul(x, g.scalar(Math.SQRT1_2))]);
      }
      return g.mul(g.mul(x, g.scalar(0.5)), g.add(inner, g.scalar(1)));
    });
  }

  private unary(op: string, y: Tensor, input: Tensor, opType: string): Tensor {
    return this.trace(op, y, (g) => g.op(opType, [this.ref(input)]));
  }

  maxPool2d(input: Tensor, kernel_size: IntPair, options?: MaxPool2dOptions): Tensor {
    const y = this.compute.maxPool2d(input, kernel_size, options);
    return this.trace('maxPool2d', y, (g) => {
      const p = checkMaxPool2d('max_pool2d', input, kernel_size, options);
      const x = this.poolPad(input, p.kernel, p.stride, p.padding, p.dilation, p.rows.out, p.cols.out, -Infinity);
      return g.op('MaxPool', [x], { kernel_shape: p.kernel, strides: p.stride, dilations: p.dilation });
    });
  }

  avgPool2d(input: Tensor, kernel_size: IntPair, options?: AvgPool2dOptions): Tensor {
    const y = this.compute.avgPool2d(input, kernel_size, options);
    return this.trace('avgPool2d', y, (g) => {
      // Zero-pad explicitly (PyTorch's windows, ceil_mode included), average over the full window, then rescale each
      // output by k_h·k_w / divisor (count_include_pad, ceil_mode edges, divisor_override: PyTorch's divisor).
      const p = checkAvgPool2d('avg_pool2d', input, kernel_size, options);
      const x = this.poolPad(input, p.kernel, p.stride, p.padding, [1, 1], p.rows.out, p.cols.out, 0);
      const avg = g.op('AveragePool', [x], { kernel_shape: p.kernel, strides: p.stride });
      const area = p.kernel[0] * p.kernel[1], Ho = p.rows.out, Wo = p.cols.out;
      const scale = new Float32Array(Ho * Wo);
      let trivial = true;
      for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
        scale[i * Wo + j] = area / (p.rowDiv[i] * p.colDiv[j]);
        if (scale[i * Wo + j] !== 1) trivial = false;
      }
      return trivial ? avg : g.mul(avg, g.float(scale, [1, 1, Ho, Wo], g.fresh('avg_pool_divisor')));
    });
  }

  /** Pads a pooling input so that ONNX's floor-mode windows are PyTorch's (ceil_mode included). */
  private poolPad(input: Tensor, k: readonly number[], s: readonly number[], p: readonly number[], d: readonly number[], Ho: number, Wo: number, value: number): string {
    const [, , H, W] = input.shape;
    const end = (out: number, a: number, size: number) => Math.max(0, (out - 1) * s[a] + d[a] * (k[a] - 1) + 1 - size - p[a]);
    return this.pad4(this.ref(input), p[0], p[1], end(Ho, 0, H), end(Wo, 1, W), 'constant', value);
  }

  adaptiveAvgPool2d(input: Tensor, output_size: AdaptiveSize): Tensor {
    const y = this.compute.adaptiveAvgPool2d(input, output_size);
    return this.trace('adaptiveAvgPool2d', y, () => this.adaptive(input, output_size, 'Average', 'ReduceMean'));
  }

  adaptiveMaxPool2d(input: Tensor, output_size: AdaptiveSize): Tensor {
    const y = this.compute.adaptiveMaxPool2d(input, output_size);
    return this.trace('adaptiveMaxPool2d', y, () => this.adaptive(input, output_size, 'Max', 'ReduceMax'));
  }

  /** Adaptive pooling: a Global pool for 1x1, a plain pool when the windows tile evenly, else one reduce per row and column window. */
  private adaptive(input: Tensor, output_size: AdaptiveSize, kind: 'Average' | 'Max', reduce: string): string {
    const g = this.graph, { rows, cols } = checkAdaptivePool2d('adaptive_pool2d', input, output_size);
    const x = this.ref(input);
    if (rows.out === 1 && cols.out === 1) return g.op(`Global${kind}Pool`, [x]);
    const even = (a: PoolAxis) => a.count.every((c, i) => c === a.count[0] && a.start[i] === i * a.count[0]);
    if (even(rows) && even(cols)) {
      return g.op(`${kind}Pool`, [x], { kernel_shape: [rows.count[0], cols.count[0]], strides: [rows.count[0], cols.count[0]] });
    }
    const pass = (v: string, a: PoolAxis, axis: number) => g.concat(Array.from({ length: a.out }, (_, o) =>
      g.op(reduce, [g.slice(v, [a.start[o]], [a.start[o] + a.count[o]], [axis])], { axes: [axis], keepdims: 1 })), axis);
    return pass(pass(x, rows, 2), cols, 3);
  }

  flatten(input: Tensor, options?: { start_dim?: number; end_dim?: number }): Tensor {
    const y = this.compute.flatten(input, options);
    checkFlatten('flatten', input, options);
    return this.trace('flatten', y, (g) => g.reshape(this.ref(input), y.shape));
  }

  cat(tensors: readonly Tensor[], options?: { dim?: number }): Tensor {
    const y = this.compute.cat(tensors, options);
    const [dim] = checkCat('cat', tensors, options);
    return this.trace('cat', y, (g) => g.concat(tensors.map((t) => this.ref(t)), dim));
  }

  chunk(input: Tensor, chunks: number, options?: { dim?: number }): Tensor[] {
    const ys = this.compute.chunk(input, chunks, options);
    const [dim, sizes] = checkChunk('chunk', input, chunks, options);
    const names = this.scoped('chunk', () => this.graph.node('Split', [this.ref(input), this.graph.int64(sizes)], { axis: dim }, sizes.length));
    ys.forEach((t, i) => this.bind(t, names[i]));
    return ys;
  }

  batchNorm2d(input: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, options: { eps?: number } = {}): Tensor {
    const y = this.compute.batchNorm2d(input, running_mean, running_var, weight, bias, options);
    return this.trace('batchNorm2d', y, (g) => {
      const C = input.shape[1];
      const scale = weight ? this.ref(weight) : g.float(new Float32Array(C).fill(1), [C], g.fresh('ones'));
      const shift = bias ? this.ref(bias) : g.float(new Float32Array(C), [C], g.fresh('zeros'));
      return g.op('BatchNormalization', [this.ref(input), scale, shift, this.ref(running_mean), this.ref(running_var)], { epsilon: { f: options.eps ?? 1e-5 } });
    });
  }

  layerNorm(input: Tensor, normalized_shape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, options: { eps?: number } = {}): Tensor {
    const y = this.compute.layerNorm(input, normalized_shape, weight, bias, options);
    return this.trace('layerNorm', y, (g) => {
      // LayerNormalization is an opset-17 op; its Scale input is required (ones when PyTorch has no weight).
      const scale = weight ? this.ref(weight) : g.float(new Float32Array(prod(normalized_shape)).fill(1), normalized_shape, g.fresh('ones'));
      const inputs = [this.ref(input), scale, ...(bias ? [this.ref(bias)] : [])];
      return g.op('LayerNormalization', inputs, { axis: -normalized_shape.length, epsilon: { f: options.eps ?? 1e-5 } });
    });
  }

  add(input: Tensor, other: Tensor): Tensor {
    const y = this.compute.add(input, other);
    return this.trace('add', y, (g) => g.add(this.ref(input), this.ref(other)));
  }

  axpby(alpha: number, x: Tensor, beta: number, y: Tensor): Tensor {
    const out = this.compute.axpby(alpha, x, beta, y);
    return this.trace('axpby', out, (g) => g.add(g.mul(this.ref(x), g.scalar(alpha)), g.mul(this.ref(y), g.scalar(beta))));
  }

  interpolate(input: Tensor, options: InterpolateOptions): Tensor {
    const y = this.compute.interpolate(input, options);
    return this.trace('interpolate', y, (g) => {
      const sizes = g.int64(y.shape);
      const mode = options.mode ?? 'bilinear';
      // PyTorch 'nearest': src = ⌊dst · in/out⌋ (asymmetric, floor); 'bilinear': half-pixel centres clamped at 0, or align_corners.
      const attrs: Record<string, Attr> = mode === 'nearest'
        ? { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } }
        : { mode: { s: 'linear' }, coordinate_transformation_mode: { s: options.align_corners ? 'align_corners' : 'pytorch_half_pixel' } };
      return g.op('Resize', [this.ref(input), '', '', sizes], attrs);
    });
  }

  globalAvgPool2d(input: Tensor): Tensor {
    return this.unary('globalAvgPool2d', this.compute.globalAvgPool2d(input), input, 'GlobalAveragePool');
  }

  localAttention(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): Tensor {
    const y = this.compute.localAttention(q, k, v, pe, options);
    return this.trace('localAttention', y, () => this.localAttentionGraph(q, k, v, pe, options));
  }

  /**
   * The official ACmix attention path in standard ops: heads as batch, q scaled by head_dim^−½, k, v and pe
   * reflection-padded and unfolded into k_att × k_att windows (Pad + Gather im2col), logits Σ_d q·(k + pe_q − pe_k),
   * Softmax over the window, then the weighted sum of the unfolded v.
   */
  private localAttentionGraph(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): string {
    const g = this.graph;
    const [N, C, H, W] = q.shape;
    const geo = localAttentionGeometry('local_attention', q.shape, options, () => '');
    const { head, head_dim, kernel_att: ka, stride, padding_att: P, H_out, W_out } = geo;
    const B = N * head, T = ka * ka;
    const heads = (t: Tensor) => g.reshape(this.ref(t), [B, head_dim, H, W]);
    const windows = (x: string, batch: number) => g.reshape(
      this.im2col(this.pad4(x, P, P, P, P, 'reflect'), [ka, ka], [stride, stride], [1, 1], [H_out, W_out]), [batch, head_dim, T, H_out, W_out]);
    const strided = (x: string) => (stride > 1 ? g.slice(x, [0, 0], [H, W], [2, 3], [stride, stride]) : x);
    const qs = strided(g.mul(heads(q), g.scalar(Math.fround(head_dim ** -0.5))));       // [B, hd, H_out, W_out]
    let keys = windows(heads(k), B);                                                        // [B, hd, T, H_out, W_out]
    if (pe) {
      const p = this.ref(pe);
      keys = g.sub(g.add(keys, g.unsqueeze(strided(p), [2])), windows(p, 1));             // k + pe_q − pe_k (official order)
    }
    const logits = g.reduceSum(g.mul(g.unsqueeze(qs, [2]), keys), [1]);                  // [B, T, H_out, W_out]
    const att = g.op('Softmax', [logits], { axis: 1 });
    const out = g.reduceSum(g.mul(g.unsqueeze(att, [1]), windows(heads(v), B)), [2]);    // [B, hd, H_out, W_out]
    return g.reshape(out, [N, C, H_out, W_out]);
  }

  scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options?: ScaledDotProductAttentionOptions): Tensor {
    const y = this.compute.scaledDotProductAttention(query, key, value, options);
    return this.trace('scaledDotProductAttention', y, (g) => {
      const E = query.shape[query.rank - 1], L = query.shape[query.rank - 2], S = key.shape[key.rank - 2];
      const scale = options?.scale ?? 1 / Math.sqrt(E);
      const perm = [...Array(key.rank).keys()];
      [perm[key.rank - 2], perm[key.rank - 1]] = [perm[key.rank - 1], perm[key.rank - 2]];
      let logits = g.mul(g.op('MatMul', [this.ref(query), g.transpose(this.ref(key), perm)]), g.scalar(scale));
      const mask = options?.attn_mask;
      if (mask instanceof Tensor) logits = g.add(logits, this.ref(mask));
      else if (mask && isBoolMask(mask)) {
        const additive = Float32Array.from(mask.bool, (b) => (b ? 0 : -Infinity));
        logits = g.add(logits, g.float(additive, mask.shape, g.fresh('attn_mask')));
      }
      if (options?.is_causal) {
        const causal = new Float32Array(L * S);
        for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) causal[i * S + j] = -Infinity;
        logits = g.add(logits, g.float(causal, [L, S], g.fresh('causal_mask')));
      }
      return g.op('MatMul', [g.op('Softmax', [logits], { axis: -1 }), this.ref(value)]);
    });
  }

  acmixFc(q: Tensor, k: Tensor, v: Tensor, fc_weight: Tensor, options: { head: number }): Tensor {
    const y = this.compute.acmixFc(q, k, v, fc_weight, options);
    return this.trace('acmixFc', y, (g) => {
      // official: fc(cat([q, k, v].view(N, head, head_dim, H·W), 1)).permute(0, 2, 1, 3).reshape(N, −1, H, W)
      const [N, C, H, W] = q.shape, head = options.head, hd = C / head, T = fc_weight.shape[0];
      const z = g.concat([q, k, v].map((t) => g.reshape(this.ref(t), [N, head, hd, H * W])), 1);
      const f = this.conv(z, this.ref(fc_weight), null, [N, 3 * head, hd, H * W], fc_weight.shape);
      return g.reshape(g.transpose(f, [0, 2, 1, 3]), [N, hd * T, H, W]);
    });
  }

  acmix(input: Tensor, weights: ACmixWeights, options: ACmixOptions = {}): Tensor {
    return this.acmixForward(input, weights, acmixConfigFromWeights('acmix', weights, options)).output;
  }

  /** The ACmix block as its steps (ts/ref/acmix.ts), each a traced op; the mix reads rate1 / rate2 as parameters. */
  acmixForward(input: Tensor, weights: ACmixWeights, config: ACmixConfig, hooks: ACmixHooks = {}): ACmixResult {
    checkACmix('acmix', input, weights, config, hooks);                    // every check first, before anything is recorded
    const w = (key: string) => weights[key] as Tensor;
    const [, , H, W] = input.shape;
    const q = this.conv2d(input, w('conv1.weight'), w('conv1.bias'));
    const k = this.conv2d(input, w('conv2.weight'), w('conv2.bias'));
    const v = this.conv2d(input, w('conv3.weight'), w('conv3.bias'));
    hooks.onStage?.('stage_i');
    const pe = this.conv2d(acmixPosition(H, W), w('conv_p.weight'), w('conv_p.bias'));
    const { head, kernel_att, stride, dilation } = config;
    const outAtt = this.localAttention(q, k, v, pe, { head, kernel_att, stride, dilation });
    hooks.onStage?.('stage_ii_attention');
    const fConv = this.acmixFc(q, k, v, w('fc.weight'), { head });
    const outConv = this.conv2d(fConv, w('dep_conv.weight'), weights['dep_conv.bias'] ?? null, { groups: config.head_dim, padding: 1, stride });
    hooks.onStage?.('stage_ii_conv');
    const rate1 = w('rate1'), rate2 = w('rate2');
    const output = this.compute.axpby(rate1.data[0], outAtt, rate2.data[0], outConv);   // Eq. (12)
    this.trace('acmix', output, (g) => g.add(g.mul(this.ref(outAtt), this.ref(rate1)), g.mul(this.ref(outConv), this.ref(rate2))));
    hooks.onStage?.('mix');
    return { output, outAtt, outConv, q, k, v, pe };
  }

  deformConv2d(input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null = null, options: DeformConv2dOptions = {}): Tensor {
    const y = this.compute.deformConv2d(input, offset, weight, bias, options);
    const c = checkDeformConv2d('deform_conv2d', input, offset, weight, bias, options);
    if (c.H < 2 || c.W < 2) this.notExportable('deformConv2d', `GridSample's normalised coordinates need H, W ≥ 2, got ${c.H}x${c.W}`);
    return this.trace('deformConv2d', y, (g) => this.deformGraph(input, offset, weight, bias, options.mask ?? null, c));
  }

  /**
   * torchvision's deform_conv2d in opset-17 ops (ONNX's DeformConv is opset 19): every tap's sampling point
   * (base grid + offset, pixel units) normalised for GridSample (bilinear, zeros outside, align_corners: pixel
   * centres at ±1, so x = (g + 1)/2·(W − 1) is the pixel coordinate and corners outside the map read 0 — the
   * bilinear sampling torchvision does), times the DCNv2 mask, then one grouped MatMul with the weight.
   */
  private deformGraph(input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | null, mask: Tensor | null, c: DeformConv2dGeometry): string {
    const g = this.graph;
    const { N, C_in, H, W, C_out, k_h, k_w, T, H_out, W_out, offset_groups: og, groups: G } = c;
    const baseY = new Float32Array(T * H_out * W_out), baseX = new Float32Array(T * H_out * W_out);
    for (let p = 0; p < k_h; p++) for (let q = 0; q < k_w; q++) for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
      const e = ((p * k_w + q) * H_out + i) * W_out + j;
      baseY[e] = i * c.stride_h - c.pad_h + p * c.dilation_h;
      baseX[e] = j * c.stride_w - c.pad_w + q * c.dilation_w;
    }
    const off = g.reshape(this.ref(offset), [N, og, T, 2, H_out, W_out]);                  // (dy, dx) per tap
    const pick = (k: number) => g.op('Gather', [off, g.int64([k], [])], { axis: 3 });     // [N, og, T, H_out, W_out]
    const ys = g.add(pick(0), g.float(baseY, [T, H_out, W_out], g.fresh('deform_base_y')));
    const xs = g.add(pick(1), g.float(baseX, [T, H_out, W_out], g.fresh('deform_base_x')));
    const norm = (v: string, size: number) => g.sub(g.mul(v, g.scalar(2 / (size - 1))), g.scalar(1));
    const grid = g.reshape(g.concat([g.unsqueeze(norm(xs, W), [5]), g.unsqueeze(norm(ys, H), [5])], 5), [N * og, T * H_out, W_out, 2]);
    const sampled = g.op('GridSample', [g.reshape(this.ref(input), [N * og, C_in / og, H, W]), grid],
      { mode: { s: 'bilinear' }, padding_mode: { s: 'zeros' }, align_corners: 1 });     // [N·og, C/og, T·H_out, W_out]
    let cols = g.reshape(sampled, [N, og, C_in / og, T, H_out, W_out]);
    if (mask) cols = g.mul(cols, g.reshape(this.ref(mask), [N, og, 1, T, H_out, W_out]));
    const K = (C_in / G) * T, L = H_out * W_out;
    const w = g.reshape(this.ref(weight), [G, C_out / G, K]);
    let out = g.reshape(g.op('MatMul', [w, g.reshape(cols, [N, G, K, L])]), [N, C_out, H_out, W_out]);
    if (bias) out = g.add(out, g.reshape(this.ref(bias), [1, C_out, 1, 1]));
    return out;
  }

  conv2dPerSample(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
    const y = this.compute.conv2dPerSample(input, weight, bias, options);
    return this.trace('conv2dPerSample', y, (g) => {
      const [N, C_out, cig, k_h, k_w] = weight.shape;
      const w = g.reshape(this.ref(weight), [N * C_out, cig, k_h, k_w]);
      const b = bias ? g.reshape(this.ref(bias), [N * C_out]) : null;
      return this.perSampleConv(this.ref(input), w, b, input, [N * C_out, cig, k_h, k_w], y.shape, options);
    });
  }

  conv2dMixture(input: Tensor, weight: Tensor, bias: Tensor | null, routing: Tensor, options: Conv2dOptions = {}): Tensor {
    const y = this.compute.conv2dMixture(input, weight, bias, routing, options);
    return this.trace('conv2dMixture', y, (g) => {
      // W̃[n] = Σ_k r[n,k]·W[k] (routing @ weight, as timm CondConv2d), then the per-sample grouped-conv trick
      const [K, C_out, cig, k_h, k_w] = weight.shape, N = input.shape[0];
      const r = this.ref(routing);
      const w = g.reshape(g.op('MatMul', [r, g.reshape(this.ref(weight), [K, C_out * cig * k_h * k_w])]), [N * C_out, cig, k_h, k_w]);
      const b = bias ? g.reshape(g.op('MatMul', [r, this.ref(bias)]), [N * C_out]) : null;
      return this.perSampleConv(this.ref(input), w, b, input, [N * C_out, cig, k_h, k_w], y.shape, options);
    });
  }

  conv2dModulated(input: Tensor, weight: Tensor, bias: Tensor | null, modulation: WeightModulation, options: Conv2dOptions = {}): Tensor {
    const y = this.compute.conv2dModulated(input, weight, bias, modulation, options);
    return this.trace('conv2dModulated', y, (g) => {
      // W'[n] = W ⊙ γ_in[n] ⊙ γ_out[n] ⊙ γ[n] + β[n], demodulated by 1/√(Σ W'² + eps) per output filter
      const N = input.shape[0];
      const [C_out, cig, k_h, k_w] = weight.rank === 5 ? weight.shape.slice(1) : weight.shape;
      const G = options.groups ?? 1;
      let lead = weight.rank === 5 ? N : 1;                                   // 1 while the kernel is shared by the batch
      let w = g.reshape(this.ref(weight), [lead, C_out, cig, k_h, k_w]);
      if (modulation.gamma_in) {                                              // γ_in[n, g(o)·C_in/groups + c]
        const gi = g.reshape(this.ref(modulation.gamma_in), [N, G, 1, cig, 1, 1]);
        w = g.reshape(g.mul(g.reshape(w, [lead, G, C_out / G, cig, k_h, k_w]), gi), [N, C_out, cig, k_h, k_w]);
        lead = N;
      }
      if (modulation.gamma_out) { w = g.mul(w, g.reshape(this.ref(modulation.gamma_out), [N, C_out, 1, 1, 1])); lead = N; }
      if (modulation.gamma) { w = g.mul(w, this.ref(modulation.gamma)); lead = N; }
      if (modulation.beta) { w = g.add(w, this.ref(modulation.beta)); lead = N; }
      if (modulation.demodulate) {
        const ss = g.op('ReduceSumSquare', [w, g.int64([2, 3, 4])], { keepdims: 1 });
        w = g.mul(w, g.op('Reciprocal', [g.op('Sqrt', [g.add(ss, g.scalar(modulation.eps ?? 1e-8))])]));
      }
      if (lead !== N) w = g.op('Expand', [w, g.int64([N, C_out, cig, k_h, k_w])]);
      const flat = g.reshape(w, [N * C_out, cig, k_h, k_w]);
      const b = bias ? g.reshape(g.op('Expand', [g.unsqueeze(this.ref(bias), [0]), g.int64([N, C_out])]), [N * C_out]) : null;
      return this.perSampleConv(this.ref(input), flat, b, input, [N * C_out, cig, k_h, k_w], y.shape, options);
    });
  }

  involution2d(input: Tensor, kernel: Tensor, options: Involution2dOptions): Tensor {
    const y = this.compute.involution2d(input, kernel, options);
    return this.trace('involution2d', y, (g) => {
      // y[n, c] = Σ_t unfold(x)[n, c, t] · kernel[n, group(c), t]
      checkInvolution2d('involution2d', input, kernel, options);
      const [N, C] = input.shape, [, G, T, H_out, W_out] = kernel.shape;
      const [k_h, k_w] = pair('involution2d', 'kernel_size', options.kernel_size, NaN, 1);
      const s = pair('involution2d', 'stride', options.stride, 1, 1), p = pair('involution2d', 'padding', options.padding, 0, 0);
      const d = pair('involution2d', 'dilation', options.dilation, 1, 1);
      const x = this.pad4(this.ref(input), p[0], p[1], p[0], p[1], 'constant');
      const cols = g.reshape(this.im2col(x, [k_h, k_w], s, d, [H_out, W_out]), [N, G, C / G, T, H_out, W_out]);
      const out = g.reduceSum(g.mul(cols, g.unsqueeze(this.ref(kernel), [2])), [3]);
      return g.reshape(out, [N, C, H_out, W_out]);
    });
  }

  windowPartition(x: Tensor, window_size: number): Tensor {
    const y = this.compute.windowPartition(x, window_size);
    return this.trace('windowPartition', y, (g) => {
      const [B, H, W, C] = x.shape, ws = window_size;
      return g.reshape(g.transpose(g.reshape(this.ref(x), [B, H / ws, ws, W / ws, ws, C]), [0, 1, 3, 2, 4, 5]), y.shape);
    });
  }

  windowReverse(windows: Tensor, window_size: number, H: number, W: number): Tensor {
    const y = this.compute.windowReverse(windows, window_size, H, W);
    return this.trace('windowReverse', y, (g) => {
      const [B, , , C] = y.shape, ws = window_size;
      return g.reshape(g.transpose(g.reshape(this.ref(windows), [B, H / ws, W / ws, ws, ws, C]), [0, 1, 3, 2, 4, 5]), y.shape);
    });
  }

  roll(input: Tensor, shifts: number | readonly number[], dims: number | readonly number[]): Tensor {
    const y = this.compute.roll(input, shifts, dims);
    return this.trace('roll', y, (g) => {
      const per = checkRoll('roll', input, shifts, dims);
      let x = this.ref(input);
      per.forEach((s, dim) => {
        const n = input.shape[dim];
        if (!s || !n) return;
        x = g.concat([g.slice(x, [n - s], [n], [dim]), g.slice(x, [0], [n - s], [dim])], dim);
      });
      return x === this.ref(input) ? g.op('Identity', [x]) : x;
    });
  }

  windowAttention(qkv: Tensor, relative_position_bias_table: Tensor, relative_position_index: Tensor, mask: Tensor | null, options: WindowAttentionOptions): Tensor {
    const y = this.compute.windowAttention(qkv, relative_position_bias_table, relative_position_index, mask, options);
    return this.trace('windowAttention', y, (g) => {
      // Swin's WindowAttention.forward between the qkv Linear and proj, op for op
      const [B_, N, C3] = qkv.shape, C = C3 / 3, h = options.num_heads, hd = C / h;
      const scale = Math.fround(options.scale ?? hd ** -0.5);
      const parts = g.transpose(g.reshape(this.ref(qkv), [B_, N, 3, h, hd]), [2, 0, 3, 1, 4]);     // [3, B_, h, N, hd]
      const [q, k, v] = [0, 1, 2].map((i) => g.op('Gather', [parts, g.int64([i], [])], { axis: 0 }));
      let attn = g.op('MatMul', [g.mul(q, g.scalar(scale)), g.transpose(k, [0, 1, 3, 2])]);        // [B_, h, N, N]
      const index = g.op('Cast', [g.reshape(this.ref(relative_position_index), [N * N])], { to: 7 });
      const bias = g.transpose(g.reshape(g.op('Gather', [this.ref(relative_position_bias_table), index], { axis: 0 }), [N, N, h]), [2, 0, 1]);
      attn = g.add(attn, g.unsqueeze(bias, [0]));
      if (mask) {
        const nW = mask.shape[0];
        attn = g.reshape(g.add(g.reshape(attn, [B_ / nW, nW, h, N, N]), g.unsqueeze(this.ref(mask), [0, 2])), [B_, h, N, N]);
      }
      const out = g.op('MatMul', [g.op('Softmax', [attn], { axis: -1 }), v]);                        // [B_, h, N, hd]
      return g.reshape(g.transpose(out, [0, 2, 1, 3]), [B_, N, C]);
    });
  }

  mul(input: Tensor, other: Tensor | number): Tensor {
    const y = this.compute.mul(input, other);
    return this.trace('mul', y, (g) => g.mul(this.ref(input), other instanceof Tensor ? this.ref(other) : g.scalar(Math.fround(other))));
  }

  mean(input: Tensor, options: ReduceDimOptions): Tensor {
    const y = this.compute.mean(input, options);
    const r = checkReduceDim('mean', input, options);
    return this.trace('mean', y, (g) => g.op('ReduceMean', [this.ref(input)], { axes: [r.dim], keepdims: options.keepdim ? 1 : 0 }));
  }

  amax(input: Tensor, options: ReduceDimOptions): Tensor {
    const y = this.compute.amax(input, options);
    const r = checkReduceDim('amax', input, options);
    return this.trace('amax', y, (g) => g.op('ReduceMax', [this.ref(input)], { axes: [r.dim], keepdims: options.keepdim ? 1 : 0 }));
  }

  /** YOLOv8's C2f as its steps (ts/ref/c2f.ts): each conv with its batch norm folded (constants), SiLU, chunk, adds, cat. */
  c2f(input: Tensor, weights: C2fWeights, options?: C2fOpOptions): Tensor {
    const c = checkC2f('c2f', input, weights, options);
    this.compute.c2f(input, weights, options);                               // the backend's checks and value
    const conv = (prefix: string, t: Tensor, padding: number, groups: number) => {
      const { weight, bias } = foldedConv(weights, prefix, c.eps);
      return this.silu(this.conv2d(t, weight, bias, { padding, groups }));
    };
    const y = this.chunk(conv('cv1', input, 0, 1), 2, { dim: 1 });
    for (let i = 0; i < c.n; i++) {
      const prev = y[y.length - 1];
      const out = conv(`m.${i}.cv2`, conv(`m.${i}.cv1`, prev, 1, 1), 1, c.g);
      y.push(c.shortcut ? this.add(prev, out) : out);
    }
    return conv('cv2', this.cat(y, { dim: 1 }), 0, 1);
  }
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * The element map of `out` as an affine function of its coordinates, index = base + Σ_d coord_d·stride_d (a
 * transpose, a strided slice, a window of `source`), when one exists: anchors (the first element and one step
 * along each dim) are tried among all positions holding their value, so repeated values do not mislead it.
 */
function affineMap(source: Float32Array, out: Float32Array, shape: readonly number[], where: Map<number, number[]>): number[] | null {
  const dims = shape.filter((d) => d !== 1), n = out.length;
  const steps: number[] = [];
  let step = n;
  for (const d of dims) { step /= d; steps.push(step); }
  // Strides from pairs of values that occur once in the source (one step apart along each dim), the base from one
  // such value: robust to repeated values (ReLU zeros, padding) wherever they sit.
  const unique = (i: number) => { const l = where.get(out[i]); return l && l.length === 1 ? l[0] : -1; };
  const coordOf = (i: number) => dims.map((d, k) => Math.floor(i / steps[k]) % d);
  const fromUnique: number[] = [];
  for (let d = 0; d < dims.length; d++) {
    for (let i = 0; i + steps[d] < n; i++) {
      if (coordOf(i)[d] === dims[d] - 1) continue;
      const a = unique(i), b = unique(i + steps[d]);
      if (a >= 0 && b >= 0) { fromUnique.push(b - a); break; }
      if (i > 4096) break;
    }
    if (fromUnique.length !== d + 1) break;
  }
  const bases: number[] = [];
  if (fromUnique.length === dims.length) {
    for (let i = 0; i < n && i <= 4096; i++) {
      const a = unique(i);
      if (a >= 0) { bases.push(a - coordOf(i).reduce((acc, c, d) => acc + c * fromUnique[d], 0)); break; }
    }
    if (bases.length) {
      const index = checkAffine(source, out, dims, bases[0], fromUnique);
      if (index) return index;
    }
  }
  for (const base of (where.get(out[0]) ?? []).slice(0, 8)) {
    const strides: number[] = [];
    for (let d = 0; d < dims.length; d++) {
      const found = (where.get(out[steps[d]]) ?? []).slice(0, 64).map((p) => p - base).find((stride) => {
        for (let k = 1; k < dims[d]; k++) {
          const at = base + k * stride;
          if (at < 0 || at >= source.length || !same(source[at], out[k * steps[d]])) return false;
        }
        return true;
      });
      if (found === undefined) break;
      strides.push(found);
    }
    if (strides.length !== dims.length) continue;
    const index = checkAffine(source, out, dims, base, strides);
    if (index) return index;
  }
  return null;
}

/** index[i] = base + Σ_d coord_d(i)·strides[d] if that reproduces every element of `out` from `source`, else null. */
function checkAffine(source: Float32Array, out: Float32Array, dims: readonly number[], base: number, strides: readonly number[]): number[] | null {
  const n = out.length, index = new Array<number>(n), coord = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = base;
    for (let d = 0; d < dims.length; d++) at += coord[d] * strides[d];
    if (at < 0 || at >= source.length || !same(source[at], out[i])) return null;
    index[i] = at;
    for (let d = dims.length - 1; d >= 0; d--) { if (++coord[d] < dims[d]) break; coord[d] = 0; }
  }
  return index;
}

/**
 * An element map by value. A value that occurs once fixes its element; a repeated value takes the position that
 * continues its neighbour's run (the neighbour's last step, else ±1: copies move strided or contiguous runs), else
 * its first position.
 */
function nearestMap(source: Float32Array, out: Float32Array, where: Map<number, number[]>): number[] {
  const n = out.length, index = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) { const l = where.get(out[i]) as number[]; if (l.length === 1) index[i] = l[0]; }
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    // continue the neighbour's step: the last delta (a strided run), else ±1 (a contiguous run)
    const fits = (i: number, p: number) => p >= 0 && p < source.length && same(source[p], out[i]);
    for (let i = 1; i < n; i++) {
      if (index[i] >= 0 || index[i - 1] < 0) continue;
      const step = i >= 2 && index[i - 2] >= 0 ? index[i - 1] - index[i - 2] : 1;
      for (const p of [index[i - 1] + step, index[i - 1] + 1]) if (fits(i, p)) { index[i] = p; changed = true; break; }
    }
    for (let i = n - 2; i >= 0; i--) {
      if (index[i] >= 0 || index[i + 1] < 0) continue;
      const step = i + 2 < n && index[i + 2] >= 0 ? index[i + 2] - index[i + 1] : 1;
      for (const p of [index[i + 1] - step, index[i + 1] - 1]) if (fits(i, p)) { index[i] = p; changed = true; break; }
    }
    if (!changed) break;
  }
  for (let i = 0; i < n; i++) if (index[i] < 0) index[i] = (where.get(out[i]) as number[])[0];
  return index;
}
