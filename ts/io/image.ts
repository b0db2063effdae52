import { PNG } from 'pngjs';
import { Tensor } from '../core/tensor.js';
import { FormatError, ShapeError } from '../core/errors.js';

/**
 * Decodes a PNG (through pngjs) to a float32 tensor [1, 3, H, W] with values in [0, 1] (uint8 / 255),
 * RGB, alpha dropped — the tensor torchvision's `to_tensor` gives for an RGB image.
 * @throws FormatError if the bytes are not a PNG.
 */
export function decodePng(bytes: Uint8Array): Tensor {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new FormatError(`png: cannot decode (${(e as Error).message})`);
  }
  const { width: W, height: H, data } = png;
  const out = new Float32Array(3 * H * W);
  for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) out[c * H * W + i] = data[4 * i + c] / 255;
  return new Tensor(out, [1, 3, H, W]);
}

/** Per-channel normalisation (x − mean_c) / std_c of an [N, C, H, W] tensor, as torchvision's Normalize. */
export function normalize(input: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const [N, C, H, W] = input.shape;
  if (input.rank !== 4 || mean.length !== C || std.length !== C) throw new ShapeError(`normalize: mean and std must have C = ${C} entries for input [${input.shape.join(',')}]`);
  const out = new Float32Array(input.size);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) {
    const k = (n * C + c) * H * W + i;
    out[k] = (input.data[k] - mean[c]) / std[c];
  }
  return new Tensor(out, input.shape);
}

/** ImageNet mean and std (torchvision's). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * Encodes a grey [H, W] map or an RGB [3, H, W] map as PNG bytes. Values are mapped linearly from
 * [lo, hi] (default: the map's own min and max; for the diverging colormap ±max|value|, so 0 is white) to 0..255; `scale` enlarges pixels (nearest) for viewing.
 * @throws ShapeError for other shapes.
 */
export function encodePng(map: Tensor, options: { lo?: number; hi?: number; scale?: number; colormap?: 'grey' | 'diverging' } = {}): Uint8Array {
  let C: number, H: number, W: number;
  if (map.rank === 2) [C, H, W] = [1, map.shape[0], map.shape[1]];
  else if (map.rank === 3 && (map.shape[0] === 3 || map.shape[0] === 1)) [C, H, W] = map.shape as [number, number, number];
  else throw new ShapeError(`png: map must be [H, W] or [3, H, W], got [${map.shape.join(',')}]`);
  let lo = options.lo ?? Infinity, hi = options.hi ?? -Infinity;
  if (options.lo === undefined || options.hi === undefined) {
    for (const v of map.data) if (Number.isFinite(v)) { if (options.lo === undefined) lo = Math.min(lo, v); if (options.hi === undefined) hi = Math.max(hi, v); }
  }
  if (options.colormap === 'diverging' && options.lo === undefined && options.hi === undefined) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));   // white at 0: blue negative, red positive
    lo = -m; hi = m;
  }
  if (!(hi > lo)) hi = lo + 1;
  const s = options.scale ?? 1;
  const png = new PNG({ width: W * s, height: H * s });
  for (let y = 0; y < H * s; y++) for (let x = 0; x < W * s; x++) {
    const src = Math.floor(y / s) * W + Math.floor(x / s), o = 4 * (y * W * s + x);
    for (let c = 0; c < 3; c++) {
      const v = map.data[(C === 3 ? c * H * W : 0) + src];
      const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
      if (options.colormap === 'diverging' && C === 1) {
        // blue (low) – white (middle) – red (high)
        const rgb = t < 0.5 ? [2 * t, 2 * t, 1] : [1, 2 - 2 * t, 2 - 2 * t];
        png.data[o + c] = Math.round(255 * rgb[c]);
      } else png.data[o + c] = Math.round(255 * t);
    }
    png.data[o + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}
