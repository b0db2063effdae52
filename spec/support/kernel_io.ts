/**
 * Helpers for the kernel specs (spec/kernels/*.test.ts): float32 data from a seed with special values mixed
 * in, bit patterns, and running one kernel variant on fresh copies of its buffers inside an arena scope.
 */
import { withArena, type Arena } from '../../ts/wasm/arena.js';
import { prng } from './arbitraries.js';

export const f = Math.fround;

/** float32 values uniform in [lo, hi) from `seed`; with `specials`, ~15% of them NaN, ±Inf, ±0, subnormal or huge. */
export function randomArray(length: number, seed: number, lo = -2, hi = 2, specials = false): Float32Array {
  const rand = prng(seed);
  const out = new Float32Array(length);
  const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1e-45, -1e-40, 3e38, -3e38, 1, -1];
  for (let i = 0; i < length; i++) {
    out[i] = specials && rand() < 0.15 ? SPECIALS[Math.floor(rand() * SPECIALS.length)] : f(lo + (hi - lo) * rand());
  }
  return out;
}

/** The float32 bit pattern of v. */
export function bits(v: number): number {
  const a = new Float32Array([v]);
  return new Uint32Array(a.buffer)[0];
}

/** The float32 with bit pattern b. */
export function fromBits(b: number): number {
  const a = new Uint32Array([b >>> 0]);
  return new Float32Array(a.buffer)[0];
}

/** An Int32Array's bytes as a Float32Array (to upload index tables through the arena). */
export function asF32(a: Int32Array | Float64Array): Float32Array {
  return new Float32Array(a.buffer, a.byteOffset, a.byteLength / 4);
}

/**
 * Runs `call` with the given inputs uploaded and outputs initialised (copies, so every variant starts from
 * the same bits), and returns the outputs' contents after the call.
 */
export function runKernel(
  inputs: Float32Array[], outputs: Float32Array[], call: (inPtrs: number[], outPtrs: number[], a: Arena) => void,
): Float32Array[] {
  return withArena((a) => {
    const ins = inputs.map((x) => a.upload(x));
    const outs = outputs.map((y) => a.upload(y));
    call(ins, outs, a);
    return outs.map((p, i) => a.download(p, outputs[i].length));
  });
}

/** The float32 ulp of the binade of v (2^(⌊log2|v|⌋ − 23); 2⁻¹⁴⁹ in the subnormal range). */
export function ulpOf(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  if (!Number.isFinite(a)) return NaN;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** |got − exact| in float32 ulps of exact's binade (exact given in float64). */
export function ulpError(got: number, exact: number): number {
  if (Object.is(got, exact) || got === exact) return 0;
  return Math.abs(got - exact) / ulpOf(exact);
}
