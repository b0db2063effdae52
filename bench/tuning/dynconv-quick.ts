// Quick timing of the dynamic / deformable convolution ops on their real-layer shapes (no peers): node --import tsx bench/tuning/dynconv-quick.ts
import { Tensor } from '../../ts/core/tensor.js';
import { init, ops } from '../../ts/wasm/index.js';
import { seeded } from '../harness.js';

await init();
function time(label: string, fn: () => unknown, reps = 10): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label.padEnd(58)} ${ms.toFixed(2)} ms`);
  return ms;
}
// deformable 3x3 conv 64 → 64 at 56x56, batch 1
{
  const x = new Tensor(seeded(64 * 56 * 56, 1), [1, 64, 56, 56]), w = new Tensor(seeded(64 * 64 * 9, 2, 0.05), [64, 64, 3, 3]);
  const off = new Tensor(seeded(18 * 56 * 56, 3, 2), [1, 18, 56, 56]), mask = new Tensor(seeded(9 * 56 * 56, 4).map(Math.abs), [1, 9, 56, 56]);
  const b = new Tensor(seeded(64, 5), [64]);
  const conv = time('conv2d 3x3 64→64 56x56 (plain, wasm)', () => ops.conv2d(x, w, b, { padding: 1 }));
  const dcn = time('deform_conv2d 3x3 64→64 56x56 mask (wasm)', () => ops.deformConv2d(x, off, w, b, { padding: 1, mask }));
  console.log(`  deform / plain conv: ${(dcn / conv).toFixed(2)}`);
}
// CondConv / DynamicConv K = 4, batch 8, 64 → 64, 28x28, 3x3
{
  const N = 8, x = new Tensor(seeded(N * 64 * 28 * 28, 6), [N, 64, 28, 28]);
  const experts = new Tensor(seeded(4 * 64 * 64 * 9, 7, 0.05), [4, 64, 64, 3, 3]), eb = new Tensor(seeded(4 * 64, 8), [4, 64]);
  const r = new Tensor(seeded(N * 4, 9).map(Math.abs), [N, 4]);
  const w = new Tensor(experts.data.slice(0, 64 * 64 * 9), [64, 64, 3, 3]), b = new Tensor(eb.data.slice(0, 64), [64]);
  const conv = time('conv2d 3x3 64→64 28x28 batch 8 (plain, wasm)', () => ops.conv2d(x, w, b, { padding: 1 }));
  const mix = time('conv2d_mixture K=4 3x3 64→64 28x28 batch 8 (wasm)', () => ops.conv2dMixture(x, experts, eb, r, { padding: 1 }));
  console.log(`  mixture / plain conv: ${(mix / conv).toFixed(2)} (target ≤ 1.3)`);
}
