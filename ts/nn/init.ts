import { Tensor } from '../core/tensor.js';
import { checkElements } from '../core/validate.js';

/** A deterministic PRNG (mulberry32) for parameter initialisation; reseed with `manualSeed`. */
let state = 0x2545f491;
export function manualSeed(seed: number): void {
  state = seed >>> 0;
}
function next(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * U(−bound, bound): PyTorch's default init for conv/linear (kaiming_uniform with a = √5 gives bound = 1/√fan_in).
 * @throws ResourceError if the parameter would exceed the element limit (setLimits), before allocating: a module
 *         constructor with 2^30 channels is refused, not left to exhaust memory.
 */
export function uniform(shape: readonly number[], bound: number): Tensor {
  checkElements('init', 'a parameter', shape);
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = (2 * next() - 1) * bound;
  return t;
}
