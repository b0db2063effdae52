// Helpers shared by the bench/*-quick.ts scripts (quick, single-process timings while a kernel is tuned;
// the real comparison with the peers is bench/run.ts).
import { Tensor } from '../../ts/core/tensor.js';

/** A tensor of uniform values in [−0.5, 0.5) from a small LCG seeded by `seed`. */
export function randomTensor(shape: number[], seed: number): Tensor {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; d[i] = s / 2 ** 32 - 0.5; }
  return new Tensor(d, shape);
}

/**
 * Runs `fn` for `rounds` rounds of ~200 ms after 3 warm-up calls, prints the median and best rate of `work`
 * units per call (GFLOP/s or Gelem/s) and the median time per call, and returns the median rate.
 */
export function measure(label: string, work: number, rounds: number, fn: () => void, unit: 'GFLOP/s' | 'Gelem/s' = 'GFLOP/s', width = 44): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up (tier-up, memory growth)
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let iters = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 200) { fn(); iters++; t = performance.now(); }
    rates.push((work * iters) / ((t - t0) / 1e3) / 1e9);
  }
  rates.sort((a, b) => a - b);
  const med = rates[rates.length >> 1], best = rates[rates.length - 1];
  console.log(`${label.padEnd(width)} median ${med.toFixed(2).padStart(6)} ${unit}   best ${best.toFixed(2).padStart(6)}   (${(work / med / 1e6).toFixed(3)} ms)`);
  return med;
}
