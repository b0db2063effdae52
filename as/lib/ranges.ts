// @inline valid-range helpers for sliding-window kernels: for an output index j that reads input
// index j·stride + offset, the j with 0 ≤ j·stride + offset < size form one interval [begin, end),
// computed once per row (or per call) instead of testing every element (tfjs CPU `continue`,
// XNNPACK border handling).

/** First j ≥ 0 with j·stride + offset ≥ 0 (stride ≥ 1). */
// @ts-ignore: decorator
@inline export function validBegin(offset: i32, stride: i32): i32 {
  return offset >= 0 ? 0 : (-offset + stride - 1) / stride;
}

/**
 * One past the last j < count with j·stride + offset ≤ size − 1, clamped to [begin, count]
 * (so an empty range comes out as [begin, begin)).
 */
// @ts-ignore: decorator
@inline export function validEnd(offset: i32, stride: i32, size: i32, count: i32, begin: i32): i32 {
  const top = size - 1 - offset;
  if (top < 0) return begin;
  return max<i32>(begin, min<i32>(count, top / stride + 1));
}

/**
 * The 4 floats at p, p + s, p + 2s, p + 3s (s ≥ 1 in elements), reading only those floats for
 * s = 1 and s ≥ 3, and p[0 .. 7) for s = 2 (two overlapping loads and one shuffle), so a caller
 * whose four columns are inside a row never reads past the row.
 */
// @ts-ignore: decorator
@inline export function loadStrided(p: usize, s: i32): v128 {
  if (s == 1) return v128.load(p);
  if (s == 2) {
    // lanes 0, 2 of p[0..4) and lanes 1, 3 of p[3..7): columns 0, 2, 4, 6
    return v128.shuffle<f32>(v128.load(p), v128.load(p, 12), 0, 2, 5, 7);
  }
  const sb = <usize>s << 2;
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + sb, v, 1);
  v = v128.load32_lane(p + 2 * sb, v, 2);
  return v128.load32_lane(p + 3 * sb, v, 3);
}
