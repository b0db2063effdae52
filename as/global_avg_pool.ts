// Global average pooling of `planes` planes of `size` floats: y[p] = (Σ_i x[p, i]) / size, in float32 with four
// interleaved partial sums (s_k over i ≡ k mod 4, each in order), combined as (s0 + s1) + (s2 + s3), then one
// division. The f32x4 variant keeps the four partial sums in the lanes of one vector, so both variants perform
// the same operations in the same order: bit-identical.

import { f32off } from './lib/lanes';

/**
 * y[p] = mean(x[p, 0 .. size)) for p < planes.
 * Memory:   x: byte offset of planes·size floats; y: planes floats (must not overlap x).
 * Writes:   y[0 .. planes) only.
 * Numerics: float32; four partial sums of ⌈size/4⌉ terms: within (size/4 + 3)·u·mean|x| of the exact mean.
 * Contract: planes ≥ 0, size ≥ 1 — asserted in debug builds only.
 * Cost:     planes·size FLOPs.
 */
export function global_avg_pool__scalar(x: usize, y: usize, planes: i32, size: i32): void {
  assert(planes >= 0 && size >= 1);
  for (let p = 0; p < planes; p++) {
    const base = x + f32off(p * size);
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      s0 += load<f32>(base + f32off(i)); s1 += load<f32>(base + f32off(i + 1));
      s2 += load<f32>(base + f32off(i + 2)); s3 += load<f32>(base + f32off(i + 3));
    }
    if (i < size) s0 += load<f32>(base + f32off(i));
    if (i + 1 < size) s1 += load<f32>(base + f32off(i + 1));
    if (i + 2 < size) s2 += load<f32>(base + f32off(i + 2));
    store<f32>(y + f32off(p), ((s0 + s1) + (s2 + s3)) / <f32>size);
  }
}

/** f32x4 twin of global_avg_pool__scalar (the partial sums in one vector). Same contract, same bits. */
export function global_avg_pool__f32x4(x: usize, y: usize, planes: i32, size: i32): void {
  assert(planes >= 0 && size >= 1);
  for (let p = 0; p < planes; p++) {
    const base = x + f32off(p * size);
    let acc = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= size; i += 4) acc = f32x4.add(acc, v128.load(base + f32off(i)));
    let s0 = f32x4.extract_lane(acc, 0), s1 = f32x4.extract_lane(acc, 1), s2 = f32x4.extract_lane(acc, 2), s3 = f32x4.extract_lane(acc, 3);
    if (i < size) s0 += load<f32>(base + f32off(i));
    if (i + 1 < size) s1 += load<f32>(base + f32off(i + 1));
    if (i + 2 < size) s2 += load<f32>(base + f32off(i + 2));
    store<f32>(y + f32off(p), ((s0 + s1) + (s2 + s3)) / <f32>size);
  }
}
