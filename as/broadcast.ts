// Broadcast binary kernels (torch.mul / torch.add with NumPy broadcasting) over the collapsed loops the host
// computes (ts/core/check/broadcast.ts broadcastLoops): `rank` loops with extents dims[k] and element strides
// sa[k], sb[k] (0 = broadcast) per operand, read from an i32 table. The innermost loop is the run the SIMD
// variant vectorises: both operands contiguous (equal shapes), one contiguous and one repeated (the gate
// patterns: [N,C,H,W]·[N,C,1,1] → [N·C] × [H·W] with b splatted; ·[N,C,H,1] likewise per row), or any stride (a
// scalar loop). The outer loops are walked by decomposing the row index. Each __f32x4 variant does its scalar
// twin's one IEEE operation per element lane by lane: bit-identical.

import { f32off } from './lib/lanes';

const OP_MUL: i32 = 0;
const OP_ADD: i32 = 1;

// @ts-ignore: decorator
@inline function apply(op: i32, u: f32, v: f32): f32 {
  return op == OP_MUL ? u * v : u + v;
}

// @ts-ignore: decorator
@inline function applyV(op: i32, u: v128, v: v128): v128 {
  return op == OP_MUL ? f32x4.mul(u, v) : f32x4.add(u, v);
}

/** Byte offset of i32 entry `k` of the loop table. */
// @ts-ignore: decorator
@inline function entry(table: usize, k: i32): i32 {
  return load<i32>(table + (<usize>k << 2));
}

/** y[j] = op(a[j·sa], b[j·sb]) for j < n (scalar). */
// @ts-ignore: decorator
@inline function runScalar(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  for (let j = 0; j < n; j++) store<f32>(y + f32off(j), apply(op, load<f32>(a + f32off(j * sa)), load<f32>(b + f32off(j * sb))));
}

/** y[j] = op(a[j·sa], b[j·sb]) for j < n, four lanes per step when each stride is 0 or 1, else the scalar loop. */
// @ts-ignore: decorator
@inline function runF32x4(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  let j = 0;
  if (sa == 1 && sb == 1) {
    for (; j + 4 <= n; j += 4) v128.store(y + f32off(j), applyV(op, v128.load(a + f32off(j)), v128.load(b + f32off(j))));
  } else if (sa == 1 && sb == 0) {
    const bv = v128.load32_splat(b);
    for (; j + 4 <= n; j += 4) v128.store(y + f32off(j), applyV(op, v128.load(a + f32off(j)), bv));
  } else if (sa == 0 && sb == 1) {
    const av = v128.load32_splat(a);
    for (; j + 4 <= n; j += 4) v128.store(y + f32off(j), applyV(op, av, v128.load(b + f32off(j))));
  }
  for (; j < n; j++) store<f32>(y + f32off(j), apply(op, load<f32>(a + f32off(j * sa)), load<f32>(b + f32off(j * sb))));
}

/**
 * The loop nest: for every row (index over the outer rank − 1 loops) the innermost run. Table layout (i32):
 * dims[0 .. rank), sa[0 .. rank), sb[0 .. rank).
 */
// @ts-ignore: decorator
@inline function broadcastBinary(op: i32, simd: bool, a: usize, b: usize, y: usize, table: usize, rank: i32): void {
  assert(rank >= 1);
  const last = rank - 1;
  const n = entry(table, last), saIn = entry(table, rank + last), sbIn = entry(table, 2 * rank + last);
  let rows = 1;
  for (let k = 0; k < last; k++) rows *= entry(table, k);
  for (let r = 0; r < rows; r++) {
    // decompose r over dims[last − 1] … dims[0] (innermost first) into the operands' row offsets
    let rest = r, offA = 0, offB = 0;
    for (let k = last - 1; k >= 0; k--) {
      const d = entry(table, k), q = rest / d, c = rest - q * d;
      offA += c * entry(table, rank + k);
      offB += c * entry(table, 2 * rank + k);
      rest = q;
    }
    const pa = a + f32off(offA), pb = b + f32off(offB), py = y + f32off(r * n);
    if (simd) runF32x4(op, pa, saIn, pb, sbIn, py, n);
    else runScalar(op, pa, saIn, pb, sbIn, py, n);
  }
}

/**
 * y = a · b with broadcasting over the collapsed loops of `table` (scalar variant).
 * Matches: torch.mul (float32).
 * Memory:   a, b: byte offsets of the operands (read at the table's strides); y: byte offset of Π dims float32,
 *           written in row-major order (must not overlap a or b unless equal to one with the same strides);
 *           table: byte offset of 3·rank i32 (dims, a strides, b strides, outermost first).
 * Writes:   y[0 .. Π dims) only.
 * Numerics: one f32 multiply per element: bit-identical to mul_broadcast__f32x4 and to the reference.
 * Contract: rank ≥ 1, dims ≥ 0, strides ≥ 0 and in range — asserted in debug builds only (caller: ts/wasm/mul.ts).
 * Cost:     Π dims FLOPs.
 */
export function mul_broadcast__scalar(a: usize, b: usize, y: usize, table: usize, rank: i32): void {
  broadcastBinary(OP_MUL, false, a, b, y, table, rank);
}

/** f32x4 twin of mul_broadcast__scalar (contiguous or splatted runs four lanes per step). Same contract, same bits. */
export function mul_broadcast__f32x4(a: usize, b: usize, y: usize, table: usize, rank: i32): void {
  broadcastBinary(OP_MUL, true, a, b, y, table, rank);
}

/**
 * y = a + b with broadcasting over the collapsed loops of `table` (scalar variant). Matches: torch.add (alpha = 1).
 * Memory, contract as mul_broadcast__scalar.  Numerics: one f32 add per element (bit-identical to the f32x4 variant).
 */
export function add_broadcast__scalar(a: usize, b: usize, y: usize, table: usize, rank: i32): void {
  broadcastBinary(OP_ADD, false, a, b, y, table, rank);
}

/** f32x4 twin of add_broadcast__scalar. Same contract, same bits. */
export function add_broadcast__f32x4(a: usize, b: usize, y: usize, table: usize, rank: i32): void {
  broadcastBinary(OP_ADD, true, a, b, y, table, rank);
}
