// as/copy_blocks.ts: copy_blocks__scalar ≡ copy_blocks__f32x4 bit for bit, block lengths 0..9 around the vector width,
// strides on both sides, NaN payloads and −0 carried through (bit-exact data movement), nothing outside the blocks written.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { randomArray } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const words = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const K = suite('kernels/copy_blocks');

K('copy_blocks: scalar ≡ f32x4 ≡ the TS copy bit for bit; untouched gaps keep their sentinel', () => {
  const k = kernels();
  for (let len = 0; len <= 9; len++) for (const outer of [1, 2, 5]) for (const [gs, gd] of [[0, 0], [3, 1], [1, 6]]) {
    const srcStride = len + gs, dstStride = len + gd;
    const src = randomArray(outer * srcStride + 1, len * 7 + outer, -3, 3, true);
    const payload = new Uint32Array(src.buffer);
    if (src.length > 2) payload[1] = 0x7fc01234;                         // a NaN with a payload
    const dstInit = new Float32Array(outer * dstStride + 1).fill(-7);
    const [a, b] = (['scalar', 'f32x4'] as const).map((v) => withArena((ar) => {
      const ps = ar.upload(src), pd = ar.upload(dstInit);
      k[`copy_blocks__${v}`](ps, pd, outer, len, srcStride, dstStride);
      return ar.download(pd, dstInit.length);
    }));
    assert.equal(words(a), words(b), `scalar vs f32x4 len=${len} outer=${outer}`);
    const wantWords = words(dstInit);
    for (let o = 0; o < outer; o++) for (let e = 0; e < len; e++) wantWords[o * dstStride + e] = payload[o * srcStride + e];
    assert.equal(words(a), wantWords, `vs TS copy len=${len} outer=${outer}`);
  }
});

K.run();
