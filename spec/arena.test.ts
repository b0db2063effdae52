// The WASM arena under a long mixed workload (memory and faults): 1,000 calls mixing valid and
// invalid inputs across ops (conv2d, local attention, softmax, pad, the fused ACmix forward, and loads of
// state_dicts with wrong shapes). After every call the arena is back at its base, memory.buffer.byteLength
// stops growing once the working set has been seen, and every valid result equals its first occurrence
// bit for bit (and the first occurrence is within its bound of the reference).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, StateDictError, UnsupportedShapeError, ParameterError } from '../ts/core/errors.js';
import * as wasm from '../ts/wasm/index.js';
import { ops as refOps } from '../ts/ref/index.js';
import { ACmix } from '../ts/nn/acmix.js';
import { manualSeed } from '../ts/nn/init.js';
import { memory } from '../ts/wasm/module.js';
import { seededTensor, absTensor } from './support/arbitraries.js';
import { assertBitExact, assertWithinDotBound } from './support/close.js';

await wasm.init();

const x = seededTensor([1, 8, 16, 16], 1), w = seededTensor([12, 8, 3, 3], 2), b = seededTensor([12], 3);
const q = seededTensor([1, 8, 12, 12], 4), k = seededTensor([1, 8, 12, 12], 5), v = seededTensor([1, 8, 12, 12], 6), pe = seededTensor([1, 2, 12, 12], 7);
manualSeed(11);
const block = new ACmix(8, 8, { kernel_att: 7, head: 4, kernel_conv: 3, stride: 1 });
for (const [, t] of block.stateDict()) t.data.set(seededTensor(t.shape, t.size + 13, -0.5, 0.5).data);
const goodState = new Map([...block.stateDict()].map(([key, t]) => [key, t.clone()]));

type Call = { name: string; run: () => Tensor; error?: undefined } | { name: string; run: () => unknown; error: new (...a: any[]) => Error };
const calls: Call[] = [
  { name: 'conv2d', run: () => wasm.ops.conv2d(x, w, b, { padding: 1 }) },
  { name: 'conv2d channel mismatch', run: () => wasm.ops.conv2d(x, seededTensor([12, 7, 3, 3], 9), b, { padding: 1 }), error: ShapeError },
  { name: 'local attention', run: () => wasm.ops.localAttention(q, k, v, pe, { head: 4, kernel_att: 5 }) },
  { name: 'local attention odd H, stride 2', run: () => wasm.ops.localAttention(seededTensor([1, 8, 7, 8], 1), seededTensor([1, 8, 7, 8], 2), seededTensor([1, 8, 7, 8], 3), null, { head: 4, kernel_att: 3, stride: 2 }), error: UnsupportedShapeError },
  { name: 'softmax', run: () => wasm.ops.softmax(q, 1) },
  { name: 'softmax dim 4', run: () => wasm.ops.softmax(q, 4), error: ParameterError },
  { name: 'pad reflect', run: () => wasm.ops.pad(x, [3, 3, 3, 3], { mode: 'reflect' }) },
  { name: 'pad reflect too large', run: () => wasm.ops.pad(x, [16, 0, 0, 0], { mode: 'reflect' }), error: ShapeError },
  { name: 'ACmix forward (fused wasm)', run: () => block.forward(x, { backend: 'wasm' }) },
  { name: 'ACmix forward, wrong channels', run: () => block.forward(seededTensor([1, 6, 16, 16], 3), { backend: 'wasm' }), error: ShapeError },
  { name: 'ACmix loadStateDict with a wrong shape', run: () => block.loadStateDict(new Map([...goodState, ['conv2.weight', Tensor.zeros([8, 8, 3, 3])]])), error: StateDictError },
];

const Arena = suite('arena/mixed_calls');

Arena('1,000 mixed valid and invalid calls: arena back at base after each, memory stops growing, valid results unchanged', () => {
  const firsts = new Map<string, Tensor>();
  const growthAt: number[] = [];
  let bytes = memory().buffer.byteLength, settledAfter = -1, validSeen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const c = calls[(i * 7) % calls.length];          // a fixed interleaving that visits every call often
    if (c.error) {
      let e: unknown;
      try { c.run(); } catch (err) { e = err; }
      assert.ok(e instanceof c.error, `call ${i} (${c.name}): expected ${c.error.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    } else {
      const y = c.run();
      const first = firsts.get(c.name);
      if (first) assertBitExact(y.data, first.data, `call ${i} (${c.name}) vs its first result`, y.shape);
      else firsts.set(c.name, y.clone());
      validSeen.add(c.name);
      if (settledAfter < 0 && validSeen.size === calls.filter((k) => !k.error).length) settledAfter = i;
    }
    const s = wasm.arenaStats();
    assert.is(s.depth, 0, `call ${i} (${c.name}): depth`);
    assert.is(s.mark, s.base, `call ${i} (${c.name}): arena back at base`);
    if (memory().buffer.byteLength !== bytes) { growthAt.push(i); bytes = memory().buffer.byteLength; }
  }
  assert.ok(settledAfter >= 0, 'every valid call ran');
  assert.ok(growthAt.every((i) => i <= settledAfter), `memory grew after every call had been seen once (at calls ${growthAt.join(', ')}; settled after ${settledAfter})`);
  // The module was never changed by the failed loads, and the first results are right.
  for (const [key, t] of goodState) assertBitExact(block.stateDict().get(key)!.data, t.data, `parameter ${key} after failed loads`);
  const ref = refOps.conv2d(x, w, b, { padding: 1 });
  assertWithinDotBound(firsts.get('conv2d')!.data, ref.data, refOps.conv2d(absTensor(x), absTensor(w), absTensor(b), { padding: 1 }).data, { reduction: 8 * 9 + 1, label: 'conv2d' });
  const acmixRef = block.forward(x, { backend: 'ref' });
  let mean = 0; for (const a of acmixRef.data) mean += Math.abs(a); mean /= acmixRef.size;
  const K = 8 + 1 + 3 * 2 + 2 * 49 + 3 * 4 + 81 + 2;   // the chain bound of ts/verify.ts for this ACmix
  assertWithinDotBound(firsts.get('ACmix forward (fused wasm)')!.data, acmixRef.data, acmixRef.data.map((a) => Math.abs(a) + mean), { reduction: K, slack: 4, label: 'ACmix' });
});

Arena.run();
