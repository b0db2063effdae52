/**
 * Golden runner for spec/fixtures/c2f.safetensors (spec/fixtures/generate_c2f.py, PyTorch 1.13): YOLOv8's blocks of
 * ts/nn/ultralytics.ts — Conv, C2fBottleneck (Ultralytics' Bottleneck), C2f with n = 0, 1, 2 and shortcut on / off,
 * C2fCA, and the seed's spatial gate — built from the case's constructor call (class, positional args, keyword args),
 * loaded with PyTorch's state_dict (strict: the keys must be Ultralytics') and run on the backend. The generator
 * checks its own Conv / Bottleneck / C2f against the official Ultralytics definitions (bit-equal) when it can.
 * Hooked into ts/verify/golden.ts (runCase's default branch), so `attnconv verify` and spec/golden.test.ts run it.
 *
 * Bound: the chain bound 4·K·u·(|y| + mean|y|) (ts/core/numerics.ts) with K the summed reduction lengths along the
 * longest path, plus 8 per Conv for the folded batch norm (ours folds γ/√(σ²+ε) into the weights, PyTorch applies it
 * after the conv: a few roundings) and the SiLU (σ ~3 ulp and one product), 1 per residual add, and for the gates
 * their pooling and sigmoid terms (see `chainK`).
 */
import { Tensor } from '../core/tensor.js';
import type { Ops } from '../core/ops.js';
import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import { chainBound, fixtureTensor as T, type Bound, type FixtureCaseLike } from './bounds.js';

type Out = { got: Tensor; expected: Tensor; bound: Bound };

/** Extra reduction-length budget of one Conv beyond its dot products: folded batch norm and SiLU. */
const CONV_EXTRA = 8;

function convK(c: nn.Conv): number {
  const [, cin, kh, kw] = c.conv.weight.shape;
  return cin * kh * kw + CONV_EXTRA;
}

function bottleneckK(b: nn.C2fBottleneck): number {
  return convK(b.cv1) + convK(b.cv2) + (b.add ? 1 : 0);
}

/** The summed reduction lengths along the longest float32 path of a block (see the file docstring). */
export function chainK(m: Module, input: Tensor): number {
  if (m instanceof nn.Conv) return convK(m);
  if (m instanceof nn.C2fBottleneck) return bottleneckK(m);
  if (m instanceof nn.C2f) {
    let k = convK(m.cv1) + convK(m.cv2);
    for (const b of m.m) k += bottleneckK(b as nn.C2fBottleneck);
    // coordinate attention: a mean over H or W, the 1x1 conv to mip, BN + h_swish, 1x1 conv + sigmoid, two products
    if (m instanceof nn.C2fCA) k += Math.max(input.shape[2], input.shape[3]) + m.c2 + m.c2 + 24;
    return k;
  }
  if (m instanceof nn.SpatialGateC2f) {
    const [, cin] = input.shape;
    // conv1 / conv2 (9·C_in + bias), their sum, conv3 (out + bias), sigmoid, the product
    return 2 * (9 * cin + 1) + 1 + m.out_channels + 1 + 8 + 1;
  }
  throw new Error(`golden_c2f: no chain length for ${m.constructor.name}`);
}

/** Builds the case's module as attnconv's constructor takes it, and loads PyTorch's state_dict (strict). */
export function c2fModuleFromCase(c: FixtureCaseLike): Module {
  const p = c.params;
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[p.module];
  if (!Ctor) throw new Error(`c2f fixture ${c.name}: nn.${p.module} does not exist`);
  const m = Object.keys(p.kwargs).length ? new Ctor(...p.args, p.kwargs) : new Ctor(...p.args);
  m.loadStateDict(c.state);
  return m;
}

/** Runs one case of c2f.safetensors on `ops`; null if the op is not this file's. */
export function runC2fCase(c: FixtureCaseLike, ops: Ops): Out[] | null {
  if (c.op !== 'c2f') return null;
  const input = T(c, 'input'), y = T(c, 'output');
  const m = c2fModuleFromCase(c);
  return [{ got: m.forward(input, { backend: ops }), expected: y, bound: chainBound(chainK(m, input), y.data) }];
}
