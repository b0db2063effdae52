import { Tensor } from '../core/tensor.js';
import { checkGeluCall, type GeluApproximate } from '../core/check/activations.js';
import { withArena } from './arena.js';
import { kernels } from './kernels.js';

/**
 * GELU on the WASM kernels: same signature and semantics as ts/ref/activations.ts `gelu`.
 *
 * Paper:   Hendrycks & Gimpel 2016, arXiv:1606.08415, Eq. (1) and §2 (tanh form).
 * Matches: torch.nn.functional.gelu(input, approximate='none' | 'tanh').
 * Composition: gelu__f32x4 ('none') or gelu_tanh__f32x4 ('tanh') over the flat data (as/gelu.ts).
 * Numerics (u = 2⁻²⁴, y = the reference, t = x/√2, z₂ = 2√(2/π)(x + 0.044715x³)), first order in u:
 *   'none', |t| < 3.92:  |wasm − y| ≤ (12 + 4t²)·u·|y|, from: t = x·fl(1/√2) rounded (1.3u relative), which
 *            erfc(|t|) turns into ≈ 2|t|·1.3u·|t| = 2.7t²u relative (d ln erfc(a)/da ≈ −2.08a at a = 3.7);
 *            the argument −t² of exp rounded (t²u); exp < 1 ulp, PB ≈ 3u, the product (piece B) or erf ≈ 1.1 ulp
 *            and 1 ± e (piece A: ≤ 7u relative at |t| = 0.875, where |e| ≤ 0.78 and 1 − e ≥ 0.21); the
 *            products x·½ and ·(1 + erf) and the reference's rounding: 3u. (Measured over 2·10⁶ points of
 *            [−5.54, 5.54]: ≤ (3 + 4t²)·u·|y|.)
 *   'none', t ≤ −3.92:   wasm gives −0, so |wasm − y| = |y| < 1.1e-8·|x|; t ≥ 3.92: wasm = x, |x − y| ≤ u|y|.
 *   'tanh':  x / (1 + e^{−z₂}): z₂ carries ≤ 4u relative (x³, ·0.044715, +x, ·2√(2/π)), so e^{−z₂} carries
 *            (4|z₂| + 2)u, which the sigmoid damps by (1 − σ) ≤ 1; +1 and the division add 2u:
 *            |wasm − y| ≤ (4|z₂| + 6)·u·|y|.
 *   The reference itself forms 1 + erf / 1 + tanh in float64, so where gelu is tiny (x ≪ 0) it is off by up to
 *   2⁻⁵⁴·|x| absolute (e.g. 'tanh' at x = −6.64: 1.3e-3 relative; it gives −0 below x ≈ −8.4 and, 'none',
 *   below x ≈ −8.3), while these kernels keep relative accuracy there down to t = −3.92; the spec adds that term.
 *   Checked per element by spec/registry.test.ts and over dense sweeps by spec/kernels/gelu.test.ts
 *   (measured 'tanh': ≤ (2.7 + 4|z₂|)·u·|y|).
 * Shapes:  any → same.   Cost: ~40 ('none') / ~25 ('tanh') FLOPs per element.
 * @throws ArgumentError / ParameterError / ResourceError as checkGeluCall (first, before any WASM work);
 *         BackendError before init.
 * @see ts/ref/activations.ts · as/gelu.ts · as/lib/math.ts
 */
export function gelu(input: Tensor, options: { approximate?: GeluApproximate } = {}): Tensor {
  const approximate = checkGeluCall('gelu', input, options);
  const k = kernels();
  const n = input.size;
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(n);
    if (approximate === 'tanh') k.gelu_tanh__f32x4(x, y, n);
    else k.gelu__f32x4(x, y, n);
    return a.download(y, n);
  });
  return new Tensor(out, input.shape);
}
