// Bilinear resampling of a stack of planes (torch.nn.functional.interpolate, mode='bilinear'):
// separable, in the reference's order — first along W for each input row an output row needs
// (tmp[r, j] = w0[j]·x[r, c0[j]] + w1[j]·x[r, c1[j]]), then along H
// (y[i, j] = h0[i]·tmp[i0[i], j] + h1[i]·tmp[i1[i], j]). The index/weight tables come from the
// caller (ts/wasm/interpolate.ts computes them with PyTorch's coordinate rule), so the kernel has
// no notion of align_corners. Each __f32x4 variant does the scalar twin's float32 operations lane
// by lane (gathers along W, plain vectors along H): bit-identical.

import { f32off } from './lib/lanes';

/**
 * Bilinear resampling of `planes` planes [H, W] → [H_out, W_out] (scalar variant).
 *
 * Memory:   x: planes × [H, W]; y: planes × [H_out, W_out]; rows: H_out records of 4 words
 *           (i0: i32, i1: i32, h0: f32, h1: f32); cols: 4 consecutive arrays of W_out words
 *           (c0: i32, c1: i32, w0: f32, w1: f32); tmp: scratch of H·W_out floats. Byte offsets,
 *           no alignment; y and tmp must not overlap anything else.
 * Writes:   y[0 .. planes·H_out·W_out); tmp rows that output rows read.
 * Numerics: per element ((h0·((w0·a) + (w1·b))) + (h1·((w0·c) + (w1·d)))) in float32, the input rows
 *           i0 ≤ i1 nondecreasing in i (bit-identical to bilinear__f32x4).
 * Contract: planes ≥ 0; H, W, H_out, W_out ≥ 1; indices in range, i0/i1 nondecreasing — asserted
 *           in debug builds only.
 * Cost:     ~6 FLOPs per output element plus 3 per needed input row element.
 */
export function bilinear__scalar(
  x: usize, y: usize, planes: i32, H: i32, W: i32, H_out: i32, W_out: i32, rows: usize, cols: usize, tmp: usize,
): void {
  assert(planes >= 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0);
  const c0 = cols, c1 = cols + f32off(W_out), w0 = cols + f32off(2 * W_out), w1 = cols + f32off(3 * W_out);
  for (let p = 0; p < planes; p++) {
    const xp = x + f32off(p * H * W), yp = y + f32off(p * H_out * W_out);
    let last = -1;
    for (let i = 0; i < H_out; i++) {
      const rec = rows + f32off(4 * i);
      const r0 = load<i32>(rec), r1 = load<i32>(rec, 4);
      for (let k = 0; k < 2; k++) {
        const r = k == 0 ? r0 : r1;
        if (r <= last) continue;
        const xr = xp + f32off(r * W), tr = tmp + f32off(r * W_out);
        for (let j = 0; j < W_out; j++) {
          const a = load<f32>(xr + f32off(load<i32>(c0 + f32off(j)))), b = load<f32>(xr + f32off(load<i32>(c1 + f32off(j))));
          store<f32>(tr + f32off(j), load<f32>(w0 + f32off(j)) * a + load<f32>(w1 + f32off(j)) * b);
        }
        last = r;
      }
      const h0 = load<f32>(rec, 8), h1 = load<f32>(rec, 12);
      const t0 = tmp + f32off(r0 * W_out), t1 = tmp + f32off(r1 * W_out), yr = yp + f32off(i * W_out);
      for (let j = 0; j < W_out; j++) {
        store<f32>(yr + f32off(j), h0 * load<f32>(t0 + f32off(j)) + h1 * load<f32>(t1 + f32off(j)));
      }
    }
  }
}

/** f32x4 variant of bilinear__scalar (4 output columns per step; bit-identical). */
export function bilinear__f32x4(
  x: usize, y: usize, planes: i32, H: i32, W: i32, H_out: i32, W_out: i32, rows: usize, cols: usize, tmp: usize,
): void {
  assert(planes >= 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0);
  const c0 = cols, c1 = cols + f32off(W_out), w0 = cols + f32off(2 * W_out), w1 = cols + f32off(3 * W_out);
  for (let p = 0; p < planes; p++) {
    const xp = x + f32off(p * H * W), yp = y + f32off(p * H_out * W_out);
    let last = -1;
    for (let i = 0; i < H_out; i++) {
      const rec = rows + f32off(4 * i);
      const r0 = load<i32>(rec), r1 = load<i32>(rec, 4);
      for (let k = 0; k < 2; k++) {
        const r = k == 0 ? r0 : r1;
        if (r <= last) continue;
        const xr = xp + f32off(r * W), tr = tmp + f32off(r * W_out);
        let j = 0;
        for (; j + 4 <= W_out; j += 4) {
          const ci = c0 + f32off(j), di = c1 + f32off(j);
          let a = v128.load32_zero(xr + f32off(load<i32>(ci)));
          a = v128.load32_lane(xr + f32off(load<i32>(ci, 4)), a, 1);
          a = v128.load32_lane(xr + f32off(load<i32>(ci, 8)), a, 2);
          a = v128.load32_lane(xr + f32off(load<i32>(ci, 12)), a, 3);
          let b = v128.load32_zero(xr + f32off(load<i32>(di)));
          b = v128.load32_lane(xr + f32off(load<i32>(di, 4)), b, 1);
          b = v128.load32_lane(xr + f32off(load<i32>(di, 8)), b, 2);
          b = v128.load32_lane(xr + f32off(load<i32>(di, 12)), b, 3);
          v128.store(tr + f32off(j), f32x4.add(f32x4.mul(v128.load(w0 + f32off(j)), a), f32x4.mul(v128.load(w1 + f32off(j)), b)));
        }
        for (; j < W_out; j++) {
          const a = load<f32>(xr + f32off(load<i32>(c0 + f32off(j)))), b = load<f32>(xr + f32off(load<i32>(c1 + f32off(j))));
          store<f32>(tr + f32off(j), load<f32>(w0 + f32off(j)) * a + load<f32>(w1 + f32off(j)) * b);
        }
        last = r;
      }
      const h0 = load<f32>(rec, 8), h1 = load<f32>(rec, 12);
      const h0v = f32x4.splat(h0), h1v = f32x4.splat(h1);
      const t0 = tmp + f32off(r0 * W_out), t1 = tmp + f32off(r1 * W_out), yr = yp + f32off(i * W_out);
      let j = 0;
      for (; j + 4 <= W_out; j += 4) {
        v128.store(yr + f32off(j), f32x4.add(f32x4.mul(h0v, v128.load(t0 + f32off(j))), f32x4.mul(h1v, v128.load(t1 + f32off(j)))));
      }
      for (; j < W_out; j++) {
        store<f32>(yr + f32off(j), h0 * load<f32>(t0 + f32off(j)) + h1 * load<f32>(t1 + f32off(j)));
      }
    }
  }
}
