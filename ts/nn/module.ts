import { Tensor, describe } from '../core/tensor.js';
import { ArgumentError, StateDictError, fmtShape } from '../core/errors.js';
import { resolveOps, type Backend } from '../core/backends.js';
import { optionsArg, tensorArg, booleanArg } from '../core/validate.js';

export { resolveOps, type Backend };

export interface ForwardOptions {
  /** 'ref' (the spec, default), 'wasm' (needs `await wasm.init()`), another registered name, or an Ops object. */
  backend?: Backend;
}

/**
 * Validates a forward's options argument: undefined gives `{}`, otherwise it must be a plain object (`null`, a
 * number, an array... are ArgumentErrors, never a TypeError from `options.backend`). Modules whose forward takes
 * options somewhere other than the second argument call it themselves; `Module` applies it to every `forward`.
 * @throws ArgumentError naming the module and what was given.
 */
export function forwardOptions<T extends ForwardOptions = ForwardOptions>(module: string, options: unknown): T {
  return optionsArg<T>(`${module}.forward`, options, undefined, 'options');
}

/** Result of loadStateDict: what was missing and what was not expected, by key. */
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** true (default): missing or unexpected keys throw a StateDictError; false: they are returned. */
  strict?: boolean;
  /** Load from a whole-model state_dict: read only the keys under this prefix (e.g. 'layer1.0.'), with it removed. */
  prefix?: string;
}

/**
 * Base of all modules: named parameters and buffers, child modules, and PyTorch's state_dict contract
 * (keys `child.grandchild.param`, buffers such as `running_mean` included; `null` parameters, like the
 * official ACmix's removed dep_conv.bias, have no key).
 */
export abstract class Module<Out = Tensor> {
  /**
   * Where `forward` takes its ForwardOptions when that is not plain from its signature: a subclass whose forward is
   * `(input, offset, mask = null, options = {})` sets 3. Undefined: a forward with one required parameter,
   * `(x, options = {})`, takes options second; a forward with more takes them after its tensors (see the constructor).
   */
  static forwardOptionsIndex: number | undefined = undefined;

  constructor() {
    // Every module's forward gets the same boundary, without each subclass repeating it: the input must be a
    // Tensor and the options argument undefined or a plain object (ArgumentError, before any op runs). The check
    // wraps the subclass's own forward (this.forward resolves to the most derived class here).
    const raw = this.forward as (...args: unknown[]) => Tensor;
    if (typeof raw !== 'function') return;
    const ctor = this.constructor as typeof Module;
    const guarded = (...args: unknown[]): Tensor => {
      const name = ctor.name || 'Module';
      tensorArg(`${name}.forward`, 'input', args[0]);
      // forward(x, options = {}) has length 1: its second argument is the options, never a Tensor; a forward
      // with more required (tensor) parameters takes a Tensor there, so only a non-Tensor second argument is options
      const at = ctor.forwardOptionsIndex ?? (raw.length <= 1 ? 1 : undefined);
      if (at !== undefined) forwardOptions(name, args[at]);
      else if (args.length > 1 && !(args[1] instanceof Tensor)) forwardOptions(name, args[1]);
      for (let i = 2; i < args.length; i++) {
        const a = args[i];
        if (i !== at && a !== undefined && a !== null && !(a instanceof Tensor) && (typeof a !== 'object' || Array.isArray(a))) {
          throw new ArgumentError(`${name}.forward: argument ${i + 1} must be a Tensor, null or an options object, got ${describe(a)}`);
        }
      }
      return raw.apply(this, args);
    };
    Object.defineProperty(this, 'forward', { value: guarded, writable: true, configurable: true, enumerable: false });
  }

  protected readonly _params = new Map<string, Tensor | null>();
  protected readonly _buffers = new Map<string, Tensor>();
  /** Integer buffers PyTorch keeps (e.g. num_batches_tracked): accepted by loadStateDict, never used. */
  protected readonly _intBuffers = new Set<string>();
  /** Buffers computed from the hyper-parameters (e.g. Swin's relative_position_index and attn_mask): loaded when a
   *  checkpoint holds them, not missing when it does not (an official loader may delete them). */
  protected readonly _derivedBuffers = new Set<string>();
  protected readonly _children = new Map<string, Module | null>();

  /** Registers a parameter (null = absent, as a PyTorch Parameter set to None). @throws ArgumentError if t is neither. */
  protected param(name: string, t: Tensor | null): Tensor | null {
    if (t !== null) tensorArg(`${this.constructor.name}`, name, t);
    this._params.set(name, t);
    return t;
  }
  /** Registers a buffer derived from the hyper-parameters: optional in a state_dict (see _derivedBuffers). */
  protected derivedBuffer(name: string, t: Tensor): Tensor {
    this._derivedBuffers.add(name);
    return this.buffer(name, t);
  }

  protected buffer(name: string, t: Tensor): Tensor {
    tensorArg(`${this.constructor.name}`, name, t);
    this._buffers.set(name, t);
    return t;
  }
  protected child<M extends Module | null>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  /** Parameter or buffer by local name. */
  protected get(name: string): Tensor {
    const t = this._params.get(name) ?? this._buffers.get(name);
    if (!t) throw new StateDictError(`${this.constructor.name}: ${name} is not set`, [name]);
    return t;
  }
  protected getOrNull(name: string): Tensor | null {
    return this._params.get(name) ?? this._buffers.get(name) ?? null;
  }

  /** All parameters and buffers under their PyTorch state_dict keys, in registration order. */
  stateDict(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [k, t] of this._params) if (t) out.set(prefix + k, t);
    for (const [k, t] of this._buffers) out.set(prefix + k, t);
    for (const [k, m] of this._children) if (m) for (const [kk, t] of m.stateDict(`${prefix}${k}.`)) out.set(kk, t);
    return out;
  }

  /** Integer buffer keys (accepted, ignored). */
  /** Keys of buffers derived from the hyper-parameters (optional in a loaded state_dict). */
  derivedBufferKeys(prefix = ''): string[] {
    const out = [...this._derivedBuffers].map((k) => prefix + k);
    for (const [k, m] of this._children) if (m) out.push(...m.derivedBufferKeys(`${prefix}${k}.`));
    return out;
  }

  intBufferKeys(prefix = ''): string[] {
    const out = [...this._intBuffers].map((k) => prefix + k);
    for (const [k, m] of this._children) if (m) out.push(...m.intBufferKeys(`${prefix}${k}.`));
    return out;
  }

  /**
   * Loads parameters by PyTorch state_dict key, like `torch.nn.Module.load_state_dict`. Atomic: every value is
   * validated first (a Tensor instance whose data length equals the product of its shape, that shape equal to
   * the parameter's), and only then is anything written, so a failed load leaves the module unchanged.
   * strict (default true): missing or unexpected keys throw; otherwise they are returned.
   * prefix (default ''): load this module from a whole-model state_dict, where its keys sit under `prefix`
   *   (e.g. 'layer1.0.conv2.' in a ResNet checkpoint): only keys starting with it are read, with it removed; every
   *   other key is ignored (neither unexpected nor an error). A prefix without a trailing '.' gets one. This is
   *   PyTorch's `module.load_state_dict({k[len(p):]: v for k, v in sd.items() if k.startswith(p)})`.
   * Before matching, every module of the tree may rename legacy keys of the (copied) state, as PyTorch modules do
   * in `_load_from_state_dict` (see `loadLegacyKeys`; DCNv2 maps mmcv's `<name>_offset.*` to `conv_offset.*`).
   * The caller's Map or object is never modified.
   * Integer buffers PyTorch keeps (num_batches_tracked) are accepted with any tensor value and ignored.
   * @throws ArgumentError if state is not a Map or a plain object, options is not a plain object { strict, prefix },
   *         strict is not a boolean, prefix is not a string, or a key is not a string.
   * @throws StateDictError listing every missing key, unexpected key, shape mismatch (expected vs got) and value that
   *         is not a Tensor (keys relative to `prefix`).
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadResult {
    const op = `${this.constructor.name}.loadStateDict`;
    const o = optionsArg<{ strict?: unknown; prefix?: unknown }>(op, options, ['strict', 'prefix']);
    const strict = booleanArg(op, 'strict', o.strict, true);
    if (o.prefix !== undefined && typeof o.prefix !== 'string') throw new ArgumentError(`${op}: prefix must be a string (e.g. 'layer1.0.'), got ${describe(o.prefix)}`);
    const prefix = o.prefix === undefined || o.prefix === '' || o.prefix.endsWith('.') ? (o.prefix ?? '') : `${o.prefix}.`;
    let entries: Map<unknown, unknown>;
    if (state instanceof Map) entries = new Map(state);
    else if (state !== null && typeof state === 'object' && !Array.isArray(state) && !(state instanceof Tensor) &&
        (Object.getPrototypeOf(state) === Object.prototype || Object.getPrototypeOf(state) === null)) {
      entries = new Map(Object.entries(state));
    } else {
      throw new ArgumentError(`${op}: state must be a Map or a plain object of Tensors by state_dict key, got ${describe(state)}`);
    }
    for (const k of entries.keys()) {
      if (typeof k !== 'string') throw new ArgumentError(`${op}: state_dict keys must be strings, got ${describe(k)}`);
    }
    this.applyLegacyKeys(entries as Map<string, unknown>, prefix);
    if (prefix) {
      const inside = new Map<unknown, unknown>();
      for (const [k, v] of entries) if ((k as string).startsWith(prefix)) inside.set((k as string).slice(prefix.length), v);
      entries = inside;
    }
    const own = this.stateDict();
    const ints = new Set(this.intBufferKeys());
    const derived = new Set(this.derivedBufferKeys());
    const missingKeys = [...own.keys()].filter((k) => !entries.has(k) && !derived.has(k));
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k as string) && !ints.has(k as string)) as string[];
    const mismatches: string[] = [];
    const writes: [Tensor, Float32Array][] = [];
    for (const [key, value] of entries) {
      const k = key as string;
      const mine = own.get(k);
      if (!mine && !ints.has(k)) continue;           // unexpected: reported above (and never written)
      if (!mine && typeof value === 'number' && Number.isFinite(value)) continue;   // an integer buffer given as a number
      if (!(value instanceof Tensor) || !Array.isArray(value.shape) || !(value.data instanceof Float32Array) ||
          value.data.length !== value.shape.reduce((a: number, b: number) => a * b, 1)) {
        mismatches.push(`${k}: expected a Tensor${mine ? ` of shape ${fmtShape(mine.shape)}` : ''}, got ${describe(value)}${value instanceof Tensor ? ' with data not matching its shape' : ''}`);
        continue;
      }
      if (!mine) continue;                            // an integer buffer: accepted, ignored
      if (mine.rank !== value.shape.length || mine.shape.some((s, i) => s !== value.shape[i])) {
        mismatches.push(`${k}: expected ${fmtShape(mine.shape)}, got ${fmtShape(value.shape)}`);
        continue;
      }
      writes.push([mine, value.data]);
    }
    if (mismatches.length || (strict && (missingKeys.length || unexpectedKeys.length))) {
      const parts = [];
      if (mismatches.length) parts.push(`size mismatch for ${mismatches.join('; ')}`);
      if (strict && missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new StateDictError(`${op}: ${parts.join('; ')}`, missingKeys, unexpectedKeys, mismatches);
    }
    // Every value checked: now write (copies, so aliasing between two entries of the state cannot tear a write).
    const copies = writes.map(([mine, data]) => [mine, data.slice()] as const);
    for (const [mine, data] of copies) mine.data.set(data);
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Renames legacy state_dict keys of this module in `state` (the whole, copied state being loaded) before the keys
   * are matched: the hook PyTorch modules implement in `_load_from_state_dict(state_dict, prefix, ...)` to read
   * checkpoints of an earlier version. `prefix` is this module's full key prefix in `state` ('' at the root,
   * else ending in '.'). Default: nothing. An override must only move entries (never drop one it does not rename)
   * and must not overwrite a key already present.
   */
  protected loadLegacyKeys(_state: Map<string, unknown>, _prefix: string): void {
    // no legacy keys
  }

  /** Runs `loadLegacyKeys` on this module and every descendant, each with its own prefix (parents first). */
  private applyLegacyKeys(state: Map<string, unknown>, prefix: string): void {
    this.loadLegacyKeys(state, prefix);
    for (const [k, m] of this._children) if (m) m.applyLegacyKeys(state, `${prefix}${k}.`);
  }

  /**
   * Runs the module on the chosen backend: `forward(x, { backend })` for almost every module; `Out` is what it
   * returns (a Tensor; nn.MultiheadAttention, whose PyTorch forward takes query, key, value and returns a pair, is a
   * `Module<MultiheadAttentionResult>`). The rest parameters are typed loosely here so that such a subclass needs no
   * `@ts-expect-error`, which declaration files would drop (a consumer type-checking them would fail); each
   * subclass declares its precise signature.
   */
  abstract forward(x: Tensor, ...args: any[]): Out;
}
