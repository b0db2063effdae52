// Quick throughput check of the non-GEMM kernels (not the benchmark.js suite: see bench/run.ts for that).
// Run after `npm run build:as`:  node --import tsx bench/kernels-quick.ts [rounds]
// FLOPs = 2 × multiply-accumulates: conv = 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w. Element-wise
// kernels report elements/s. "kernel" rows time the AS kernel on operands already in WASM memory; "op"
// rows time the ts/wasm op (upload, kernel, download), which is what a caller of wasm.ops pays.
// Reports the median and best of `rounds` timed rounds (each ≥ 0.2 s) after a warm-up; the VM's speed
// drifts between runs, so compare numbers within one run only.
import { init } from '../../ts/wasm/index.js';
import { conv2d } from '../../ts/wasm/conv2d.js';
import { softmax } from '../../ts/wasm/softmax.js';
import { gelu } from '../../ts/wasm/gelu.js';
import { build } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { withArena } from '../../ts/wasm/arena.js';
import { gemmColumnBlock, gemmPackedAFloats, depthwiseKernel } from '../../ts/wasm/conv2d.js';
import { conv2dGeometry } from '../../ts/core/geometry.js';
import { Tensor } from '../../ts/core/tensor.js';
import { tf, tfjs } from '../peers.js';
import { randomTensor, measure as measureRate } from './quick.js';

await init();
await tfjs();
const rounds = Number(process.argv[2] ?? 7);
const k = kernels();

/** bench/quick.ts measure with this script's rounds, unit and label width. */
const measure = (label: string, work: number, unit: 'GFLOP/s' | 'Gelem/s', fn: () => void): number => measureRate(label, work, rounds, fn, unit, 58);

console.log(`node ${process.version}, wasm build ${build()}, ${rounds} rounds`);

/**
 * The target workload against TensorFlow.js's WASM backend (XNNPACK) in this process, rounds interleaved so the
 * VM's drift hits every implementation alike: depthwise 3x3, C = 256, 28x28, padding 1, bias. "resident" runs
 * with the operands already in the backend's memory (our kernel on arena pointers; tfjs on a tensor created
 * once, output disposed unread); "op" is a caller's view (our wasm.conv2d: upload, kernel, download; tfjs:
 * tensor from the NHWC array, run, dataSync).
 */
function depthwiseVersusTfjs(): void {
  const C = 256, H = 28, W = 28, flops = 2 * C * H * W * 9;
  const x = randomTensor([1, C, H, W], 11), w = randomTensor([C, 1, 3, 3], 12), b = randomTensor([C], 13);
  const xNhwc = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) xNhwc[i * C + c] = x.data[c * H * W + i];
  const wHwc1 = new Float32Array(9 * C);
  for (let c = 0; c < C; c++) for (let t = 0; t < 9; t++) wHwc1[t * C + c] = w.data[c * 9 + t];
  const filter = tf.tensor4d(wHwc1, [3, 3, C, 1]), bias = tf.tensor1d(b.data), xResident = tf.tensor4d(xNhwc, [1, H, W, C]);
  withArena((a) => {
    const px = a.upload(x.data), pw = a.upload(w.data), pb = a.upload(b.data), py = a.alloc(C * H * W);
    const impls: Array<[string, () => void]> = [
      ['ours, resident: depthwise_conv2d__f32x4_3x3s1p1 on arena operands', () => k.depthwise_conv2d__f32x4_3x3s1p1(px, pw, pb, py, C, 1, 1, H, W, 3, 3, 1, 1, 1, 1, 1, 1, H, W)],
      ['tfjs-wasm, resident: tf.fused.depthwiseConv2d (NHWC)', () => { tf.fused.depthwiseConv2d({ x: xResident, filter, strides: 1, pad: 'same', bias }).dispose(); }],
      ['ours, op: wasm.conv2d (upload, kernel, download)', () => { conv2d(x, w, b, { padding: 1, groups: C }); }],
      ['tfjs-wasm, op: tensor4d + depthwiseConv2d + dataSync', () => {
        const y = tf.tidy(() => tf.fused.depthwiseConv2d({ x: tf.tensor4d(xNhwc, [1, H, W, C]), filter, strides: 1, pad: 'same', bias }));
        y.dataSync(); y.dispose();
      }],
    ];
    const rates = impls.map(() => [] as number[]);
    for (const [, fn] of impls) for (let i = 0; i < 20; i++) fn();
    for (let r = 0; r < Math.max(rounds, 5); r++) {
      impls.forEach(([, fn], i) => {
        let iters = 0;
        const t0 = performance.now();
        let t = t0;
        while (t - t0 < 150) { fn(); iters++; t = performance.now(); }
        rates[i].push((flops * iters) / ((t - t0) / 1e3) / 1e9);
      });
    }
    const med = rates.map((r) => r.sort((p, q) => p - q)[r.length >> 1]);
    console.log('depthwise 3x3 C256 28x28 pad 1 + bias, vs tfjs-wasm (interleaved rounds, GFLOP/s = 2·C·H·W·9 / time)');
    impls.forEach(([label], i) => console.log(`  ${label.padEnd(58)} median ${med[i].toFixed(2).padStart(6)}   min ${rates[i][0].toFixed(2).padStart(6)}   max ${rates[i][rates[i].length - 1].toFixed(2).padStart(6)}`));
    console.log(`  ratio ours / tfjs-wasm: resident ${(med[0] / med[1]).toFixed(2)}x, op ${(med[2] / med[3]).toFixed(2)}x`);
  });
  filter.dispose(); bias.dispose(); xResident.dispose();
}
depthwiseVersusTfjs();

/** Direct kernel vs im2col + GEMM on one image already in memory (what conv2d's dispatch chooses between). */
function convKernels(name: string, C_in: number, C_out: number, groups: number, H: number, W: number, kk: number, pad: number, stride: number): void {
  const cin = C_in / groups, cout = C_out / groups;
  const H_out = Math.floor((H + 2 * pad - kk) / stride) + 1, W_out = Math.floor((W + 2 * pad - kk) / stride) + 1;
  const flops = 2 * C_out * H_out * W_out * cin * kk * kk;
  const x = randomTensor([1, C_in, H, W], 1).data, w = randomTensor([C_out, cin, kk, kk], 2).data, b = randomTensor([C_out], 3).data;
  withArena((a) => {
    const px = a.upload(x), pw = a.upload(w), pb = a.upload(b), py = a.alloc(C_out * H_out * W_out);
    const direct = depthwiseKernel(k, conv2dGeometry('conv2d', [1, C_in, H, W], [C_out, cin, kk, kk], null, { padding: pad, stride, groups }), new Tensor(w, [C_out, cin, kk, kk]));
    const directName = Object.entries(k).find(([, fn]) => fn === direct)?.[0];
    measure(`${name}: ${directName} (kernel)`, flops, 'GFLOP/s', () =>
      direct(px, pw, pb, py, C_out, cin, cout, H, W, kk, kk, stride, stride, 1, 1, pad, pad, H_out, W_out));
    if (C_out * H_out * W_out * cin * kk * kk < 2e7) {
      measure(`${name}: depthwise_conv2d__scalar (kernel)`, flops, 'GFLOP/s', () =>
        k.depthwise_conv2d__scalar(px, pw, pb, py, C_out, cin, cout, H, W, kk, kk, stride, stride, 1, 1, pad, pad, H_out, W_out));
    }
    const Kred = cin * kk * kk, P = H_out * W_out, nc = gemmColumnBlock(Kred, P);
    const col = a.alloc(Kred * P), packedA = a.alloc(gemmPackedAFloats(cout, Kred)), packedB = a.alloc(Kred * nc);
    measure(`${name}: im2col + gemm per group (kernels)`, flops, 'GFLOP/s', () => {
      for (let g = 0; g < groups; g++) {
        k.im2col__f32x4(px + 4 * g * cin * H * W, col, cin, H, W, kk, kk, stride, stride, 1, 1, pad, pad, H_out, W_out);
        k.gemm__f32x4_4x8(cout, P, Kred, pw + 4 * g * cout * Kred, Kred, col, P, py + 4 * g * cout * P, P, pb + 4 * g * cout, 0, packedA, packedB, nc);
      }
    });
  });
  const xt = new Tensor(x, [1, C_in, H, W]), wt = new Tensor(w, [C_out, cin, kk, kk]), bt = new Tensor(b, [C_out]);
  measure(`${name}: wasm.conv2d (op: upload, kernel, download)`, flops, 'GFLOP/s', () => { conv2d(xt, wt, bt, { padding: pad, stride, groups }); });
}

// depthwise 3x3, C = 256, 28x28 (MobileNet-style; the peers' table: tfjs-wasm 6.5-7.8 GFLOP/s)
convKernels('depthwise 3x3 C256 28x28 pad 1', 256, 256, 256, 28, 28, 3, 1, 1);
convKernels('depthwise 3x3 C256 56x56 pad 1 stride 2', 256, 256, 256, 56, 56, 3, 1, 2);
convKernels('depthwise 5x5 C128 28x28 pad 2', 128, 128, 128, 28, 28, 5, 2, 1);
// ACmix's dep_conv: groups = head_dim, C_in = k²·head_dim, C_out = head·head_dim (C = 64, head 4 → 16 groups)
convKernels('ACmix dep_conv 3x3 144->64 g16 56x56 pad 1', 144, 64, 16, 56, 56, 3, 1, 1);
convKernels('grouped 3x3 64->64 g16 (cin 4, cout 4) 28x28', 64, 64, 16, 28, 28, 3, 1, 1);
convKernels('grouped 3x3 64->128 g8 (cin 8, cout 16) 28x28', 64, 128, 8, 28, 28, 3, 1, 1);
convKernels('grouped 3x3 64->64 g32 (cin 2, cout 2) 28x28', 64, 64, 32, 28, 28, 3, 1, 1);
convKernels('grouped 3x3 64->32 g32 (cin 2, cout 1) 28x28', 64, 32, 32, 28, 28, 3, 1, 1);
convKernels('grouped 3x3 64->16 g16 (cin 4, cout 1) 28x28', 64, 16, 16, 28, 28, 3, 1, 1);
convKernels('depthwise x2 3x3 32->64 (cin 1, cout 2) 56x56', 32, 64, 32, 56, 56, 3, 1, 1);

// softmax rows: local attention windows (49 taps) and MHSA rows (196 keys)
for (const [rows, n] of [[4 * 3136, 49], [8 * 196, 196], [1024, 1024]] as Array<[number, number]>) {
  const x = randomTensor([rows, n], 4);
  withArena((a) => {
    const px = a.upload(x.data), py = a.alloc(rows * n);
    measure(`softmax_rows__f32x4 ${rows}x${n} (kernel)`, rows * n, 'Gelem/s', () => k.softmax_rows__f32x4(px, py, rows, n));
    measure(`softmax_rows__scalar ${rows}x${n} (kernel)`, rows * n, 'Gelem/s', () => k.softmax_rows__scalar(px, py, rows, n));
  });
  measure(`wasm.softmax(dim=-1) [${rows}, ${n}] (op)`, rows * n, 'Gelem/s', () => { softmax(x, -1); });
}
{ // softmax along dim 1 of [N·heads, 49, H·W] (the attention weights laid out as the reference keeps them)
  const x = randomTensor([4, 49, 3136], 5);
  measure('wasm.softmax(dim=1) [4, 49, 3136] (op, columns kernel)', x.size, 'Gelem/s', () => { softmax(x, 1); });
}

// gelu, both forms, on 1M elements: uniform in [-4, 4) (vectors mix erf's pieces: the worst case) and
// normal(0, 1) (pre-activations; mostly erf's small piece)
{
  const n = 1 << 20, x = randomTensor([n], 6), xn = randomTensor([n], 7);
  for (let i = 0; i < n; i++) x.data[i] *= 8;
  for (let i = 0; i < n; i += 2) {                       // Box-Muller on the uniform pairs
    const u1 = xn.data[i] + 0.5 + 1e-7, u2 = xn.data[i + 1] + 0.5, r = Math.sqrt(-2 * Math.log(u1));
    xn.data[i] = r * Math.cos(2 * Math.PI * u2); xn.data[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  withArena((a) => {
    const px = a.upload(xn.data), py = a.alloc(n);
    measure('gelu__f32x4 (erf) 1M normal(0,1) (kernel)', n, 'Gelem/s', () => k.gelu__f32x4(px, py, n));
  });
  withArena((a) => {
    const px = a.upload(x.data), py = a.alloc(n);
    measure('gelu__f32x4 (erf) 1M uniform [-4,4) (kernel)', n, 'Gelem/s', () => k.gelu__f32x4(px, py, n));
    measure('gelu__scalar (erf) 1M uniform [-4,4) (kernel)', n, 'Gelem/s', () => k.gelu__scalar(px, py, n));
    measure('gelu_tanh__f32x4 1M uniform [-4,4) (kernel)', n, 'Gelem/s', () => k.gelu_tanh__f32x4(px, py, n));
    measure('exp__f32x4 1M uniform [-4,4) (kernel)', n, 'Gelem/s', () => k.exp__f32x4(px, py, n));
  });
  measure("wasm.gelu(x, { approximate: 'none' }) 1M (op)", n, 'Gelem/s', () => { gelu(x); });
  measure("wasm.gelu(x, { approximate: 'tanh' }) 1M (op)", n, 'Gelem/s', () => { gelu(x, { approximate: 'tanh' }); });
}
