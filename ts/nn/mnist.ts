import { Tensor } from '../core/tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../core/errors.js';
import { expectRank } from '../core/geometry.js';
import { intArg } from '../core/validate.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d, BatchNorm2d, ReLU, Linear, Sequential } from './layers.js';
import { ACmix } from './acmix.js';
import { CondConv2d, CondConvRouting } from './dynamic.js';

/** Side of an MNIST image in pixels. */
export const MNIST_SIDE = 28;

/** The hyper-parameters of the trained network, as models/mnist/net.py's CONFIG. */
export const MNIST_ACMIX_CONFIG = {
  stem_channels: [16, 32],
  condconv: { in_channels: 32, out_channels: 32, kernel_size: 3, stride: 2, padding: '', num_experts: 4 },
  acmix: { in_planes: 32, out_planes: 32, kernel_att: 3, head: 4, kernel_conv: 3, stride: 1 },
  num_classes: 10,
} as const;

/** The intermediates of one forward that the CLI draws: the ACmix block's input and the logits. */
export interface MnistForwardDetailed {
  /** input of the ACmix block (after the stem and the CondConv stage), [N, 32, 7, 7] */
  acmixInput: Tensor;
  /** CondConv routing weights r, [N, num_experts] */
  routing: Tensor;
  /** class scores before the softmax, [N, 10] */
  logits: Tensor;
}

/**
 * A small MNIST classifier built from the seeds' operators, trained in PyTorch by models/mnist/train.py; the
 * TypeScript twin of `MnistACmixNet` in models/mnist/net.py, with the same state_dict keys in the same order:
 *
 *   stem         Conv2d(1, 16, 3, padding 1, no bias) BN ReLU, Conv2d(16, 32, 3, stride 2, padding 1, no bias) BN ReLU
 *                                                                            [N, 1, 28, 28] → [N, 32, 14, 14]
 *   routing_fn   CondConvRouting(32, 4): r = σ(Linear(GAP(x)))  (CondConv, Yang et al. 2019, Eq. 2)   → [N, 4]
 *   condconv     CondConv2d(32, 32, kernel 3, stride 2, padding '' = 1, 4 experts), bn_condconv, ReLU → [N, 32, 7, 7]
 *   acmix        y = ReLU(x + bn_acmix(ACmix(32, 32, kernel_att 3, head 4, kernel_conv 3)(x)))  (Pan et al. 2022)
 *   fc           GAP, Linear(32, 10)                                                              → logits [N, 10]
 *
 *   const net = new nn.MnistACmixNet();
 *   net.loadStateDict(readSafetensors(bytes).tensors);      // models/mnist/mnist_acmix.safetensors
 *   const logits = net.forward(mnistBatch(pixels, 0, 64), { backend: 'wasm' });
 *
 * Input: pixels / 255 in float32, [N, 1, 28, 28] (see mnistBatch); no mean/std normalisation (the stem's
 * BatchNorm does it). BatchNorm runs in eval mode (running statistics).
 * state_dict keys: stem.{0,3}.weight, stem.{1,4}.{weight,bias,running_mean,running_var}, routing_fn.{weight,bias},
 * condconv.weight [4, 32·32·3·3], bn_condconv.*, acmix.<ACmix keys>, bn_acmix.*, fc.{weight,bias}
 * (num_batches_tracked accepted and ignored).
 * @throws ArgumentError / ShapeError from forward unless the input is a Tensor [N, 1, 28, 28].
 */
export class MnistACmixNet extends Module {
  readonly stem: Sequential;
  readonly routing_fn: CondConvRouting;
  readonly condconv: CondConv2d;
  readonly bn_condconv: BatchNorm2d;
  readonly acmix: ACmix;
  readonly bn_acmix: BatchNorm2d;
  readonly fc: Linear;

  constructor() {
    super();
    const c = MNIST_ACMIX_CONFIG, [c1, c2] = c.stem_channels, cc = c.condconv, a = c.acmix;
    this.stem = this.child('stem', new Sequential(
      new Conv2d(1, c1, 3, { padding: 1, bias: false }), new BatchNorm2d(c1), new ReLU(),
      new Conv2d(c1, c2, 3, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(c2), new ReLU()));
    this.routing_fn = this.child('routing_fn', new CondConvRouting(cc.in_channels, cc.num_experts));
    this.condconv = this.child('condconv', new CondConv2d(cc.in_channels, cc.out_channels,
      { kernel_size: cc.kernel_size, stride: cc.stride, padding: cc.padding, num_experts: cc.num_experts }));
    this.bn_condconv = this.child('bn_condconv', new BatchNorm2d(cc.out_channels));
    this.acmix = this.child('acmix', new ACmix(a.in_planes, a.out_planes,
      { kernel_att: a.kernel_att, head: a.head, kernel_conv: a.kernel_conv, stride: a.stride }));
    this.bn_acmix = this.child('bn_acmix', new BatchNorm2d(a.out_planes));
    this.fc = this.child('fc', new Linear(a.out_planes, c.num_classes));
  }

  /**
   * The float32 reductions along the longest path from pixel to logit, summed: the K of the chain bound
   * (ts/core/numerics.ts chainBound) for comparing logits computed in float32 by two implementations.
   * stem 1·3² + 16·3², routing GAP 14² + Linear 32 + the 4-expert mixture, CondConv 32·3², ACmix stage I 32 then
   * the longer of its paths (conv path: fc 3·head then dep_conv 3²·3²; attention: q·k over head_dim, softmax and
   * the weighted sum over kernel_att²), GAP 7², Linear 32; BatchNorm, ReLU and the residual add are one
   * operation each (+1 per layer, 6 in all).
   */
  static reductionLength(): number {
    const c = MNIST_ACMIX_CONFIG, [c1] = c.stem_channels, cc = c.condconv, a = c.acmix;
    const head_dim = a.out_planes / a.head;
    const stem = 9 + c1 * 9, routing = 14 * 14 + cc.in_channels + cc.num_experts, condconv = cc.in_channels * cc.kernel_size ** 2;
    const convPath = 3 * a.head + a.kernel_conv ** 2 * a.kernel_conv ** 2;
    const attPath = head_dim + 2 * a.kernel_att ** 2;
    return stem + routing + condconv + a.in_planes + Math.max(convPath, attPath) + 7 * 7 + a.out_planes + 6;
  }

  private check(x: Tensor): void {
    expectRank('MnistACmixNet', 'input', x.shape, 4, { input: x });
    const [, C, H, W] = x.shape;
    if (C !== 1 || H !== MNIST_SIDE || W !== MNIST_SIDE) {
      throw new ShapeError(`MnistACmixNet: input must be [N, 1, ${MNIST_SIDE}, ${MNIST_SIDE}] (grey MNIST digits), got ${fmtShape(x.shape)}`);
    }
  }

  /** The forward with the intermediates the CLI draws (the ACmix input, the routing weights) and the logits. */
  forwardDetailed(x: Tensor, options: ForwardOptions = {}): MnistForwardDetailed {
    this.check(x);
    const ops = resolveOps(options.backend), o = { backend: ops };
    const h = this.stem.forward(x, o);
    const routing = this.routing_fn.forward(h, o);
    const acmixInput = ops.relu(this.bn_condconv.forward(this.condconv.forward(h, routing, o), o));
    const y = ops.relu(ops.add(acmixInput, this.bn_acmix.forward(this.acmix.forward(acmixInput, o), o)));
    const pooled = ops.globalAvgPool2d(y);
    const logits = this.fc.forward(pooled.reshape([pooled.shape[0], pooled.shape[1]]), o);
    return { acmixInput, routing, logits };
  }

  /** Logits [N, 10] of a batch of digits [N, 1, 28, 28] (pixels / 255). */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return this.forwardDetailed(x, options).logits;
  }
}

/**
 * A batch of MNIST digits as the network's input: images start .. start + count − 1 of a row-major uint8 array
 * of 28×28 images (the pixels of an IDX file), each pixel p → p / 255 rounded to float32, exactly PyTorch's
 * `images.to(torch.float32) / 255.0` (one correctly rounded division).
 *
 * Shapes: pixels [M·784] (M images) → [count, 1, 28, 28].
 * @throws ArgumentError if pixels is not a Uint8Array; ParameterError if start / count are not integers with
 *         0 ≤ start, 1 ≤ count and start + count ≤ M.
 */
export function mnistBatch(pixels: Uint8Array, start: number, count: number): Tensor {
  if (!(pixels instanceof Uint8Array)) throw new ArgumentError(`mnistBatch: pixels must be a Uint8Array, got ${pixels === null ? 'null' : typeof pixels}`);
  const area = MNIST_SIDE * MNIST_SIDE, images = Math.floor(pixels.length / area);
  intArg('mnistBatch', 'start', start, 0, Math.max(0, images - 1));
  intArg('mnistBatch', 'count', count, 1, images - start);
  const data = new Float32Array(count * area);
  const src = pixels.subarray(start * area, (start + count) * area);
  for (let i = 0; i < data.length; i++) data[i] = src[i] / 255;      // float32 store rounds the double quotient once
  return new Tensor(data, [count, 1, MNIST_SIDE, MNIST_SIDE]);
}
