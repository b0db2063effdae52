/**
 * Numerics: the float32 unit roundoff and the error bounds every float32 path (the WASM kernels, PyTorch's
 * fixtures) is held to against the float64 reference (STYLE.md §2.9, ARCHITECTURE.md "Numbers").
 *
 * The reference (ts/ref) accumulates in float64 and rounds once per output, so it is within u·|exact| of the
 * exact value. A float32 sum of K products is within γ_K·Σ|a_i·b_i| of it, γ_K = K·u/(1 − K·u) ≈ K·u
 * (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §3.1, inner products; the same form as
 * XNNPACK's compute_sum_tolerance). Hence, per output element,
 *   |got − ref| ≤ slack · K · u · absScale + rtol · |ref| + atol,
 * with absScale = Σ|terms| (for conv: conv2d(|x|, |w|) + |b|, i.e. the reference run on absolute values) and
 * slack (default 2) covering the reference's own rounding and blocked (non-sequential) summation orders.
 * The bound grows linearly with K: for K = 9·64 = 576 it is ≈ 7e-5 · absScale. Data movement (pad, unfold,
 * shift) is bit-exact and needs no bound. Composite blocks use the chain bound below.
 *
 * Test-only helpers (assertions, ulp distance, per-op bounds of one spec) live in spec/support/; golden-runner
 * helpers in ts/verify/bounds.ts. Neither redefines u.
 */

/** float32 unit roundoff u = 2⁻²⁴ (half the distance from 1 to the next float32). */
export const U = 2 ** -24;

/** A per-element bound: |got − expected| ≤ bound(i); `describe` states it (shown by `attnconv verify`). */
export interface Bound {
  bound: (i: number) => number;
  describe: string;
}

/** Options of {@link dotTolerance}. */
export interface DotToleranceOptions {
  /** multiplier on K·u (default 2) */
  slack?: number;
  /** relative tolerance on |ref| (e.g. for exp/erf inside the op) */
  rtol?: number;
  /** absolute floor */
  atol?: number;
}

/**
 * The dot-product bound of one element: slack·K·u·absScale + rtol·|ref| + atol.
 * @param K        reduction length (terms summed per output: C_in/groups·k_h·k_w (+ 1 with bias) for conv)
 * @param absScale Σ|terms| of that output
 * @param ref      the reference value (only for rtol)
 */
export function dotTolerance(K: number, absScale: number, ref = 0, o: DotToleranceOptions = {}): number {
  return (o.slack ?? 2) * K * U * absScale + (o.rtol ?? 0) * Math.abs(ref) + (o.atol ?? 0);
}

/** The dot-product bound slack·K·u·absScale[i] (+ atol) over a whole output. */
export function dotBound(K: number, absScale: ArrayLike<number>, slack = 2, atol = 0): Bound {
  return { bound: (i) => dotTolerance(K, absScale[i], 0, { slack, atol }), describe: `${slack}·K·u·Σ|terms|, K=${K}` };
}

/**
 * Composite blocks (ACmix, the bottleneck): slack·K·u·(|ref_i| + mean|ref|), K the summed reduction lengths
 * along the longest chain of float32 reductions. The mean term stands in for Σ|terms| of intermediate
 * reductions, which a whole block does not expose.
 */
export function chainBound(K: number, ref: ArrayLike<number>, slack = 4): Bound {
  let mean = 0;
  for (let i = 0; i < ref.length; i++) mean += Math.abs(ref[i]);
  mean /= ref.length || 1;
  return { bound: (i) => slack * K * U * (Math.abs(ref[i]) + mean), describe: `${slack}·K·u·(|y|+mean|y|), K=${K}` };
}
