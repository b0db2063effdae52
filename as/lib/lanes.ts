// @inline helpers for pointer maths and partial f32x4 loads/stores (the `nc & …` tails of
// XNNPACK micro-kernels). Pointers are byte offsets into linear memory; counts are in elements.

/** Byte offset of element `i` of a float32 array: i · 4. */
// @ts-ignore: decorator
@inline export function f32off(i: i32): usize {
  return <usize>i << 2;
}

/**
 * Loads the first `n` floats at `p` into lanes 0..n-1 (1 ≤ n ≤ 4) and zeros the other lanes.
 * Reads p[0 .. n) only, so it never touches memory past the end of a row.
 */
// @ts-ignore: decorator
@inline export function loadLanes(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores lanes 0..n-1 of `v` to p[0 .. n) (1 ≤ n ≤ 4); writes nothing else. */
// @ts-ignore: decorator
@inline export function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Loads `nr` floats (0 ≤ nr ≤ 8) as two vectors: lanes 0..3 from p, 4..7 from p + 16. */
// @ts-ignore: decorator
@inline export function loadLo8(p: usize, nr: i32): v128 {
  return nr >= 4 ? v128.load(p) : loadLanes(p, nr);
}

// @ts-ignore: decorator
@inline export function loadHi8(p: usize, nr: i32): v128 {
  return nr > 4 ? loadLanes(p + 16, nr - 4) : f32x4.splat(0);
}

/** Stores the first `nr` of 8 lanes held as (lo, hi) to p[0 .. nr) (1 ≤ nr ≤ 8). */
// @ts-ignore: decorator
@inline export function store8(p: usize, lo: v128, hi: v128, nr: i32): void {
  storeLanes(p, lo, nr);
  if (nr > 4) storeLanes(p + 16, hi, nr - 4);
}
