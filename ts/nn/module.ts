import { Tensor } from '../core/tensor.js';
import { StateDictError, fmtShape } from '../core/errors.js';
import { resolveOps, type Backend } from '../core/backends.js';

export { resolveOps, type Backend };

export interface ForwardOptions {
  /** 'ref' (the spec, default), 'wasm' (needs `await wasm.init()`), another registered name, or an Ops object. */
  backend?: Backend;
}

/** Result of loadStateDict: what was missing and what was not expected, by key. */
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

/**
 * Base of all modules: named parameters and buffers, child modules, and PyTorch's state_dict contract
 * (keys `child.grandchild.param`, buffers such as `running_mean` included; `null` parameters, like the
 * official ACmix's removed dep_conv.bias, have no key).
 */
export abstract class Module {
  protected readonly _params = new Map<string, Tensor | null>();
  protected readonly _buffers = new Map<string, Tensor>();
  /** Integer buffers PyTorch keeps (e.g. num_batches_tracked): accepted by loadStateDict, never used. */
  protected readonly _intBuffers = new Set<string>();
  protected readonly _children = new Map<string, Module | null>();

  /** Registers a parameter (null = absent, as a PyTorch Parameter set to None). */
  protected param(name: string, t: Tensor | null): Tensor | null {
    this._params.set(name, t);
    return t;
  }
  protected buffer(name: string, t: Tensor): Tensor {
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
  intBufferKeys(prefix = ''): string[] {
    const out = [...this._intBuffers].map((k) => prefix + k);
    for (const [k, m] of this._children) if (m) out.push(...m.intBufferKeys(`${prefix}${k}.`));
    return out;
  }

  /**
   * Loads parameters by PyTorch state_dict key, like `torch.nn.Module.load_state_dict`.
   * Every shape is checked before anything is written, so a failed load leaves the module unchanged.
   * strict (default true): missing or unexpected keys throw; otherwise they are returned.
   * @throws StateDictError listing every missing key, unexpected key and shape mismatch (expected vs got).
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const ints = new Set(this.intBufferKeys());
    const missingKeys = [...own.keys()].filter((k) => !entries.has(k));
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k) && !ints.has(k));
    const mismatches: string[] = [];
    for (const [k, t] of entries) {
      const mine = own.get(k);
      if (mine && (mine.rank !== t.shape.length || mine.shape.some((s, i) => s !== t.shape[i]))) {
        mismatches.push(`${k}: expected ${fmtShape(mine.shape)}, got ${fmtShape(t.shape)}`);
      }
    }
    if (mismatches.length || (strict && (missingKeys.length || unexpectedKeys.length))) {
      const parts = [];
      if (mismatches.length) parts.push(`size mismatch for ${mismatches.join('; ')}`);
      if (strict && missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new StateDictError(`${this.constructor.name}.loadStateDict: ${parts.join('; ')}`, missingKeys, unexpectedKeys, mismatches);
    }
    for (const [k, t] of entries) {
      const mine = own.get(k);
      if (mine) mine.data.set(t.data);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Runs the module on the chosen backend. */
  abstract forward(x: Tensor, options?: ForwardOptions): Tensor;
}
