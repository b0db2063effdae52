/**
 * Images in and out: PNG decoding to an NCHW float32 tensor, PNG encoding of maps for viewing, and the
 * torchvision-style normalisation. Browser-safe: Uint8Array only (no Node `Buffer`, no Node built-ins);
 * decoding is ts/io/png.ts (validation first, bounded inflate), encoding is fast-png.
 */
import { encode as encodePngImage } from 'fast-png';
import { Tensor } from '../core/tensor.js';
import { tensorArg } from '../core/validate.js';
import { ArgumentError, ParameterError, ResourceError, ShapeError, fmtShape } from '../core/errors.js';
import { describeType, positiveIntegerOption, requireBytes, requireOptions } from './bytes.js';
import { DEFAULT_MAX_PIXELS, decodePngRgb } from './png.js';

export { DEFAULT_MAX_PIXELS } from './png.js';

/** Options of `decodePng`. */
export interface DecodePngOptions {
  /** Largest width·height accepted; larger images throw ResourceError before anything is inflated. Default 2^26. */
  maxPixels?: number;
}

/**
 * Decodes a PNG to a float32 tensor [1, 3, H, W], RGB, values sample / (2^bitDepth − 1) in [0, 1]: for
 * 8-bit images k / 255, the tensor torchvision's `to_tensor` gives for an RGB image; 16-bit samples keep
 * their precision (k / 65535, as torchvision.io's uint16 → float scaling); 1/2/4-bit grey is scaled the
 * same way (k / 1, k / 3, k / 15). Grey (and grey + alpha) is replicated to three channels; palette images
 * are looked up in PLTE; alpha (an alpha channel or tRNS) is dropped without compositing. Every colour
 * type, bit depth and both interlace methods are decoded.
 *
 * Format rules (PNG specification), all checked before any data is inflated: the signature; IHDR first,
 * length 13, width and height ≥ 1, a bit depth allowed for the colour type, compression 0, filter 0,
 * interlace 0 or 1; every chunk (length, type, CRC-32) within the file up to IEND; PLTE rules; at least
 * one IDAT, consecutive; no unknown critical chunk; enough IDAT bytes to inflate to the image (deflate
 * expands at most 1032-fold). Then the zlib stream must inflate to exactly the size the IHDR implies
 * (inflation stops as soon as it produces more), with a correct Adler-32, every scanline filter type in
 * 0..4 and every palette index within PLTE. Ancillary chunks (iCCP, text, gAMA, tRNS, ...) are CRC-checked
 * and ignored: no colour management. Every output element comes from the file; nothing is left unset.
 *
 * Shapes:  [1, 3, H, W]; H and W from IHDR.
 * Units:   dimensionless intensities in [0, 1]; no gamma or colour-profile conversion.
 * @throws ArgumentError if `bytes` is not a Uint8Array (a path string, a number, null, an ArrayBuffer, ...)
 *         or `options` is not an object.
 * @throws ParameterError if `options.maxPixels` is not a positive safe integer.
 * @throws FormatError if the bytes break a rule above; the message names expected and actual values.
 * @throws ResourceError if width·height > maxPixels (default 2^26), before anything is allocated or
 *         inflated; or if the engine cannot allocate an image within the limit.
 * @see ts/io/png.ts · spec/io.test.ts (suites io/png-*)
 */
export function decodePng(bytes: Uint8Array, options: DecodePngOptions = {}): Tensor {
  const input = requireBytes(bytes, 'decodePng');
  const opts = requireOptions<DecodePngOptions>(options, 'decodePng');
  const maxPixels = positiveIntegerOption(opts.maxPixels, 'maxPixels', DEFAULT_MAX_PIXELS, 'decodePng');
  const { width, height, rgb } = decodePngRgb(input, maxPixels);
  return new Tensor(rgb, [1, 3, height, width]);
}

/**
 * Per-channel normalisation (x − mean_c) / std_c of an [N, C, H, W] tensor, equal to torchvision's Normalize bit for
 * bit: torchvision casts mean and std to float32 (torch.as_tensor(mean, dtype=float32)) and computes
 * tensor.sub_(mean).div_(std) in float32 — two roundings, done here in the same order (a float32 subtraction and a
 * float32 division, each emulated exactly by one float64 operation and Math.fround). Proven on all 256 byte values
 * per channel against torchvision 0.14 (spec/fixtures/layers.safetensors, case normalize_imagenet_all_bytes).
 * @throws ShapeError if the input is not 4-D or mean / std do not have C entries.
 */
export function normalize(input: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const [N, C, H, W] = input.shape;
  if (input.rank !== 4 || mean.length !== C || std.length !== C) throw new ShapeError(`normalize: mean and std must have C = ${C} entries for input [${input.shape.join(',')}]`);
  const out = new Float32Array(input.size);
  const m32 = mean.map(Math.fround), s32 = std.map(Math.fround);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) {
    const k = (n * C + c) * H * W + i;
    out[k] = Math.fround(input.data[k] - m32[c]) / s32[c];   // fround(x − m) then the division, rounded by the store
  }
  return new Tensor(out, input.shape);
}

/** ImageNet mean and std (torchvision's). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** Options of `encodePng`. */
export interface EncodePngOptions {
  /** Value mapped to 0 (default: the map's finite minimum; for 'diverging' −max|value|). */
  lo?: number;
  /** Value mapped to 255 (default: the map's finite maximum; for 'diverging' +max|value|). */
  hi?: number;
  /** Integer enlargement factor (nearest neighbour), default 1. */
  scale?: number;
  /** 'grey' (default) or 'diverging' (blue – white at 0 – red; for single-channel maps). */
  colormap?: 'grey' | 'diverging';
  /** Largest output width·height, default 2^26. */
  maxPixels?: number;
}

/**
 * Encodes a grey [H, W] (or [1, H, W]) map or an RGB [3, H, W] map as an 8-bit RGB PNG (through fast-png,
 * non-interlaced). Values are mapped linearly from [lo, hi] to 0..255 (round to nearest, clamped; NaN → 0);
 * when lo ≥ hi the range becomes [lo, lo + 1]. `scale` enlarges pixels (nearest) for viewing.
 *
 * Shapes:  map [H, W] | [1, H, W] | [3, H, W] → a PNG of (W·scale) × (H·scale) pixels.
 * @throws ArgumentError if `map` is not a Tensor (a forged one included) or `options` is not a plain object.
 * @throws ShapeError for other shapes, or H or W = 0 (PNG needs at least one pixel).
 * @throws ParameterError if scale is not a positive integer, lo / hi are not finite numbers, colormap is
 *         unknown, or maxPixels is not a positive safe integer.
 * @throws ResourceError if (W·scale)·(H·scale) > maxPixels, before anything is allocated.
 * @see spec/io.test.ts (suite io/png-encode)
 */
export function encodePng(map: Tensor, options: EncodePngOptions = {}): Uint8Array {
  if (!(map instanceof Tensor)) throw new ArgumentError(`encodePng: map must be a Tensor, got ${describeType(map)}`);
  tensorArg('encodePng', 'map', map);   // also refuses an Object.create(Tensor.prototype) forgery
  const opts = requireOptions<EncodePngOptions>(options, 'encodePng');
  let C: number, H: number, W: number;
  if (map.rank === 2) [C, H, W] = [1, map.shape[0], map.shape[1]];
  else if (map.rank === 3 && (map.shape[0] === 3 || map.shape[0] === 1)) [C, H, W] = map.shape as [number, number, number];
  else throw new ShapeError(`png: map must be [H, W] or [3, H, W], got ${fmtShape(map.shape)}`);
  if (H < 1 || W < 1) throw new ShapeError(`png: map must have H ≥ 1 and W ≥ 1 (a PNG has at least one pixel), got ${fmtShape(map.shape)}`);
  const s = opts.scale ?? 1;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1) throw new ParameterError(`encodePng: scale must be a positive integer, got ${typeof s === 'number' ? s : describeType(s)}`);
  for (const key of ['lo', 'hi'] as const) {
    const v = opts[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new ParameterError(`encodePng: ${key} must be a finite number, got ${typeof v === 'number' ? v : describeType(v)}`);
  }
  const colormap = opts.colormap ?? 'grey';
  if (colormap !== 'grey' && colormap !== 'diverging') throw new ParameterError(`encodePng: colormap must be 'grey' or 'diverging', got ${JSON.stringify(colormap)}`);
  const maxPixels = positiveIntegerOption(opts.maxPixels, 'maxPixels', DEFAULT_MAX_PIXELS, 'encodePng');
  const outW = W * s, outH = H * s;
  if (outW * outH > maxPixels) throw new ResourceError(`encodePng: output width·height must be ≤ maxPixels = ${maxPixels}, got ${outW}·${outH} = ${outW * outH} pixels (map ${fmtShape(map.shape)}, scale ${s})`);

  let lo = opts.lo ?? Infinity, hi = opts.hi ?? -Infinity;
  if (opts.lo === undefined || opts.hi === undefined) {
    for (const v of map.data) if (Number.isFinite(v)) { if (opts.lo === undefined) lo = Math.min(lo, v); if (opts.hi === undefined) hi = Math.max(hi, v); }
  }
  if (colormap === 'diverging' && opts.lo === undefined && opts.hi === undefined) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));   // white at 0: blue negative, red positive
    lo = -m; hi = m;
  }
  if (!Number.isFinite(lo)) lo = Number.isFinite(hi) ? hi - 1 : 0;   // no finite value in the map
  if (!(hi > lo)) hi = lo + 1;
  const data = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) {
    const src = Math.floor(y / s) * W + Math.floor(x / s), o = 3 * (y * outW + x);
    for (let c = 0; c < 3; c++) {
      const v = map.data[(C === 3 ? c * H * W : 0) + src];
      const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
      if (colormap === 'diverging' && C === 1) {
        // blue (low) – white (middle) – red (high)
        const rgb = t < 0.5 ? [2 * t, 2 * t, 1] : [1, 2 - 2 * t, 2 - 2 * t];
        data[o + c] = Math.round(255 * rgb[c]);
      } else data[o + c] = Math.round(255 * t);   // NaN → 0 (typed-array store)
    }
  }
  return encodePngImage({ width: outW, height: outH, data, depth: 8, channels: 3 });
}
