import fc from 'fast-check';
import { Tensor } from '../../ts/core/tensor.js';

/**
 * mulberry32: a tiny deterministic PRNG, so tensors are a function of a shrinkable integer seed
 * (no Math.random inside properties; a failing case replays from its seed).
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tensor of the given shape filled with float32 values uniform in [lo, hi) from `seed`. */
export function seededTensor(shape: readonly number[], seed: number, lo = -2, hi = 2): Tensor {
  const rand = prng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.fround(lo + (hi - lo) * rand());
  return new Tensor(data, shape);
}

/** Element-wise |x| (for absScale oracles: conv2d(|x|, |w|) bounds the conv's rounding). */
export function absTensor(t: Tensor): Tensor {
  return new Tensor(t.data.map(Math.abs), t.shape);
}

/** numRuns and seed from the environment (FC_NUM_RUNS, FC_SEED), as JAX_NUM_GENERATED_CASES. */
export function configureFastCheck(): void {
  const numRuns = process.env.FC_NUM_RUNS ? Number(process.env.FC_NUM_RUNS) : undefined;
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
  fc.configureGlobal({ ...(numRuns ? { numRuns } : {}), ...(seed !== undefined ? { seed } : {}) });
}
configureFastCheck();

/** numRuns for a property: at least `min`, scaled by FC_RUNS_SCALE (default 1). */
export function runs(min: number): number {
  const scale = process.env.FC_RUNS_SCALE ? Number(process.env.FC_RUNS_SCALE) : 1;
  return Math.max(1, Math.round(min * scale));
}
