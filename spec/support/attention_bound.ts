/**
 * The derived error bound of a float32 local attention (ts/wasm/local_attention.ts, the fused kernel in
 * as/local_attention.ts) against the float64 reference (ts/ref/local_attention.ts), per output element.
 *
 * Derivation (u = 2^-24; first order, for one pixel and head; the slack 2 covers second-order terms):
 *   qs_d = fl(q_d·s) is the same float32 value in both. The reference logit is
 *   ℓ_t = Σ_d qs_d (k_td + pe_cd − pe_td) (float64: exact at this scale); the kernel computes
 *   l̂_t = fl(fl-Σ_d qs_d·fl(k_td − pe_td) + fl-Σ_d qs_d·pe_cd): hd + 2 roundings along the longest path, so
 *     |l̂_t − ℓ_t| ≤ δ = (hd + 2)·u·Λ,      Λ = max_t Λ_t,  Λ_t = Σ_d |qs_d|(|k_td| + |pe_td| + |pe_cd|).
 *   Softmax is shift invariant, and perturbing every logit by at most δ moves each weight by a factor in
 *   [e^−2δ, e^2δ]: |Σ w̃_t v_t − Σ w_t v_t| ≤ 2δ·A,  A = Σ_t w_t |v_t|.
 *   In float32 the kernel then forms x̂_t = fl(l̂_t − m) (|l̂_t − m| ≤ 2Λ: relative weight error 2u·Λ),
 *   e_t = exp(x̂_t) with ≤ 1 ulp ≤ 2u relative (as/lib/math.ts expf, measured in spec/kernels/softmax_rows.test.ts),
 *   S = Σ e_t ((T − 1) roundings), Σ e_t v_t (T roundings) and one division: with the weights' error
 *   entering through both numerator and S, that adds (2·(2u + 2u·Λ) + (T − 1)u + T·u + u)·A.
 *   The reference rounds once more to float32 (u/2·A). In all:
 *     |wasm − ref| ≤ 2·u·(2(hd + 4)·Λ + 2T + 5)·A  (+ atol for subnormal weights: T·2^-149·max|v|).
 * Inputs here are float32 tensors; Λ and A are computed in float64 (A by the reference itself on |v|).
 * @see ts/wasm/local_attention.ts · spec/local_attention.test.ts · spec/acmix.test.ts
 */
import { Tensor } from '../../ts/core/tensor.js';
import { localAttention } from '../../ts/ref/local_attention.js';
import { checkLocalAttention, type LocalAttentionOptions } from '../../ts/core/check/local_attention.js';
import { U } from '../../ts/core/numerics.js';

export { U };

const reflect = (s: number, n: number) => (s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s);

/** Per output element [N, C, H_out, W_out]: the bound above (absolute, before atol). */
export function localAttentionBound(q: Tensor, k: Tensor, v: Tensor, pe: Tensor | null, options: LocalAttentionOptions): Float64Array {
  const g = checkLocalAttention('local_attention', q, k, v, pe, options);
  const { N, C, H, W, head, head_dim: hd, kernel_att: ka, stride: s, padding_att: P, H_out, W_out } = g;
  const plane = H * W, T = ka * ka, scaling = Math.fround(hd ** -0.5);
  const A = localAttention(q, k, new Tensor(v.data.map(Math.abs), v.shape), pe, options).data;   // Σ_t w_t |v_t|
  const bound = new Float64Array(N * C * H_out * W_out);
  for (let n = 0; n < N; n++) for (let h = 0; h < head; h++) for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
    const ci = s * i, cj = s * j;
    let lambda = 0;
    for (let a = 0; a < ka; a++) for (let b = 0; b < ka; b++) {
      const y = reflect(ci + a - P, H), x = reflect(cj + b - P, W);
      let sum = 0;
      for (let d = 0; d < hd; d++) {
        const qs = Math.abs(Math.fround(q.data[(n * C + h * hd + d) * plane + ci * W + cj] * scaling));
        const pc = pe ? Math.abs(pe.data[d * plane + ci * W + cj]) : 0, pt = pe ? Math.abs(pe.data[d * plane + y * W + x]) : 0;
        sum += qs * (Math.abs(k.data[(n * C + h * hd + d) * plane + y * W + x]) + pc + pt);
      }
      lambda = Math.max(lambda, sum);
    }
    const factor = 2 * U * (2 * (hd + 4) * lambda + 2 * T + 5);
    for (let d = 0; d < hd; d++) {
      const o = ((n * C + h * hd + d) * H_out + i) * W_out + j;
      bound[o] = factor * A[o];
    }
  }
  return bound;
}

/**
 * Asserts |got − ref| ≤ bound (+ atol) per element; NaN must match NaN and ±∞ must match exactly.
 * Reports position, values, bound, the worst ratio and the case; returns the worst ratio error/bound.
 */
export function assertWithinAttentionBound(got: ArrayLike<number>, ref: ArrayLike<number>, bound: ArrayLike<number>,
  o: { atol?: number; label?: string; case?: unknown }): number {
  const atol = o.atol ?? 1e-37;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i], r = ref[i];
    if (Number.isNaN(g) || Number.isNaN(r) || !Number.isFinite(r) || !Number.isFinite(g)) {
      if (Object.is(g, r) || (Number.isNaN(g) && Number.isNaN(r))) continue;
      throw new Error(`${o.label ?? 'local attention'}: non-finite mismatch at ${i}: got ${g}, ref ${r}; case ${JSON.stringify(o.case)}`);
    }
    const err = Math.abs(g - r), b = bound[i] + atol;
    if (!Number.isFinite(b)) continue;                     // an infinite |v| elsewhere in the window: no finite bound
    if (!(err <= b)) {
      throw new Error(`${o.label ?? 'local attention'}: |got − ref| = ${err.toExponential(3)} > bound ${b.toExponential(3)} at ${i}: ` +
        `got ${g}, ref ${r}; case ${JSON.stringify(o.case)}`);
    }
    if (b > 0) worst = Math.max(worst, err / b);
  }
  return worst;
}
