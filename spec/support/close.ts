/**
 * Tolerances, derived rather than guessed (STYLE.md §2.9, XNNPACK compute_sum_tolerance).
 *
 * For an output that is a float32 sum of `reduction` products, the standard dot-product bound is
 *   |computed − exact| ≤ γ_K · Σ|a_i b_i|,   γ_K ≈ K · u,   u = 2^-24 (float32 unit roundoff)
 * The reference (ts/ref) accumulates in float64 and rounds once, so it is within u·|exact| of the
 * exact value; a float32 implementation (ours in WASM, or PyTorch's) is within γ_K·absScale. Hence
 *   |got − ref| ≤ slack · K · 2^-24 · absScale + rtol · |ref| + atol
 * with absScale = Σ|terms| per element (for conv: conv2d(|x|, |w|) + |b|). `slack` (default 2)
 * covers the final rounding and non-sequential (blocked) summation orders. The bound grows
 * linearly with K; for K = 9·64 = 576 it is ≈ 7e-5 · absScale. u and the bound itself are
 * ts/core/numerics.ts's (U, dotTolerance); this file holds the test-side assertions and reports.
 */
import { U, dotTolerance } from '../../ts/core/numerics.js';

export { U };

export interface BoundOptions {
  /** Reduction length K (terms summed per output element). */
  reduction: number;
  /** Multiplier on γ_K (default 2). */
  slack?: number;
  /** Relative tolerance on |ref| (e.g. for exp/erf in softmax, gelu). */
  rtol?: number;
  /** Absolute floor. */
  atol?: number;
  /** Shown on failure. */
  label?: string;
  /** Shown on failure: the case parameters. */
  case?: unknown;
  /** Output shape, to report (n, c, h, w) of the first failure. */
  shape?: readonly number[];
}

function unravel(i: number, shape: readonly number[] | undefined): string {
  if (!shape) return String(i);
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(i % shape[d]); i = Math.floor(i / shape[d]); }
  return `(${idx.join(', ')})`;
}

/** ulp distance between two float32 values (for reports). */
export function ulpDistance(a: number, b: number): number {
  const f = new Float32Array([a, b]);
  const u = new Int32Array(f.buffer);
  const ia = u[0] < 0 ? 0x80000000 - u[0] : u[0];
  const ib = u[1] < 0 ? 0x80000000 - u[1] : u[1];
  return Math.abs(ia - ib);
}

/** Largest |got − ref| (NaN if the NaN patterns differ). */
export function maxAbsError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i], r = ref[i];
    if (Number.isNaN(g) || Number.isNaN(r)) { if (Number.isNaN(g) !== Number.isNaN(r)) return NaN; continue; }
    if (g === r) continue;
    m = Math.max(m, Math.abs(g - r));
  }
  return m;
}

/**
 * Asserts |got − ref| ≤ slack · K · u · absScale + rtol·|ref| + atol elementwise (NaN must match NaN).
 * Throws with position, both values, ulp distance, bound and case on the first violation.
 */
export function assertWithinDotBound(
  got: ArrayLike<number>, ref: ArrayLike<number>, absScale: ArrayLike<number> | null, o: BoundOptions,
): void {
  if (got.length !== ref.length) throw new Error(`${o.label ?? ''}: length ${got.length} != ${ref.length}`);
  const slack = o.slack ?? 2, rtol = o.rtol ?? 0, atol = o.atol ?? 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i], r = ref[i];
    if (Number.isNaN(r) || Number.isNaN(g)) {
      if (Number.isNaN(r) && Number.isNaN(g)) continue;
      throw new Error(`${o.label ?? 'values'}: NaN mismatch at ${unravel(i, o.shape)}: got ${g}, ref ${r}; case ${JSON.stringify(o.case)}`);
    }
    if (g === r) continue;
    const scale = absScale ? absScale[i] : Math.abs(r);
    const bound = dotTolerance(o.reduction, scale, r, { slack, rtol, atol });
    const err = Math.abs(g - r);
    if (!(err <= bound)) {
      throw new Error(
        `${o.label ?? 'values'}: |got − ref| = ${err.toExponential(3)} > bound ${bound.toExponential(3)} at ${unravel(i, o.shape)}: ` +
        `got ${g}, ref ${r} (${ulpDistance(g, r)} ulp; K=${o.reduction}, absScale=${scale}); case ${JSON.stringify(o.case)}`);
    }
  }
}

/** Asserts bit-for-bit equality (Object.is per element, so −0 ≠ +0 and NaN == NaN). */
export function assertBitExact(got: ArrayLike<number>, ref: ArrayLike<number>, label = 'values', shape?: readonly number[]): void {
  if (got.length !== ref.length) throw new Error(`${label}: length ${got.length} != ${ref.length}`);
  for (let i = 0; i < ref.length; i++) {
    if (!Object.is(got[i], ref[i])) throw new Error(`${label}: not bit-exact at ${unravel(i, shape)}: got ${got[i]}, ref ${ref[i]}`);
  }
}
