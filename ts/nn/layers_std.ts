// The standard PyTorch layers around the seed operators: pooling, flatten, identity, dropout (identity at
// inference), activations, Upsample, and the ModuleList / ModuleDict containers. PyTorch class names; PyTorch's
// required constructor arguments positionally, every argument with a default in an options object under PyTorch's
// keyword name (ts/nn/conv_options.ts `moduleOptions`). None of them has parameters except through its children.
import { Tensor } from '../core/tensor.js';
import { pair, positiveInt, type IntPair } from '../core/geometry.js';
import { ArgumentError, NotImplementedError, ParameterError, ShapeError, fmtShape, fmtValue } from '../core/errors.js';
import type { AdaptiveSize } from '../core/check/pooling.js';
import { moduleOptions, booleanOption } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';

function noIndices(module: string, v: unknown): void {
  if (booleanOption(module, 'return_indices', v, false)) throw new NotImplementedError(`${module}: return_indices=true is not supported (the indices are not computed)`);
}
function inplaceOption(module: string, v: unknown): void {
  booleanOption(module, 'inplace', v, false);      // accepted for PyTorch parity: attnconv never writes its input
}
function checkAdaptiveSize(module: string, s: unknown): AdaptiveSize {
  if (typeof s === 'number') { positiveInt(module, 'output_size', s); return s; }
  if (Array.isArray(s) && s.length === 2 && s.every((v) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1))) return [s[0], s[1]];
  throw new ParameterError(`${module}: output_size must be an integer ≥ 1 or a pair [h, w] of them (null keeps that input size), got ${fmtValue(s)}`);
}

/** Options of MaxPool2d (torch.nn.MaxPool2d's keyword names). */
export interface MaxPool2dModuleOptions {
  /** default: kernel_size */
  stride?: IntPair | null;
  /** default 0 (at most kernel_size / 2) */
  padding?: IntPair;
  /** default 1 */
  dilation?: IntPair;
  /** only false (indices are not computed) */
  return_indices?: boolean;
  /** default false */
  ceil_mode?: boolean;
}

/**
 * torch.nn.MaxPool2d: mirrors `MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
 * ceil_mode=False)`.   new nn.MaxPool2d(3, { stride: 2, padding: 1 })
 * @throws ArgumentError on bad options; ParameterError on bad hyper-parameters; NotImplementedError for
 *         return_indices; forward throws as max_pool2d (e.g. padding > kernel_size / 2).
 */
export class MaxPool2d extends Module {
  readonly kernel_size: IntPair;
  readonly options: { stride: IntPair | null; padding: IntPair; dilation: IntPair; ceil_mode: boolean };
  constructor(kernel_size: IntPair, options?: MaxPool2dModuleOptions) {
    super();
    const o = moduleOptions('MaxPool2d', options, ['stride', 'padding', 'dilation', 'return_indices', 'ceil_mode']);
    pair('MaxPool2d', 'kernel_size', kernel_size, NaN, 1);
    if (o.stride !== undefined && o.stride !== null) pair('MaxPool2d', 'stride', o.stride, 1, 1);
    pair('MaxPool2d', 'padding', o.padding, 0, 0);
    pair('MaxPool2d', 'dilation', o.dilation, 1, 1);
    noIndices('MaxPool2d', o.return_indices);
    this.kernel_size = kernel_size;
    this.options = { stride: o.stride ?? null, padding: o.padding ?? 0, dilation: o.dilation ?? 1, ceil_mode: booleanOption('MaxPool2d', 'ceil_mode', o.ceil_mode, false) };
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).maxPool2d(x, this.kernel_size, this.options);
  }
}

/** Options of AvgPool2d (torch.nn.AvgPool2d's keyword names). */
export interface AvgPool2dModuleOptions {
  /** default: kernel_size */
  stride?: IntPair | null;
  /** default 0 (at most kernel_size / 2) */
  padding?: IntPair;
  /** default false */
  ceil_mode?: boolean;
  /** default true */
  count_include_pad?: boolean;
  /** default null */
  divisor_override?: number | null;
}

/**
 * torch.nn.AvgPool2d: mirrors `AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
 * divisor_override=None)`.   new nn.AvgPool2d(2, { ceil_mode: true })
 * @throws ArgumentError on bad options; ParameterError on bad hyper-parameters; forward throws as avg_pool2d.
 */
export class AvgPool2d extends Module {
  readonly kernel_size: IntPair;
  readonly options: { stride: IntPair | null; padding: IntPair; ceil_mode: boolean; count_include_pad: boolean; divisor_override: number | null };
  constructor(kernel_size: IntPair, options?: AvgPool2dModuleOptions) {
    super();
    const o = moduleOptions('AvgPool2d', options, ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']);
    pair('AvgPool2d', 'kernel_size', kernel_size, NaN, 1);
    if (o.stride !== undefined && o.stride !== null) pair('AvgPool2d', 'stride', o.stride, 1, 1);
    pair('AvgPool2d', 'padding', o.padding, 0, 0);
    if (o.divisor_override !== undefined && o.divisor_override !== null) positiveInt('AvgPool2d', 'divisor_override', o.divisor_override);
    this.kernel_size = kernel_size;
    this.options = {
      stride: o.stride ?? null, padding: o.padding ?? 0, ceil_mode: booleanOption('AvgPool2d', 'ceil_mode', o.ceil_mode, false),
      count_include_pad: booleanOption('AvgPool2d', 'count_include_pad', o.count_include_pad, true), divisor_override: o.divisor_override ?? null,
    };
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).avgPool2d(x, this.kernel_size, this.options);
  }
}

/**
 * torch.nn.AdaptiveAvgPool2d: mirrors `AdaptiveAvgPool2d(output_size)` (an int, or [h, w] with null = input size).
 *   new nn.AdaptiveAvgPool2d(1)        // the global average pool of every classifier head
 * @throws ParameterError on a bad output_size; forward throws as adaptive_avg_pool2d.
 */
export class AdaptiveAvgPool2d extends Module {
  readonly output_size: AdaptiveSize;
  constructor(output_size: AdaptiveSize) {
    super();
    this.output_size = checkAdaptiveSize('AdaptiveAvgPool2d', output_size);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).adaptiveAvgPool2d(x, this.output_size);
  }
}

/**
 * torch.nn.AdaptiveMaxPool2d: mirrors `AdaptiveMaxPool2d(output_size, return_indices=False)` (return_indices false only).
 * @throws ParameterError on a bad output_size; NotImplementedError for return_indices; forward as adaptive_max_pool2d.
 */
export class AdaptiveMaxPool2d extends Module {
  readonly output_size: AdaptiveSize;
  constructor(output_size: AdaptiveSize, options?: { return_indices?: boolean }) {
    super();
    const o = moduleOptions('AdaptiveMaxPool2d', options, ['return_indices']);
    noIndices('AdaptiveMaxPool2d', o.return_indices);
    this.output_size = checkAdaptiveSize('AdaptiveMaxPool2d', output_size);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).adaptiveMaxPool2d(x, this.output_size);
  }
}

/**
 * torch.nn.Flatten: mirrors `Flatten(start_dim=1, end_dim=-1)`; a view (the output shares the input's data).
 * @throws ArgumentError on bad options; forward throws as flatten.
 */
export class Flatten extends Module {
  readonly start_dim: number;
  readonly end_dim: number;
  constructor(options?: { start_dim?: number; end_dim?: number }) {
    super();
    const o = moduleOptions('Flatten', options, ['start_dim', 'end_dim']);
    for (const k of ['start_dim', 'end_dim'] as const) {
      if (o[k] !== undefined && !Number.isInteger(o[k])) throw new ParameterError(`Flatten: ${k} must be an integer, got ${fmtValue(o[k])}`);
    }
    this.start_dim = o.start_dim ?? 1;
    this.end_dim = o.end_dim ?? -1;
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return resolveOps(options.backend).flatten(x, { start_dim: this.start_dim, end_dim: this.end_dim });
  }
}

/** torch.nn.Identity: returns its input (the same Tensor). PyTorch's Identity ignores its constructor arguments; so does this one. */
export class Identity extends Module {
  constructor(..._args: unknown[]) { super(); }
  forward(x: Tensor, _options: ForwardOptions = {}): Tensor { return x; }
}

function dropoutP(module: string, p: unknown): number {
  if (p === undefined) return 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ParameterError(`${module}: dropout probability has to be between 0 and 1, but got ${fmtValue(p)}`);
  return p;
}

/**
 * torch.nn.Dropout at inference: mirrors `Dropout(p=0.5, inplace=False)`. attnconv runs models in eval mode only, where
 * PyTorch's Dropout is the identity: forward returns its input unchanged (no scaling, no randomness).
 * @throws ParameterError if p ∉ [0, 1]; ArgumentError on bad options.
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(options?: { p?: number; inplace?: boolean }) {
    super();
    const o = moduleOptions('Dropout', options, ['p', 'inplace']);
    this.p = dropoutP('Dropout', o.p);
    inplaceOption('Dropout', o.inplace);
  }
  forward(x: Tensor, _options: ForwardOptions = {}): Tensor { return x; }
}

/**
 * torch.nn.Dropout2d at inference: mirrors `Dropout2d(p=0.5, inplace=False)`; identity in eval mode, as Dropout.
 * @throws ParameterError if p ∉ [0, 1]; ArgumentError on bad options.
 */
export class Dropout2d extends Module {
  readonly p: number;
  constructor(options?: { p?: number; inplace?: boolean }) {
    super();
    const o = moduleOptions('Dropout2d', options, ['p', 'inplace']);
    this.p = dropoutP('Dropout2d', o.p);
    inplaceOption('Dropout2d', o.inplace);
  }
  forward(x: Tensor, _options: ForwardOptions = {}): Tensor { return x; }
}

/** torch.nn.SiLU: mirrors `SiLU(inplace=False)`. */
export class SiLU extends Module {
  constructor(options?: { inplace?: boolean }) { super(); inplaceOption('SiLU', moduleOptions('SiLU', options, ['inplace']).inplace); }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).silu(x); }
}

/** torch.nn.Hardswish: mirrors `Hardswish(inplace=False)`. */
export class Hardswish extends Module {
  constructor(options?: { inplace?: boolean }) { super(); inplaceOption('Hardswish', moduleOptions('Hardswish', options, ['inplace']).inplace); }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).hardswish(x); }
}

/** torch.nn.Hardsigmoid: mirrors `Hardsigmoid(inplace=False)`. */
export class Hardsigmoid extends Module {
  constructor(options?: { inplace?: boolean }) { super(); inplaceOption('Hardsigmoid', moduleOptions('Hardsigmoid', options, ['inplace']).inplace); }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).hardsigmoid(x); }
}

/** torch.nn.Sigmoid: mirrors `Sigmoid()`. */
export class Sigmoid extends Module {
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).sigmoid(x); }
}

/** torch.nn.Tanh: mirrors `Tanh()`. */
export class Tanh extends Module {
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).tanh(x); }
}

/**
 * torch.nn.LeakyReLU: mirrors `LeakyReLU(negative_slope=0.01, inplace=False)`.   new nn.LeakyReLU({ negative_slope: 0.1 })
 * @throws ArgumentError on bad options; ParameterError if negative_slope is not finite.
 */
export class LeakyReLU extends Module {
  readonly negative_slope: number;
  constructor(options?: { negative_slope?: number; inplace?: boolean }) {
    super();
    const o = moduleOptions('LeakyReLU', options, ['negative_slope', 'inplace']);
    inplaceOption('LeakyReLU', o.inplace);
    const s = o.negative_slope ?? 0.01;
    if (typeof s !== 'number' || !Number.isFinite(s)) throw new ParameterError(`LeakyReLU: negative_slope must be a finite number, got ${fmtValue(s)}`);
    this.negative_slope = s;
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor { return resolveOps(options.backend).leakyRelu(x, { negative_slope: this.negative_slope }); }
}

/** Options of Upsample (torch.nn.Upsample's keyword names). */
export interface UpsampleOptions {
  /** output [H_out, W_out] (or one int for both); exactly one of size and scale_factor */
  size?: number | readonly [number, number] | null;
  /** output = ⌊input·scale_factor⌋ per axis (one number or [s_h, s_w]); input·scale_factor must be an integer */
  scale_factor?: number | readonly [number, number] | null;
  /** 'nearest' (default) or 'bilinear' */
  mode?: 'nearest' | 'bilinear';
  /** bilinear only; default false */
  align_corners?: boolean | null;
}

/**
 * torch.nn.Upsample: mirrors `Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None)` for 4-D input,
 * modes 'nearest' (PyTorch's legacy nearest) and 'bilinear'.
 *   new nn.Upsample({ scale_factor: 2, mode: 'nearest' })
 * With scale_factor, PyTorch computes source coordinates from 1/scale_factor and attnconv from in/out: these are equal
 * when input·scale_factor is an integer, which is required here (else NotImplementedError) — the YOLO / FPN / U-Net ×2 case.
 * @throws ArgumentError on bad options; ParameterError for a bad size / scale_factor / mode, both or neither of
 *         size and scale_factor, or align_corners with 'nearest' (PyTorch: "align_corners option can only be set with
 *         the interpolating modes"); forward: NotImplementedError for a non-integral input·scale_factor, as interpolate.
 */
export class Upsample extends Module {
  readonly size: [number, number] | null;
  readonly scale_factor: [number, number] | null;
  readonly mode: 'nearest' | 'bilinear';
  readonly align_corners: boolean;
  constructor(options?: UpsampleOptions) {
    super();
    const o = moduleOptions('Upsample', options, ['size', 'scale_factor', 'mode', 'align_corners']);
    const mode = o.mode ?? 'nearest';
    if (mode !== 'nearest' && mode !== 'bilinear') throw new ParameterError(`Upsample: mode must be 'nearest' or 'bilinear', got ${fmtValue(mode)}`);
    this.mode = mode;
    const hasSize = o.size !== undefined && o.size !== null, hasScale = o.scale_factor !== undefined && o.scale_factor !== null;
    if (hasSize === hasScale) throw new ParameterError('Upsample: exactly one of size and scale_factor must be given (PyTorch: "either size or scale_factor should be defined")');
    this.size = hasSize ? pair('Upsample', 'size', o.size as IntPair, NaN, 1) : null;
    if (hasScale) {
      const s = o.scale_factor!, p: [number, number] = typeof s === 'number' ? [s, s] : Array.isArray(s) && s.length === 2 ? [s[0], s[1]] : [NaN, NaN];
      if (!p.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new ParameterError(`Upsample: scale_factor must be a positive number or a pair of them, got ${fmtValue(s)}`);
      this.scale_factor = p;
    } else this.scale_factor = null;
    if (mode === 'nearest' && o.align_corners !== undefined && o.align_corners !== null) {
      throw new ParameterError('Upsample: align_corners option can only be set with the interpolating modes (bilinear), not with \'nearest\'');
    }
    this.align_corners = booleanOption('Upsample', 'align_corners', o.align_corners ?? undefined, false);
  }
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    if (x.rank !== 4) throw new ShapeError(`Upsample: input must have rank 4 [N, C, H, W], got ${fmtShape(x.shape)}`);
    let size: [number, number];
    if (this.size) size = this.size;
    else {
      const [sh, sw] = this.scale_factor!, H = x.shape[2] * sh, W = x.shape[3] * sw;
      if (!Number.isInteger(H) || !Number.isInteger(W)) {
        throw new NotImplementedError(`Upsample: input·scale_factor must be integers here (PyTorch then uses 1/scale_factor, not in/out, for the source coordinates), got ${x.shape[2]}·${sh} and ${x.shape[3]}·${sw}`);
      }
      size = [H, W];
    }
    const opts = this.mode === 'bilinear' ? { size, mode: 'bilinear' as const, align_corners: this.align_corners } : { size, mode: 'nearest' as const };
    return resolveOps(options.backend).interpolate(x, opts as never);
  }
}

/**
 * torch.nn.ModuleList: mirrors `ModuleList(modules=None)`; children under keys `0`, `1`, ... so their state_dict keys
 * nest as PyTorch's (`layers.0.conv.weight`). A container: it has no forward of its own (calling it throws, as
 * PyTorch's does); iterate it or index it with `at(i)`.
 *   const blocks = new nn.ModuleList([new nn.Conv2d(4, 4, 1), new nn.ReLU()]);
 */
export class ModuleList extends Module {
  private readonly items: Module[] = [];
  constructor(modules: readonly Module[] = []) {
    super();
    if (!Array.isArray(modules)) throw new ArgumentError(`ModuleList: modules must be an array of Modules, got ${fmtValue(modules)}`);
    modules.forEach((m) => this.append(m));
  }
  /** Adds a module under the next index (PyTorch's append). @throws ArgumentError if m is not a Module. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new ArgumentError(`ModuleList: every entry must be a Module, got ${fmtValue(m)}`);
    this.child(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  /** The module at index i (negative counts from the end), as `list[i]`. */
  at(i: number): Module | undefined { return this.items.at(i); }
  get length(): number { return this.items.length; }
  [Symbol.iterator](): Iterator<Module> { return this.items[Symbol.iterator](); }
  forward(_x: Tensor, _options?: ForwardOptions): Tensor {
    throw new NotImplementedError('ModuleList: a container has no forward (PyTorch: "Module [ModuleList] is missing the required \\"forward\\" function"); call its modules');
  }
}

/**
 * torch.nn.ModuleDict: mirrors `ModuleDict(modules=None)`; children under their keys, in insertion order, so state_dict
 * keys nest as PyTorch's (`heads.cls.weight`). A container: no forward; read modules with `at(key)`.
 *   const heads = new nn.ModuleDict({ cls: new nn.Linear(64, 10), box: new nn.Linear(64, 4) });
 */
export class ModuleDict extends Module {
  private readonly items = new Map<string, Module>();
  constructor(modules: Record<string, Module> | Map<string, Module> = {}) {
    super();
    const entries = modules instanceof Map ? [...modules] : modules !== null && typeof modules === 'object' && !Array.isArray(modules) ? Object.entries(modules) : null;
    if (!entries) throw new ArgumentError(`ModuleDict: modules must be a plain object or a Map of Modules by key, got ${fmtValue(modules)}`);
    for (const [k, m] of entries) this.set(k, m);
  }
  /** Adds or replaces a module (PyTorch's `dict[key] = module`). @throws ArgumentError on a bad key or value. */
  set(key: string, m: Module): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) throw new ArgumentError(`ModuleDict: keys must be non-empty strings without '.', got ${fmtValue(key)}`);
    if (!(m instanceof Module)) throw new ArgumentError(`ModuleDict: ${key} must be a Module, got ${fmtValue(m)}`);
    this.child(key, m);
    this.items.set(key, m);
    return this;
  }
  /** The module under key, as `dict[key]`. */
  at(key: string): Module | undefined { return this.items.get(key); }
  has(key: string): boolean { return this.items.has(key); }
  keys(): string[] { return [...this.items.keys()]; }
  get size(): number { return this.items.size; }
  [Symbol.iterator](): Iterator<[string, Module]> { return this.items[Symbol.iterator](); }
  forward(_x: Tensor, _options?: ForwardOptions): Tensor {
    throw new NotImplementedError('ModuleDict: a container has no forward; call its modules (at(key))');
  }
}
