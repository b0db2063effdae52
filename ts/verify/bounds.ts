/**
 * The pieces every golden runner shares (ts/verify.ts, ts/verify_dynconv.ts): unit roundoff, the bound type,
 * and the two generic bounds. Derivations: spec/support/close.ts and README "Numbers".
 */
import { Tensor } from '../core/tensor.js';

/** float32 unit roundoff. */
export const U = 2 ** -24;

/** A per-element bound: |got − expected| ≤ bound(i); `describe` states it for the verify table. */
export interface Bound { bound: (i: number) => number; describe: string }

/** A fixture case as the generators wrote it (name.tensor and name.state.key tensors, JSON params). */
export interface FixtureCaseLike { file: string; name: string; op: string; params: Record<string, any>; tensors: Map<string, Tensor>; state: Map<string, Tensor> }

/** Elementwise |t|. */
export const abs = (t: Tensor): Tensor => new Tensor(t.data.map(Math.abs), t.shape);

/** A named tensor of a case. @throws Error naming the fixture if it is absent. */
export function fixtureTensor(c: FixtureCaseLike, name: string): Tensor {
  const t = c.tensors.get(name);
  if (!t) throw new Error(`fixture ${c.file}:${c.name} has no tensor ${name}`);
  return t;
}

/** The dot-product bound slack·K·u·absScale (+ atol). */
export function dotBound(K: number, absScale: Float32Array | Float64Array, slack = 2, atol = 0): Bound {
  return { bound: (i) => slack * K * U * absScale[i] + atol, describe: `${slack}·K·u·Σ|terms|, K=${K}` };
}

/** Composite blocks: slack·K·u·(|ref_i| + mean|ref|), K the summed reduction lengths along the longest chain. */
export function chainBound(K: number, ref: Float32Array, slack = 4): Bound {
  let mean = 0;
  for (const v of ref) mean += Math.abs(v);
  mean /= ref.length || 1;
  return { bound: (i) => slack * K * U * (Math.abs(ref[i]) + mean), describe: `${slack}·K·u·(|y|+mean|y|), K=${K}` };
}
