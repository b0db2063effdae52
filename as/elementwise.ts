// Elementwise kernels over n contiguous floats: relu, add, axpby (ACmix Eq. 12's mix), and the
// per-column bias of a row-major matrix (linear's bias after the GEMM). Each __f32x4 variant does
// its scalar twin's IEEE operations lane by lane with a scalar tail: bit-identical.

import { f32off } from './lib/lanes';

/**
 * y = x > 0 ? x : +0, NaN kept (scalar variant; moves 32-bit words, so NaN payloads are kept).
 * Matches: torch.nn.functional.relu (relu(−0) = +0, relu(NaN) = NaN).
 * Memory: x, y byte offsets of n float32 (y may equal x).  Writes: y[0 .. n).
 * Numerics: exact (bit-identical to relu__f32x4).  Contract: n ≥ 0.  Cost: 0 FLOPs.
 */
export function relu__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + f32off(i));
    store<u32>(y + f32off(i), v > 0 || v != v ? reinterpret<u32>(v) : 0);
  }
}

/** f32x4 variant of relu__scalar: x AND (x > 0 OR x ≠ x) per lane (bit-identical). */
export function relu__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + f32off(i));
    v128.store(y + f32off(i), v128.and(v, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v))));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + f32off(i));
    store<u32>(y + f32off(i), v > 0 || v != v ? reinterpret<u32>(v) : 0);
  }
}

/**
 * y = a + b elementwise (scalar variant). Matches: torch.add (float32).
 * Memory: a, b, y byte offsets of n float32 (y may equal a or b).  Writes: y[0 .. n).
 * Numerics: one f32 add per element: equal to the reference bit for bit.  Contract: n ≥ 0.  Cost: n FLOPs.
 */
export function add__scalar(a: usize, b: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), load<f32>(a + f32off(i)) + load<f32>(b + f32off(i)));
}

/** f32x4 variant of add__scalar (bit-identical). */
export function add__f32x4(a: usize, b: usize, y: usize, n: i32): void {
  assert(n >= 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + f32off(i), f32x4.add(v128.load(a + f32off(i)), v128.load(b + f32off(i))));
  for (; i < n; i++) store<f32>(y + f32off(i), load<f32>(a + f32off(i)) + load<f32>(b + f32off(i)));
}

/**
 * out = f32(α·x) + f32(β·y) elementwise, α and β float64: each product formed in float64 (exact for
 * float32 α, β) and rounded once to float32, then one float32 add — PyTorch's `rate1 * x + rate2 * y`
 * and the reference's Math.fround(α·x) + Math.fround(β·y), bit for bit (scalar variant).
 * Paper:  ACmix §4.1 Eq. (12), F_out = α F_att + β F_conv.
 * Memory: x, y, out byte offsets of n float32 (out may equal x or y).  Writes: out[0 .. n).
 * Numerics: bit-identical to axpby__f32x4 and to ts/ref axpby.  Contract: n ≥ 0.  Cost: 3n FLOPs.
 */
export function axpby__scalar(alpha: f64, x: usize, beta: f64, y: usize, out: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) {
    const ax = <f32>(alpha * <f64>load<f32>(x + f32off(i)));
    const by = <f32>(beta * <f64>load<f32>(y + f32off(i)));
    store<f32>(out + f32off(i), ax + by);
  }
}

/** f32(s·v) for the 4 float32 lanes of v, through two f64x2 halves. */
// @ts-ignore: decorator
@inline function scaleRounded(v: v128, s: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v), s));
  const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), s));
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

/** f32x4 variant of axpby__scalar (float64 products in f64x2 halves; bit-identical). */
export function axpby__f32x4(alpha: f64, x: usize, beta: f64, y: usize, out: usize, n: i32): void {
  assert(n >= 0);
  const av = f64x2.splat(alpha), bv = f64x2.splat(beta);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const ax = scaleRounded(v128.load(x + f32off(i)), av);
    const by = scaleRounded(v128.load(y + f32off(i)), bv);
    v128.store(out + f32off(i), f32x4.add(ax, by));
  }
  for (; i < n; i++) {
    const ax = <f32>(alpha * <f64>load<f32>(x + f32off(i)));
    const by = <f32>(beta * <f64>load<f32>(y + f32off(i)));
    store<f32>(out + f32off(i), ax + by);
  }
}

/**
 * y[r, c] = y[r, c] + v[c] for a rows × cols row-major matrix (scalar variant): a bias per column,
 * added after a GEMM's sum (linear: y = x Wᵀ, then + b).
 * Memory: y byte offset of rows·cols float32 (updated in place); v byte offset of cols float32.
 * Writes: y[0 .. rows·cols).  Numerics: one f32 add per element (bit-identical to the f32x4 variant).
 * Contract: rows, cols ≥ 0.  Cost: rows·cols FLOPs.
 */
export function add_row_vector__scalar(y: usize, rows: i32, cols: i32, v: usize): void {
  assert(rows >= 0 && cols >= 0);
  for (let r = 0; r < rows; r++) {
    const yr = y + f32off(r * cols);
    for (let c = 0; c < cols; c++) store<f32>(yr + f32off(c), load<f32>(yr + f32off(c)) + load<f32>(v + f32off(c)));
  }
}

/** f32x4 variant of add_row_vector__scalar (bit-identical). */
export function add_row_vector__f32x4(y: usize, rows: i32, cols: i32, v: usize): void {
  assert(rows >= 0 && cols >= 0);
  for (let r = 0; r < rows; r++) {
    const yr = y + f32off(r * cols);
    let c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(yr + f32off(c), f32x4.add(v128.load(yr + f32off(c)), v128.load(v + f32off(c))));
    for (; c < cols; c++) store<f32>(yr + f32off(c), load<f32>(yr + f32off(c)) + load<f32>(v + f32off(c)));
  }
}

/**
 * y[r, c] = y[r, c] + v[r] for a rows × cols row-major matrix (scalar variant): a bias per row, e.g.
 * per output channel of an NCHW map added after a sum over taps (conv2d_shift_sum's Stage II).
 * Memory: y byte offset of rows·cols float32 (updated in place); v byte offset of rows float32.
 * Writes: y[0 .. rows·cols).  Numerics: one f32 add per element (bit-identical to the f32x4 variant).
 * Contract: rows, cols ≥ 0.  Cost: rows·cols FLOPs.
 */
export function add_column_vector__scalar(y: usize, rows: i32, cols: i32, v: usize): void {
  assert(rows >= 0 && cols >= 0);
  for (let r = 0; r < rows; r++) {
    const yr = y + f32off(r * cols), b = load<f32>(v + f32off(r));
    for (let c = 0; c < cols; c++) store<f32>(yr + f32off(c), load<f32>(yr + f32off(c)) + b);
  }
}

/** f32x4 variant of add_column_vector__scalar (bit-identical). */
export function add_column_vector__f32x4(y: usize, rows: i32, cols: i32, v: usize): void {
  assert(rows >= 0 && cols >= 0);
  for (let r = 0; r < rows; r++) {
    const yr = y + f32off(r * cols), b = load<f32>(v + f32off(r)), bv = f32x4.splat(b);
    let c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(yr + f32off(c), f32x4.add(v128.load(yr + f32off(c)), bv));
    for (; c < cols; c++) store<f32>(yr + f32off(c), load<f32>(yr + f32off(c)) + b);
  }
}
