// Quick interleaved check of conv 3x3 64->64 56x56 pad 1 (+bias): wasm.conv2d now (banded: im2col
// and pack_b of 2 output rows at a time, then gemm_packed), the previous full-matrix im2col path (im2col of the whole image, then gemm__f32x4_4x8), and tfjs-wasm (XNNPACK,
// NHWC, fused bias) in one process, rounds interleaved with the order rotated.
// Run after `npm run build:as`:  node --import tsx bench/conv3x3-quick.ts [rounds] [roundMs]
import { init } from '../../ts/wasm/index.js';
import { conv2d, gemmColumnBlock, gemmPackedAFloats } from '../../ts/wasm/conv2d.js';
import { kernels } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { Tensor } from '../../ts/core/tensor.js';
import { ops as refOps } from '../../ts/ref/index.js';
import { nchwToNhwc, nhwcToNchw, relError, seeded } from '../harness.js';
import { tf, tfjs } from '../peers.js';

await init();
await tfjs();
const rounds = Number(process.argv[2] ?? 9), roundMs = Number(process.argv[3] ?? 300);
const C = 64, H = 56, W = 56, KK = 3, flops = 2 * C * H * W * C * KK * KK;
const xData = seeded(C * H * W, 100), wData = seeded(C * C * 9, 101), bData = seeded(C, 102);
const x = new Tensor(xData, [1, C, H, W]), w = new Tensor(wData, [C, C, KK, KK]), b = new Tensor(bData, [C]);

const filter = new Float32Array(wData.length); // HWIO
for (let o = 0; o < C; o++) for (let i = 0; i < C; i++) for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++)
  filter[((p * 3 + q) * C + i) * C + o] = wData[((o * C + i) * 3 + p) * 3 + q];
const tfFilter = tf.tensor4d(filter, [3, 3, C, C]), tfBias = tf.tensor1d(bData), xNhwc = nchwToNhwc(xData, C, H, W);

/** The pre-banding path: im2col of the whole image into a [576, 3136] matrix, then one gemm__f32x4_4x8. */
function before(): Float32Array {
  const k = kernels();
  return withArena((a) => {
    const px = a.upload(xData), pw = a.upload(wData), pb = a.upload(bData), py = a.alloc(C * H * W);
    const Kred = C * 9, P = H * W, col = a.alloc(Kred * P), nc = gemmColumnBlock(Kred, P);
    const packedA = a.alloc(gemmPackedAFloats(C, Kred)), packedB = a.alloc(Kred * nc);
    k.im2col__f32x4(px, col, C, H, W, 3, 3, 1, 1, 1, 1, 1, 1, H, W);
    k.gemm__f32x4_4x8(C, P, Kred, pw, Kred, col, P, py, P, pb, 0, packedA, packedB, nc);
    return a.download(py, C * P);
  });
}
const impls: [string, () => Float32Array][] = [
  ['wasm.conv2d (now)', () => conv2d(x, w, b, { padding: 1 }).data],
  ['full im2col + gemm (before)', before],
  ['tfjs-wasm fused.conv2d NHWC', () => {
    const y = tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(xNhwc, [1, H, W, C]), filter: tfFilter, strides: 1, pad: 'same', bias: tfBias }));
    const d = y.dataSync() as Float32Array; y.dispose(); return d;
  }],
];
const truth = refOps.conv2d(x, w, b, { padding: 1 }).data;
const nowOut = impls[0][1](), beforeOut = impls[1][1]();
let same = nowOut.length === beforeOut.length;
for (let i = 0; same && i < nowOut.length; i++) same = Object.is(nowOut[i], beforeOut[i]);
console.log(`now ≡ before bit for bit: ${same}; rel err now ${relError(nowOut, truth).toExponential(2)}, tfjs ${relError(nhwcToNchw(impls[2][1](), C, H, W), truth).toExponential(2)}`);
const samples: number[][] = impls.map(() => []);
for (const [, f] of impls) for (let i = 0; i < 5; i++) f();
for (let r = 0; r < rounds; r++) {
  for (let s = 0; s < impls.length; s++) {
    const j = (s + r) % impls.length, f = impls[j][1];
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < roundMs) { const a = performance.now(); f(); t = performance.now(); samples[j].push(t - a); }
  }
}
const med = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
const tfMed = med(samples[impls.length - 1]);
impls.forEach(([name], j) => {
  const m = med(samples[j]), lo = Math.min(...samples[j]);
  console.log(`${name.padEnd(30)} median ${m.toFixed(3)} ms (min ${lo.toFixed(3)})  ${(flops / m / 1e6).toFixed(1)} GFLOP/s  vs tfjs ${(tfMed / m).toFixed(3)}x`);
});
