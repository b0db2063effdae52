import { Tensor } from '../core/tensor.js';
import { checkBroadcastBinary } from '../core/check/broadcast.js';

/**
 * Elementwise product with broadcasting: the gate of every attention block (SE: x · s[N,C,1,1]; CBAM's spatial
 * gate x · s[N,1,H,W]; coordinate attention x · a_w[N,C,1,W] · a_h[N,C,H,1]).
 *
 * Matches: torch.mul(input, other) for float32 tensors, NumPy / PyTorch broadcasting of any rank; a number `other`
 *          is a Python scalar (rounded to float32 first, as PyTorch does for a float32 tensor).
 * Equation: y[i] = input[i↓input] · other[i↓other], where i↓t reads index i of the broadcast shape in t (size-1 and
 *          missing dimensions repeat).
 * Shapes:  input S_a, other S_b → broadcastShapes(S_a, S_b).
 * Numerics: one float32 multiply per element (the float64 product of two float32 values is exact, rounded once):
 *          bit-exact, NaN and ±∞ as IEEE 754.
 * Cost:    one FLOP per output element.
 * @throws ArgumentError if input is not a Tensor or other neither a Tensor nor a number.
 * @throws ShapeError if the shapes do not broadcast.   @throws ResourceError if the output exceeds the element limit.
 * @see ts/wasm/mul.ts · spec/gates.test.ts
 */
export function mul(input: Tensor, other: Tensor | number): Tensor {
  const { input: a, other: b, loops } = checkBroadcastBinary('mul', input, other, true);
  return broadcastBinary(a, b, loops.outShape, (u, v) => u * v);
}

/**
 * Elementwise sum with broadcasting (torch.add(input, other), alpha = 1): for equal shapes the residual connection,
 * broadcast e.g. a bias [C, 1, 1] or a position embedding [1, L, C].
 * Paper:   He et al. 2016 (ResNet, arXiv:1512.03385) Eq. (1), y = F(x) + x.
 * Shapes, broadcasting and numerics as `mul` (one float32 add per element: bit-exact); `other` must be a Tensor.
 * @throws ArgumentError, ShapeError, ResourceError as `mul`.
 * @see ts/wasm/add.ts
 */
export function add(input: Tensor, other: Tensor): Tensor {
  const { input: a, other: b, loops } = checkBroadcastBinary('add', input, other, false);
  return broadcastBinary(a, b, loops.outShape, (u, v) => u + v);
}

/** y[i] = f(a[i↓a], b[i↓b]) over the broadcast shape, walking it index by index (rounded once to float32 on store). */
function broadcastBinary(a: Tensor, b: Tensor, outShape: readonly number[], f: (u: number, v: number) => number): Tensor {
  const r = outShape.length;
  const out = new Float32Array(outShape.reduce((x, y) => x * y, 1));
  const stridesOf = (t: Tensor) => {        // row-major strides of t, right-aligned; 0 where t repeats
    const s = new Array<number>(r).fill(0);
    let st = 1;
    for (let d = t.rank - 1; d >= 0; d--) { s[d + r - t.rank] = t.shape[d] === 1 ? 0 : st; st *= t.shape[d]; }
    return s;
  };
  if (a.size === out.length && b.size === out.length) {          // equal shapes: element by element
    for (let i = 0; i < out.length; i++) out[i] = f(a.data[i], b.data[i]);
    return new Tensor(out, outShape);
  }
  const sa = stridesOf(a), sb = stridesOf(b);
  const index = new Array<number>(r).fill(0);
  let ia = 0, ib = 0;                                              // Σ index[d]·sa[d], Σ index[d]·sb[d]
  for (let i = 0; i < out.length; i++) {
    out[i] = f(a.data[ia], b.data[ib]);
    for (let d = r - 1; d >= 0; d--) {                             // next index: the last dim that does not wrap steps
      if (++index[d] < outShape[d]) { ia += sa[d]; ib += sb[d]; break; }
      ia -= (outShape[d] - 1) * sa[d]; ib -= (outShape[d] - 1) * sb[d]; index[d] = 0;
    }
  }
  return new Tensor(out, outShape);
}
