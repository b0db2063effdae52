// Geometry of interpolate(mode='nearest'), shared by ts/ref and ts/wasm (not arithmetic of the op).

/**
 * PyTorch's legacy nearest source index along one axis (upsample_nearest2d, UpSample.h nearest_idx): d when the sizes
 * are equal, d >> 1 when out = 2·in, else min(⌊fround(d · scale)⌋, in − 1) with scale = fround(in / out) — float32
 * arithmetic, as PyTorch's `float scale` (so 7 → 3 reads 0, 2, 4 and 3 → 7 reads 0, 0, 0, 1, 1, 2, 2).
 */
export function nearestAxis(inSize: number, outSize: number): Int32Array {
  const src = new Int32Array(outSize);
  const scale = Math.fround(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    src[d] = outSize === inSize ? d : outSize === 2 * inSize ? d >> 1 : Math.min(Math.floor(Math.fround(d * scale)), inSize - 1);
  }
  return src;
}
