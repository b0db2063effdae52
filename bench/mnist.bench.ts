// mnist: the whole trained MNIST network (nn.MnistACmixNet: conv stem, routed CondConv, ACmix at 7x7, GAP, Linear;
// weights models/mnist/mnist_acmix.safetensors) on the first test digits at batch 1 and batch 64, on wasm, against
// PyTorch's own ONNX export of the same network (models/mnist/mnist_acmix.onnx, torch.onnx.export opset 17) on
// onnxruntime-web (WASM) and onnxruntime-node (native, context). images/s = batch / median time. ref runs at batch 1
// only (about 0.1-0.25 s per image: it is the oracle, not a runtime). PyTorch CPU at 1 thread is timed natively by
// models/mnist/bench_torch.py and recorded in bench/README.md (context, not part of npm run bench).
// Run alone: node --import tsx bench/mnist.bench.ts
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init } from '../ts/wasm/index.js';
import { mnistBatch, MNIST_ACMIX_CONFIG } from '../ts/nn/mnist.js';
import { compareLogits, loadMnistNet, loadMnistTest, loadTorchLogits } from '../ts/cli/mnist.js';
import { type Impl, type Workload, runStandalone } from './harness.js';
import { ortSession } from './peers.js';

const model = () => readFileSync(fileURLToPath(new URL('../models/mnist/mnist_acmix.onnx', import.meta.url)));

/**
 * FLOPs of one image (2 × multiply-accumulates; BN, ReLU, softmax, adds and pooling not counted):
 * stem 2·16·1·9·28² + 2·32·16·9·14², CondConv 2·32·32·9·7² + the 4-expert mixture 2·4·(32·32·9), ACmix stage I
 * 2·3·32·32·7², attention 2·2·32·3²·7² (logits + weighted sum), fc 2·3²·(3·4)·8·7², dep_conv 2·32·3²·3²·7², Linear 2·32·10.
 */
export function mnistFlopsPerImage(): number {
  const c = MNIST_ACMIX_CONFIG, [c1, c2] = c.stem_channels, cc = c.condconv, a = c.acmix;
  const P28 = 28 * 28, P14 = 14 * 14, P7 = 7 * 7, T = a.kernel_conv ** 2, hd = a.out_planes / a.head;
  return 2 * c1 * 9 * P28 + 2 * c2 * c1 * 9 * P14
    + 2 * cc.out_channels * cc.in_channels * 9 * P7 + 2 * cc.num_experts * cc.out_channels * cc.in_channels * 9
    + 2 * 3 * a.out_planes * a.in_planes * P7 + 2 * 2 * a.out_planes * a.kernel_att ** 2 * P7
    + 2 * T * 3 * a.head * hd * P7 + 2 * a.out_planes * T * T * P7 + 2 * a.out_planes * c.num_classes;
}

export async function workloads(): Promise<Workload[]> {
  await init();
  const data = loadMnistTest();
  if ('missing' in data) throw new Error(`mnist bench: ${data.missing}`);
  const { net } = loadMnistNet();
  const torch = loadTorchLogits();
  const onnx = model();
  const out: Workload[] = [];
  for (const B of [1, 64]) {
    const x = mnistBatch(data.images, 0, B);
    // Before timing: wasm against PyTorch's own logits for these images (the stated bound of `attnconv mnist`).
    const cmp = compareLogits(net.forward(x, { backend: 'wasm' }).data, torch.logits.data, 0, B);
    if (!(cmp.worst <= 1)) throw new Error(`mnist bench: wasm logits exceed the bound against PyTorch's (worst error/bound ${cmp.worst})`);
    const dims = { input: [B, 1, 28, 28] };
    const web = await ortSession('web', onnx, dims), native = await ortSession('node', onnx, dims);
    const impls: Impl[] = [
      ...(B === 1 ? [{ impl: 'ref', kind: 'ref' as const, note: 'nn.MnistACmixNet on ts/ref', run: () => net.forward(x, { backend: 'ref' }).data }] : []),
      { impl: 'wasm', kind: 'ours', note: 'nn.MnistACmixNet on wasm', run: () => net.forward(x, { backend: 'wasm' }).data },
      { impl: 'ort-web', kind: 'wasm-peer', note: 'models/mnist/mnist_acmix.onnx (PyTorch export, opset 17)', run: () => web.run({ input: x.data }), dispose: () => web.release() },
      { impl: 'ort-node', kind: 'native', note: 'the same ONNX model, native', run: () => native.run({ input: x.data }), dispose: () => native.release() },
    ];
    const per = mnistFlopsPerImage();
    out.push({
      op: 'mnist', shape: `mnist_acmix.batch${B}`,
      title: `the trained MNIST ACmix network (stem, CondConv, ACmix at 7x7, GAP, Linear) on ${B} test digit${B > 1 ? 's' : ''} [${B}, 1, 28, 28] → logits [${B}, 10]; images/s = ${B} / time`,
      flops: B * per,
      formula: `${B} · ${(per / 1e6).toFixed(2)} MFLOP per image (stem convs + CondConv + its expert mixture + ACmix stage I, attention, fc, dep_conv + Linear; see mnistFlopsPerImage)`,
      tolerance: { rel: 1e-4, why: `float32 chain of K = ${cmp.K} reductions (4·K·u ≈ 2e-4 relative worst case, measured ~1e-6)` },
      notes: [`wasm vs PyTorch 1.13's logits for these images (models/mnist/mnist_acmix_logits.safetensors): max |Δ| ${cmp.maxErr.toExponential(2)}, worst error/bound ${cmp.worst.toFixed(4)}`,
        'PyTorch CPU (1 thread) is timed by models/mnist/bench_torch.py; its images/s are in bench/README.md'],
      impls,
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runStandalone(workloads);
}
