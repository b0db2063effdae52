// Quick check of the fused local attention and the fused ACmix forward (not the benchmark.js suite:
// see bench/run.ts for that, with the peers). Run after `npm run build:as`:
//   node --import tsx bench/local_attention-quick.ts [rounds]
// FLOPs = 2 × multiply-accumulates: local attention = 4·C·k_att²·H_out·W_out (logits + weighted sum).
// Targets (research/peers-and-peak.md, single thread): local 7x7 attention 28x28 d128 h4 — onnxruntime-web
// ~0.8 GFLOP/s, target ≥ 8 (10x); official ACmix block C64 56x56 k_att 7 head 4 — ORT-web ~233 ms, target ≤ 23 ms.
// Reports medians of `rounds` timed runs after a warm-up; the VM drifts 20-35% between runs, so compare
// numbers within one run only. Also reports the peak arena use of the ACmix forward (this process runs it
// first, so arenaStats().highWater − base is its own).
import { init, arenaStats } from '../../ts/wasm/index.js';
import { build } from '../../ts/wasm/module.js';
import { localAttention } from '../../ts/wasm/local_attention.js';
import { acmix as acmixWasm } from '../../ts/wasm/acmix.js';
import { ACmix } from '../../ts/nn/acmix.js';
import { manualSeed } from '../../ts/nn/init.js';
import type { ACmixTrace } from '../../ts/nn/acmix.js';
import { Tensor } from '../../ts/core/tensor.js';
import { randomTensor } from './quick.js';

await init();
const rounds = Number(process.argv[2] ?? 15);


function median(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) { const t0 = performance.now(); fn(); ms.push(performance.now() - t0); }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

console.log(`node ${process.version}, wasm build ${build()}, ${rounds} rounds`);

{ // the official ACmix block, C = 64, 56x56, k_att = 7, head = 4, k_conv = 3 (first, for the memory figure)
  manualSeed(1);
  const m = new ACmix(64, 64, { kernel_att: 7, head: 4, kernel_conv: 3, stride: 1 });
  const x = randomTensor([1, 64, 56, 56], 5);
  const weights = m.weights();
  const base = arenaStats();
  acmixWasm(x, weights, { kernel_att: 7, head: 4 });
  const peak = arenaStats().highWater - base.base;
  const ioBytes = 4 * (x.size + 64 * 56 * 56 + [...m.stateDict().values()].reduce((a, t) => a + t.size, 0));
  const ms = median(() => acmixWasm(x, weights, { kernel_att: 7, head: 4 }));
  const detailed = median(() => m.forwardDetailed(x, { backend: 'wasm' }));
  const trace: ACmixTrace = {};
  m.forwardDetailed(x, { backend: 'wasm', trace });
  console.log(`acmix C64 56x56 k_att 7 head 4 (wasm, fused)   median ${ms.toFixed(2)} ms   (forwardDetailed ${detailed.toFixed(2)} ms; ` +
    `stage I ${trace.stage_i_ms!.toFixed(2)}, attention ${trace.stage_ii_attention_ms!.toFixed(2)}, conv ${trace.stage_ii_conv_ms!.toFixed(2)}, mix ${trace.mix_ms!.toFixed(2)} ms)`);
  console.log(`  peak arena ${(peak / 2 ** 20).toFixed(2)} MiB = ${(peak / ioBytes).toFixed(2)} × (input + output + weights) = ${(ioBytes / 2 ** 20).toFixed(2)} MiB`);
}

for (const [label, C, head, k_att, H, W, stride] of [
  ['local attention 7x7 28x28 d128 h4', 128, 4, 7, 28, 28, 1],
  ['local attention 7x7 56x56 d64 h4 (the ACmix block\'s)', 64, 4, 7, 56, 56, 1],
  ['local attention 7x7 56x56 d64 h4 stride 2', 64, 4, 7, 56, 56, 2],
] as const) {
  const q = randomTensor([1, C, H, W], 1), k = randomTensor([1, C, H, W], 2), v = randomTensor([1, C, H, W], 3);
  const pe = randomTensor([1, C / head, H, W], 4);
  const flops = 4 * C * k_att * k_att * (H / stride) * (W / stride);
  const ms = median(() => localAttention(q, k, v, pe, { head, kernel_att: k_att, stride }));
  console.log(`${label.padEnd(52)} median ${(flops / ms / 1e6).toFixed(1).padStart(5)} GFLOP/s   (${ms.toFixed(3)} ms)`);
}
