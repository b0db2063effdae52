// flatten, cat, chunk: PyTorch goldens in spec/fixtures/layers.safetensors (spec/golden.test.ts); ref ≈ wasm (bit-exact)
// in spec/registry.test.ts. Here: flatten is a view on both backends, cat ∘ chunk is the identity, the sizes follow
// torch.chunk's rule (fewer pieces than asked when the size does not split), and the errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ArgumentError, ParameterError, ShapeError } from '../ts/core/errors.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';

await wasm.init();
const backends = [refOps, wasm.ops];
const S = suite('shape_ops');

S('flatten is a view (shares data) with torch.flatten shapes; nn.Flatten default start_dim = 1', () => {
  const x = seededTensor([2, 3, 4, 5], 1);
  for (const ops of backends) {
    const y = ops.flatten(x, { start_dim: 1 });
    assert.ok(y.data === x.data);
    assert.equal([...y.shape], [2, 60]);
    assert.equal([...ops.flatten(x).shape], [120]);
    assert.equal([...ops.flatten(x, { start_dim: -3, end_dim: -2 }).shape], [2, 12, 5]);
    assert.equal([...ops.flatten(x, { start_dim: 2, end_dim: 2 }).shape], [2, 3, 4, 5]);
  }
});

S('cat(chunk(x, k, dim), dim) == x bit for bit, any dim, both backends; chunk sizes ⌈n/k⌉ with a smaller last piece', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 8 }), fc.nat(), fc.integer(),
    (shape, k, d, seed) => {
      const x = seededTensor(shape, seed), dim = d % shape.length, n = shape[dim], step = Math.ceil(n / k);
      for (const ops of backends) {
        const pieces = ops.chunk(x, k, { dim });
        assert.is(pieces.length, Math.ceil(n / step));
        pieces.forEach((p, i) => assert.is(p.shape[dim], Math.min(step, n - i * step)));
        const back = ops.cat(pieces, { dim });
        assert.equal([...back.shape], [...x.shape]);
        assert.equal(Array.from(back.data), Array.from(x.data));
      }
    }), { numRuns: runs(50) });
});

S('torch.chunk: 10 channels into 4 → 3, 3, 3, 1; 6 channels into 4 → 2, 2, 2 (3 pieces, as PyTorch)', () => {
  for (const ops of backends) {
    assert.equal(ops.chunk(seededTensor([1, 10, 2, 2], 1), 4, { dim: 1 }).map((t) => t.shape[1]), [3, 3, 3, 1]);
    assert.equal(ops.chunk(seededTensor([1, 6, 2, 2], 1), 4, { dim: 1 }).map((t) => t.shape[1]), [2, 2, 2]);
  }
});

S('errors: cat of mismatched shapes (ShapeError), empty list / non-Tensor (ArgumentError), dim out of range, chunks 0, flatten start > end (ParameterError)', () => {
  const a = seededTensor([1, 2, 3, 3], 1), b = seededTensor([1, 2, 4, 3], 2);
  for (const ops of backends) {
    const e = thrown(() => ops.cat([a, b], { dim: 1 }));
    assert.instance(e, ShapeError);
    assert.match(e.message, '[1,2,4,3]');
    assert.instance(thrown(() => ops.cat([], { dim: 1 })), ArgumentError);
    assert.instance(thrown(() => ops.cat([a, [1] as never])), ArgumentError);
    assert.instance(thrown(() => ops.cat([a], { dim: 4 })), ParameterError);
    assert.instance(thrown(() => ops.chunk(a, 0, { dim: 1 })), ParameterError);
    assert.instance(thrown(() => ops.chunk(a, 2, { dim: -5 })), ParameterError);
    assert.instance(thrown(() => ops.flatten(a, { start_dim: 2, end_dim: 1 })), ParameterError);
    assert.instance(thrown(() => ops.flatten(a, { start: 1 } as never)), ArgumentError);
  }
});

S.run();
