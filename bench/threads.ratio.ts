// Same-process ratios for the thread and relaxed-SIMD targets: our ops on the target shapes, configurations
// interleaved round by round in ONE process (init({ threads, deterministic }) re-instantiates between rounds), so a
// slow minute of the shared VM hits every configuration alike. Prints, per workload, the median ms of each
// configuration over the rounds and the ratios threads 2 / 1 and relaxed / strict (the median of per-round ratios).
//   node --import tsx bench/threads.ratio.ts [rounds=7]        (Node 20: strict only; Node 24 or the flag: relaxed too)
// bench/threads.mjs runs it under both Node binaries.
import { Tensor } from '../ts/core/tensor.js';
import { init, ops, relaxedSimdSupported } from '../ts/wasm/index.js';
import { seeded } from './harness.js';
import { conv, matmul, localAttention, acmix as acmixShapes } from './shapes.js';
import { ACmix } from '../ts/nn/index.js';

const rounds = Number(process.argv[2] ?? 7);
const T = (shape: number[], seed: number) => new Tensor(seeded(shape.reduce((a, b) => a * b, 1), seed), shape);

const c3 = conv['resnet50.layer1.conv2'], c1 = conv['resnet50.layer1.1.conv1'], dw = conv['mobilenet_v1.conv_dw_5'];
const mm = matmul['acmix_resnet50.layer1.stage_i'], la = localAttention['acmix_resnet50.layer2.attention'];
const am = acmixShapes['acmix_resnet50.layer1.acmix'];
const x3 = T([1, c3.C_in, c3.H, c3.W], 1), w3 = T([c3.C_out, c3.C_in, 3, 3], 2), b3 = T([c3.C_out], 3);
const x1 = T([1, c1.C_in, c1.H, c1.W], 4), w1 = T([c1.C_out, c1.C_in, 1, 1], 5);
const xd = T([1, dw.C_in, dw.H, dw.W], 6), wd = T([dw.C_out, 1, 3, 3], 7);
const a = T([mm.M, mm.K], 8), wl = T([mm.N, mm.K], 9);
const q = T([1, la.C, la.H, la.W], 10), k = T([1, la.C, la.H, la.W], 11), v = T([1, la.C, la.H, la.W], 12);
const xo = T([1, 64, 56, 56], 13), off = new Tensor(seeded(18 * 56 * 56, 14, 2.5), [1, 18, 56, 56]), wo = T([64, 64, 3, 3], 15);
const block = new ACmix(am.C, am.C, { kernel_att: am.kernel_att, head: am.head, kernel_conv: am.kernel_conv });
const xa = T([1, am.C, am.H, am.W], 16);

const workloads: Array<[string, () => unknown]> = [
  ['conv2d 3x3 64→64 56x56', () => ops.conv2d(x3, w3, b3, { padding: 1 })],
  ['conv2d 1x1 256→64 56x56', () => ops.conv2d(x1, w1, null, {})],
  ['depthwise 3x3 C256 28x28', () => ops.conv2d(xd, wd, null, { padding: 1, groups: dw.groups })],
  ['stage-I GEMM 3136x64 @ 64x192', () => ops.linear(a, wl, null)],
  ['local attention 7x7 28x28 C128 h4', () => ops.localAttention(q, k, v, null, { head: la.head, kernel_att: la.kernel_att })],
  ['deform_conv2d 3x3 64→64 56x56', () => ops.deformConv2d(xo, off, wo, null, { padding: 1 })],
  ['ACmix block C64 56x56', () => block.forward(xa, { backend: 'wasm' })],
];

const configs = [{ id: 'strict t1', threads: 1, deterministic: true }, { id: 'strict t2', threads: 2, deterministic: true }];
if (relaxedSimdSupported()) configs.push({ id: 'relaxed t1', threads: 1, deterministic: false }, { id: 'relaxed t2', threads: 2, deterministic: false });

/** ms per call: the best of 3 timed batches of calls filling ~60 ms, after 2 warm-up calls. */
function time(f: () => unknown): number {
  f(); f();
  const t0 = performance.now(); f(); const once = Math.max(0.05, performance.now() - t0);
  const n = Math.max(1, Math.round(60 / once));
  let best = Infinity;
  for (let b = 0; b < 3; b++) {
    const s = performance.now();
    for (let i = 0; i < n; i++) f();
    best = Math.min(best, (performance.now() - s) / n);
  }
  return best;
}

const ms = new Map<string, number[]>();                     // `${workload}|${config}` → per-round ms
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? configs : [...configs].reverse();
  for (const c of order) {
    await init({ threads: c.threads, deterministic: c.deterministic });
    for (const [name, f] of workloads) {
      const key = `${name}|${c.id}`;
      ms.set(key, [...(ms.get(key) ?? []), time(f)]);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((p, s) => p - s)[Math.floor(xs.length / 2)];
const ratio = (name: string, num: string, den: string) => {
  const A = ms.get(`${name}|${num}`), B = ms.get(`${name}|${den}`);
  return A && B ? median(A.map((x, i) => B[i] / x)) : NaN;
};
const rows = workloads.map(([name]) => ({
  workload: name,
  ...Object.fromEntries(configs.map((c) => [`${c.id} ms`, +median(ms.get(`${name}|${c.id}`)!).toFixed(3)])),
  't2/t1 strict': +ratio(name, 'strict t2', 'strict t1').toFixed(2),
  ...(relaxedSimdSupported() ? {
    'relaxed/strict t1': +ratio(name, 'relaxed t1', 'strict t1').toFixed(2),
    't2/t1 relaxed': +ratio(name, 'relaxed t2', 'relaxed t1').toFixed(2),
  } : {}),
}));
console.log(`THREADS_RATIO ${JSON.stringify({ node: process.version, rounds, rows })}`);
console.table(rows);
process.exit(0);
