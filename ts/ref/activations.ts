import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtContext } from '../core/errors.js';
import { GeluApproximate, checkGeluCall, checkUnary, checkSoftmax, checkAxpby } from '../core/check/activations.js';

/**
 * Rectified linear unit, y = max(x, 0).
 * Matches: torch.nn.functional.relu (NaN propagates: relu(NaN) = NaN; relu(−0) = 0 as in PyTorch's clamp_min... see Numerics).
 * Shapes:  any → same.   Numerics: exact (x > 0 ? x : 0; NaN stays NaN).   Cost: N elements, 0 FLOPs.
 * @see spec/activations.test.ts
 */
export function relu(input: Tensor): Tensor {
  checkUnary('relu', input);
  const x = input.data, out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Number.isNaN(x[i]) ? NaN : x[i] > 0 ? x[i] : 0;
  return new Tensor(out, input.shape);
}

/** erf(x) to double precision (W. J. Cody's rational Chebyshev approximations, as in many libm's). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // erf(x) = x·P(x²)/Q(x²) on |x| < 0.5
    const t = x * x;
    const p = [3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
    const q = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
    let num = p[4] * t, den = t;
    for (let i = 0; i < 3; i++) { num = (num + p[i]) * t; den = (den + q[i]) * t; }
    return (x * (num + p[3])) / (den + q[3]);
  }
  return x < 0 ? -1 + erfcPositive(ax) : 1 - erfcPositive(ax);
}

/** erfc(x) for x ≥ 0.5 (Cody). */
function erfcPositive(x: number): number {
  if (x >= 26.6) return 0;
  let r: number;
  if (x <= 4) {
    const c = [5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1, 2.98635138197400131e2,
      8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3, 2.15311535474403846e-8];
    const d = [1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3,
      3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3];
    let num = c[8] * x, den = x;
    for (let i = 0; i < 7; i++) { num = (num + c[i]) * x; den = (den + d[i]) * x; }
    r = (num + c[7]) / (den + d[7]);
  } else {
    const p = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2];
    const q = [2.56852019228982242e0, 1.87295284992346725e0, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];
    const z = 1 / (x * x);
    let num = p[5] * z, den = z;
    for (let i = 0; i < 4; i++) { num = (num + p[i]) * z; den = (den + q[i]) * z; }
    r = (z * (num + p[4])) / (den + q[4]);
    r = (1 / Math.sqrt(Math.PI) - r) / x;
  }
  // exp(−x²) split to keep precision: x = xs + (x − xs)
  const xs = Math.trunc(x * 16) / 16;
  const del = (x - xs) * (x + xs);
  return Math.exp(-xs * xs) * Math.exp(-del) * r;
}

/**
 * Gaussian error linear unit.
 *
 * Paper:   Hendrycks & Gimpel 2016, arXiv:1606.08415, Eq. (1) (exact) and §2 (tanh approximation).
 * Matches: torch.nn.functional.gelu(input, approximate='none' | 'tanh').
 * Equation: 'none': y = x · ½ (1 + erf(x / √2));  'tanh': y = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))).
 * Shapes:  any → same.
 * Numerics: evaluated in float64 (erf accurate to ~1e-15 relative), one rounding to float32.
 * Cost:    ~ 20 FLOPs per element (not counted as GEMM work).
 * @throws ParameterError if approximate is not 'none' or 'tanh'.
 */
export function gelu(input: Tensor, options: { approximate?: GeluApproximate } = {}): Tensor {
  const approximate = checkGeluCall('gelu', input, options);
  const x = input.data, out = new Float32Array(x.length);
  const k = Math.sqrt(2 / Math.PI);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = approximate === 'none' ? v * 0.5 * (1 + erf(v / Math.SQRT2)) : 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v * v * v)));
  }
  return new Tensor(out, input.shape);
}

/**
 * Softmax along one dimension, max-subtracted.
 *
 * Paper:   ACmix Eq. (9): attention weights are a softmax over the window N_k(i, j).
 * Matches: torch.nn.functional.softmax(input, dim) (rows of all −∞ give NaN, as PyTorch).
 * Equation: y_i = exp(x_i − max x) / Σ_j exp(x_j − max x).
 * Shapes:  any rank ≥ 1 → same.
 * Numerics: float64 exp and sum, one rounding per element; relative error ≲ 2 ulp(float32).
 * Cost:    ~ 4 FLOPs per element + one exp.
 * @throws ShapeError if input has rank 0.  @throws ParameterError if dim is out of range.
 */
export function softmax(input: Tensor, dim: number): Tensor {
  const d = checkSoftmax('softmax', input, dim);
  const size = input.shape[d];
  const inner = input.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const outer = input.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const x = input.data, out = new Float32Array(x.length);
  const row = new Float64Array(outer * inner > 0 ? size : 0);   // no scratch for an empty tensor, however long the dim
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const base = o * size * inner + i;
    let max = -Infinity, nan = false;
    for (let s = 0; s < size; s++) { const v = x[base + s * inner]; if (Number.isNaN(v)) nan = true; if (v > max) max = v; }
    let sum = 0;
    for (let s = 0; s < size; s++) { row[s] = nan ? NaN : Math.exp(x[base + s * inner] - max); sum += row[s]; }
    for (let s = 0; s < size; s++) out[base + s * inner] = row[s] / sum;
  }
  return new Tensor(out, input.shape);
}

// add (torch.add with broadcasting) lives in ./mul.ts beside mul: the same broadcast machinery.
export { add } from './mul.js';

/**
 * Weighted sum alpha·x + beta·y of two equal-shape tensors, as PyTorch evaluates `rate1 * x + rate2 * y`
 * (each product rounded to float32, then the sum).
 * Paper: ACmix Eq. (12), F_out = α F_att + β F_conv.
 * @throws ShapeError on shape mismatch.
 */
export function axpby(alpha: number, x: Tensor, beta: number, y: Tensor): Tensor {
  checkAxpby('axpby', alpha, x, beta, y);
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(alpha * x.data[i]) + Math.fround(beta * y.data[i]);
  return new Tensor(out, x.shape);
}

