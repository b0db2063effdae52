/**
 * The pieces every golden runner shares (ts/verify/golden.ts, ts/verify/golden_dynconv.ts): fixture access and
 * |t|. The unit roundoff, the Bound type and the generic bounds live in ts/core/numerics.ts (derivations there
 * and in README "Numbers") and are re-exported here for the runners.
 */
import { Tensor } from '../core/tensor.js';

export { U, dotBound, chainBound, type Bound } from '../core/numerics.js';

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
