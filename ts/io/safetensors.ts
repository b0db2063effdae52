import { Tensor } from '../core/tensor.js';
import { FormatError } from '../core/errors.js';

/** A decoded safetensors file: tensors by name (F32 as Tensor; other dtypes converted to float32 values),
 *  the original dtype per name, and the free-form `__metadata__` string map. */
export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  dtypes: Map<string, string>;
  metadata: Record<string, string>;
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/**
 * Reads the safetensors format (huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw
 * little-endian data. F32 is read exactly; F64, F16, BF16 and integer dtypes are converted to float32
 * (their original dtype is reported in `dtypes`), so a PyTorch state_dict saved with safetensors loads
 * unchanged, including integer buffers such as `num_batches_tracked`.
 *
 * @throws FormatError on a truncated file, a header that is not a JSON object of {dtype, shape, data_offsets}
 *         entries, an unknown dtype, offsets that do not match the shape, lie outside the data or overlap.
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new FormatError(`safetensors: file must be at least 8 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) throw new FormatError(`safetensors: header length ${headerLen} exceeds the file (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new FormatError(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, Tensor>(), dtypes = new Map<string, string>();
  let metadata: Record<string, string> = {};
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FormatError(`safetensors: header must be a JSON object, got ${JSON.stringify(header)}`);
  }
  const spans: [number, number, string][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Object.values(info).some((v) => typeof v !== 'string')) {
        throw new FormatError('safetensors: __metadata__ must be an object of string values');
      }
      metadata = info as Record<string, string>;
      continue;
    }
    const entry = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (entry === null || typeof entry !== 'object') throw new FormatError(`safetensors: entry ${name} must be an object {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
    const { dtype, shape, data_offsets } = entry;
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(BYTES, dtype)) throw new FormatError(`safetensors: tensor ${name} has unsupported dtype ${typeof dtype === 'string' ? dtype : JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new FormatError(`safetensors: tensor ${name} shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || !data_offsets.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new FormatError(`safetensors: tensor ${name} data_offsets must be two non-negative integers, got offsets ${Array.isArray(data_offsets) ? `[${data_offsets.join(', ')}]` : JSON.stringify(data_offsets)}`);
    }
    const width = BYTES[dtype];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = data_offsets as [number, number];
    if (end - begin !== count * width || dataStart + end > bytes.length) {
      throw new FormatError(`safetensors: tensor ${name} offsets [${begin}, ${end}] do not hold ${dtype} ${JSON.stringify(shape)} within ${bytes.length - dataStart} data bytes`);
    }
    spans.push([begin, end, name]);
    const out = new Float32Array(count), bits = new Uint32Array(out.buffer);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    for (let i = 0; i < count; i++) {
      switch (dtype) {
        case 'F32': bits[i] = dv.getUint32(4 * i, true); break; // raw bits: signalling NaN payloads survive
        case 'F64': out[i] = dv.getFloat64(8 * i, true); break;
        case 'F16': out[i] = f16ToF32(dv.getUint16(2 * i, true)); break;
        case 'BF16': out[i] = new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0]; break;
        case 'I64': out[i] = Number(dv.getBigInt64(8 * i, true)); break;
        case 'I32': out[i] = dv.getInt32(4 * i, true); break;
        case 'I16': out[i] = dv.getInt16(2 * i, true); break;
        case 'I8': out[i] = dv.getInt8(i); break;
        default: out[i] = dv.getUint8(i); break; // U8, BOOL
      }
    }
    tensors.set(name, new Tensor(out, shape as number[]));
    dtypes.set(name, dtype);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw new FormatError(`safetensors: tensors ${spans[i - 1][2]} and ${spans[i][2]} overlap`);
  }
  return { tensors, dtypes, metadata };
}

/**
 * Writes tensors as a safetensors file (all F32, in the map's order), with an optional `__metadata__`
 * string map; the header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 */
export function writeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * t.size] };
    offset += 4 * t.size;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of entries) {
    const dv = new DataView(out.buffer, pos, 4 * t.size);
    const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.size);
    for (let i = 0; i < t.size; i++) dv.setUint32(4 * i, bits[i], true); // raw bits: NaN payloads survive
    pos += 4 * t.size;
  }
  return out;
}
