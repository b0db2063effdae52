/**
 * TS twins of the float32 maths in as/lib/math.ts (expf, erf and its pieces): the same IEEE float32
 * operations in the same order, with Math.fround after every + − × ÷ (exact emulation: double rounding is
 * harmless for these operations, 53 ≥ 2·24 + 2), so the kernel specs can assert TS twin ≡ AS scalar ≡
 * AS f32x4 bit for bit. Constants are the float32 values the AS code declares.
 */
const f = Math.fround;
const scratch = new Float32Array(1), scratchBits = new Int32Array(scratch.buffer);
function bitsOf(v: number): number { scratch[0] = v; return scratchBits[0]; }
function fromBits(b: number): number { scratchBits[0] = b; return scratch[0]; }

const LOG2E = f(1.44269504088896341), LN2_HI = f(0.693359375), LN2_LO = f(-2.12194440e-4);
const EXP_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(f);
const EXP_LO = f(-104.0), EXP_HI = f(88.8), MAGIC = f(12582912.0);

/** as/lib/math.ts expf_scalar. */
export function expfTwin(x: number): number {
  x = x < EXP_LO ? EXP_LO : x;
  x = EXP_HI < x ? EXP_HI : x;
  const big = f(f(x * LOG2E) + MAGIC);
  const n = f(big - MAGIC);
  let r = f(x - f(n * LN2_HI));
  r = f(r - f(n * LN2_LO));
  const z = f(r * r);
  let y = EXP_P[0];
  for (let i = 1; i < 6; i++) y = f(f(y * r) + EXP_P[i]);
  y = f(f(f(y * z) + r) + 1);
  const ni = (bitsOf(big) - bitsOf(MAGIC)) | 0;
  const n1 = ni >> 1, n2 = ni - n1;
  return f(f(y * fromBits((n1 + 127) << 23)) * fromBits((n2 + 127) << 23));
}

export const ERF_A_END = f(0.875), ERF_B_END = f(3.92);
const ERF_B_MID = f(2.0), ERF_K = f(0.12837916612625122);
const ERF_A = [-0.37612637877464294, 0.11283782869577408, -0.026864653453230858, 0.005215061828494072,
  -0.0008312996942549944, 9.137906454270706e-05].map(f);
const ERF_B = [0.25539568066596985, -0.10679648071527481, 0.04180270805954933, -0.015460411086678505,
  0.005440921988338232, -0.0018325907876715064, 0.0005924409488216043, -0.0001832814305089414,
  5.512224379344843e-05, -1.721199441817589e-05, 5.35663275513798e-06, -1.2392873713906738e-06,
  1.355707865968725e-07].map(f);

/** erf_small_scalar: a + a·(k + z·PA(z)), z = a². */
export function erfSmallTwin(a: number): number {
  const z = f(a * a);
  let p = ERF_A[5];
  for (let i = 4; i >= 0; i--) p = f(f(p * z) + ERF_A[i]);
  return f(a + f(a * f(ERF_K + f(z * p))));
}

/** erfc_mid_scalar: exp(−a²)·PB(a − 2). */
export function erfcMidTwin(a: number): number {
  const t = f(a - ERF_B_MID);
  let g = ERF_B[12];
  for (let i = 11; i >= 0; i--) g = f(f(g * t) + ERF_B[i]);
  return f(expfTwin(-f(a * a)) * g);
}

/** erf_scalar. */
export function erfTwin(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < ERF_A_END) r = erfSmallTwin(a);
  else if (a >= ERF_B_END) r = 1;
  else r = f(1 - erfcMidTwin(a));
  return Number.isNaN(r) ? r : (x < 0 || Object.is(x, -0)) ? -r : r;   // copysign (NaN: any sign)
}

const SQRT1_2 = f(0.7071067811865476), TANH_K2 = f(1.5957691216057308), TANH_C = f(0.044715);

/** as/gelu.ts gelu_scalar. */
export function geluTwin(x: number): number {
  const t = f(x * SQRT1_2), a = Math.abs(t);
  let onePlus: number;
  if (a < ERF_A_END) { const e = erfSmallTwin(a); onePlus = t < 0 ? f(1 - e) : f(1 + e); }
  else if (a >= ERF_B_END) onePlus = t < 0 ? 0 : 2;
  else { const c = erfcMidTwin(a); onePlus = t < 0 ? c : f(2 - c); }
  return f(f(x * 0.5) * onePlus);
}

/** as/gelu.ts gelu_tanh_scalar. */
export function geluTanhTwin(x: number): number {
  const x3 = f(f(x * x) * x);
  const inner = f(x + f(TANH_C * x3));
  return f(x / f(1 + expfTwin(-f(TANH_K2 * inner))));
}
