// Matrix transpose: dst[c, r] = src[r, c] for a rows × cols row-major float32 matrix, moved as
// 32-bit words (bit-exact). Used to lay a linear layer's weight [out, in] out as the GEMM's
// B = Wᵀ [in, out] (ts/wasm/linear.ts).

import { f32off } from './lib/lanes';

/**
 * dst = srcᵀ (scalar variant).
 * Memory:   src: byte offset of rows × cols; dst: byte offset of cols × rows; no alignment, no overlap.
 * Writes:   dst[0 .. rows·cols).   Numerics: data movement, bit-exact (same bits as transpose__f32x4).
 * Contract: rows, cols ≥ 0.   Cost: 0 FLOPs.
 */
export function transpose__scalar(src: usize, dst: usize, rows: i32, cols: i32): void {
  assert(rows >= 0 && cols >= 0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<u32>(dst + f32off(c * rows + r), load<u32>(src + f32off(r * cols + c)));
  }
}

/** f32x4 variant of transpose__scalar: 4×4 blocks by shuffles, scalar edges (bit-identical). */
export function transpose__f32x4(src: usize, dst: usize, rows: i32, cols: i32): void {
  assert(rows >= 0 && cols >= 0);
  const rb = f32off(cols), db = f32off(rows);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const s0 = src + f32off(r * cols), s1 = s0 + rb, s2 = s1 + rb, s3 = s2 + rb;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = f32off(c);
      const x0 = v128.load(s0 + o), x1 = v128.load(s1 + o), x2 = v128.load(s2 + o), x3 = v128.load(s3 + o);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);   // r0c0 r1c0 r0c1 r1c1
      const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);   // r2c0 r3c0 r2c1 r3c1
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);   // r0c2 r1c2 r0c3 r1c3
      const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      const d = dst + f32off(c * rows + r);
      v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(d + db, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(d + 2 * db, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(d + 3 * db, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (; c < cols; c++) {
      const d = dst + f32off(c * rows + r), o = f32off(c);
      store<u32>(d, load<u32>(s0 + o)); store<u32>(d, load<u32>(s1 + o), 4);
      store<u32>(d, load<u32>(s2 + o), 8); store<u32>(d, load<u32>(s3 + o), 12);
    }
  }
  for (; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<u32>(dst + f32off(c * rows + r), load<u32>(src + f32off(r * cols + c)));
  }
}
