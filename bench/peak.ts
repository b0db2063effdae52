// The attainable f32x4 mul+add GFLOP/s of one core: bench/peak.wat (hand-written WAT: 8 or 12
// independent acc = acc·m + a chains, no memory traffic), compiled here with binaryen, timed in
// interleaved rounds. Every kernel's GFLOP/s is quoted as a fraction of the best chain count's
// median. Run alone: node --import tsx bench/peak.ts
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';

export interface PeakResult {
  /** median GFLOP/s of the best chain count (the ceiling quoted by the bench) */
  gflops: number;
  /** per chain count: median, min, max GFLOP/s over the rounds */
  chains: Record<string, { median: number; min: number; max: number }>;
  formula: string;
}

const ITERS = 2_000_000;
const CHAINS = [8, 12] as const;

function compile(): Record<string, (iters: number) => number> {
  const text = readFileSync(fileURLToPath(new URL('./peak.wat', import.meta.url)), 'utf8');
  const mod = binaryen.parseText(text);
  mod.setFeatures(binaryen.Features.SIMD128);
  if (!mod.validate()) throw new Error('bench/peak.wat does not validate');
  const bytes = mod.emitBinary();
  mod.dispose();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {});
  return instance.exports as unknown as Record<string, (iters: number) => number>;
}

/** Rounds of every chain count, interleaved; each round times one call of ITERS iterations. */
export function measurePeak(rounds = 9): PeakResult {
  const k = compile();
  const rates: Record<string, number[]> = {};
  for (const n of CHAINS) rates[n] = [];
  let sink = 0;
  const warmup = 3; // discarded rounds: V8 tiers wasm up from Liftoff to TurboFan in the background
  for (let r = 0; r < warmup + rounds; r++) {
    for (const n of CHAINS) {
      const t0 = performance.now();
      sink += k[`chains${n}`](ITERS);
      const s = (performance.now() - t0) / 1e3;
      if (r >= warmup) rates[n].push((ITERS * n * 2 * 8) / s / 1e9);
    }
  }
  if (!Number.isFinite(sink)) throw new Error('peak: accumulators overflowed');
  const chains: PeakResult['chains'] = {};
  let best = 0;
  for (const n of CHAINS) {
    const s = [...rates[n]].sort((a, b) => a - b);
    const median = s[s.length >> 1];
    chains[`${n} chains`] = { median, min: s[0], max: s[s.length - 1] };
    best = Math.max(best, median);
  }
  return { gflops: best, chains, formula: 'iters · chains · 2 updates · (4 mul + 4 add)' };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const p = measurePeak();
  for (const [name, c] of Object.entries(p.chains)) {
    console.log(`f32x4 mul+add, ${name.padEnd(10)} median ${c.median.toFixed(1)} GFLOP/s (min ${c.min.toFixed(1)}, max ${c.max.toFixed(1)})`);
  }
  console.log(`peak (best median): ${p.gflops.toFixed(1)} GFLOP/s`);
}
