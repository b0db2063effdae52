/**
 * Golden runner for spec/fixtures/gates.safetensors (spec/fixtures/generate_gates.py, PyTorch 1.13 / torchvision
 * 0.14): torch.mul on every gate broadcast pattern (and a Python-scalar operand, special values), torch.mean and
 * torch.amax over one dim, and the gate modules — torchvision.ops.SqueezeExcitation, CoordAtt and CBAM (the
 * generator's own PyTorch versions, bit-identical to the official code at generation time) — built from their
 * constructor call with the fixture's state_dict (whose keys must be exactly ours). Hooked into ts/verify/golden.ts
 * (runCase's default branch), so `attnconv verify` and spec/golden.test.ts run it.
 *
 * Bounds (u = 2⁻²⁴): mul, amax: bit-exact (one correctly rounded multiply; the maximum is exact). mean:
 * 2·(n + 1)·u·mean|x| over the n reduced terms (PyTorch's float32 sum and ours each within (n + 1)·u·mean|x| of the
 * exact mean). Modules: the chain bound 4·K·u·(|y| + mean|y|) (ts/core/numerics.ts) with K the summed reduction
 * lengths along the longest path plus a few units per sigmoid / BN / h_swish:
 *   SE: (H·W + 1) + (C + 1) + (S + 1) + 8 + 1;   CoordAtt: (max(H, W) + 1) + (inp + 1) + 4 + 4 + (mip + 1) + 8 + 2;
 *   CBAM: (H·W + 1) + (C + 1) + (C/r + 1) + |pools| + 8 + 1 + (C + 1) + 98 + 4 + 8 + 1.
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import { mean as refMean } from '../ref/reduce.js';
import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import { U, abs, chainBound, fixtureTensor as T, type Bound, type FixtureCaseLike } from './bounds.js';

type Out = { got: Tensor; expected: Tensor; bound: Bound };
const exact: Bound = { bound: () => 0, describe: 'bit-exact' };

/** The gate module of a fixture case, built as PyTorch's constructor call, with its state loaded (strict). */
export function gateModuleFromCase(c: FixtureCaseLike): Module {
  const p = c.params, args = p.args as number[], kw = p.kwargs as Record<string, any>;
  let m: Module;
  switch (p.module) {
    case 'SqueezeExcitation': {
      const cls = (name: string | undefined) => (name ? (nn as unknown as Record<string, new () => Module>)[name] : undefined);
      m = new nn.SqueezeExcitation(args[0], args[1], { activation: cls(kw.activation), scale_activation: cls(kw.scale_activation) });
      break;
    }
    case 'CoordAtt': m = new nn.CoordAtt(args[0], args[1], kw); break;
    case 'CBAM': m = new nn.CBAM(args[0], kw); break;
    default: throw new Error(`gates fixture ${c.name}: unknown module ${p.module}`);
  }
  const keys = [...m.stateDict().keys(), ...m.intBufferKeys()].sort(), want = [...(p.keys as string[])].sort();
  if (JSON.stringify(keys) !== JSON.stringify(want)) throw new Error(`gates fixture ${c.name}: ${p.module} state_dict keys ${keys.join(', ')} differ from PyTorch's ${want.join(', ')}`);
  m.loadStateDict(c.state);
  return m;
}

/** K of the chain bound for a gate module on x [N, C, H, W] (see the header). */
function moduleK(m: Module, x: Tensor): number {
  const [, C, H, W] = x.shape;
  if (m instanceof nn.SqueezeExcitation) return H * W + 1 + C + 1 + m.squeeze_channels + 1 + 8 + 1;
  if (m instanceof nn.CoordAtt) return Math.max(H, W) + 1 + m.inp + 1 + 4 + 4 + m.mip + 1 + 8 + 2;
  const cbam = m as nn.CBAM, hidden = cbam.ChannelGate.mlp.modules[1] as nn.Linear;
  return H * W + 1 + C + 1 + hidden.out_features + 1 + cbam.ChannelGate.pool_types.length + 8 + 1 + C + 1 + 98 + 4 + 8 + 1;
}

/** Runs one case of gates.safetensors on `ops`; null if the op is not one of this file's. */
export function runGatesCase(c: FixtureCaseLike, ops: Ops): Out[] | null {
  const p = c.params;
  const input = c.tensors.get('input');
  switch (c.op) {
    case 'mul': {
      const other = p.other !== undefined ? (p.other as number) : T(c, 'other');
      return [{ got: ops.mul(input!, other), expected: T(c, 'output'), bound: exact }];
    }
    case 'amax':
      return [{ got: ops.amax(input!, { dim: p.dim, keepdim: p.keepdim }), expected: T(c, 'output'), bound: exact }];
    case 'mean': {
      const n = input!.shape.at(p.dim)!, scale = refMean(abs(input!), { dim: p.dim, keepdim: p.keepdim });
      const bound: Bound = { bound: (i) => 2 * (n + 1) * U * scale.data[i] + 1e-30, describe: `2·(n+1)·u·mean|x|, n=${n}` };
      return [{ got: ops.mean(input!, { dim: p.dim, keepdim: p.keepdim }), expected: T(c, 'output'), bound }];
    }
    case 'gate_module': {
      const m = gateModuleFromCase(c), y = T(c, 'output');
      return [{ got: m.forward(input!, { backend: ops }), expected: y, bound: chainBound(moduleK(m, input!), y.data) }];
    }
    default: return null;
  }
}
