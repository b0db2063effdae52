/**
 * Golden runner for spec/fixtures/layers.safetensors (spec/fixtures/generate_layers.py, PyTorch 1.13 / torchvision
 * 0.14): the standard PyTorch layers — pooling, the extra activations, flatten / cat / chunk, interpolate's
 * nearest mode, the modules (built from PyTorch's constructor call: class, positional args, keyword args), the
 * ModuleDict / ModuleList key nesting, and io.normalize against torchvision's Normalize on all 256 byte values.
 * Hooked into ts/verify/golden.ts (runCase's default branch), so `attnconv verify` and spec/golden.test.ts run it.
 *
 * Bounds (u = 2⁻²⁴): max pooling, adaptive max, leaky_relu, flatten, cat, chunk, nearest, normalize: bit-exact;
 * avg pools: 2·(k_h·k_w + 1)·u·Σ|taps|/D (Σ|taps|/D = the reference on |x|; wasm is bit-exact, spec/pooling.test.ts); silu 8·u·|y| + 2⁻¹²⁶ (PyTorch returns −0
 * below x ≈ −88.7 where the exact value is a subnormal); hardsigmoid 2·u·|y| + 2⁻¹⁴⁹ (wasm is bit-exact,
 * spec/activations_extra.test.ts); tanh 4·u·|y| + 2⁻¹⁴⁹; sigmoid 8·u·|y| + 2⁻¹⁴⁸; hardswish 3·u·|y| + 2⁻¹⁴⁹;
 * bilinear Upsample 8·u·max|x|.
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import { avgPool2d as refAvgPool2d } from '../ref/pool2d.js';
import { adaptiveAvgPool2d as refAdaptiveAvgPool2d } from '../ref/adaptive_pool2d.js';
import { normalize } from '../io/image.js';
import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../io/safetensors.js';
import { packageFile } from './paths.js';
import { U, abs, chainBound, fixtureTensor as T, type Bound, type FixtureCaseLike } from './bounds.js';

type Out = { got: Tensor; expected: Tensor; bound: Bound };
const exact: Bound = { bound: () => 0, describe: 'bit-exact' };
const rel = (k: number, atol: number, y: Tensor, what: string): Bound => ({ bound: (i) => k * U * Math.abs(y.data[i]) + atol, describe: what });
const scaled = (K: number, scale: Tensor): Bound => ({ bound: (i) => 2 * K * U * scale.data[i] + 1e-30, describe: `2·K·u·Σ|taps|/D, K = ${K}` });
const pairOf = (v: number | number[]) => (typeof v === 'number' ? [v, v] : v);
/** Python's tuples arrive as lists; PyTorch keyword values map to our options unchanged. */
const opts = (p: Record<string, any>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in p).map((k) => [k, p[k]]));

/** The adaptive pool's largest window size + 2 (its additions and two divisions). */
function adaptiveK(x: Tensor, y: Tensor): number {
  const [, , H, W] = x.shape, [, , ho, wo] = y.shape;
  return (Math.ceil(H / ho) + 1) * (Math.ceil(W / wo) + 1) + 2;
}

/** The module's bound against PyTorch, by class. */
function moduleBound(cls: string, x: Tensor, y: Tensor, m: Module): Bound {
  switch (cls) {
    case 'SiLU': return rel(8, 2 ** -126, y, '8·u·|y| + 2⁻¹²⁶');
    case 'Hardsigmoid': return rel(2, 2 ** -149, y, '2·u·|y| + 2⁻¹⁴⁹');
    case 'Tanh': return rel(4, 2 ** -149, y, '4·u·|y| + 2⁻¹⁴⁹');
    case 'Sigmoid': return rel(8, 2 ** -148, y, '8·u·|y| + 2⁻¹⁴⁸');
    case 'Hardswish': return rel(3, 2 ** -149, y, '3·u·|y| + 2⁻¹⁴⁹');
    case 'AvgPool2d': {
      const a = m as nn.AvgPool2d, [kh, kw] = pairOf(a.kernel_size as number | number[]);
      return scaled(kh * kw + 1, refAvgPool2d(abs(x), a.kernel_size, a.options));
    }
    case 'AdaptiveAvgPool2d': return scaled(adaptiveK(x, y), refAdaptiveAvgPool2d(abs(x), (m as nn.AdaptiveAvgPool2d).output_size));
    case 'Upsample': {
      if ((m as nn.Upsample).mode === 'nearest') return exact;
      const mx = x.data.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      return { bound: () => 8 * U * mx, describe: '8·u·max|x|' };
    }
    default: return exact;
  }
}

/**
 * The README's whole model, built from PyTorch's `print(model)` listing (spec/fixtures/generate_layers.py
 * build_model) with public modules only; its state_dict is spec/fixtures/layers_model.safetensors.
 */
export function readmeModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1, bias: false }),
    new nn.BatchNorm2d(16),
    new nn.ReLU(),
    new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
    new nn.Conv2d(16, 32, 3, { padding: 1, bias: false }),
    new nn.BatchNorm2d(32),
    new nn.Hardswish(),
    new nn.AvgPool2d(2),
    new nn.Conv2d(32, 32, 1),
    new nn.SiLU(),
    new nn.Dropout2d({ p: 0.1 }),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Dropout({ p: 0.2 }),
    new nn.Linear(32, 10),
  );
}

/** Runs one case of layers.safetensors on `ops`; null if the op is not one of this file's. */
export function runLayersCase(c: FixtureCaseLike, ops: Ops): Out[] | null {
  const p = c.params;
  const input = c.tensors.get('input');
  switch (c.op) {
    case 'max_pool2d':
      return [{ got: ops.maxPool2d(input!, p.kernel_size, opts(p, ['stride', 'padding', 'dilation', 'ceil_mode'])), expected: T(c, 'output'), bound: exact }];
    case 'avg_pool2d': {
      const o = opts(p, ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']);
      const [kh, kw] = pairOf(p.kernel_size);
      return [{ got: ops.avgPool2d(input!, p.kernel_size, o), expected: T(c, 'output'), bound: scaled(kh * kw + 1, refAvgPool2d(abs(input!), p.kernel_size, o)) }];
    }
    case 'adaptive_avg_pool2d': {
      const y = T(c, 'output');
      return [{ got: ops.adaptiveAvgPool2d(input!, p.output_size), expected: y, bound: scaled(adaptiveK(input!, y), refAdaptiveAvgPool2d(abs(input!), p.output_size)) }];
    }
    case 'adaptive_max_pool2d':
      return [{ got: ops.adaptiveMaxPool2d(input!, p.output_size), expected: T(c, 'output'), bound: exact }];
    case 'silu': return [{ got: ops.silu(input!), expected: T(c, 'output'), bound: rel(8, 2 ** -126, T(c, 'output'), '8·u·|y| + 2⁻¹²⁶') }];
    case 'hardsigmoid': return [{ got: ops.hardsigmoid(input!), expected: T(c, 'output'), bound: rel(2, 2 ** -149, T(c, 'output'), '2·u·|y| + 2⁻¹⁴⁹') }];
    case 'tanh': return [{ got: ops.tanh(input!), expected: T(c, 'output'), bound: rel(4, 2 ** -149, T(c, 'output'), '4·u·|y| + 2⁻¹⁴⁹') }];
    case 'leaky_relu': return [{ got: ops.leakyRelu(input!, opts(p, ['negative_slope'])), expected: T(c, 'output'), bound: exact }];
    case 'flatten': return [{ got: ops.flatten(input!, opts(p, ['start_dim', 'end_dim'])), expected: T(c, 'output'), bound: exact }];
    case 'cat': {
      const ts = Array.from({ length: p.count }, (_, i) => T(c, `t${i}`));
      return [{ got: ops.cat(ts, { dim: p.dim }), expected: T(c, 'output'), bound: exact }];
    }
    case 'chunk': {
      const got = ops.chunk(input!, p.chunks, { dim: p.dim });
      if (got.length !== p.count) throw new Error(`chunk ${c.name}: ${got.length} pieces, PyTorch ${p.count}`);
      return got.map((g, i) => ({ got: g, expected: T(c, `out${i}`), bound: exact }));
    }
    case 'interpolate_nearest':
      return [{ got: ops.interpolate(input!, { size: p.size, mode: 'nearest' }), expected: T(c, 'output'), bound: exact }];
    case 'normalize':
      return [{ got: normalize(input!, p.mean, p.std), expected: T(c, 'output'), bound: exact }];
    case 'module': {
      const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[p.module];
      if (!Ctor) throw new Error(`layers fixture ${c.name}: nn.${p.module} does not exist`);
      const m = Object.keys(p.kwargs).length ? new Ctor(...p.args, p.kwargs) : new Ctor(...p.args);
      const y = T(c, 'output');
      return [{ got: m.forward(input!, { backend: ops }), expected: y, bound: moduleBound(p.module, input!, y, m) }];
    }
    case 'module_dict_keys': {
      const md = new nn.ModuleDict({
        stem: new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(4)),
        blocks: new nn.ModuleList([0, 1].map(() => new nn.Sequential(new nn.Conv2d(4, 4, 1), new nn.ReLU()))),
        heads: new nn.ModuleDict({ cls: new nn.Linear(4, 3) }),
      });
      const keys = [...md.stateDict().keys(), ...md.intBufferKeys()].sort(), want = [...(p.keys as string[])].sort();
      if (JSON.stringify(keys) !== JSON.stringify(want)) throw new Error(`module_dict: state_dict keys ${keys.join(', ')} differ from PyTorch's ${want.join(', ')}`);
      md.loadStateDict(c.state);                                   // strict; num_batches_tracked accepted (an int buffer)
      const sd = md.stateDict();
      return [...c.state.keys()].map((k) => ({ got: sd.get(k)!, expected: c.state.get(k)!, bound: exact }));
    }
    case 'readme_model': {
      // the README's model with layers_model.safetensors loaded (I64 num_batches_tracked included); chain bound over
      // the longest path of float32 reductions: conv 27 + conv 144 + avg 4 + conv 32 + adaptive 16 + linear 32, ×2 slack
      const m = readmeModel();
      m.loadStateDict(readSafetensors(readFileSync(packageFile('spec/fixtures/layers_model.safetensors'))).tensors);
      const y = T(c, 'output');
      return [{ got: m.forward(input!, { backend: ops }), expected: y, bound: chainBound(2 * 255, y.data) }];
    }
    default:
      return null;
  }
}
