/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written by its own rules:
 * the README's "Format" section, docs/safetensors.schema.json and the reference Rust implementation
 * (safetensors/src/tensor.rs: `read_metadata`, `Metadata::validate`, `prepare`) are the anchors.
 *
 *   8 bytes   N, the header length, unsigned 64-bit little-endian, N ≤ 100 000 000 (MAX_HEADER_SIZE)
 *   N bytes   UTF-8 JSON object, starting with '{', optionally padded with trailing spaces:
 *             {"__metadata__": {str: str}, name: {"dtype": D, "shape": [d0, ...], "data_offsets": [begin, end]}, ...}
 *   the rest  the data section: tensors little-endian, row-major, at [begin, end) relative to its start,
 *             contiguous from 0, no holes, no overlap, nothing after the last tensor.
 *
 * Browser-safe: Uint8Array / DataView / TextDecoder only (no Node `Buffer`, no Node built-ins).
 */
import { Tensor } from '../core/tensor.js';
import { ArgumentError, FormatError, NotImplementedError, ResourceError, fmtShape } from '../core/errors.js';
import { describeType, isPlainObject, isWellFormedString, requireBytes } from './bytes.js';
import { tensorArg } from '../core/validate.js';

/** A decoded safetensors file: tensors by name (F32 as Tensor; other dtypes converted to float32 values),
 *  the original dtype per name, and the free-form `__metadata__` string map. */
export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  dtypes: Map<string, string>;
  metadata: Record<string, string>;
}

/** The reference implementation's MAX_HEADER_SIZE (bytes). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bits per element of every dtype the format defines (reference `Dtype::bitsize`). */
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8, F4: 4, F6_E2M3: 6, F6_E3M2: 6, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, F8_E4M3FNUZ: 8, F8_E5M2FNUZ: 8,
  I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32, C64: 64, F64: 64, I64: 64, U64: 64,
};

/** Dtypes this reader converts to float32. */
const READABLE = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'];

/** Nesting bound of the header JSON, checked before JSON.parse. A valid header nests 3 deep (header →
 *  entry → shape); deeper values are rejected here or by the entry rules. */
const MAX_DEPTH = 64;

const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A JSON value for a message, cut to 80 characters. */
function show(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/**
 * Scans the header text once, without recursion, before JSON.parse sees it: nesting depth ≤ MAX_DEPTH,
 * no key twice in one object (JSON.parse would silently keep the last one; the format disallows
 * duplicates) and only non-negative integer literals as numbers (JSON.parse would turn 1.0 into 1).
 * Keys are compared after unescaping ("a" and "\u0061" are the same key). Returns the top-level keys in
 * text order. Text that is not JSON is left for JSON.parse to report.
 */
function scanHeader(text: string): string[] {
  const stack: (Set<string> | null)[] = [];   // one entry per open container: its keys (objects) or null (arrays)
  const topKeys: string[] = [];
  let prev = '';                              // last structural character, or 'v' after a value
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      for (;;) {                                // the closing quote is one not preceded by an odd run of backslashes
        const q = text.indexOf('"', end);
        if (q < 0) return topKeys;              // unterminated string: JSON.parse reports it
        let slashes = 0;
        for (let k = q - 1; text.charCodeAt(k) === 0x5c; k--) slashes++;
        if (slashes % 2 === 0) { end = q; break; }
        end = q + 1;
      }
      const keys = stack.length ? stack[stack.length - 1] : null;
      if (keys && (prev === '{' || prev === ',')) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return topKeys;                       // a bad escape: JSON.parse reports it
        }
        if (keys.has(key)) {
          throw new FormatError(`safetensors: header keys must be unique within an object, got ${show(key)} twice${stack.length === 1 ? ' at the top level' : ` at nesting depth ${stack.length}`} (character ${i} of the header)`);
        }
        keys.add(key);
        if (stack.length === 1) topKeys.push(key);
      }
      prev = 'v';
      i = end;
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_DEPTH) throw new FormatError(`safetensors: header nesting depth must be ≤ ${MAX_DEPTH} (a valid header nests 3 deep), got more at character ${i}`);
      stack.push(c === '{' ? new Set() : null);
      prev = c;
    } else if (c === '}' || c === ']') {
      stack.pop();
      prev = 'v';
    } else if (c === ',' || c === ':') {
      prev = c;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      // every number of a valid header is a shape dimension or an offset: a usize literal for the
      // reference parser (serde_json), which rejects 1.0, 1e3 and -0 even where the value is an integer
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end])) end++;
      const literal = text.slice(i, end);
      if (!/^[0-9]+$/.test(literal)) {
        throw new FormatError(`safetensors: header numbers must be non-negative integer literals (each is a shape dimension or a data offset), got ${literal.length > 40 ? `${literal.slice(0, 37)}...` : literal} at character ${i}`);
      }
      prev = 'v';
      i = end - 1;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      prev = 'v';
    }
  }
  return topKeys;
}

interface Entry {
  name: string;
  order: number;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Validates one header entry (schema `Tensor`; reference `TensorInfo` + `Metadata::validate`). */
function readEntry(name: string, order: number, info: unknown): Entry {
  const where = `safetensors: tensor ${show(name)}`;
  if (!isWellFormedString(name)) throw new FormatError(`safetensors: tensor names must be valid Unicode (no lone surrogate), got ${show(name)}`);
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    throw new FormatError(`${where}: entry must be an object {dtype, shape, data_offsets}, got ${show(info)}`);
  }
  const keys = Object.keys(info);
  const missing = ENTRY_KEYS.filter((k) => !keys.includes(k)), extra = keys.filter((k) => !ENTRY_KEYS.includes(k));
  if (missing.length || extra.length) {
    throw new FormatError(`${where}: entry must have exactly the keys dtype, shape, data_offsets, got ${show(keys)}${missing.length ? ` (missing ${missing.join(', ')})` : ''}${extra.length ? ` (extra ${extra.map((k) => show(k)).join(', ')})` : ''}`);
  }
  const { dtype, shape, data_offsets: offsets } = info as { dtype: unknown; shape: unknown; data_offsets: unknown };
  if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPE_BITS, dtype)) {
    throw new FormatError(`${where}: dtype must be one of the format's dtypes (${Object.keys(DTYPE_BITS).join(', ')}), got ${show(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(`${where}: shape must be a list of non-negative safe integers (≤ 2^53 − 1), got ${show(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(`${where}: data_offsets must be [begin, end], two non-negative safe integers, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new FormatError(`${where}: data_offsets [begin, end] must have begin ≤ end, got [${begin}, ${end}]`);
  // element count and byte size with overflow checks, left to right as the reference's checked_mul
  let count = 1;
  for (const d of shape as number[]) {
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) throw new FormatError(`${where}: the product of shape ${fmtShape(shape)} must stay ≤ 2^53 − 1, got ${count} (overflow)`);
  }
  const bits = count * DTYPE_BITS[dtype];
  if (bits > Number.MAX_SAFE_INTEGER) throw new FormatError(`${where}: ${dtype} ${fmtShape(shape)} is ${count} elements × ${DTYPE_BITS[dtype]} bits, must be ≤ 2^53 − 1 bits, got ${bits}`);
  if (bits % 8 !== 0) throw new FormatError(`${where}: ${dtype} ${fmtShape(shape)} must fill whole bytes, got ${count} × ${DTYPE_BITS[dtype]} = ${bits} bits`);
  if (end - begin !== bits / 8) {
    throw new FormatError(`${where}: data_offsets [${begin}, ${end}] must span ${bits / 8} bytes (${dtype} ${fmtShape(shape)}: ${count} × ${DTYPE_BITS[dtype] / 8} bytes), got ${end - begin}`);
  }
  return { name, order, dtype, shape: shape as number[], begin, end };
}

/**
 * Reads a safetensors file. F32 is read bit-exactly (NaN payloads included); F64, F16, BF16, the signed
 * and unsigned integers and BOOL are converted to float32 values (64-bit integers via float64), with the
 * original dtype reported in `dtypes`, so a PyTorch state_dict saved with safetensors loads unchanged,
 * including integer buffers such as `num_batches_tracked`. Tensors come in data-section order.
 *
 * Format rules checked (reference implementation and README), all before any tensor is allocated:
 *   - at least 8 bytes; N (u64 LE) ≤ 100 000 000 and 8 + N ≤ the file length;
 *   - the header is valid UTF-8, starts with '{', nests at most 64 deep, has no duplicate key in any
 *     object, writes every number as a non-negative integer literal (no 1.0, 1e3, -0: the reference
 *     parses them as usize), and is a JSON object (trailing spaces allowed);
 *   - `__metadata__`, if present, is an object of string values;
 *   - every other key is a tensor whose entry has exactly dtype (one of the format's dtypes), shape
 *     (non-negative safe integers) and data_offsets ([begin, end], non-negative safe integers, begin ≤ end);
 *     names and metadata strings are valid Unicode;
 *   - product(shape) × bits(dtype) fits in 2^53 − 1 bits, is whole bytes, and equals (end − begin) · 8;
 *   - sorted by offset, the tensors are contiguous from 0 (no hole, no overlap) and the last one ends
 *     exactly at the end of the file: a header length off by one, a truncated file or trailing bytes are
 *     errors, never shifted data.
 *
 * @throws ArgumentError if `bytes` is not a Uint8Array (a path string, a number, null, an ArrayBuffer, ...).
 * @throws FormatError for a file that breaks any rule above; the message names expected and actual values.
 * @throws NotImplementedError for a valid file holding a dtype this reader does not convert (F8_*, F4,
 *         F6_*, C64), after the whole header has been validated.
 * @see spec/io.test.ts (suites io/safetensors-*, io/arguments)
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  const file = requireBytes(bytes, 'readSafetensors');
  if (file.length < 8) throw new FormatError(`safetensors: file must be at least 8 bytes (the header length), got ${file.length}`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new FormatError(`safetensors: header length must be ≤ ${MAX_HEADER_BYTES} bytes, got ${n}`);
  const headerLen = Number(n);
  if (headerLen > file.length - 8) throw new FormatError(`safetensors: header length ${headerLen} must fit in the file after its 8-byte length, got ${file.length - 8} bytes (file ${file.length} bytes)`);
  const headerBytes = file.subarray(8, 8 + headerLen);
  if (headerBytes[0] !== 0x7b) {
    throw new FormatError(`safetensors: header must start with '{' (0x7B), got ${headerLen === 0 ? 'an empty header' : `0x${headerBytes[0].toString(16).toUpperCase().padStart(2, '0')}`}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (e) {
    throw new FormatError(`safetensors: header must be valid UTF-8, got invalid bytes (${(e as Error).message})`, { cause: e });
  }
  const topKeys = scanHeader(text);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`safetensors: header must be valid JSON, got a parse error (${(e as Error).message})`, { cause: e });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new FormatError(`safetensors: header must be a JSON object, got ${show(header)}`);

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  const order = new Map(topKeys.map((k, i) => [k, i]));
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) throw new FormatError(`safetensors: __metadata__ must be an object of string values, got ${show(info)}`);
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw new FormatError(`safetensors: __metadata__ values must be strings, got ${show(v)} for key ${show(k)}`);
        if (!isWellFormedString(k) || !isWellFormedString(v)) throw new FormatError(`safetensors: __metadata__ strings must be valid Unicode (no lone surrogate), got key ${show(k)}`);
      }
      metadata = Object.fromEntries(Object.entries(info as Record<string, string>));   // own data properties only ("__proto__" stays a key)
      continue;
    }
    entries.push(readEntry(name, order.get(name) ?? entries.length, info));
  }

  // Layout (reference Metadata::validate): sorted by offsets, contiguous from 0, the last one ends the file.
  const dataStart = 8 + headerLen, dataLen = file.length - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || a.order - b.order);
  let covered = 0, previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin !== covered) {
      const after = previous ? `the end of tensor ${show(previous.name)} [${previous.begin}, ${previous.end}]` : 'the start of the data section';
      throw new FormatError(
        `safetensors: tensor ${show(e.name)} data_offsets [${e.begin}, ${e.end}] must begin at ${covered} (${after}), got ${e.begin}: ` +
          (e.begin > covered ? `a hole of ${e.begin - covered} bytes` : `an overlap of ${covered - e.begin} bytes`),
      );
    }
    if (e.end > dataLen) {
      throw new FormatError(`safetensors: tensor ${show(e.name)} data_offsets [${e.begin}, ${e.end}] must lie within the ${dataLen}-byte data section (file ${file.length} bytes, header ${headerLen}), got end ${e.end}: the file is truncated or the header length is wrong`);
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLen) {
    throw new FormatError(`safetensors: the tensors must cover the ${dataLen}-byte data section exactly (file ${file.length} bytes, header ${headerLen}), got ${covered} bytes covered: ${dataLen - covered} trailing bytes (or a header length that is wrong)`);
  }
  const unreadable = entries.find((e) => !READABLE.includes(e.dtype));
  if (unreadable) {
    throw new NotImplementedError(`safetensors: tensor ${show(unreadable.name)} has dtype ${unreadable.dtype}, which this reader does not convert to float32 (supported: ${READABLE.join(', ')})`);
  }

  const tensors = new Map<string, Tensor>(), dtypes = new Map<string, string>();
  for (const { name, dtype, shape, begin, end } of entries) {
    const count = (end - begin) / (DTYPE_BITS[dtype] / 8);
    const at = file.byteOffset + dataStart + begin;
    let out: Float32Array;
    if (dtype === 'F32' && LITTLE_ENDIAN) {
      out = new Float32Array(file.slice(dataStart + begin, dataStart + end).buffer);   // raw bits: NaN payloads survive
    } else {
      out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer), dv = new DataView(file.buffer, at, end - begin);
      for (let i = 0; i < count; i++) {
        switch (dtype) {
          case 'F32': bits[i] = dv.getUint32(4 * i, true); break;   // raw bits: NaN payloads survive
          case 'F64': out[i] = dv.getFloat64(8 * i, true); break;
          case 'F16': out[i] = f16ToF32(dv.getUint16(2 * i, true)); break;
          case 'BF16': bits[i] = dv.getUint16(2 * i, true) << 16; break;
          case 'I64': out[i] = Number(dv.getBigInt64(8 * i, true)); break;
          case 'U64': out[i] = Number(dv.getBigUint64(8 * i, true)); break;
          case 'I32': out[i] = dv.getInt32(4 * i, true); break;
          case 'U32': out[i] = dv.getUint32(4 * i, true); break;
          case 'I16': out[i] = dv.getInt16(2 * i, true); break;
          case 'U16': out[i] = dv.getUint16(2 * i, true); break;
          case 'I8': out[i] = dv.getInt8(i); break;
          default: out[i] = dv.getUint8(i); break;                  // U8, BOOL
        }
      }
    }
    tensors.set(name, new Tensor(out, shape));
    dtypes.set(name, dtype);
  }
  return { tensors, dtypes, metadata };
}

/**
 * Writes tensors as a safetensors file, all F32, in the map's order (data contiguous from offset 0, the
 * header's entries in the same order), with an optional `__metadata__` string map written first. The
 * header JSON is padded with spaces to a multiple of 8 bytes, as the reference writer does, so Python's
 * `safetensors.safe_open` / `load_file` read the result (and `readSafetensors` returns the same tensors,
 * bit for bit).
 *
 * @throws ArgumentError if `tensors` is not a Map or a plain object of Tensors (a forged Tensor, made with
 *         Object.create(Tensor.prototype), included), a name is not a string, is "__metadata__" or holds a lone
 *         surrogate, or `metadata` is not a plain object of (valid Unicode) strings.
 * @throws ResourceError if the header would exceed 100 000 000 bytes (the format's limit) or the file
 *         cannot be allocated.
 * @see spec/io.test.ts (suites io/safetensors-roundtrip, io/arguments)
 */
export function writeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  let entries: [unknown, unknown][];
  if (tensors instanceof Map) entries = [...tensors.entries()];
  else if (isPlainObject(tensors)) entries = Object.entries(tensors);
  else throw new ArgumentError(`writeSafetensors: tensors must be a Map or an object literal of name → Tensor, got ${describeType(tensors)}`);
  for (const [name, t] of entries) {
    if (typeof name !== 'string') throw new ArgumentError(`writeSafetensors: tensor names must be strings, got ${describeType(name)}`);
    if (name === '__metadata__') throw new ArgumentError('writeSafetensors: a tensor must not be named "__metadata__" (the key is reserved for the metadata map)');
    if (!isWellFormedString(name)) throw new ArgumentError(`writeSafetensors: tensor names must be valid Unicode (no lone surrogate), got ${show(name)}`);
    if (!(t instanceof Tensor)) throw new ArgumentError(`writeSafetensors: tensor ${show(name)} must be a Tensor, got ${describeType(t)}`);
    tensorArg('writeSafetensors', `tensor ${show(name)}`, t);   // also refuses an Object.create(Tensor.prototype) forgery
  }
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw new ArgumentError(`writeSafetensors: metadata must be an object literal of strings or undefined, got ${describeType(metadata)}`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ArgumentError(`writeSafetensors: metadata values must be strings, got ${describeType(v)} for key ${show(k)}`);
      if (!isWellFormedString(k) || !isWellFormedString(v)) throw new ArgumentError(`writeSafetensors: metadata strings must be valid Unicode (no lone surrogate), got key ${show(k)}`);
    }
  }
  const list = entries as [string, Tensor][];
  // The JSON text is assembled in order (a JS object would move integer-like names such as "0" first).
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"__metadata__":${JSON.stringify(Object.fromEntries(Object.entries(metadata)))}`);
  let offset = 0;
  for (const [name, t] of list) {
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * t.size] })}`);
    offset += 4 * t.size;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;   // reference: next_multiple_of(8), padded with b' '
  if (headerLen > MAX_HEADER_BYTES) throw new ResourceError(`writeSafetensors: header must be ≤ ${MAX_HEADER_BYTES} bytes (the format's limit), got ${headerLen}`);
  let out: Uint8Array;
  try {
    out = new Uint8Array(8 + headerLen + offset);
  } catch (e) {
    throw new ResourceError(`writeSafetensors: cannot allocate a ${8 + headerLen + offset}-byte file`, { cause: e });
  }
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const [, t] of list) {
    const size = t.size;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, 4 * size), pos);   // raw bits: NaN payloads survive
    else {
      const dv = new DataView(out.buffer, pos, 4 * size), bits = new Uint32Array(t.data.buffer, t.data.byteOffset, size);
      for (let i = 0; i < size; i++) dv.setUint32(4 * i, bits[i], true);
    }
    pos += 4 * size;
  }
  return out;
}
