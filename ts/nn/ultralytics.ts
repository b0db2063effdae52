// YOLOv8's convolution blocks with Ultralytics' class semantics and state_dict keys: Conv, the C2f bottleneck, C2f,
// a C2f with coordinate attention, and the seed's spatial-gate "C2fModule".
//
// Source: ultralytics/ultralytics (AGPL-3.0; read for semantics only, nothing copied), ultralytics/nn/modules/conv.py
// (`autopad`, `Conv`) and ultralytics/nn/modules/block.py (`Bottleneck`, `C2f`), as of commits 007216d45b6e (conv.py)
// and 00779d6ad5b7 (block.py). There is no paper: block.py's docstring calls C2f the "Faster Implementation of CSP
// Bottleneck with 2 convolutions" (C2 "fast"); the CSP design is Wang et al., "CSPNet", CVPR-W 2020, arXiv:1911.11929.
//
// Naming: Ultralytics' constructor keywords are c1 (input channels), c2 (output channels), k (kernel size), s (stride),
// p (padding), g (groups), d (dilation), act, n (bottleneck count), shortcut, e (expansion). attnconv keys options by
// the mirrored library's own keyword names (PyTorch's for torch.nn, the official code's elsewhere), so these modules
// take exactly those short names: `new nn.C2f(64, 64, { n: 2, shortcut: true })` is `C2f(64, 64, n=2, shortcut=True)`.
// Ultralytics' `Bottleneck` is exported here as `C2fBottleneck`, because `nn.Bottleneck` is already ACmix's ResNet
// bottleneck (ts/nn/acmix.ts); the scheme is "the Ultralytics class name, prefixed by the block it serves when the
// plain name is taken". Conv keeps its name: it cannot be confused with `nn.Conv2d`.
import { Tensor } from '../core/tensor.js';
import { pair, positiveInt, expectRank, type IntPair } from '../core/geometry.js';
import { ArgumentError, ParameterError, ShapeError, fmtShape, fmtValue } from '../core/errors.js';
import type { Ops } from '../core/ops.js';
import { foldBatchNorm } from '../core/check/c2f.js';
import { moduleOptions, booleanOption, describeType } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d, BatchNorm2d } from './layers.js';
import { SiLU, Identity, ModuleList } from './layers_std.js';
import { CoordAtt } from './gates.js';

/** Ultralytics' BatchNorm settings: `initialize_weights` (ultralytics/utils/torch_utils.py) sets every BatchNorm2d of a
 *  built model to eps = 1e-3, momentum = 0.03, and checkpoints carry them; the bare class would have PyTorch's 1e-5. */
export const ULTRALYTICS_BN_EPS = 1e-3;
export const ULTRALYTICS_BN_MOMENTUM = 0.03;

/** A kernel size as Ultralytics passes it: an int or a pair (`k=(3, 3)` in C2f's bottlenecks). */
type KernelSize = IntPair;

/**
 * Ultralytics' `autopad(k, p=None, d=1)`: the padding that keeps the map size at stride 1 ('same' for odd kernels):
 * k_eff = d·(k − 1) + 1 when d > 1, p = ⌊k_eff / 2⌋, per dimension. A given p is returned unchanged.
 * Shapes: k, d as [h, w]; returns [h, w]. Units: pixels.
 */
export function autopad(k: readonly [number, number], p: readonly [number, number] | null, d: readonly [number, number]): [number, number] {
  if (p) return [p[0], p[1]];
  const eff = (kk: number, dd: number) => (dd > 1 ? dd * (kk - 1) + 1 : kk);
  return [Math.floor(eff(k[0], d[0]) / 2), Math.floor(eff(k[1], d[1]) / 2)];
}

/** Options of Conv: Ultralytics' keyword names and defaults. */
export interface ConvOptions {
  /** kernel size, an int or [h, w]; default 1 */
  k?: KernelSize;
  /** stride; default 1 */
  s?: IntPair;
  /** padding; default null = autopad(k, d) */
  p?: IntPair | null;
  /** groups; default 1 */
  g?: number;
  /** dilation; default 1 */
  d?: IntPair;
  /** true: SiLU (Ultralytics' `default_act`); false: Identity; a Module: that activation; default true */
  act?: boolean | Module;
}
const CONV_KEYS = ['k', 's', 'p', 'g', 'd', 'act'] as const;

/**
 * Ultralytics' standard convolution `Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True)`:
 *   y = act(bn(conv(x)))   conv = Conv2d(c1, c2, k, s, autopad(k, p, d), groups=g, dilation=d, bias=False),
 *                          bn = BatchNorm2d(c2) in eval mode (running statistics), act = SiLU by default.
 *   new nn.Conv(64, 128, { k: 3, s: 2 })
 * Keyword names are Ultralytics' own (c1, c2, k, s, p, g, d, act), as that library's callers and YAML use them.
 * BatchNorm: eps 1e-3, momentum 0.03 — the values Ultralytics' `initialize_weights` gives every BatchNorm2d of a
 * model and that YOLOv8 checkpoints hold (the bare PyTorch class would start with 1e-5 / 0.1).
 *
 * state_dict (as PyTorch): conv.weight [c2, c1/g, k_h, k_w], bn.weight, bn.bias, bn.running_mean, bn.running_var [c2]
 * (bn.num_batches_tracked accepted and ignored), plus act.* when `act` is a Module with parameters.
 * Shapes: x [N, c1, H, W] → [N, c2, H_out, W_out], H_out = ⌊(H + 2p_h − d_h(k_h − 1) − 1) / s_h⌋ + 1.
 * Numerics: the default SiLU/Identity paths evaluate act(conv(x, w·γ/√(σ²+ε)) + (β − μ·γ/√(σ²+ε))), i.e. the batch
 *   norm folded into the convolution (what Ultralytics' `fuse()` does with `fuse_conv_and_bn`); the folded weight and
 *   bias are computed in float64 from the current parameters on every forward and rounded once to float32. The
 *   difference from PyTorch's unfused float32 evaluation is rounding only: within the conv's dot-product bound
 *   plus a few u·|y| (spec/c2f.test.ts, ts/verify/golden_c2f.ts). A Module `act` runs after the folded conv.
 * Cost: 2·N·c2·H_out·W_out·(c1/g)·k_h·k_w FLOPs, plus the activation (SiLU ~26 per output).
 * @throws ArgumentError if options is not a plain object, holds another key, or act is neither a boolean nor a Module;
 *         ParameterError on invalid hyper-parameters (c1, c2, g not integers ≥ 1, g ∤ c1 or c2, k/s/d < 1, p < 0);
 *         forward throws ShapeError if the input is not [N, c1, H, W] (before any work) or the map is too small.
 */
export class Conv extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly act: Module;
  /** The activation kind folded into the fast path ('silu' | 'identity'), or null for a custom Module. */
  private readonly actKind: 'silu' | 'identity' | null;
  readonly c1: number; readonly c2: number;

  constructor(c1: number, c2: number, options?: ConvOptions) {
    super();
    const o = moduleOptions('Conv', options, CONV_KEYS);
    this.c1 = positiveInt('Conv', 'c1', c1);
    this.c2 = positiveInt('Conv', 'c2', c2);
    const g = positiveInt('Conv', 'g', o.g ?? 1);
    const k = pair('Conv', 'k', o.k, 1, 1);
    const s = pair('Conv', 's', o.s, 1, 1);
    const d = pair('Conv', 'd', o.d, 1, 1);
    const given = o.p === undefined || o.p === null ? null : pair('Conv', 'p', o.p, 0, 0);
    const act = o.act === undefined ? true : o.act;
    if (typeof act !== 'boolean' && !(act instanceof Module)) {
      throw new ArgumentError(`Conv: act must be a boolean or a Module, got ${describeType(act)}${typeof act === 'number' || typeof act === 'string' ? ` (${fmtValue(act)})` : ''}`);
    }
    if (c1 % g || c2 % g) throw new ParameterError(`Conv: c1 (${c1}) and c2 (${c2}) must be divisible by g = ${g}`);
    const p = autopad(k, given, d);
    this.conv = this.child('conv', new Conv2d(c1, c2, k, { stride: s, padding: p, dilation: d, groups: g, bias: false }));
    this.bn = this.child('bn', new BatchNorm2d(c2, { eps: ULTRALYTICS_BN_EPS, momentum: ULTRALYTICS_BN_MOMENTUM }));
    this.act = this.child('act', act === true ? new SiLU() : act === false ? new Identity() : act);
    this.actKind = act === true ? 'silu' : act === false ? 'identity' : null;
  }

  /**
   * The batch norm folded into the convolution: weight' = w·γ/√(σ²+ε) [c2, c1/g, k_h, k_w], bias' = β − μ·γ/√(σ²+ε)
   * [c2], computed in float64 from the current parameters and rounded once (Ultralytics' fuse_conv_and_bn in float64).
   */
  foldedWeights(): { weight: Tensor; bias: Tensor } {
    const bn = this.bn.stateDict();
    return foldBatchNorm(this.conv.weight, bn.get('weight')!, bn.get('bias')!, bn.get('running_mean')!, bn.get('running_var')!, this.bn.eps);
  }

  /** Checks x is [N, c1, H, W]. @throws ShapeError naming the module, the expected and the actual shape. */
  check(x: Tensor, module = 'Conv'): void {
    expectRank(module, 'input', x.shape, 4, { input: x });
    if (x.shape[1] !== this.c1) throw new ShapeError(`${module}: input.shape[1] must equal c1 = ${this.c1}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
  }

  /** act(bn(conv(x))) on `ops` (batch norm folded, see the class docstring); `x` is checked by the caller. */
  run(ops: Ops, x: Tensor): Tensor {
    const { weight, bias } = this.foldedWeights();
    const { stride, padding, dilation, groups } = this.conv.options;
    const y = ops.conv2d(x, weight, bias, { stride, padding, dilation, groups });
    if (this.actKind === 'silu') return ops.silu(y);
    if (this.actKind === 'identity') return y;
    return this.act.forward(y, { backend: ops });
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.check(x);
    return this.run(resolveOps(options.backend), x);
  }
}

/** Options of C2fBottleneck: Ultralytics' `Bottleneck` keyword names and defaults. */
export interface C2fBottleneckOptions {
  /** add the input to the output (only when c1 == c2); default true */
  shortcut?: boolean;
  /** groups of the second convolution; default 1 */
  g?: number;
  /** kernel sizes of the two convolutions, each an int or [h, w]; default [3, 3] */
  k?: readonly [KernelSize, KernelSize];
  /** hidden channels c_ = int(c2·e); default 0.5 */
  e?: number;
}
const BOTTLENECK_KEYS = ['shortcut', 'g', 'k', 'e'] as const;

/** Python's int(c·e) for a positive expansion: truncation toward zero of the same IEEE double product. */
function hidden(module: string, c2: number, e: number): number {
  const c = Math.trunc(c2 * e);
  if (c < 1) throw new ParameterError(`${module}: hidden channels int(c2·e) = int(${c2}·${e}) must be ≥ 1, got ${c}`);
  return c;
}

function expansion(module: string, e: unknown): number {
  if (e === undefined) return 0.5;
  if (typeof e !== 'number') throw new ArgumentError(`${module}: e must be a number, got ${describeType(e)}`);
  if (!Number.isFinite(e) || !(e > 0)) throw new ParameterError(`${module}: e must be a finite number > 0, got ${fmtValue(e)}`);
  return e;
}

/**
 * Ultralytics' standard bottleneck `Bottleneck(c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5)`, named C2fBottleneck in
 * attnconv (nn.Bottleneck is ACmix's ResNet bottleneck; see the file header for the naming scheme):
 *   c_ = int(c2·e);  y = cv2(cv1(x)),  cv1 = Conv(c1, c_, k[0]),  cv2 = Conv(c_, c2, k[1], g=g);
 *   out = x + y when shortcut and c1 == c2 (the residual is added after cv2's SiLU), else y.
 *   new nn.C2fBottleneck(64, 64, { shortcut: true, e: 1.0 })
 * state_dict: cv1.conv.weight, cv1.bn.*, cv2.conv.weight, cv2.bn.*.
 * Shapes: x [N, c1, H, W] → [N, c2, H', W'] (H' = H for odd kernels: autopad, stride 1).
 * Numerics: two Conv (folded batch norm, SiLU) and one float32 add.
 * Cost: 2·N·H·W·(c1·c_·k0_h·k0_w + (c_/g)·c2·k1_h·k1_w) FLOPs (+ activations and the add).
 * @throws ArgumentError on bad option types (shortcut not a boolean, k not a pair, e not a number, unknown key);
 *         ParameterError if c1, c2 or g are not integers ≥ 1, int(c2·e) < 1, or g does not divide int(c2·e) and c2
 *         (cv2 is a grouped conv); forward throws ShapeError if the input is not [N, c1, H, W] (before any work).
 */
export class C2fBottleneck extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  /** Ultralytics' `self.add`: shortcut and c1 == c2. */
  readonly add: boolean;
  readonly c1: number; readonly c2: number;

  constructor(c1: number, c2: number, options?: C2fBottleneckOptions) {
    super();
    const o = moduleOptions('C2fBottleneck', options, BOTTLENECK_KEYS);
    this.c1 = positiveInt('C2fBottleneck', 'c1', c1);
    this.c2 = positiveInt('C2fBottleneck', 'c2', c2);
    const shortcut = booleanOption('C2fBottleneck', 'shortcut', o.shortcut, true);
    const g = positiveInt('C2fBottleneck', 'g', o.g ?? 1);
    const e = expansion('C2fBottleneck', o.e);
    const k = o.k ?? [3, 3];
    if (!Array.isArray(k) || k.length !== 2) throw new ArgumentError(`C2fBottleneck: k must be a pair [k0, k1] of kernel sizes (each an int or [h, w]), got ${fmtValue(k)}`);
    const c_ = hidden('C2fBottleneck', c2, e);
    if (c_ % g || c2 % g) throw new ParameterError(`C2fBottleneck: g = ${g} must divide the hidden channels int(c2·e) = ${c_} and c2 = ${c2} (cv2 = Conv(${c_}, ${c2}, g=${g}))`);
    this.cv1 = this.child('cv1', new Conv(c1, c_, { k: k[0] }));
    this.cv2 = this.child('cv2', new Conv(c_, c2, { k: k[1], g }));
    this.add = shortcut && c1 === c2;
  }

  /** The block on `ops`; `x` is checked by the caller. */
  run(ops: Ops, x: Tensor): Tensor {
    const y = this.cv2.run(ops, this.cv1.run(ops, x));
    return this.add ? ops.add(x, y) : y;
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.cv1.check(x, 'C2fBottleneck');
    return this.run(resolveOps(options.backend), x);
  }
}

/** Options of C2f: Ultralytics' keyword names and defaults. */
export interface C2fOptions {
  /** number of bottlenecks (Ultralytics' `n`, after the YAML depth scaling); default 1; 0 allowed */
  n?: number;
  /** residual inside each bottleneck; default false (YOLOv8's backbone passes true, its head the default) */
  shortcut?: boolean;
  /** groups of each bottleneck's second convolution; default 1 */
  g?: number;
  /** hidden channels c = int(c2·e); default 0.5 */
  e?: number;
}
const C2F_KEYS = ['n', 'shortcut', 'g', 'e'] as const;

/**
 * YOLOv8's C2f, Ultralytics' `C2f(c1, c2, n=1, shortcut=False, g=1, e=0.5)` ("Faster Implementation of CSP Bottleneck
 * with 2 convolutions"):
 *   c = int(c2·e);  [y0, y1] = chunk(cv1(x), 2, dim=1)           cv1 = Conv(c1, 2c, 1)
 *   y_{i+1} = m[i-1](y_i), i = 1..n                                m[i] = C2fBottleneck(c, c, shortcut, g, k=(3,3), e=1.0)
 *   out = cv2(cat([y0, y1, y2, …, y_{n+1}], dim=1))               cv2 = Conv((2+n)·c, c2, 1)
 * The bottleneck chain consumes the second half; every intermediate is concatenated, in that order.
 *   new nn.C2f(64, 64, { n: 2, shortcut: true })
 * state_dict: cv1.conv.weight, cv1.bn.*, cv2.conv.weight, cv2.bn.*, m.<i>.cv1.*, m.<i>.cv2.* (as PyTorch).
 * Shapes: x [N, c1, H, W] → [N, c2, H, W].
 * Runs as one call of the `c2f` op (ts/ref/c2f.ts, ts/wasm/c2f.ts: on wasm every intermediate stays in WASM memory and
 *   chunk / cat are channel ranges of one buffer); `runComposed` computes the same from the child modules, op by op.
 * Numerics: float32 throughout, batch norms folded (see Conv); against PyTorch the chain bound with
 *   K = c1 + n·(9c + 9c/g + 1) + (2+n)·c + 8 per Conv (ts/verify/golden_c2f.ts). n = 0 is exactly cv2(cv1(x)) with cv2
 *   taking 2c channels, and the one-call op equals the composition bit for bit when g = 1 (spec/c2f.test.ts).
 * Cost: 2·N·H·W·(c1·2c + n·(9c² + 9c²/g) + (2+n)·c·c2) FLOPs, plus the activations and residual adds.
 * @throws ArgumentError on bad option types (n not a number, shortcut not a boolean, e not a number, unknown key);
 *         ParameterError if c1, c2, g are not integers ≥ 1, n is not an integer ≥ 0, int(c2·e) < 1, or g does not
 *         divide int(c2·e) (each bottleneck's cv2 is Conv(c, c, 3, g=g)); forward throws ShapeError if the input is not
 *         [N, c1, H, W] (before any work).
 */
export class C2f extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  readonly m: ModuleList;
  /** hidden channels c = int(c2·e) */
  readonly c: number;
  readonly c1: number; readonly c2: number;
  /** the residual inside each bottleneck (Ultralytics' shortcut; every bottleneck is c → c, so it always applies) */
  readonly shortcut: boolean;

  constructor(c1: number, c2: number, options?: C2fOptions) {
    super();
    const module = new.target.name;                          // 'C2f', or the subclass (C2fCA) in messages
    const o = moduleOptions(module, options, C2F_KEYS);
    this.c1 = positiveInt(module, 'c1', c1);
    this.c2 = positiveInt(module, 'c2', c2);
    if (o.n !== undefined && typeof o.n !== 'number') throw new ArgumentError(`${module}: n must be a number, got ${describeType(o.n)}`);
    const n = positiveInt(module, 'n', o.n ?? 1, 0);
    const shortcut = booleanOption(module, 'shortcut', o.shortcut, false);
    if (o.g !== undefined && typeof o.g !== 'number') throw new ArgumentError(`${module}: g must be a number, got ${describeType(o.g)}`);
    const g = positiveInt(module, 'g', o.g ?? 1);
    const e = expansion(module, o.e);
    const c = hidden(module, c2, e);
    if (n > 0 && c % g) throw new ParameterError(`${module}: g = ${g} must divide the hidden channels c = int(c2·e) = ${c} (each bottleneck's cv2 is Conv(${c}, ${c}, 3, g=${g}))`);
    this.c = c;
    this.shortcut = shortcut;
    this.cv1 = this.child('cv1', new Conv(c1, 2 * c, { k: 1, s: 1 }));
    this.cv2 = this.child('cv2', new Conv((2 + n) * c, c2, { k: 1 }));
    this.m = this.child('m', new ModuleList(Array.from({ length: n }, () => new C2fBottleneck(c, c, { shortcut, g, k: [3, 3], e: 1.0 }))));
  }

  /** The bottleneck count n. */
  get n(): number { return this.m.length; }

  /**
   * The block on `ops` as one call, `ops.c2f` (ts/ref/c2f.ts, ts/wasm/c2f.ts: every intermediate stays inside the
   * backend), with this module's parameters by state_dict key; `x` is checked by the caller.
   */
  run(ops: Ops, x: Tensor): Tensor {
    const weights = Object.fromEntries([...this.cv1.stateDict('cv1.'), ...this.cv2.stateDict('cv2.'), ...this.m.stateDict('m.')]);
    return ops.c2f(x, weights, { shortcut: this.shortcut, eps: ULTRALYTICS_BN_EPS });
  }

  /**
   * The same block composed from this module's children (Conv / C2fBottleneck forwards, chunk, cat): what `run`
   * computes, op by op. spec/c2f.test.ts holds the two equal.
   */
  runComposed(ops: Ops, x: Tensor): Tensor {
    const y = ops.chunk(this.cv1.run(ops, x), 2, { dim: 1 });
    for (const b of this.m) y.push((b as C2fBottleneck).run(ops, y[y.length - 1]));
    return this.cv2.run(ops, ops.cat(y, { dim: 1 }));
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    this.cv1.check(x, this.constructor.name);
    return this.run(resolveOps(options.backend), x);
  }
}

/** Options of C2fCA: C2f's, plus the coordinate attention's reduction. */
export interface C2fCAOptions extends C2fOptions {
  /** CoordAtt's reduction: mip = max(8, c2 // reduction); default 32 (houqb/CoordAttention) */
  reduction?: number;
}

/**
 * C2f with coordinate attention, one community variant among several ("C2f_CA"; no canonical definition): this module
 * places CoordAtt(c2, c2) on C2f's output, after cv2 — placement (A) of the variants the ports show:
 *   (A) after cv2, on the block output (this module; e.g. `self.ca = CoordAttention(c2)`; `return self.ca(self.cv2(…))`);
 *   (B) on the (2+n)·c-channel concatenation, before cv2;  (C) inside each bottleneck, before its residual add;
 *   (D) on each bottleneck's output before it joins the concatenation;  (E) gated, y + γ·(CA(y) − y) with γ = 0 at init.
 *   out = CoordAtt(C2f(x))      CoordAtt = nn.CoordAtt (Hou et al., CVPR 2021, arXiv:2103.02907; official h_swish)
 *   new nn.C2fCA(64, 64, { n: 1, shortcut: true, reduction: 32 })
 * CoordAtt's BatchNorm gets Ultralytics' eps 1e-3 / momentum 0.03 like every batch norm of an Ultralytics model
 * (`initialize_weights` walks all modules), so a C2fCA checkpoint trained there loads with its numbers.
 * state_dict: C2f's keys, then ca.conv1.{weight,bias}, ca.bn1.*, ca.conv_h.{weight,bias}, ca.conv_w.{weight,bias}.
 * Shapes: x [N, c1, H, W] → [N, c2, H, W].
 * Numerics: C2f's chain, then the attention's pools (W or H terms), 1x1 convs (c2 and mip terms), sigmoids and two
 *   exact products (ts/verify/golden_c2f.ts chainK).
 * Cost: C2f's + 4·N·c2·H·W + 2·N·(H + W)·mip·2·c2 FLOPs.
 * @throws as C2f, plus ParameterError if reduction is not an integer ≥ 1.
 */
export class C2fCA extends C2f {
  readonly ca: CoordAtt;
  constructor(c1: number, c2: number, options?: C2fCAOptions) {
    const o = moduleOptions('C2fCA', options, [...C2F_KEYS, 'reduction']);
    const { reduction, ...rest } = o;
    super(c1, c2, rest);
    this.ca = this.child('ca', new CoordAtt(c2, c2, { reduction }));
    Object.assign(this.ca.bn1, { eps: ULTRALYTICS_BN_EPS, momentum: ULTRALYTICS_BN_MOMENTUM });   // as initialize_weights
  }

  override run(ops: Ops, x: Tensor): Tensor {
    return this.ca.forward(super.run(ops, x), { backend: ops });
  }

  override runComposed(ops: Ops, x: Tensor): Tensor {
    return this.ca.forward(super.runComposed(ops, x), { backend: ops });
  }
}

/**
 * The seed's `C2fModule(in_channels, out_channels)`: a spatial gate, NOT YOLOv8's C2f (see nn.C2f for that), exported
 * under both names (`nn.SpatialGateC2f`, and `nn.C2fModule` as the seed wrote it):
 *   conv1 = Conv2d(in_channels, out_channels, 3, padding=1), conv2 = Conv2d(in_channels, out_channels, 3, padding=1),
 *   conv3 = Conv2d(out_channels, 1, 1)   (all with PyTorch's default bias=True)
 *   out   = x · sigmoid(conv3(conv1(x) + conv2(x)))       one gate value per pixel, broadcast over the channels
 *   new nn.SpatialGateC2f(64, 32)
 * The seed calls it "coordinate attention", but nothing in it pools along coordinates: coordinate attention (Hou et al.,
 * CVPR 2021, arXiv:2103.02907, Eq. 2-6) averages along H and along W separately and gates with a_h[c, i]·a_w[c, j];
 * this gate is one learned 3x3 (conv1 + conv2 are one conv with summed weights) → 1x1 map of [N, 1, H, W], closer to
 * CBAM's spatial gate without its pooling. `out_channels` only sets the width of the hidden map: the output keeps the
 * input's shape, [N, in_channels, H, W], whatever out_channels says.
 * state_dict: conv1.weight [out, in, 3, 3], conv1.bias [out], conv2.weight [out, in, 3, 3], conv2.bias [out],
 *   conv3.weight [1, out, 1, 1], conv3.bias [1].
 * Shapes: x [N, in_channels, H, W] → [N, in_channels, H, W].
 * Numerics: two convs (K = 9·in + 1), one add, a 1x1 conv (K = out + 1), the sigmoid (~3 ulp) and a product: the
 *   chain bound with K = 2·(9·in + 1) + out + 12 (ts/verify/golden_c2f.ts).
 * Cost: 2·N·H·W·(2·9·in·out + out) FLOPs + the sigmoid and the product.
 * @throws ParameterError if in_channels or out_channels is not an integer ≥ 1; forward throws ShapeError if the input
 *         is not [N, in_channels, H, W] (before any work).
 */
export class SpatialGateC2f extends Module {
  readonly conv1: Conv2d; readonly conv2: Conv2d; readonly conv3: Conv2d;
  constructor(readonly in_channels: number, readonly out_channels: number) {
    super();
    positiveInt('SpatialGateC2f', 'in_channels', in_channels);
    positiveInt('SpatialGateC2f', 'out_channels', out_channels);
    this.conv1 = this.child('conv1', new Conv2d(in_channels, out_channels, 3, { padding: 1 }));
    this.conv2 = this.child('conv2', new Conv2d(in_channels, out_channels, 3, { padding: 1 }));
    this.conv3 = this.child('conv3', new Conv2d(out_channels, 1, 1));
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    expectRank('SpatialGateC2f', 'input', x.shape, 4, { input: x });
    if (x.shape[1] !== this.in_channels) throw new ShapeError(`SpatialGateC2f: input.shape[1] must equal in_channels = ${this.in_channels}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
    const ops = resolveOps(options.backend), o = { backend: ops };
    const gate = ops.sigmoid(this.conv3.forward(ops.add(this.conv1.forward(x, o), this.conv2.forward(x, o)), o));
    return ops.mul(x, gate);
  }
}
