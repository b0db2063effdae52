// Reductions over one dimension of a row-major tensor seen as [outer, n, inner]: y[o, i] = reduce_s x[o, s, i].
// mean_dim sums in float32 in the order s = 0, 1, …, n − 1 for every output (both variants sweep the input row by
// row, accumulating into y; the f32x4 one four outputs per lane group, so each lane does the scalar twin's additions
// in the same order), then divides once: bit-identical twins. amax_dim takes the IEEE maximum (f32.max / f32x4.max:
// NaN-propagating, +0 above −0), which is order independent, so its f32x4 variant may also vectorise along s
// when inner = 1 and still match its twin bit for bit (NaN payloads aside).

import { f32off } from './lib/lanes';

/**
 * y[o, i] = (Σ_{s<n} x[o, s, i]) / n for o < outer, i < inner (scalar variant). The sums are kept in y itself and
 * swept row by row (s outer, i inner), so the input is read contiguously whatever inner is.
 * Memory:   x: byte offset of outer·n·inner float32; y: outer·inner float32 (must not overlap x).
 * Writes:   y[0 .. outer·inner) only.
 * Numerics: float32 sum from +0 in the order s = 0 … n − 1, one division: within (n + 1)·u·mean|x| of the exact
 *           mean (γ_n sum bound, Higham §3.1, plus the division's rounding); n = 0 gives NaN (0/0).
 *           Bit-identical to mean_dim__f32x4.
 * Contract: outer, n, inner ≥ 0 — asserted in debug builds only (caller: ts/wasm/reduce.ts, which sends inner = 1
 *           to global_avg_pool instead).
 * Cost:     outer·n·inner FLOPs.
 */
export function mean_dim__scalar(x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  assert(outer >= 0 && n >= 0 && inner >= 0);
  const div = <f32>n;
  for (let o = 0; o < outer; o++) {
    const xo = x + f32off(o * n * inner), yo = y + f32off(o * inner);
    for (let i = 0; i < inner; i++) store<f32>(yo + f32off(i), 0);
    for (let s = 0; s < n; s++) {
      const xs = xo + f32off(s * inner);
      for (let i = 0; i < inner; i++) store<f32>(yo + f32off(i), load<f32>(yo + f32off(i)) + load<f32>(xs + f32off(i)));
    }
    for (let i = 0; i < inner; i++) store<f32>(yo + f32off(i), load<f32>(yo + f32off(i)) / div);
  }
}

/** f32x4 twin of mean_dim__scalar: the same sweeps four outputs per step, scalar tails. Same contract, same bits. */
export function mean_dim__f32x4(x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  assert(outer >= 0 && n >= 0 && inner >= 0);
  const div = <f32>n, divV = f32x4.splat(div), zero = f32x4.splat(0);
  for (let o = 0; o < outer; o++) {
    const xo = x + f32off(o * n * inner), yo = y + f32off(o * inner);
    let i = 0;
    for (; i + 4 <= inner; i += 4) v128.store(yo + f32off(i), zero);
    for (; i < inner; i++) store<f32>(yo + f32off(i), 0);
    for (let s = 0; s < n; s++) {
      const xs = xo + f32off(s * inner);
      i = 0;
      for (; i + 4 <= inner; i += 4) v128.store(yo + f32off(i), f32x4.add(v128.load(yo + f32off(i)), v128.load(xs + f32off(i))));
      for (; i < inner; i++) store<f32>(yo + f32off(i), load<f32>(yo + f32off(i)) + load<f32>(xs + f32off(i)));
    }
    i = 0;
    for (; i + 4 <= inner; i += 4) v128.store(yo + f32off(i), f32x4.div(v128.load(yo + f32off(i)), divV));
    for (; i < inner; i++) store<f32>(yo + f32off(i), load<f32>(yo + f32off(i)) / div);
  }
}

/**
 * y[o, i] = max_{s<n} x[o, s, i] for o < outer, i < inner (scalar variant; f32.max: NaN if any is NaN, +0 > −0).
 * The running maxima are kept in y and swept row by row, as mean_dim.
 * Memory:   x: byte offset of outer·n·inner float32; y: outer·inner float32 (must not overlap x).
 * Writes:   y[0 .. outer·inner) only.
 * Numerics: exact; equal to amax_dim__f32x4 (NaN payloads aside) and to the reference's Math.max.
 * Contract: outer, inner ≥ 0, n ≥ 1 — asserted in debug builds only.
 * Cost:     outer·n·inner comparisons.
 */
export function amax_dim__scalar(x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  assert(outer >= 0 && n >= 1 && inner >= 0);
  for (let o = 0; o < outer; o++) {
    const xo = x + f32off(o * n * inner), yo = y + f32off(o * inner);
    for (let i = 0; i < inner; i++) store<f32>(yo + f32off(i), -Infinity);
    for (let s = 0; s < n; s++) {
      const xs = xo + f32off(s * inner);
      for (let i = 0; i < inner; i++) store<f32>(yo + f32off(i), max<f32>(load<f32>(yo + f32off(i)), load<f32>(xs + f32off(i))));
    }
  }
}

/**
 * f32x4 twin of amax_dim__scalar: four outputs per step when inner > 1; when inner = 1 (the reduced dim is the
 * last), four lanes along s, then the lanes' maximum. Same contract, same values.
 */
export function amax_dim__f32x4(x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  assert(outer >= 0 && n >= 1 && inner >= 0);
  const ninf = f32x4.splat(-Infinity);
  for (let o = 0; o < outer; o++) {
    const xo = x + f32off(o * n * inner), yo = y + f32off(o * inner);
    if (inner == 1) {
      let mv = ninf;
      let s = 0;
      for (; s + 4 <= n; s += 4) mv = f32x4.max(mv, v128.load(xo + f32off(s)));
      let m = max<f32>(max<f32>(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max<f32>(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      for (; s < n; s++) m = max<f32>(m, load<f32>(xo + f32off(s)));
      store<f32>(yo, m);
      continue;
    }
    let i = 0;
    for (; i + 4 <= inner; i += 4) v128.store(yo + f32off(i), ninf);
    for (; i < inner; i++) store<f32>(yo + f32off(i), -Infinity);
    for (let s = 0; s < n; s++) {
      const xs = xo + f32off(s * inner);
      i = 0;
      for (; i + 4 <= inner; i += 4) v128.store(yo + f32off(i), f32x4.max(v128.load(yo + f32off(i)), v128.load(xs + f32off(i))));
      for (; i < inner; i++) store<f32>(yo + f32off(i), max<f32>(load<f32>(yo + f32off(i)), load<f32>(xs + f32off(i))));
    }
  }
}
