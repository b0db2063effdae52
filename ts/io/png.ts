/**
 * PNG decoding for ts/io/image.ts, written from the PNG specification (W3C PNG, 3rd edition; section
 * numbers below are the 2nd edition's, which the 3rd keeps): the chunk structure and the IHDR are
 * validated before a single byte is inflated, the image data is inflated with fflate (fast-png's own
 * pure-JS inflater) under a hard bound, then unfiltered, de-interlaced and unpacked here.
 *
 * Why not fast-png's decoder (8.0.0), which ts/io/image.ts uses for encoding: it inflates IDAT and iCCP
 * data without any bound (a few kB can expand to GBs), fills missing image data with zeros instead of
 * failing, and mis-reads Adam7-interlaced images of bit depth 1, 2 or 4 ("Unsupported filter").
 *
 * Browser-safe: Uint8Array / DataView only, no Node `Buffer`, no Node built-ins.
 */
import { Unzlib } from 'fflate';
import { AttnconvError, FormatError, ResourceError } from '../core/errors.js';

/** Default bound on width·height: 2^26 pixels (64 Mi pixels). */
export const DEFAULT_MAX_PIXELS = 2 ** 26;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_UINT31 = 2 ** 31 - 1;        // §5.3 chunk lengths, §11.2.2 width and height
/** Deflate's largest expansion: 258 bytes per 2 bits (a length-258 match, both codes 1 bit long). */
const DEFLATE_MAX_RATIO = 1032;
/** Compressed bytes handed to the inflater at a time, so one step produces at most ~17 MB. */
const INFLATE_SLICE = 16384;

/** Allowed bit depths per colour type (§11.2.2, Table 11.1). */
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOUR_NAMES: Record<number, string> = { 0: 'greyscale', 2: 'truecolour', 3: 'indexed-colour', 4: 'greyscale with alpha', 6: 'truecolour with alpha' };
/** Adam7 passes (§8.2): first column, first row, column step, row step. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];
const NO_INTERLACE: readonly (readonly [number, number, number, number])[] = [[0, 0, 1, 1]];

/** What the chunks of a PNG declare, validated; nothing inflated yet. */
export interface PngStructure {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlace: 0 | 1;
  /** Samples per pixel: 1 (grey, palette index), 2 (grey + alpha), 3 (RGB), 4 (RGBA). */
  channels: number;
  /** PLTE data (r, g, b per entry), or null. */
  palette: Uint8Array | null;
  /** Data of the IDAT chunks, in file order (views into the input, not copies). */
  idat: Uint8Array[];
  /** Total IDAT data bytes. */
  idatBytes: number;
  /** Length of the filtered image data the IHDR implies (filter-type bytes included). */
  rawBytes: number;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 of ISO 3309 / ITU-T V.42, as PNG Annex D computes it. */
function crc32(bytes: Uint8Array, begin: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = begin; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Adler-32 (RFC 1950 §9), the checksum that ends a zlib stream. */
function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + 5552);   // zlib's NMAX: reduce before a and b grow large
    for (; i < end; i++) { a += bytes[i]; b += a; }
    a %= 65521; b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const hex = (bytes: ArrayLike<number>) => Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
const hex32 = (v: number) => `0x${v.toString(16).toUpperCase().padStart(8, '0')}`;
const chunkName = (bytes: Uint8Array, at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
const isLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/** Bytes of one scanline of `pixels` pixels (without its filter-type byte). */
function lineBytes(pixels: number, bitsPerPixel: number): number {
  return Math.ceil((pixels * bitsPerPixel) / 8);
}

/** Filtered image data length: Σ over passes of rows · (1 + scanline bytes) (§7.2, §8.2). */
function rawLength(width: number, height: number, interlace: 0 | 1, bitsPerPixel: number): number {
  let total = 0;
  for (const [x0, y0, dx, dy] of interlace ? ADAM7 : NO_INTERLACE) {
    const pw = width > x0 ? Math.ceil((width - x0) / dx) : 0, ph = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (pw > 0 && ph > 0) total += ph * (1 + lineBytes(pw, bitsPerPixel));   // empty passes have no scanlines
  }
  return total;
}

/**
 * Walks the chunks of a PNG file and validates everything that can be checked without inflating.
 *
 * Rules (PNG specification, 2nd/3rd edition):
 *   - the 8-byte signature 89 50 4E 47 0D 0A 1A 0A (§5.2);
 *   - every chunk lies within the file: 12 bytes + its length, length ≤ 2^31 − 1, a type of 4 ASCII
 *     letters and a correct CRC-32 over type and data (§5.3-5.4); the file must reach IEND (data after
 *     IEND is ignored);
 *   - IHDR is the first chunk, appears once and has length 13; width and height in [1, 2^31 − 1]; the
 *     bit depth allowed for the colour type (0: 1/2/4/8/16, 2: 8/16, 3: 1/2/4/8, 4: 8/16, 6: 8/16);
 *     compression method 0, filter method 0, interlace method 0 or 1 (§11.2.2);
 *   - width·height ≤ maxPixels (this library's resource bound, checked as soon as IHDR is read);
 *   - PLTE at most once, before the first IDAT, 1 to 256 entries (length a multiple of 3), at most
 *     2^depth entries for colour type 3, absent for colour types 0 and 4; colour type 3 requires it (§11.2.3);
 *   - at least one IDAT, all IDAT chunks consecutive (§11.2.4); IEND with length 0 (§11.2.5);
 *   - no unknown critical chunk (§5.4: decoders must reject it); ancillary chunks (tRNS, iCCP, text, ...)
 *     are CRC-checked and skipped, never inflated;
 *   - the IDAT data can hold the image: deflate expands at most 1032-fold, so fewer than
 *     rawBytes / 1032 IDAT bytes cannot inflate to the rawBytes the IHDR implies.
 *
 * @throws FormatError for a file that breaks any rule above; the message names expected and actual values.
 * @throws ResourceError if width·height exceeds `maxPixels` (before anything is allocated or inflated).
 */
export function readPngStructure(bytes: Uint8Array, maxPixels: number): PngStructure {
  const n = bytes.length;
  if (n < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new FormatError(`png: file must start with the PNG signature ${hex(SIGNATURE)}, got ${n === 0 ? 'an empty file' : hex(bytes.subarray(0, 8))}${n > 0 && n < 8 ? ` (${n} bytes)` : ''}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let info: PngStructure | undefined;
  let idatState: 'before' | 'in' | 'after' = 'before';
  let previous = '';
  for (let pos = 8; ; ) {
    if (n - pos < 8) {
      throw new FormatError(`png: a chunk header (length and type) needs 8 bytes at byte ${pos}, got ${n - pos} (the file must continue up to an IEND chunk)`);
    }
    const length = dv.getUint32(pos);
    for (let k = 4; k < 8; k++) {
      if (!isLetter(bytes[pos + k])) throw new FormatError(`png: chunk type at byte ${pos + 4} must be 4 ASCII letters, got ${hex(bytes.subarray(pos + 4, pos + 8))}`);
    }
    const type = chunkName(bytes, pos + 4);
    if (length > MAX_UINT31) throw new FormatError(`png: chunk ${type} at byte ${pos}: length must be ≤ 2^31 − 1, got ${length}`);
    if (length + 12 > n - pos) {
      throw new FormatError(`png: chunk ${type} at byte ${pos} declares ${length} data bytes, so it needs ${length + 12} bytes, got ${n - pos} (the file ends at byte ${n})`);
    }
    const stored = dv.getUint32(pos + 8 + length), computed = crc32(bytes, pos + 4, pos + 8 + length);
    if (stored !== computed) throw new FormatError(`png: chunk ${type} at byte ${pos}: CRC must be ${hex32(computed)}, got ${hex32(stored)}`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);

    if (!info) {
      if (type !== 'IHDR') throw new FormatError(`png: the first chunk must be IHDR, got ${type}`);
      if (length !== 13) throw new FormatError(`png: IHDR length must be 13, got ${length}`);
      info = readIhdr(new DataView(data.buffer, data.byteOffset, 13), maxPixels);
    } else if (type === 'IHDR') {
      throw new FormatError(`png: IHDR must appear once, as the first chunk, got a second IHDR at byte ${pos}`);
    } else if (type === 'PLTE') {
      const ct = info.colourType;
      if (ct === 0 || ct === 4) throw new FormatError(`png: PLTE must not appear for colour type ${ct} (${COLOUR_NAMES[ct]}), got one at byte ${pos}`);
      if (info.palette) throw new FormatError(`png: PLTE must appear at most once, got a second PLTE at byte ${pos}`);
      if (idatState !== 'before') throw new FormatError(`png: PLTE must precede the first IDAT, got PLTE at byte ${pos} after IDAT`);
      if (length === 0 || length % 3 !== 0 || length > 768) throw new FormatError(`png: PLTE length must be a multiple of 3 in [3, 768] (1 to 256 entries), got ${length}`);
      if (ct === 3 && length / 3 > 2 ** info.bitDepth) {
        throw new FormatError(`png: PLTE must have at most 2^${info.bitDepth} = ${2 ** info.bitDepth} entries for bit depth ${info.bitDepth}, got ${length / 3}`);
      }
      info.palette = data;
    } else if (type === 'IDAT') {
      if (idatState === 'after') throw new FormatError(`png: IDAT chunks must be consecutive, got IDAT at byte ${pos} after ${previous}`);
      if (idatState === 'before' && info.colourType === 3 && !info.palette) {
        throw new FormatError('png: colour type 3 (indexed-colour) requires a PLTE chunk before the first IDAT, got none');
      }
      idatState = 'in';
      info.idat.push(data);
      info.idatBytes += length;
    } else if (type === 'IEND') {
      if (length !== 0) throw new FormatError(`png: IEND length must be 0, got ${length}`);
      if (idatState === 'before') throw new FormatError('png: at least one IDAT chunk must precede IEND, got none');
      break;
    } else if ((bytes[pos + 4] & 0x20) === 0) {
      throw new FormatError(`png: unknown critical chunk ${type} at byte ${pos} (an upper-case first letter marks a chunk a decoder must understand; known: IHDR, PLTE, IDAT, IEND)`);
    }
    if (type !== 'IDAT' && idatState === 'in') idatState = 'after';
    previous = type;
    pos += 12 + length;
  }
  if (!info) throw new FormatError('png: the first chunk must be IHDR, got none');   // unreachable: the loop ends at IEND
  if (info.rawBytes > DEFLATE_MAX_RATIO * info.idatBytes) {
    throw new FormatError(
      `png: the IDAT data must be able to inflate to the ${info.rawBytes} bytes a ${info.width}×${info.height} ${COLOUR_NAMES[info.colourType]} ` +
        `${info.bitDepth}-bit image needs, got ${info.idatBytes} IDAT bytes (deflate expands at most ${DEFLATE_MAX_RATIO}-fold: ≤ ${DEFLATE_MAX_RATIO * info.idatBytes} bytes)`,
    );
  }
  return info;
}

/** Validates the 13 IHDR bytes (§11.2.2) and the pixel bound. */
function readIhdr(dv: DataView, maxPixels: number): PngStructure {
  const width = dv.getUint32(0), height = dv.getUint32(4);
  const bitDepth = dv.getUint8(8), colourType = dv.getUint8(9), compression = dv.getUint8(10), filter = dv.getUint8(11), interlace = dv.getUint8(12);
  if (width < 1 || width > MAX_UINT31) throw new FormatError(`png: IHDR width must be in [1, 2^31 − 1], got ${width}`);
  if (height < 1 || height > MAX_UINT31) throw new FormatError(`png: IHDR height must be in [1, 2^31 − 1], got ${height}`);
  if (!Object.prototype.hasOwnProperty.call(DEPTHS, colourType)) throw new FormatError(`png: IHDR colour type must be 0, 2, 3, 4 or 6, got ${colourType}`);
  if (!DEPTHS[colourType].includes(bitDepth)) {
    throw new FormatError(`png: IHDR bit depth must be one of ${DEPTHS[colourType].join(', ')} for colour type ${colourType} (${COLOUR_NAMES[colourType]}), got ${bitDepth}`);
  }
  if (compression !== 0) throw new FormatError(`png: IHDR compression method must be 0 (deflate), got ${compression}`);
  if (filter !== 0) throw new FormatError(`png: IHDR filter method must be 0 (adaptive), got ${filter}`);
  if (interlace !== 0 && interlace !== 1) throw new FormatError(`png: IHDR interlace method must be 0 (none) or 1 (Adam7), got ${interlace}`);
  const pixels = width * height;   // exact up to 2^53; beyond, still far above any maxPixels
  if (pixels > maxPixels) {
    throw new ResourceError(`png: width·height must be ≤ maxPixels = ${maxPixels}, got ${width}·${height} = ${pixels} pixels (raise the limit with { maxPixels })`);
  }
  const channels = CHANNELS[colourType];
  return {
    width, height, bitDepth, colourType, interlace: interlace as 0 | 1, channels, palette: null, idat: [], idatBytes: 0,
    rawBytes: rawLength(width, height, interlace, bitDepth * channels),
  };
}

/** Runs an allocation; an engine that cannot provide the memory (RangeError) becomes a ResourceError. */
function allocate<T>(make: () => T, what: string): T {
  try {
    return make();
  } catch (e) {
    throw new ResourceError(`png: cannot allocate ${what} (${(e as Error)?.message ?? String(e)}); lower { maxPixels } to refuse such images up front`, { cause: e });
  }
}

/** A description of the filtered image data, for messages. */
function rawDescription(s: PngStructure): string {
  return s.interlace
    ? `${s.width}×${s.height} ${s.bitDepth}-bit ${COLOUR_NAMES[s.colourType]}, 7 Adam7 passes`
    : `${s.height} rows of 1 + ${lineBytes(s.width, s.bitDepth * s.channels)} bytes`;
}

/**
 * Inflates the concatenated IDAT data into exactly `rawBytes` bytes; stops as soon as the stream produces
 * more, so a small file never expands beyond what its IHDR declares.
 * @throws FormatError for an invalid or truncated zlib stream, a wrong Adler-32, or a length ≠ rawBytes.
 */
function inflateImageData(s: PngStructure): Uint8Array {
  const expected = s.rawBytes;
  const raw = allocate(() => new Uint8Array(expected), `${expected} bytes of image data`);
  let filled = 0;
  const inflater = new Unzlib((chunk: Uint8Array) => {
    if (chunk.length > expected - filled) {
      throw new FormatError(`png: the IDAT data must inflate to ${expected} bytes (${rawDescription(s)}), got more than ${expected}`);
    }
    raw.set(chunk, filled);
    filled += chunk.length;
  });
  try {
    for (const part of s.idat) {
      for (let p = 0; p < part.length; p += INFLATE_SLICE) inflater.push(part.subarray(p, Math.min(part.length, p + INFLATE_SLICE)), false);
    }
    inflater.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof AttnconvError) throw e;
    throw new FormatError(`png: the IDAT data must be one complete zlib stream, got an inflate error (${(e as Error)?.message ?? String(e)})`, { cause: e });
  }
  if (filled !== expected) throw new FormatError(`png: the IDAT data must inflate to ${expected} bytes (${rawDescription(s)}), got ${filled}`);
  // fflate does not check the stream's Adler-32 (its last 4 bytes); zlib, libpng and pngjs do.
  const tail = [0, 0, 0, 0];
  for (let i = s.idat.length - 1, k = 4; i >= 0 && k > 0; i--) for (let j = s.idat[i].length - 1; j >= 0 && k > 0; j--) tail[--k] = s.idat[i][j];
  const stored = ((tail[0] << 24) | (tail[1] << 16) | (tail[2] << 8) | tail[3]) >>> 0, computed = adler32(raw);
  if (stored !== computed) throw new FormatError(`png: the zlib stream's Adler-32 must be ${hex32(computed)}, got ${hex32(stored)}`);
  return raw;
}

/** Paeth predictor (§9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

const scales = new Map<number, Float32Array>();

/** Lookup table sample → sample / (2^depth − 1), rounded once to float32, for depths 1..16 (built once). */
function sampleScale(depth: number): Float32Array {
  let lut = scales.get(depth);
  if (!lut) {
    const max = 2 ** depth - 1;
    lut = new Float32Array(max + 1);
    for (let k = 0; k <= max; k++) lut[k] = k / max;
    scales.set(depth, lut);
  }
  return lut;
}

/**
 * Decodes a PNG to planar RGB float32 [3, H, W] with values sample / (2^bitDepth − 1) in [0, 1]: grey is
 * replicated to R, G and B; palette entries are looked up (8-bit, / 255); alpha (an alpha channel or tRNS)
 * is dropped without compositing. See `readPngStructure` for the rules checked before inflating.
 * @throws FormatError for any rule of `readPngStructure`, a bad zlib stream, a scanline filter type > 4,
 *         or a palette index ≥ the number of PLTE entries.
 * @throws ResourceError if width·height > maxPixels, or the engine cannot allocate the image.
 */
export function decodePngRgb(bytes: Uint8Array, maxPixels: number): { width: number; height: number; rgb: Float32Array } {
  const s = readPngStructure(bytes, maxPixels);
  const raw = inflateImageData(s);
  const { width: W, height: H, bitDepth: depth, colourType: ct, channels: C } = s;
  const plane = W * H;
  const rgb = allocate(() => new Float32Array(3 * plane), `a [1, 3, ${H}, ${W}] float32 tensor`);   // every element is written below
  const bitsPerPixel = depth * C, bpp = Math.max(1, bitsPerPixel >> 3);   // filter byte distance (§9.2)
  const scale = ct === 3 ? sampleScale(8) : sampleScale(depth);
  const entries = s.palette ? s.palette.length / 3 : 0;
  const mask = (1 << depth) - 1;
  let pos = 0, pass = 0;
  for (const [x0, y0, dx, dy] of s.interlace ? ADAM7 : NO_INTERLACE) {
    pass++;
    const pw = W > x0 ? Math.ceil((W - x0) / dx) : 0, ph = H > y0 ? Math.ceil((H - y0) / dy) : 0;
    if (pw === 0 || ph === 0) continue;
    const nBytes = lineBytes(pw, bitsPerPixel);
    let prior = new Uint8Array(nBytes), line = new Uint8Array(nBytes);   // the row above the first is zeros (§9.2)
    for (let j = 0; j < ph; j++) {
      const type = raw[pos], f = raw.subarray(pos + 1, pos + 1 + nBytes);
      pos += 1 + nBytes;
      switch (type) {   // §9.2: reconstruct from the bytes to the left (a), above (b), above-left (c)
        case 0: line.set(f); break;
        case 1: for (let i = 0; i < nBytes; i++) line[i] = f[i] + (i >= bpp ? line[i - bpp] : 0); break;
        case 2: for (let i = 0; i < nBytes; i++) line[i] = f[i] + prior[i]; break;
        case 3: for (let i = 0; i < nBytes; i++) line[i] = f[i] + (((i >= bpp ? line[i - bpp] : 0) + prior[i]) >> 1); break;
        case 4: for (let i = 0; i < nBytes; i++) line[i] = f[i] + (i >= bpp ? paeth(line[i - bpp], prior[i], prior[i - bpp]) : prior[i]); break;
        default: throw new FormatError(`png: scanline filter type must be 0..4, got ${type} (row ${j}${s.interlace ? ` of Adam7 pass ${pass}` : ''})`);
      }
      const y = y0 + j * dy;
      for (let i = 0; i < pw; i++) {
        const x = x0 + i * dx, o = y * W + x;
        if (depth < 8) {   // grey or palette index, packed most significant bits first (§7.2)
          const bit = i * depth, v = (line[bit >> 3] >> (8 - depth - (bit & 7))) & mask;
          if (ct === 3) writePalette(v, s.palette!, entries, scale, rgb, o, plane, x, y);
          else rgb[o] = rgb[plane + o] = rgb[2 * plane + o] = scale[v];
        } else if (depth === 8) {
          const k = i * C;
          if (ct === 3) writePalette(line[k], s.palette!, entries, scale, rgb, o, plane, x, y);
          else if (C <= 2) rgb[o] = rgb[plane + o] = rgb[2 * plane + o] = scale[line[k]];
          else { rgb[o] = scale[line[k]]; rgb[plane + o] = scale[line[k + 1]]; rgb[2 * plane + o] = scale[line[k + 2]]; }
        } else {           // 16 bits, big-endian (§7.1)
          const k = 2 * i * C;
          if (C <= 2) rgb[o] = rgb[plane + o] = rgb[2 * plane + o] = scale[(line[k] << 8) | line[k + 1]];
          else {
            rgb[o] = scale[(line[k] << 8) | line[k + 1]];
            rgb[plane + o] = scale[(line[k + 2] << 8) | line[k + 3]];
            rgb[2 * plane + o] = scale[(line[k + 4] << 8) | line[k + 5]];
          }
        }
      }
      const t = prior; prior = line; line = t;
    }
  }
  return { width: W, height: H, rgb };
}

function writePalette(index: number, palette: Uint8Array, entries: number, scale: Float32Array, rgb: Float32Array, o: number, plane: number, x: number, y: number): void {
  if (index >= entries) throw new FormatError(`png: palette index must be < ${entries} (the PLTE entries), got ${index} at pixel (x=${x}, y=${y})`);
  rgb[o] = scale[palette[3 * index]];
  rgb[plane + o] = scale[palette[3 * index + 1]];
  rgb[2 * plane + o] = scale[palette[3 * index + 2]];
}
