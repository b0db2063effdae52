// 2-D pooling (max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d) driven by per-axis window tables the
// host computes (ts/core/check/pooling.ts); max pooling as two separable passes over each plane:
//   rows[o] = start, rows[Ho + o] = count (taps start + t·dH, t < count, all inside the input; same for cols);
//   pass 1 (row pass; f32x4 over j at strides 1 and 2): tmp[r, j] = reduce_t x[r, cols.start[j] + t·dW] for every row;
//   pass 2 (column pass, f32x4 over j in the SIMD variant): y[i, j] = reduce_t tmp[rows.start[i] + t·dH, j].
// max: the running value starts at −∞ and a tap replaces it when greater or NaN (PyTorch's `val > maxval ||
// isnan(val)`), so the result is the first of equal maxima in row-major tap order, as PyTorch's — exact.
// avg is not separable: PyTorch 1.13 sums each window's taps sequentially in row-major order in one float32
// accumulator, and pool2d_avg does exactly that (bit-identical to PyTorch), 4 outputs per step in the f32x4 variant.
// Both variants do the same operations per element: bit-identical twins.

import { f32off } from './lib/lanes';

// @ts-ignore: decorator
@inline function i32at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function rowPassMax(x: usize, tmp: usize, H: i32, W: i32, Wo: i32, cols: usize, dW: i32): void {
  for (let r = 0; r < H; r++) {
    const row = x + f32off(r * W), out = tmp + f32off(r * Wo);
    for (let j = 0; j < Wo; j++) {
      const s = i32at(cols, j), n = i32at(cols, Wo + j);
      let m: f32 = -Infinity;
      for (let t = 0; t < n; t++) {
        const v = load<f32>(row + f32off(s + t * dW));
        m = select<f32>(v, m, (v > m) | (v != v));   // branch-free: the outcome is data-dependent
      }
      store<f32>(out + f32off(j), m);
    }
  }
}

/**
 * The row pass of pool2d_max__f32x4: 4 window columns per step where the 4 windows have the same tap count and
 * starts spaced by 1 or 2 (stride 1: one vector load per tap; stride 2: two loads and an even-lane shuffle) and the
 * loads stay inside the row; any other block column by column as rowPassMax. Per output the same taps in the same
 * order with the same select as the scalar: bit-identical.
 */
// @ts-ignore: decorator
@inline function rowPassMaxF32x4(x: usize, tmp: usize, H: i32, W: i32, Wo: i32, cols: usize, dW: i32): void {
  const ninf = f32x4.splat(-Infinity);
  for (let r = 0; r < H; r++) {
    const row = x + f32off(r * W), out = tmp + f32off(r * Wo);
    let j = 0;
    while (j < Wo) {
      if (j + 4 <= Wo) {
        const s0 = i32at(cols, j), n = i32at(cols, Wo + j), step = i32at(cols, j + 1) - s0;
        if ((step == 1 || step == 2) && i32at(cols, j + 2) - i32at(cols, j + 1) == step && i32at(cols, j + 3) - i32at(cols, j + 2) == step &&
            i32at(cols, Wo + j + 1) == n && i32at(cols, Wo + j + 2) == n && i32at(cols, Wo + j + 3) == n &&
            s0 + (n - 1) * dW + 4 * step <= W) {
          let m = ninf;
          for (let t = 0; t < n; t++) {
            const at = row + f32off(s0 + t * dW);
            const v = step == 1 ? v128.load(at) : v128.shuffle<f32>(v128.load(at), v128.load(at + 16), 0, 2, 4, 6);
            m = v128.bitselect(v, m, v128.or(f32x4.gt(v, m), f32x4.ne(v, v)));
          }
          v128.store(out + f32off(j), m);
          j += 4;
          continue;
        }
      }
      const s = i32at(cols, j), n = i32at(cols, Wo + j);
      let m: f32 = -Infinity;
      for (let t = 0; t < n; t++) {
        const v = load<f32>(row + f32off(s + t * dW));
        m = select<f32>(v, m, (v > m) | (v != v));
      }
      store<f32>(out + f32off(j), m);
      j++;
    }
  }
}

/**
 * Max pooling of `planes` planes [H, W] → [Ho, Wo] (scalar variant).
 * Memory:   x: planes·H·W floats; y: planes·Ho·Wo floats; tmp: H·Wo floats of scratch; rows: 2·Ho i32 (starts, then
 *           counts), cols: 2·Wo i32; dH, dW: the tap steps (dilation). No overlap between x, y, tmp.
 * Writes:   y[0 .. planes·Ho·Wo) and tmp.
 * Numerics: exact (comparisons). An empty window gives −∞.
 * Contract: every tap start + t·step lies inside the plane — asserted in debug builds only.
 * Cost:     (H·Wo·kW + Ho·Wo·kH) comparisons per plane.
 */
export function pool2d_max__scalar(x: usize, y: usize, tmp: usize, planes: i32, H: i32, W: i32, Ho: i32, Wo: i32,
  rows: usize, cols: usize, dH: i32, dW: i32): void {
  assert(planes >= 0 && H >= 1 && W >= 1);
  for (let p = 0; p < planes; p++) {
    rowPassMax(x + f32off(p * H * W), tmp, H, W, Wo, cols, dW);
    const out = y + f32off(p * Ho * Wo);
    for (let i = 0; i < Ho; i++) {
      const s = i32at(rows, i), n = i32at(rows, Ho + i);
      for (let j = 0; j < Wo; j++) {
        let m: f32 = -Infinity;
        for (let t = 0; t < n; t++) {
          const v = load<f32>(tmp + f32off((s + t * dH) * Wo + j));
          m = select<f32>(v, m, (v > m) | (v != v));   // branch-free: the outcome is data-dependent
        }
        store<f32>(out + f32off(i * Wo + j), m);
      }
    }
  }
}

/**
 * f32x4 twin of pool2d_max__scalar (the row pass 4 window columns per step at strides 1 and 2, the column pass 4
 * outputs per step, scalar tails). Same contract, same bits.
 */
export function pool2d_max__f32x4(x: usize, y: usize, tmp: usize, planes: i32, H: i32, W: i32, Ho: i32, Wo: i32,
  rows: usize, cols: usize, dH: i32, dW: i32): void {
  assert(planes >= 0 && H >= 1 && W >= 1);
  const ninf = f32x4.splat(-Infinity);
  for (let p = 0; p < planes; p++) {
    rowPassMaxF32x4(x + f32off(p * H * W), tmp, H, W, Wo, cols, dW);
    const out = y + f32off(p * Ho * Wo);
    for (let i = 0; i < Ho; i++) {
      const s = i32at(rows, i), n = i32at(rows, Ho + i);
      let j = 0;
      for (; j + 4 <= Wo; j += 4) {
        let m = ninf;
        for (let t = 0; t < n; t++) {
          const v = v128.load(tmp + f32off((s + t * dH) * Wo + j));
          // take v where v > m or v is NaN (v != v): the scalar rule per lane
          m = v128.bitselect(v, m, v128.or(f32x4.gt(v, m), f32x4.ne(v, v)));
        }
        v128.store(out + f32off(i * Wo + j), m);
      }
      for (; j < Wo; j++) {
        let m: f32 = -Infinity;
        for (let t = 0; t < n; t++) {
          const v = load<f32>(tmp + f32off((s + t * dH) * Wo + j));
          m = select<f32>(v, m, (v > m) | (v != v));   // branch-free: the outcome is data-dependent
        }
        store<f32>(out + f32off(i * Wo + j), m);
      }
    }
  }
}

/**
 * Average pooling of `planes` planes [H, W] → [Ho, Wo] (scalar variant), in PyTorch 1.13's CPU order: per output, one
 * float32 accumulator from +0 over the window's taps in row-major order (rows start..start+count, columns likewise,
 * step 1), then acc / (div[i]·div[Ho + j]) (twoDivisions = 0: avg_pool2d's divide_factor, an exact product) or
 * acc / div[i] / div[Ho + j] (twoDivisions = 1: adaptive_avg_pool2d's `sum / kh / kw`).
 * Memory:   x: planes·H·W floats; y: planes·Ho·Wo floats; rows: 2·Ho i32 (starts, then counts), cols: 2·Wo i32;
 *           div: Ho + Wo floats (integers ≥ 1 < 2^24). No overlap of y with the inputs.
 * Writes:   y[0 .. planes·Ho·Wo) only.
 * Numerics: K − 1 float32 additions (K = taps) and one or two divisions: within (K + 1)·u·Σ|taps|/D of the exact mean;
 *           equal to PyTorch 1.13's avg_pool2d / adaptive_avg_pool2d (output ≠ 1x1) bit for bit.
 * Contract: every tap lies inside the plane — asserted in debug builds only.
 * Cost:     Σ window sizes + Ho·Wo FLOPs per plane.
 */
export function pool2d_avg__scalar(x: usize, y: usize, planes: i32, H: i32, W: i32, Ho: i32, Wo: i32,
  rows: usize, cols: usize, div: usize, twoDivisions: i32): void {
  assert(planes >= 0 && H >= 1 && W >= 1);
  for (let p = 0; p < planes; p++) {
    const plane = x + f32off(p * H * W), out = y + f32off(p * Ho * Wo);
    for (let i = 0; i < Ho; i++) {
      const rs = i32at(rows, i), rn = i32at(rows, Ho + i), rd = load<f32>(div + f32off(i));
      for (let j = 0; j < Wo; j++) {
        store<f32>(out + f32off(i * Wo + j), avg1(plane, W, rs, rn, i32at(cols, j), i32at(cols, Wo + j), rd, load<f32>(div + f32off(Ho + j)), twoDivisions));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function avg1(plane: usize, W: i32, rs: i32, rn: i32, cs: i32, cn: i32, rd: f32, cd: f32, twoDivisions: i32): f32 {
  let acc: f32 = 0;
  for (let t = 0; t < rn; t++) {
    const row = plane + f32off((rs + t) * W + cs);
    for (let b = 0; b < cn; b++) acc += load<f32>(row + f32off(b));
  }
  return twoDivisions ? acc / rd / cd : acc / (rd * cd);
}

/**
 * f32x4 twin of pool2d_avg__scalar: 4 outputs of a row per step, each lane the scalar's accumulation (taps gathered
 * per lane; a lane whose window is narrower adds +0, which leaves a sum that started at +0 unchanged, so every lane
 * equals the scalar bit for bit); scalar tail. Same contract, same bits.
 */
export function pool2d_avg__f32x4(x: usize, y: usize, planes: i32, H: i32, W: i32, Ho: i32, Wo: i32,
  rows: usize, cols: usize, div: usize, twoDivisions: i32): void {
  assert(planes >= 0 && H >= 1 && W >= 1);
  for (let p = 0; p < planes; p++) {
    const plane = x + f32off(p * H * W), out = y + f32off(p * Ho * Wo);
    for (let i = 0; i < Ho; i++) {
      const rs = i32at(rows, i), rn = i32at(rows, Ho + i), rd = load<f32>(div + f32off(i));
      let j = 0;
      for (; j + 4 <= Wo; j += 4) {
        const c0 = i32at(cols, j), c1 = i32at(cols, j + 1), c2 = i32at(cols, j + 2), c3 = i32at(cols, j + 3);
        const n0 = i32at(cols, Wo + j), n1 = i32at(cols, Wo + j + 1), n2 = i32at(cols, Wo + j + 2), n3 = i32at(cols, Wo + j + 3);
        const nmax = max(max(n0, n1), max(n2, n3));
        let acc = f32x4.splat(0);
        for (let t = 0; t < rn; t++) {
          const row = plane + f32off((rs + t) * W);
          for (let b = 0; b < nmax; b++) {
            let v = f32x4.splat(0);
            if (b < n0) v = f32x4.replace_lane(v, 0, load<f32>(row + f32off(c0 + b)));
            if (b < n1) v = f32x4.replace_lane(v, 1, load<f32>(row + f32off(c1 + b)));
            if (b < n2) v = f32x4.replace_lane(v, 2, load<f32>(row + f32off(c2 + b)));
            if (b < n3) v = f32x4.replace_lane(v, 3, load<f32>(row + f32off(c3 + b)));
            acc = f32x4.add(acc, v);
          }
        }
        const cd = v128.load(div + f32off(Ho + j)), rdv = f32x4.splat(rd);
        v128.store(out + f32off(i * Wo + j), twoDivisions ? f32x4.div(f32x4.div(acc, rdv), cd) : f32x4.div(acc, f32x4.mul(rdv, cd)));
      }
      for (; j < Wo; j++) {
        store<f32>(out + f32off(i * Wo + j), avg1(plane, W, rs, rn, i32at(cols, j), i32at(cols, Wo + j), rd, load<f32>(div + f32off(Ho + j)), twoDivisions));
      }
    }
  }
}
