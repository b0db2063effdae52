// Softmax along one dimension, max-subtracted, with the float32 exp of as/lib/math.ts.
//
//   softmax_rows:     rows of n contiguous floats (the softmax dimension is the last one)
//   softmax_columns:  [outer, size, inner] with the softmax along `size` (stride inner): 16 adjacent
//                     columns (4 vectors) per pass, then 4, each lane doing its column's scalar sequence
//   exp:              y = expf(x) elementwise (the exp the softmax uses, exported to measure it)
//
// softmax_rows, per row, in float32 and in this order (both variants), with pm(a, b) = a < b ? b : a
// (f32x4.pmax: one instruction on x64, where the NaN-propagating f32x4.max takes eight):
//   m_l = pm over x[4k + l] (k < ⌊n/4⌋) for lanes l = 0..3, from −Inf; m = pm(pm(m0, m1), pm(m2, m3));
//   then m = pm(m, x[j]) for the tail j ≥ 4⌊n/4⌋   (the max of the non-NaN entries, exact)
//   e_j = expf(x_j − m), stored to y_j;  s_l = Σ_k e[4k + l] in k order;  s = (s0 + s1) + (s2 + s3),
//   then s = s + e_j over the tail in order;  y_j = e_j / s  (one correctly rounded division).
// softmax_columns, per column: m = pm over s in order; e_s = expf(x_s − m); sum = Σ_s e_s in s order;
//   y_s = e_s / sum. (f32x4: 16 adjacent columns per pass, then 4, then scalar; each lane its column's sequence.)
// pm skips NaN entries, and needs no NaN test: a NaN x_j gives e_j = NaN, so s = NaN and every output of
// its row is NaN (PyTorch); a row of all −Inf gives −Inf − (−Inf) = NaN, so NaN everywhere (PyTorch);
// −Inf entries of other rows give +0.

import { f32off } from './lib/lanes';
import { expf_scalar, expf_f32x4 } from './lib/math';

/** a < b ? b : a — f32x4.pmax on one lane. */
// @ts-ignore: decorator
@inline function pm(a: f32, b: f32): f32 {
  return a < b ? b : a;
}

/**
 * Softmax of `rows` contiguous rows of n floats (scalar variant).
 *
 * Paper:    ACmix §3.2 Eq. (9) (attention weights); ts/ref/activations.ts softmax.
 * Memory:   x, y: byte offsets of rows × n float32 (row-major, no alignment); y may equal x.
 * Writes:   y[0 .. rows·n).
 * Numerics: the order in the file header (bit-identical to softmax_rows__f32x4).
 * Contract: rows ≥ 0, n ≥ 0 — asserted in debug builds only.
 * Cost:     ≈ 4 FLOPs + one exp (~20 FLOPs) per element.
 */
export function softmax_rows__scalar(x: usize, y: usize, rows: i32, n: i32): void {
  assert(rows >= 0 && n >= 0);
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + f32off(r * n), yr = y + f32off(r * n);
    let m0 = -Infinity as f32, m1 = -Infinity as f32, m2 = -Infinity as f32, m3 = -Infinity as f32;
    for (let j = 0; j < n4; j += 4) {
      m0 = pm(m0, load<f32>(xr + f32off(j))); m1 = pm(m1, load<f32>(xr + f32off(j + 1)));
      m2 = pm(m2, load<f32>(xr + f32off(j + 2))); m3 = pm(m3, load<f32>(xr + f32off(j + 3)));
    }
    let m = pm(pm(m0, m1), pm(m2, m3));
    for (let j = n4; j < n; j++) m = pm(m, load<f32>(xr + f32off(j)));
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let j = 0; j < n4; j += 4) {
      const e0 = expf_scalar(load<f32>(xr + f32off(j)) - m);
      const e1 = expf_scalar(load<f32>(xr + f32off(j + 1)) - m);
      const e2 = expf_scalar(load<f32>(xr + f32off(j + 2)) - m);
      const e3 = expf_scalar(load<f32>(xr + f32off(j + 3)) - m);
      store<f32>(yr + f32off(j), e0); store<f32>(yr + f32off(j + 1), e1);
      store<f32>(yr + f32off(j + 2), e2); store<f32>(yr + f32off(j + 3), e3);
      s0 = s0 + e0; s1 = s1 + e1; s2 = s2 + e2; s3 = s3 + e3;
    }
    let s = (s0 + s1) + (s2 + s3);
    for (let j = n4; j < n; j++) {
      const e = expf_scalar(load<f32>(xr + f32off(j)) - m);
      store<f32>(yr + f32off(j), e);
      s = s + e;
    }
    for (let j = 0; j < n; j++) store<f32>(yr + f32off(j), load<f32>(yr + f32off(j)) / s);
  }
}

/**
 * Softmax of `rows` contiguous rows of n floats (f32x4 variant: 4 lanes of max, exp and partial
 * sums, then the scalar tail).
 *
 * Paper, Memory, Writes, Numerics, Contract, Cost: as softmax_rows__scalar (bit-identical).
 */
export function softmax_rows__f32x4(x: usize, y: usize, rows: i32, n: i32): void {
  assert(rows >= 0 && n >= 0);
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + f32off(r * n), yr = y + f32off(r * n);
    let mv = f32x4.splat(-Infinity);
    for (let j = 0; j < n4; j += 4) mv = f32x4.pmax(mv, v128.load(xr + f32off(j)));
    let m = pm(pm(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), pm(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (let j = n4; j < n; j++) m = pm(m, load<f32>(xr + f32off(j)));
    const msplat = f32x4.splat(m);
    let sv = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const e = expf_f32x4(f32x4.sub(v128.load(xr + f32off(j)), msplat));
      v128.store(yr + f32off(j), e);
      sv = f32x4.add(sv, e);
    }
    let s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    for (let j = n4; j < n; j++) {
      const e = expf_scalar(load<f32>(xr + f32off(j)) - m);
      store<f32>(yr + f32off(j), e);
      s = s + e;
    }
    const ssplat = f32x4.splat(s);
    let j = 0;
    for (; j < n4; j += 4) v128.store(yr + f32off(j), f32x4.div(v128.load(yr + f32off(j)), ssplat));
    for (; j < n; j++) store<f32>(yr + f32off(j), load<f32>(yr + f32off(j)) / s);
  }
}

/**
 * Softmax along the middle dimension of [outer, size, inner] (scalar variant), one column at a time.
 *
 * Paper:    as softmax_rows__scalar, for a softmax dimension that is not the last.
 * Memory:   x, y: byte offsets of outer × size × inner float32 (row-major, no alignment); y may equal x.
 * Writes:   y[0 .. outer·size·inner).
 * Numerics: per column, the order in the file header (bit-identical to softmax_columns__f32x4).
 * Contract: outer, size, inner ≥ 0 — asserted in debug builds only.
 * Cost:     ≈ 4 FLOPs + one exp per element.
 */
export function softmax_columns__scalar(x: usize, y: usize, outer: i32, size: i32, inner: i32): void {
  assert(outer >= 0 && size >= 0 && inner >= 0);
  const stride = f32off(inner);
  for (let o = 0; o < outer; o++) {
    const base = f32off(o * size * inner);
    for (let i = 0; i < inner; i++) softmaxColumn(x + base + f32off(i), y + base + f32off(i), size, stride);
  }
}

// @ts-ignore: decorator
@inline function softmaxColumn(xc: usize, yc: usize, size: i32, stride: usize): void {
  let m = -Infinity as f32;
  for (let s = 0; s < size; s++) m = pm(m, load<f32>(xc + <usize>s * stride));
  let sum: f32 = 0;
  for (let s = 0; s < size; s++) {
    const e = expf_scalar(load<f32>(xc + <usize>s * stride) - m);
    store<f32>(yc + <usize>s * stride, e);
    sum = sum + e;
  }
  for (let s = 0; s < size; s++) store<f32>(yc + <usize>s * stride, load<f32>(yc + <usize>s * stride) / sum);
}

/**
 * f32x4 variant of softmax_columns__scalar: 16 adjacent columns (4 vectors) per pass, then 4 per
 * vector (each lane runs its column's sequence), remaining columns scalar.
 *
 * Paper, Memory, Writes, Numerics, Contract, Cost: as softmax_columns__scalar (bit-identical).
 */
export function softmax_columns__f32x4(x: usize, y: usize, outer: i32, size: i32, inner: i32): void {
  assert(outer >= 0 && size >= 0 && inner >= 0);
  const stride = f32off(inner);
  for (let o = 0; o < outer; o++) {
    const base = f32off(o * size * inner);
    let i = 0;
    // 16 adjacent columns per pass (four vectors: 64 contiguous bytes of each row, one cache line
    // when aligned), so each of the three passes walks the rows once per 16 columns, not per 4
    for (; i + 16 <= inner; i += 16) {
      const xc = x + base + f32off(i), yc = y + base + f32off(i);
      let m0 = f32x4.splat(-Infinity), m1 = m0, m2 = m0, m3 = m0;
      for (let s = 0; s < size; s++) {
        const p = xc + <usize>s * stride;
        m0 = f32x4.pmax(m0, v128.load(p)); m1 = f32x4.pmax(m1, v128.load(p, 16));
        m2 = f32x4.pmax(m2, v128.load(p, 32)); m3 = f32x4.pmax(m3, v128.load(p, 48));
      }
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      for (let s = 0; s < size; s++) {
        const p = xc + <usize>s * stride, q = yc + <usize>s * stride;
        const e0 = expf_f32x4(f32x4.sub(v128.load(p), m0)); v128.store(q, e0); s0 = f32x4.add(s0, e0);
        const e1 = expf_f32x4(f32x4.sub(v128.load(p, 16), m1)); v128.store(q, e1, 16); s1 = f32x4.add(s1, e1);
        const e2 = expf_f32x4(f32x4.sub(v128.load(p, 32), m2)); v128.store(q, e2, 32); s2 = f32x4.add(s2, e2);
        const e3 = expf_f32x4(f32x4.sub(v128.load(p, 48), m3)); v128.store(q, e3, 48); s3 = f32x4.add(s3, e3);
      }
      for (let s = 0; s < size; s++) {
        const q = yc + <usize>s * stride;
        v128.store(q, f32x4.div(v128.load(q), s0)); v128.store(q, f32x4.div(v128.load(q, 16), s1), 16);
        v128.store(q, f32x4.div(v128.load(q, 32), s2), 32); v128.store(q, f32x4.div(v128.load(q, 48), s3), 48);
      }
    }
    for (; i + 4 <= inner; i += 4) {
      const xc = x + base + f32off(i), yc = y + base + f32off(i);
      let m = f32x4.splat(-Infinity);
      for (let s = 0; s < size; s++) m = f32x4.pmax(m, v128.load(xc + <usize>s * stride));
      let sum = f32x4.splat(0);
      for (let s = 0; s < size; s++) {
        const e = expf_f32x4(f32x4.sub(v128.load(xc + <usize>s * stride), m));
        v128.store(yc + <usize>s * stride, e);
        sum = f32x4.add(sum, e);
      }
      for (let s = 0; s < size; s++) {
        const p = yc + <usize>s * stride;
        v128.store(p, f32x4.div(v128.load(p), sum));
      }
    }
    for (; i < inner; i++) softmaxColumn(x + base + f32off(i), y + base + f32off(i), size, stride);
  }
}

/**
 * y = e^x elementwise with the float32 expf of as/lib/math.ts (scalar variant).
 * Memory: x, y byte offsets of n float32 (y may equal x).  Writes: y[0 .. n).
 * Numerics: < 1 ulp on [−87.3, 88.7] (measured in spec/kernels/softmax_rows.test.ts); bit-identical to exp__f32x4.
 * Contract: n ≥ 0.   Cost: ~20 FLOPs per element.
 */
export function exp__scalar(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  for (let i = 0; i < n; i++) store<f32>(y + f32off(i), expf_scalar(load<f32>(x + f32off(i))));
}

/** f32x4 variant of exp__scalar (bit-identical). */
export function exp__f32x4(x: usize, y: usize, n: i32): void {
  assert(n >= 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + f32off(i), expf_f32x4(v128.load(x + f32off(i))));
  for (; i < n; i++) store<f32>(y + f32off(i), expf_scalar(load<f32>(x + f32off(i))));
}
