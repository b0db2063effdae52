// ts/io on hostile and valid input: safetensors (write → read bit-exact, hand-built files of other dtypes,
// every rule of the format as a crafted file, PyTorch's own fixture) and PNG (every colour type, bit depth,
// interlace and filter against an independent encoder, the demo photograph against the old pngjs decoder,
// every rule of the format as a crafted file, size limits without inflating), plus argument checks.
//
// safetensors (https://github.com/huggingface/safetensors README "Format", docs/safetensors.schema.json,
// safetensors/src/tensor.rs): u64 little-endian header length N ≤ 100 000 000, N bytes of UTF-8 JSON starting
// with '{' {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data;
// offsets are relative to the data section, which the tensors cover exactly.
// PNG: W3C PNG specification; crafted files come from spec/fixtures/io/png_craft.ts (written from the
// specification with node:zlib, sharing no code with the decoder under test).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decode as fastPngDecode } from 'fast-png';
import { Tensor } from '../ts/core/tensor.js';
import { ArgumentError, AttnconvError, FormatError, NotImplementedError, ParameterError, ResourceError, ShapeError } from '../ts/core/errors.js';
import { readSafetensors, writeSafetensors } from '../ts/io/safetensors.js';
import { decodePng, encodePng } from '../ts/io/image.js';
import { seededTensor } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';
import { CHANNELS, chunk, concat, craftPng, crc32, ihdr, pngFile, rawImageData, seededSamples, zlib, type CraftImage } from './fixtures/io/png_craft.js';

const CHELSEA = new URL('../data/chelsea.png', import.meta.url);
const ACMIX_FIXTURE = new URL('./fixtures/acmix.safetensors', import.meta.url);

type ErrorClass = abstract new (...args: never[]) => Error;

/** Asserts `fn` throws an instance of `cls` whose message contains every fragment (expected and actual values). */
function expectError(fn: () => unknown, cls: ErrorClass, fragments: string[], label: string): Error {
  const e = thrown(fn, label);
  assert.ok(e instanceof cls, `${label}: expected ${cls.name}, got ${e?.constructor?.name}: ${e?.message}`);
  for (const f of fragments) assert.ok(e.message.includes(f), `${label}: message ${JSON.stringify(e.message)} must contain ${JSON.stringify(f)}`);
  return e;
}

/** float32 bit patterns, for bit-exact comparison (NaN payloads and −0 included). */
function bits(t: Tensor): number[] {
  return [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)];
}
const f32 = (...u32: number[]) => new Float32Array(new Uint32Array(u32).buffer);
const sha256 = (t: Tensor) => createHash('sha256').update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).digest('hex');

/** A safetensors file built by hand: 8-byte LE header length, the JSON header (space-padded to 8), the data. */
function buildFile(header: unknown, data: Uint8Array, options: { pad?: boolean; headerLength?: bigint } = {}): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  const h0 = new TextEncoder().encode(json);
  if (options.pad ?? true) json += ' '.repeat((8 - (h0.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, options.headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** A header + raw header bytes (not necessarily UTF-8) + data. */
function buildRaw(headerBytes: Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

/** Concatenates little-endian chunks, each written by `fill(view)`, and returns the bytes and their offsets. */
function dataSection(chunks: { bytes: number; fill: (dv: DataView) => void }[]): { data: Uint8Array; offsets: [number, number][] } {
  const total = chunks.reduce((a, c) => a + c.bytes, 0);
  const data = new Uint8Array(total);
  const offsets: [number, number][] = [];
  let pos = 0;
  for (const c of chunks) {
    c.fill(new DataView(data.buffer, pos, c.bytes));
    offsets.push([pos, pos + c.bytes]);
    pos += c.bytes;
  }
  return { data, offsets };
}

// ---------------------------------------------------------------------------------------------

const RoundTrip = suite('io/safetensors-roundtrip');

const special = new Tensor(f32(
  0x00000000, 0x80000000,             // +0, −0
  0x7fc00000, 0xffc00000, 0x7fc0dead, // NaN, −NaN, a quiet NaN with a payload
  0x7f800000, 0xff800000,             // +Inf, −Inf
  0x00000001, 0x807fffff, 0x00400000, // smallest subnormal, −largest subnormal, a middle one
  0x00800000, 0x7f7fffff, 0x3f800001, // smallest normal, largest finite, 1 + ulp
  0xbeaaaaab,                         // −1/3
), [2, 7]);

RoundTrip('write → read is bit-exact: −0, NaN (payload kept), ±Inf, subnormals, an empty tensor, a scalar []', () => {
  const tensors = new Map<string, Tensor>([
    ['special', special],
    ['random', seededTensor([3, 4, 5], 1)],
    ['empty', Tensor.zeros([2, 0, 3])],
    ['scalar', new Tensor([-2.5], [])],
    ['vector.of.dotted.name', new Tensor([1, 2, 3], [3])],
  ]);
  const file = readSafetensors(writeSafetensors(tensors));
  assert.equal([...file.tensors.keys()], [...tensors.keys()], 'names, in order');
  for (const [name, t] of tensors) {
    const got = file.tensors.get(name)!;
    assert.equal([...got.shape], [...t.shape], `${name}: shape`);
    assert.equal(bits(got), bits(t), `${name}: bits`);
    assert.is(file.dtypes.get(name), 'F32', `${name}: dtype`);
  }
  assert.is(file.tensors.get('empty')!.size, 0);
  assert.is(file.tensors.get('scalar')!.rank, 0);
  assert.ok(Object.is(file.tensors.get('special')!.data[1], -0), '−0 stays −0');
});

RoundTrip('signalling NaN bit patterns (0x7f800001, 0xff800123) survive write → read (raw bits, not JS numbers)', () => {
  const t = new Tensor(new Float32Array(new Uint32Array([0x7f800001, 0xff800123, 0x3f800000]).buffer), [3]);
  const back = readSafetensors(writeSafetensors({ t })).tensors.get('t')!;
  assert.equal(Array.from(new Uint32Array(back.data.buffer, back.data.byteOffset, 3)), [0x7f800001, 0xff800123, 0x3f800000]);
});

RoundTrip('a tensor that is a view into a larger buffer (byteOffset ≠ 0) is written from its own elements only', () => {
  const backing = new Float32Array([9, 9, 1, 2, 3, 9]);
  const view = new Tensor(backing.subarray(2, 5), [3]);
  assert.equal([...readSafetensors(writeSafetensors({ view })).tensors.get('view')!.data], [1, 2, 3]);
});

RoundTrip('the header length is a multiple of 8 (space padded) and the data follows it, little-endian', () => {
  for (const n of [0, 1, 2, 3, 5, 7, 8, 13]) {
    const t = seededTensor([n], n + 1);
    const bytes = writeSafetensors({ ['x'.repeat(n + 1)]: t }, n % 2 ? { note: 'é'.repeat(n) } : undefined);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLen = Number(dv.getBigUint64(0, true));
    assert.is(headerLen % 8, 0, `header length ${headerLen} for n = ${n}`);
    assert.is(bytes.length, 8 + headerLen + 4 * n, 'file = 8 + header + data');
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
    assert.ok(/^\{.*\} *$/s.test(json), `header is JSON padded with spaces: ${JSON.stringify(json)}`);
    const header = JSON.parse(json);
    assert.equal(header['x'.repeat(n + 1)], { dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] });
    for (let i = 0; i < n; i++) assert.is(dv.getFloat32(8 + headerLen + 4 * i, true), t.data[i], `element ${i} little-endian`);
  }
});

RoundTrip('the header is the compact JSON the reference writer (serde_json) emits: __metadata__ first, then tensors with contiguous, increasing offsets', () => {
  const bytes = writeSafetensors(new Map([['b', new Tensor([1, 2], [2])], ['a', new Tensor([3, 4, 5, 6, 7, 8], [2, 3])]]), { format: 'pt' });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const want = '{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}';
  assert.is(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)), want + ' '.repeat(headerLen - want.length));
  assert.is(headerLen, Math.ceil(want.length / 8) * 8, 'padded to the next multiple of 8');
  assert.is(bytes.length, 8 + headerLen + 32, 'no trailing bytes');
});

RoundTrip('integer-like names ("10", "2") keep the map order in header and data (a JS object would move them first)', () => {
  const tensors = new Map([['w', new Tensor([1], [1])], ['10', new Tensor([2], [1])], ['2', new Tensor([3], [1])]]);
  const bytes = writeSafetensors(tensors);
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
  assert.ok(text.indexOf('"w"') < text.indexOf('"10"') && text.indexOf('"10"') < text.indexOf('"2"'), text);
  const file = readSafetensors(bytes);
  assert.equal([...file.tensors.keys()], ['w', '10', '2']);
  assert.equal([...file.tensors.values()].map((t) => t.data[0]), [1, 2, 3]);
});

RoundTrip('__metadata__ round trip (JSON-in-string, unicode, a "__proto__" key stays a plain key)', () => {
  const metadata = { format: 'pt', cases: JSON.stringify([{ name: 'a', op: 'conv2d', params: { stride: [1, 2], padding: 'same' } }]), 'ключ': 'значение ✓' };
  const file = readSafetensors(writeSafetensors({ w: seededTensor([2, 2], 3) }, metadata));
  assert.equal(file.metadata, metadata);
  assert.equal(JSON.parse(file.metadata.cases)[0].params.stride, [1, 2]);
  assert.equal(readSafetensors(writeSafetensors({ w: seededTensor([2], 3) })).metadata, {}, 'no metadata → {}');
  const proto = readSafetensors(buildFile('{"__metadata__":{"__proto__":"x"}}', new Uint8Array(0))).metadata;
  assert.is(Object.getPrototypeOf(proto), Object.prototype, 'prototype untouched');
  assert.equal(Object.keys(proto), ['__proto__']);
});

RoundTrip('a file with no tensors ({} header) reads as empty; so does a file with only empty tensors', () => {
  const none = readSafetensors(writeSafetensors({}));
  assert.is(none.tensors.size, 0);
  const empties = readSafetensors(buildFile({ a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, b: { dtype: 'I64', shape: [3, 0], data_offsets: [0, 0] } }, new Uint8Array(0)));
  assert.equal([...empties.tensors.keys()], ['a', 'b'], 'two empty tensors at the same offset do not overlap');
});

RoundTrip.run();

// ---------------------------------------------------------------------------------------------

const Dtypes = suite('io/safetensors-dtypes');

Dtypes('hand-built F64 / F16 / BF16 / I64 file: values converted to float32 correctly, dtypes reported', () => {
  const f64 = [1.5, -2.25, 0.1, 1e300, -1e-50, 3.4028235677973366e38];
  const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
  const f16Want = [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, -0, Infinity, -Infinity, NaN, 0.333251953125];
  const bf16 = [0x3f80, 0xc040, 0x7f80, 0xff80, 0x0001, 0x8000, 0x4049, 0x7fc0, 0xc2f7];
  const bf16Want = [1, -3, Infinity, -Infinity, 2 ** -133, -0, 3.140625, NaN, -123.5];
  const i64 = [0n, -1n, 42n, 123456789n, -(2n ** 40n), 2n ** 53n];
  const { data, offsets } = dataSection([
    { bytes: 8 * f64.length, fill: (dv) => f64.forEach((v, i) => dv.setFloat64(8 * i, v, true)) },
    { bytes: 2 * f16.length, fill: (dv) => f16.forEach((v, i) => dv.setUint16(2 * i, v, true)) },
    { bytes: 2 * bf16.length, fill: (dv) => bf16.forEach((v, i) => dv.setUint16(2 * i, v, true)) },
    { bytes: 8 * i64.length, fill: (dv) => i64.forEach((v, i) => dv.setBigInt64(8 * i, v, true)) }, // at byte 86: unaligned
    { bytes: 4, fill: (dv) => dv.setFloat32(0, -0.5, true) },
  ]);
  const header = {
    __metadata__: { format: 'pt' },
    d: { dtype: 'F64', shape: [2, 3], data_offsets: offsets[0] },
    h: { dtype: 'F16', shape: [10], data_offsets: offsets[1] },
    b: { dtype: 'BF16', shape: [3, 3], data_offsets: offsets[2] },
    i: { dtype: 'I64', shape: [6], data_offsets: offsets[3] },
    s: { dtype: 'F32', shape: [], data_offsets: offsets[4] },
  };
  const file = readSafetensors(buildFile(header, data));
  assert.equal(Object.fromEntries(file.dtypes), { d: 'F64', h: 'F16', b: 'BF16', i: 'I64', s: 'F32' });
  assert.equal(file.metadata, { format: 'pt' });
  const same = (got: Tensor, want: number[], label: string) => {
    assert.is(got.size, want.length, `${label}: size`);
    want.forEach((w, k) => assert.ok(Object.is(got.data[k], Math.fround(w)), `${label}[${k}]: got ${got.data[k]}, want ${Math.fround(w)}`));
  };
  assert.equal([...file.tensors.get('d')!.shape], [2, 3]);
  same(file.tensors.get('d')!, f64, 'F64');                 // rounded to nearest float32; 1e300 → Inf, −1e-50 → −0
  assert.is(file.tensors.get('d')!.data[3], Infinity);
  assert.ok(Object.is(file.tensors.get('d')!.data[4], -0));
  same(file.tensors.get('h')!, f16Want, 'F16');
  same(file.tensors.get('b')!, bf16Want, 'BF16');
  assert.equal([...file.tensors.get('b')!.shape], [3, 3]);
  same(file.tensors.get('i')!, i64.map(Number), 'I64');    // 123456789 → 123456792 in float32
  assert.is(file.tensors.get('i')!.data[3], 123456792);
  assert.equal([...file.tensors.get('s')!.shape], []);
  assert.is(file.tensors.get('s')!.data[0], -0.5);
});

Dtypes('unsigned U16 / U32 / U64, signed I8 / I16 / I32, U8 and BOOL convert to their float32 values', () => {
  const { data, offsets } = dataSection([
    { bytes: 6, fill: (dv) => [0, 1, 65535].forEach((v, i) => dv.setUint16(2 * i, v, true)) },
    { bytes: 8, fill: (dv) => [7, 4294967295].forEach((v, i) => dv.setUint32(4 * i, v, true)) },
    { bytes: 16, fill: (dv) => [3n, 2n ** 64n - 1n].forEach((v, i) => dv.setBigUint64(8 * i, v, true)) },
    { bytes: 2, fill: (dv) => [-128, 127].forEach((v, i) => dv.setInt8(i, v)) },
    { bytes: 4, fill: (dv) => [-32768, 5].forEach((v, i) => dv.setInt16(2 * i, v, true)) },
    { bytes: 4, fill: (dv) => dv.setInt32(0, -2147483648, true) },
    { bytes: 2, fill: (dv) => [0, 255].forEach((v, i) => dv.setUint8(i, v)) },
    { bytes: 2, fill: (dv) => [0, 1].forEach((v, i) => dv.setUint8(i, v)) },
  ]);
  const names = ['u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'u8', 'bool'];
  const dtypes = ['U16', 'U32', 'U64', 'I8', 'I16', 'I32', 'U8', 'BOOL'];
  const shapes = [[3], [2], [2], [2], [2], [1], [2], [2]];
  const header = Object.fromEntries(names.map((n, k) => [n, { dtype: dtypes[k], shape: shapes[k], data_offsets: offsets[k] }]));
  const file = readSafetensors(buildFile(header, data));
  const values = Object.fromEntries([...file.tensors].map(([n, t]) => [n, [...t.data]]));
  assert.equal(values, {
    u16: [0, 1, 65535], u32: [7, 4294967296], u64: [3, 18446744073709551616], i8: [-128, 127],
    i16: [-32768, 5], i32: [-2147483648], u8: [0, 255], bool: [0, 1],
  });
  assert.equal([...file.dtypes.values()], dtypes);
});

Dtypes('a valid file with a dtype this reader does not convert (F8_E4M3, F4, C64) → NotImplementedError naming tensor and dtype', () => {
  const cases: [string, number[], number][] = [['F8_E4M3', [4], 4], ['F8_E5M2', [2], 2], ['F4', [6], 3], ['F6_E2M3', [4], 3], ['C64', [1], 8]];
  for (const [dtype, shape, bytes] of cases) {
    expectError(() => readSafetensors(buildFile({ w: { dtype, shape, data_offsets: [0, bytes] } }, new Uint8Array(bytes))), NotImplementedError, ['"w"', `dtype ${dtype}`, 'F32'], dtype);
  }
});

Dtypes('the layout is validated before NotImplementedError: an F8 tensor with wrong offsets is a FormatError', () => {
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))), FormatError, ['must span 1 bytes', 'got 4'], 'F8 sized as F32');
});

Dtypes.run();

// ---------------------------------------------------------------------------------------------

const Header = suite('io/safetensors-header');

const good = writeSafetensors({ a: seededTensor([2, 3], 5), b: seededTensor([4], 6) }, { k: 'v' });
const goodHeaderLen = Number(new DataView(good.buffer).getBigUint64(0, true));

Header('the well-formed file used below reads', () => {
  assert.is(readSafetensors(good).tensors.size, 2);
});

Header('fewer than 8 bytes → FormatError with the byte count', () => {
  expectError(() => readSafetensors(good.subarray(0, 5)), FormatError, ['at least 8 bytes', 'got 5'], '5 bytes');
  expectError(() => readSafetensors(new Uint8Array(0)), FormatError, ['at least 8 bytes', 'got 0'], 'empty file');
});

Header('header length above 100 000 000 (the reference MAX_HEADER_SIZE), up to 2^64 − 1 → FormatError before any allocation', () => {
  for (const n of [100_000_001n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
    expectError(() => readSafetensors(buildFile('{}', new Uint8Array(0), { pad: false, headerLength: n })), FormatError, ['≤ 100000000', `got ${n}`], `N = ${n}`);
  }
});

Header('header length beyond the file → FormatError with both lengths', () => {
  expectError(() => readSafetensors(good.subarray(0, 8 + goodHeaderLen - 3)), FormatError, [`header length ${goodHeaderLen}`, `got ${goodHeaderLen - 3} bytes`], 'header cut');
  expectError(() => readSafetensors(buildFile('{}', new Uint8Array(0), { pad: false, headerLength: 3n })), FormatError, ['header length 3', 'got 2 bytes'], 'N = 3 > 2');
});

Header('a header length off by 1..8 either way (or the data section shifted) → FormatError, never shifted data', () => {
  for (let delta = -8; delta <= 8; delta++) {
    if (delta === 0) continue;
    const bytes = good.slice();
    new DataView(bytes.buffer).setBigUint64(0, BigInt(goodHeaderLen + delta), true);
    expectError(() => readSafetensors(bytes), FormatError, ['safetensors:'], `N ${delta > 0 ? '+' : ''}${delta}`);
  }
  // one space of padding removed from the header but the length kept: data shifted by one byte
  const text = new TextDecoder().decode(good.subarray(8, 8 + goodHeaderLen));
  assert.ok(text.endsWith(' '), 'the fixture header has padding');
  const shifted = buildRaw(new TextEncoder().encode(text.slice(0, -1)), concat(good.subarray(8 + goodHeaderLen), Uint8Array.of(0)));
  expectError(() => readSafetensors(shifted), FormatError, ['must cover the 41-byte data section exactly', 'got 40 bytes covered', '1 trailing bytes'], 'padding byte moved into the data');
});

Header('the header must start with "{" (the README\'s MUST): leading space, a UTF-8 BOM, an array, an empty header → FormatError', () => {
  expectError(() => readSafetensors(buildFile(' {}', new Uint8Array(0))), FormatError, ["start with '{' (0x7B)", 'got 0x20'], 'leading space');
  expectError(() => readSafetensors(buildRaw(concat(Uint8Array.of(0xef, 0xbb, 0xbf), new TextEncoder().encode('{}      ')))), FormatError, ['got 0xEF'], 'BOM');
  expectError(() => readSafetensors(buildFile('[]', new Uint8Array(0))), FormatError, ['got 0x5B'], 'array');
  expectError(() => readSafetensors(buildFile('', new Uint8Array(0))), FormatError, ['got an empty header'], 'empty header');
});

Header('invalid UTF-8 in the header → FormatError', () => {
  const bytes = concat(new TextEncoder().encode('{"__metadata__":{"k":"'), Uint8Array.of(0xc3, 0x28), new TextEncoder().encode('"}}'));
  expectError(() => readSafetensors(buildRaw(bytes)), FormatError, ['valid UTF-8'], 'C3 28');
  expectError(() => readSafetensors(buildRaw(concat(new TextEncoder().encode('{"a":'), Uint8Array.of(0xff), new TextEncoder().encode('}')))), FormatError, ['valid UTF-8'], 'FF');
});

Header('a header that is not JSON → FormatError (cut JSON, text, a PNG, trailing garbage, NUL padding)', () => {
  expectError(() => readSafetensors(buildFile('{"a": {"dtype": "F32", ', new Uint8Array(0))), FormatError, ['valid JSON'], 'cut JSON');
  expectError(() => readSafetensors(buildFile('{not json at all}', new Uint8Array(0))), FormatError, ['valid JSON'], 'text');
  expectError(() => readSafetensors(buildFile('{} x', new Uint8Array(0))), FormatError, ['valid JSON'], 'trailing garbage');
  expectError(() => readSafetensors(buildRaw(new TextEncoder().encode('{}\0\0\0\0\0\0'))), FormatError, ['valid JSON'], 'NUL padding');
  // the first 8 bytes of a PNG read as a u64: 0x0A1A0A0D474E5089
  expectError(() => readSafetensors(readFileSync(CHELSEA)), FormatError, ['header length must be ≤ 100000000 bytes', 'got 727905341920923785'], 'a PNG');
});

Header('duplicate keys → FormatError naming the key (JSON.parse would silently keep the last one)', () => {
  const e = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  const cases: [string, string, string][] = [
    [`{"w":${e},"w":${e}}`, '"w" twice at the top level', 'tensor twice'],
    [`{"w":${e},"\\u0077":${e}}`, '"w" twice at the top level', 'escaped duplicate'],
    [`{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"},"w":${e}}`, '"__metadata__" twice', '__metadata__ twice'],
    [`{"__metadata__":{"a":"1","a":"2"},"w":${e}}`, '"a" twice at nesting depth 2', 'metadata key twice'],
    ['{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}', '"dtype" twice at nesting depth 2', 'dtype twice'],
  ];
  for (const [header, fragment, label] of cases) {
    expectError(() => readSafetensors(buildFile(header, new Uint8Array(4))), FormatError, ['keys must be unique', fragment], label);
  }
  // the same text inside strings, arrays and different objects is not a duplicate
  const ok = readSafetensors(buildFile(`{"__metadata__":{"w":"w","x":"[{\\"w\\":1,\\"w\\":2}]"},"w":${e}}`, new Uint8Array(4)));
  assert.equal(Object.keys(ok.metadata), ['w', 'x']);
});

Header('deep nesting (100 000 levels of [ or {) → FormatError naming the depth bound, no stack overflow; brackets inside strings do not count', () => {
  const deep = '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
  expectError(() => readSafetensors(buildFile(deep, new Uint8Array(0))), FormatError, ['nesting depth must be ≤ 64', 'got more'], '[ × 1e5');
  const deepObj = '{"a":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_001);
  expectError(() => readSafetensors(buildFile(deepObj, new Uint8Array(0))), FormatError, ['nesting depth must be ≤ 64'], '{ × 1e5');
  const inString = `{"__metadata__":{"k":"${'['.repeat(100_000)}\\"${'{'.repeat(1000)}"}}`;
  assert.is(readSafetensors(buildFile(inString, new Uint8Array(0))).metadata.k.length, 101_001);
});

Header('__metadata__ that is not a string → string map → FormatError naming the value', () => {
  const cases: [string, string[]][] = [
    ['{"__metadata__":{"x":1}}', ['values must be strings', 'got 1 for key "x"']],
    ['{"__metadata__":{"x":{"y":"z"}}}', ['values must be strings', 'got {"y":"z"}']],
    ['{"__metadata__":{"x":null}}', ['values must be strings', 'got null']],
    ['{"__metadata__":null}', ['must be an object of string values', 'got null']],
    ['{"__metadata__":["a"]}', ['must be an object of string values', 'got ["a"]']],
    ['{"__metadata__":"pt"}', ['must be an object of string values', 'got "pt"']],
    ['{"__metadata__":{"x":"\\ud800"}}', ['valid Unicode', 'lone surrogate']],
  ];
  for (const [header, fragments] of cases) expectError(() => readSafetensors(buildFile(header, new Uint8Array(0))), FormatError, fragments, header);
});

Header('an entry that is not exactly {dtype, shape, data_offsets} → FormatError naming the tensor and the keys', () => {
  const data = new Uint8Array(16);
  expectError(() => readSafetensors(buildFile('{"w":null}', data)), FormatError, ['tensor "w"', 'must be an object', 'got null'], 'null');
  expectError(() => readSafetensors(buildFile('{"w":[1,2]}', data)), FormatError, ['must be an object', 'got [1,2]'], 'array');
  expectError(() => readSafetensors(buildFile('{"w":{"dtype":"F32"}}', data)), FormatError, ['exactly the keys dtype, shape, data_offsets', 'missing shape, data_offsets'], 'missing');
  expectError(() => readSafetensors(buildFile('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"stride":[1]}}', data)), FormatError, ['exactly the keys', 'extra "stride"'], 'extra key');
  expectError(() => readSafetensors(buildFile('{"w\\ud800":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', data)), FormatError, ['valid Unicode', 'lone surrogate'], 'lone surrogate in a name');
});

Header('unknown dtype (not one of the format\'s dtypes) → FormatError naming the tensor and the dtype', () => {
  for (const dtype of ['f32', 'Q4', 'F8', 'float32', 'constructor', '__proto__', 5, null]) {
    expectError(() => readSafetensors(buildFile({ w: { dtype, shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))), FormatError, ['tensor "w"', "the format's dtypes", `got ${JSON.stringify(dtype)}`], String(dtype));
  }
});

Header('numbers written as anything but non-negative integer literals (-1, 2.5, 1.0, 1e300, -0) → FormatError naming the literal (the reference parses them as usize)', () => {
  const cases: [string, string][] = [['[-1]', '-1'], ['[2.5]', '2.5'], ['[1.0]', '1.0'], ['[1e300,0]', '1e300'], ['[1E2]', '1E2'], ['[-0]', '-0'], ['[0,1e+300]', '1e+300']];
  for (const [shape, literal] of cases) {
    const header = `{"w":{"dtype":"F32","shape":${shape},"data_offsets":[0,0]}}`;
    expectError(() => readSafetensors(buildFile(header, new Uint8Array(0))), FormatError, ['header numbers must be non-negative integer literals', `got ${literal} at character`], header);
  }
  expectError(() => readSafetensors(buildFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', new Uint8Array(4))), FormatError, ['got 4.0'], 'offset 4.0');
  expectError(() => readSafetensors(buildFile('{"__metadata__":{"n":-5}}', new Uint8Array(0))), FormatError, ['got -5'], 'metadata number');
});

Header('shape that is not a list of non-negative safe integers → FormatError with the shape', () => {
  for (const shape of [['2'], '4', null, [2 ** 53], [0, 18446744073709551615n], [NaN], [[2]], [true]]) {
    const header = `{"w":{"dtype":"F32","shape":${JSON.stringify(shape, (_, v) => (typeof v === 'bigint' ? `@${v}@` : v)).replace(/"@(\d+)@"/g, '$1')},"data_offsets":[0,0]}}`;   // NaN is written as null
    expectError(() => readSafetensors(buildFile(header, new Uint8Array(0))), FormatError, ['tensor "w"', 'shape must be a list of non-negative safe integers'], header);
  }
});

Header('shape products beyond 2^53 (left to right, as the reference\'s checked_mul) → FormatError, never a huge allocation', () => {
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 0] } }, new Uint8Array(0))), FormatError, ['product of shape [1073741824,1073741824,1073741824]', '≤ 2^53 − 1', 'overflow'], '2^90');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'U8', shape: [2 ** 52, 2, 2, 0], data_offsets: [0, 0] } }, new Uint8Array(0))), FormatError, ['got 9007199254740992 (overflow)'], '2^52 · 2 overflows before the 0');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 0], data_offsets: [0, 0] } }, new Uint8Array(0))), FormatError, ['overflow'], '2^80 · 0 overflows first (the reference rejects it too)');
  assert.is(readSafetensors(buildFile({ w: { dtype: 'F32', shape: [0, 2 ** 40, 2 ** 40], data_offsets: [0, 0] } }, new Uint8Array(0))).tensors.get('w')!.size, 0, '0 first: no overflow');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F64', shape: [2 ** 50, 2 ** 2], data_offsets: [0, 0] } }, new Uint8Array(0))), FormatError, ['2^53 − 1 bits'], 'bits overflow');
});

Header('data_offsets that are not [begin ≤ end] non-negative safe integers → FormatError with the offsets', () => {
  const cases: [unknown, string][] = [[[0], 'got [0]'], [[0, 4, 8], 'got [0,4,8]'], [['0', '4'], 'got ["0","4"]'], [[0, 2 ** 53], 'got [0,9007199254740992]'], [null, 'got null'], [{ begin: 0, end: 4 }, 'got {"begin":0,"end":4}']];
  for (const [offsets, fragment] of cases) {
    expectError(() => readSafetensors(buildFile({ w: { dtype: 'F32', shape: [1], data_offsets: offsets } }, new Uint8Array(4))), FormatError, ['tensor "w"', 'data_offsets must be [begin, end]', fragment], JSON.stringify(offsets));
  }
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4))), FormatError, ['begin ≤ end', 'got [4, 0]'], 'begin > end');
});

Header('byte size ≠ end − begin, or not whole bytes (F4 × 3 = 12 bits) → FormatError with dtype, shape and sizes', () => {
  const data = new Uint8Array(64);
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, data)), FormatError, ['tensor "w"', 'data_offsets [0, 12] must span 16 bytes', 'F32 [2,2]', 'got 12'], '12 bytes for 4 floats');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F16', shape: [3], data_offsets: [0, 12] } }, data)), FormatError, ['must span 6 bytes', 'F16 [3]', 'got 12'], 'F16 sized as F32');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, data)), FormatError, ['whole bytes', 'got 3 × 4 = 12 bits'], 'F4 × 3');
});

Header.run();

// ---------------------------------------------------------------------------------------------

const Layout = suite('io/safetensors-layout');

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

Layout('tensors listed out of order in the header are accepted and returned in data order (as the reference sorts them)', () => {
  const { data } = dataSection([{ bytes: 8, fill: (dv) => [1, 2].forEach((v, i) => dv.setFloat32(4 * i, v, true)) }, { bytes: 4, fill: (dv) => dv.setFloat32(0, 3, true) }]);
  const file = readSafetensors(buildFile({ late: entry('F32', [1], 8, 12), early: entry('F32', [2], 0, 8) }, data));
  assert.equal([...file.tensors.keys()], ['early', 'late']);
  assert.equal([...file.tensors.get('late')!.data], [3]);
});

Layout('a hole between tensors, or before the first → FormatError naming the tensor, the expected begin and the hole', () => {
  const data = new Uint8Array(16);
  expectError(() => readSafetensors(buildFile({ a: entry('F32', [1], 0, 4), b: entry('F32', [2], 8, 16) }, data)), FormatError, ['tensor "b"', 'must begin at 4', 'the end of tensor "a" [0, 4]', 'got 8', 'a hole of 4 bytes'], 'hole');
  expectError(() => readSafetensors(buildFile({ a: entry('F32', [3], 4, 16) }, data)), FormatError, ['must begin at 0 (the start of the data section)', 'got 4'], 'leading hole');
});

Layout('overlapping tensors (the reference\'s Proposal 4 DoS) → FormatError naming both', () => {
  const data = new Uint8Array(8);
  expectError(() => readSafetensors(buildFile({ a: entry('F32', [1], 4, 8), b: entry('F32', [1], 4, 8) }, data)), FormatError, ['must begin at 0'], 'same span, nothing at 0');
  expectError(() => readSafetensors(buildFile({ a: entry('F32', [2], 0, 8), b: entry('F32', [1], 4, 8) }, data)), FormatError, ['tensor "b"', 'must begin at 8', 'tensor "a" [0, 8]', 'an overlap of 4 bytes'], 'overlap');
  expectError(() => readSafetensors(buildFile({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 0, 4) }, new Uint8Array(4))), FormatError, ['an overlap of 4 bytes'], 'two tensors on the same 4 bytes');
});

Layout('trailing bytes after the last tensor (a polyglot file) → FormatError with the counts', () => {
  const padded = concat(good, Uint8Array.of(1, 2, 3));
  expectError(() => readSafetensors(padded), FormatError, ['must cover the 43-byte data section exactly', 'got 40 bytes covered', '3 trailing bytes'], 'appended');
  expectError(() => readSafetensors(buildFile('{}', new Uint8Array(1))), FormatError, ['1 trailing bytes'], 'no tensors, one byte');
});

Layout('a truncated data section → FormatError naming the tensor that sticks out', () => {
  expectError(() => readSafetensors(good.subarray(0, good.length - 4)), FormatError, ['tensor "b"', 'data_offsets [24, 40]', 'within the 36-byte data section', 'got end 40'], 'data cut by 4 bytes');
});

Layout('truncation at every byte of a small file → FormatError (never a partial read, never another error)', () => {
  const small = writeSafetensors({ a: new Tensor([1, 2, 3], [3]), b: new Tensor([4], []) }, { k: 'v' });
  for (let k = 0; k < small.length; k++) {
    const e = thrown(() => readSafetensors(small.subarray(0, k)), `cut at ${k}`);
    assert.ok(e instanceof FormatError, `cut at ${k} of ${small.length}: ${e.name}: ${e.message}`);
  }
  assert.is(readSafetensors(small).tensors.size, 2);
});

Layout('every single-byte change of the header length field gives FormatError or the same tensors, never shifted data', () => {
  for (let byte = 0; byte < 8; byte++) for (const v of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
    const bytes = good.slice();
    if (bytes[byte] === v) continue;
    bytes[byte] = v;
    const e = thrown(() => readSafetensors(bytes), `length byte ${byte} = ${v}`);
    assert.ok(e instanceof FormatError, `length byte ${byte} = ${v}: ${e.name}: ${e.message}`);
  }
});

Layout.run();

// ---------------------------------------------------------------------------------------------

const Fixture = suite('io/safetensors-fixture');

Fixture('spec/fixtures/acmix.safetensors (written by PyTorch): shapes and __metadata__.cases', () => {
  const file = readSafetensors(readFileSync(ACMIX_FIXTURE));
  const cases = JSON.parse(file.metadata.cases) as { name: string; op: string; params: Record<string, unknown> }[];
  assert.ok(Array.isArray(cases) && cases.length >= 1, 'cases is a non-empty list');
  const init = cases.find((c) => c.name === 'official_init');
  assert.ok(init, 'official_init case present');
  assert.is(init!.op, 'acmix');
  assert.equal(init!.params, { in_planes: 8, out_planes: 8, kernel_att: 7, head: 4, kernel_conv: 3, stride: 1, dilation: 1 });
  assert.ok(typeof file.metadata.torch === 'string' && file.metadata.torch.length > 0, 'torch version recorded');
  assert.equal([...file.tensors.get('official_init.state.dep_conv.weight')!.shape], [8, 9, 3, 3]);
  assert.equal([...file.tensors.get('official_init.input')!.shape], [2, 8, 9, 11]);
  assert.equal([...file.tensors.get('rand_s2.output')!.shape], [2, 16, 5, 6]);
  assert.is(file.tensors.get('official_init.state.dep_conv.bias'), undefined, 'the official ACmix has no dep_conv.bias');
  assert.equal([...new Set(file.dtypes.values())], ['F32']);
  // every case's tensors are present
  for (const c of cases) assert.ok(file.tensors.has(`${c.name}.output`), `${c.name}.output`);
  // official init as PyTorch saved it: rates 0.5, dep_conv one-hot
  assert.equal([...file.tensors.get('official_init.state.rate1')!.data], [0.5]);
  const w = file.tensors.get('official_init.state.dep_conv.weight')!;
  assert.is(w.data.reduce((a, v) => a + v, 0), 8 * 9, 'one 1 per (o, t)');
});

Fixture('the PyTorch fixture, rewritten by writeSafetensors, reads back bit for bit (and as a Buffer or a plain Uint8Array)', () => {
  const buffer = readFileSync(ACMIX_FIXTURE);
  const original = readSafetensors(buffer);
  const plain = readSafetensors(new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)));
  const again = readSafetensors(writeSafetensors(original.tensors, original.metadata));
  for (const [name, t] of original.tensors) {
    assert.equal(bits(again.tensors.get(name)!), bits(t), name);
    assert.equal(bits(plain.tensors.get(name)!), bits(t), `${name} (plain Uint8Array)`);
  }
  assert.equal(again.metadata, original.metadata);
});

Fixture.run();

// ---------------------------------------------------------------------------------------------

const Args = suite('io/arguments');

const notBytes: [unknown, string][] = [
  ['spec/fixtures/acmix.safetensors', 'string'], [42, 'number'], [null, 'null'], [undefined, 'undefined'],
  [new ArrayBuffer(8), 'ArrayBuffer'], [[137, 80, 78, 71], 'Array'], [new Uint8ClampedArray(8), 'Uint8ClampedArray'],
  [new DataView(new ArrayBuffer(8)), 'DataView'], [{ length: 8 }, 'Object'],
];

Args('readSafetensors / decodePng: anything but a Uint8Array → ArgumentError naming Uint8Array and the actual type', () => {
  for (const [value, type] of notBytes) {
    expectError(() => readSafetensors(value as Uint8Array), ArgumentError, ['readSafetensors: bytes must be a Uint8Array', `got ${type}`], `readSafetensors(${type})`);
    expectError(() => decodePng(value as Uint8Array), ArgumentError, ['decodePng: bytes must be a Uint8Array', `got ${type}`], `decodePng(${type})`);
  }
  expectError(() => decodePng('data/chelsea.png' as unknown as Uint8Array), ArgumentError, ['a path? read the file first'], 'path hint');
});

Args('a Node Buffer (a Uint8Array subclass) is accepted, and gives the same result as a plain Uint8Array copy', () => {
  const buffer = readFileSync(CHELSEA);
  const copy = new Uint8Array(buffer.length);
  copy.set(buffer);
  assert.equal(bits(decodePng(buffer)), bits(decodePng(copy)));
});

Args('decodePng options: not an object → ArgumentError; maxPixels not a positive safe integer → ParameterError', () => {
  const png = craftPng({ width: 2, height: 2, colourType: 0, depth: 8, samples: [0, 1, 2, 3] });
  expectError(() => decodePng(png, 5 as never), ArgumentError, ['options must be an object', 'got number'], 'number');
  expectError(() => decodePng(png, null as never), ArgumentError, ['got null'], 'null');
  for (const maxPixels of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) {
    expectError(() => decodePng(png, { maxPixels }), ParameterError, ['maxPixels must be a positive safe integer', `got ${maxPixels}`], `maxPixels ${maxPixels}`);
  }
  expectError(() => decodePng(png, { maxPixels: '4' as never }), ParameterError, ['got string'], 'string');
});

Args('writeSafetensors: bad containers, non-Tensor values, reserved or ill-formed names, non-string metadata → ArgumentError', () => {
  const t = new Tensor([1], [1]);
  expectError(() => writeSafetensors(null as never), ArgumentError, ['tensors must be a Map or an object', 'got null'], 'null');
  expectError(() => writeSafetensors([t] as never), ArgumentError, ['got Array'], 'array');
  expectError(() => writeSafetensors({ w: new Float32Array(2) } as never), ArgumentError, ['tensor "w" must be a Tensor', 'got Float32Array'], 'typed array value');
  expectError(() => writeSafetensors(new Map([[1, t]]) as never), ArgumentError, ['names must be strings', 'got number'], 'number key');
  expectError(() => writeSafetensors({ __metadata__: t }), ArgumentError, ['"__metadata__"', 'reserved'], 'reserved name');
  expectError(() => writeSafetensors({ ['w\ud800']: t }), ArgumentError, ['valid Unicode', 'lone surrogate'], 'lone surrogate');
  expectError(() => writeSafetensors({ t }, { n: 1 } as never), ArgumentError, ['metadata values must be strings', 'got number for key "n"'], 'metadata number');
  expectError(() => writeSafetensors({ t }, [] as never), ArgumentError, ['metadata must be an object', 'got Array'], 'metadata array');
});

Args('every error thrown on purpose by ts/io is an AttnconvError (never a TypeError or RangeError from inside)', () => {
  const inputs: unknown[] = [new Uint8Array([0x89, 0x50]), good.subarray(0, 30), 'x', null];
  for (const input of inputs) {
    for (const fn of [readSafetensors, decodePng] as ((b: Uint8Array) => unknown)[]) {
      const e = thrown(() => fn(input as Uint8Array), `${fn.name}`);
      assert.ok(e instanceof AttnconvError, `${fn.name}: ${e.name}: ${e.message}`);
    }
  }
});

Args.run();

// ---------------------------------------------------------------------------------------------

const PngDecode = suite('io/png-decode');

// sha256 of the float32 bytes of decodePng(data/chelsea.png) as computed by the previous decoder
// (pngjs 7.0.0 through `PNG.sync.read`, RGBA / 255 with alpha dropped), before ts/io moved to its own
// decoder: a hash from a reference decoder, not a hand-typed value.
const CHELSEA_SHA256_PNGJS = '00f315cec922f0b55017da6028feabef6c3e044b0c85b0fd40f512f7a3179b2f';

PngDecode('decodePng(data/chelsea.png) → [1, 3, 300, 451], bit-identical to the pngjs decoder (sha256 of the float32 bytes)', () => {
  const t = decodePng(readFileSync(CHELSEA));
  assert.equal([...t.shape], [1, 3, 300, 451]);
  assert.is(sha256(t), CHELSEA_SHA256_PNGJS);
  let min = Infinity, max = -Infinity;
  for (const v of t.data) {
    if (!(v >= 0 && v <= 1)) assert.unreachable(`value ${v} outside [0, 1]`);
    min = Math.min(min, v); max = Math.max(max, v);
  }
  assert.ok(max > min, 'not a constant image');
  for (let i = 0; i < t.size; i += 997) assert.is(Math.fround(Math.round(t.data[i] * 255) / 255), t.data[i], `value ${t.data[i]} is k/255`);
});

PngDecode('chelsea agrees with fast-png\'s decoder (a second, independent reading of the same file)', () => {
  const bytes = readFileSync(CHELSEA);
  const ref = fastPngDecode(bytes);
  assert.is(ref.depth, 8);
  assert.is(ref.channels, 3);
  const t = decodePng(bytes), plane = ref.width * ref.height;
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) {
    if (t.data[c * plane + i] !== Math.fround(ref.data[3 * i + c] / 255)) assert.unreachable(`pixel ${i} channel ${c}: ${t.data[c * plane + i]} vs ${ref.data[3 * i + c]}/255`);
  }
});

const COMBOS: [CraftImage['colourType'], CraftImage['depth']][] = [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [3, 1], [3, 2], [3, 4], [3, 8], [4, 8], [4, 16], [6, 8], [6, 16]];
const NAMES: Record<number, string> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' };

/** A crafted image of the given kind with seeded samples and (for colour type 3) a full palette. */
function craftCase(ct: CraftImage['colourType'], depth: CraftImage['depth'], W: number, H: number, interlace: 0 | 1, filter: CraftImage['filter'], seed: number) {
  const samples = seededSamples(W * H * CHANNELS[ct], depth, seed);
  const palette = ct === 3 ? Array.from({ length: 2 ** depth }, (_, i) => [(i * 7) & 255, (255 - i * 3) & 255, (i * 37) % 256]) : undefined;
  return { samples, palette, png: craftPng({ width: W, height: H, colourType: ct, depth, interlace, samples, palette, filter }) };
}

/** The tensor decodePng promises for these samples: [1, 3, H, W], sample / (2^depth − 1), grey replicated, palette looked up, alpha dropped. */
function promised(ct: number, depth: number, W: number, H: number, samples: number[], palette?: number[][]): Float32Array {
  const out = new Float32Array(3 * W * H), C = CHANNELS[ct], max = 2 ** depth - 1;
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) {
    out[c * W * H + i] = ct === 3 ? palette![samples[i]][c] / 255 : ct === 0 || ct === 4 ? samples[i * C] / max : samples[i * C + c] / max;
  }
  return out;
}

PngDecode('every colour type × bit depth × interlace × filter type decodes to the promised [1, 3, H, W] layout and values (independent encoder)', () => {
  let count = 0;
  for (const [W, H] of [[1, 1], [3, 2], [13, 11], [9, 1], [1, 9], [17, 5]]) for (const interlace of [0, 1] as const) for (const [ct, depth] of COMBOS) {
    for (const filter of ['cycle', 0, 1, 2, 3, 4] as const) {
      const { samples, palette, png } = craftCase(ct, depth, W, H, interlace, filter, 31 * W + H + depth + ct);
      const t = decodePng(png);
      const label = `${NAMES[ct]} ${depth}-bit ${W}×${H} ${interlace ? 'Adam7' : 'plain'} filter ${filter}`;
      assert.equal([...t.shape], [1, 3, H, W], label);
      const want = promised(ct, depth, W, H, samples, palette);
      for (let k = 0; k < want.length; k++) if (t.data[k] !== want[k]) assert.unreachable(`${label}: element ${k}: got ${t.data[k]}, want ${want[k]}`);
      count++;
    }
  }
  assert.is(count, 6 * 2 * 15 * 6);
});

PngDecode('an interlaced image decodes to exactly the same tensor as its non-interlaced twin (all kinds, 1×1 to 33×17)', () => {
  for (const [W, H] of [[1, 1], [2, 2], [5, 3], [8, 8], [33, 17]]) for (const [ct, depth] of COMBOS) {
    const plain = craftCase(ct, depth, W, H, 0, 'cycle', 7 * W + H);
    const laced = craftPng({ width: W, height: H, colourType: ct, depth, interlace: 1, samples: plain.samples, palette: plain.palette, filter: 4 });
    assert.equal(bits(decodePng(laced)), bits(decodePng(plain.png)), `${NAMES[ct]} ${depth}-bit ${W}×${H}`);
  }
});

PngDecode('16-bit samples keep their precision (k / 65535): 0x0101 and 0x0102 stay distinct, 0xFFFF is 1', () => {
  const png = craftPng({ width: 4, height: 1, colourType: 0, depth: 16, samples: [0, 0x0101, 0x0102, 0xffff] });
  assert.equal([...decodePng(png).data.subarray(0, 4)], [0, 257 / 65535, 258 / 65535, 1].map(Math.fround));
  const rgb = craftPng({ width: 1, height: 1, colourType: 6, depth: 16, samples: [1, 2, 65534, 0] });   // alpha 0 is dropped, not composited
  assert.equal([...decodePng(rgb).data], [1 / 65535, 2 / 65535, 65534 / 65535].map(Math.fround));
});

PngDecode('agrees with fast-png\'s decoder on every kind fast-png reads correctly (8- and 16-bit, both interlace methods)', () => {
  for (const interlace of [0, 1] as const) for (const [ct, depth] of COMBOS) {
    if (depth < 8) continue;   // fast-png 8 returns packed samples, and fails on Adam7 below 8 bits
    const { png } = craftCase(ct, depth, 13, 11, interlace, 'cycle', 99 + ct + depth);
    const ref = fastPngDecode(png), t = decodePng(png), plane = 13 * 11, max = 2 ** depth - 1;
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) {
      const want = ct === 3 ? ref.palette![ref.data[i]][c] / 255 : ref.data[i * ref.channels + (ct === 0 || ct === 4 ? 0 : c)] / max;
      if (t.data[c * plane + i] !== Math.fround(want)) assert.unreachable(`${NAMES[ct]} ${depth}-bit interlace ${interlace}: pixel ${i} channel ${c}`);
    }
  }
});

PngDecode('ancillary chunks (tEXt, an iCCP that is not even zlib, unknown lower-case chunks, tRNS), several IDATs and bytes after IEND do not change the pixels', () => {
  const base = craftCase(3, 4, 7, 5, 0, 'cycle', 3);
  const want = bits(decodePng(base.png));
  const junk = new Uint8Array(5000).fill(0x5a);
  const text = chunk('tEXt', new TextEncoder().encode('Comment\0hello'));
  const iccp = chunk('iCCP', concat(new TextEncoder().encode('icc\0'), Uint8Array.of(0), junk));
  const unknown = chunk('zzZz', junk);
  const png = craftPng({ width: 7, height: 5, colourType: 3, depth: 4, samples: base.samples, palette: base.palette, trns: Uint8Array.of(0, 128), idatChunks: 4, extra: [text, iccp, unknown] });
  assert.equal(bits(decodePng(png)), want);
  assert.equal(bits(decodePng(concat(png, new Uint8Array(100).fill(7)))), want, 'trailing bytes after IEND are ignored');
  const rgbTrns = craftPng({ width: 2, height: 1, colourType: 2, depth: 8, samples: [10, 20, 30, 40, 50, 60], trns: Uint8Array.of(0, 10, 0, 20, 0, 30) });
  assert.equal([...decodePng(rgbTrns).data], [10, 40, 20, 50, 30, 60].map((v) => Math.fround(v / 255)), 'tRNS colour keeps its colour (alpha dropped)');
});

PngDecode('a maximally compressible image (zlib level 9, ~1020:1) still passes the 1032:1 deflate bound', () => {
  const W = 2048, H = 1024;
  const z = zlib(new Uint8Array(H * (1 + 2 * W)), 9);
  const ratio = (H * (1 + 2 * W)) / z.length;
  assert.ok(ratio > 1000, `ratio ${ratio}`);
  const png = pngFile(chunk('IHDR', ihdr({ width: W, height: H, depth: 16, colourType: 0 })), chunk('IDAT', z), chunk('IEND'));
  const t = decodePng(png);
  assert.equal([...t.shape], [1, 3, H, W]);
  assert.ok(t.data.every((v) => v === 0));
});

PngDecode.run();

// ---------------------------------------------------------------------------------------------

const PngErrors = suite('io/png-errors');

const IEND = chunk('IEND');
const tinyIhdr = (over: Partial<Parameters<typeof ihdr>[0]> = {}) => chunk('IHDR', ihdr({ width: 2, height: 2, depth: 8, colourType: 0, ...over }));
const tinyIdat = chunk('IDAT', zlib(rawImageData({ width: 2, height: 2, colourType: 0, depth: 8, samples: [1, 2, 3, 4], filter: 0 })));
const tiny = craftPng({ width: 2, height: 2, colourType: 0, depth: 8, samples: [1, 2, 3, 4], filter: 0 });
const pngErr = (bytes: Uint8Array, cls: ErrorClass, fragments: string[], label: string) => expectError(() => decodePng(bytes), cls, fragments, label);

PngErrors('the tiny valid PNG used below decodes', () => {
  assert.equal([...decodePng(tiny).data.subarray(0, 4)], [1, 2, 3, 4].map((v) => Math.fround(v / 255)));
  assert.equal(bits(decodePng(pngFile(tinyIhdr(), tinyIdat, IEND))), bits(decodePng(tiny)));
});

PngErrors('signature: not a PNG, empty, shorter than 8 bytes, one byte wrong → FormatError showing expected and actual bytes', () => {
  pngErr(new TextEncoder().encode('GIF89a definitely not a png'), FormatError, ['PNG signature 89 50 4E 47 0D 0A 1A 0A', 'got 47 49 46 38 39 61 20 64'], 'GIF');
  pngErr(new Uint8Array(0), FormatError, ['got an empty file'], 'empty');
  pngErr(Uint8Array.of(0x89, 0x50, 0x4e), FormatError, ['got 89 50 4E (3 bytes)'], '3 bytes');
  const crlf = tiny.slice(); crlf[4] = 0x0a;   // CR-LF mangled by a text-mode transfer
  pngErr(crlf, FormatError, ['got 89 50 4E 47 0A 0A 1A 0A'], 'text-mode damage');
});

PngErrors('IHDR must be first, once, of length 13 → FormatError', () => {
  pngErr(pngFile(chunk('tEXt', new TextEncoder().encode('a\0b')), tinyIhdr(), tinyIdat, IEND), FormatError, ['first chunk must be IHDR', 'got tEXt'], 'tEXt first');
  pngErr(pngFile(tinyIdat, IEND), FormatError, ['first chunk must be IHDR', 'got IDAT'], 'no IHDR');
  pngErr(pngFile(chunk('IHDR', ihdr({ width: 2, height: 2, depth: 8, colourType: 0 }).subarray(0, 12)), tinyIdat, IEND), FormatError, ['IHDR length must be 13', 'got 12'], 'length 12');
  pngErr(pngFile(chunk('IHDR', concat(ihdr({ width: 2, height: 2, depth: 8, colourType: 0 }), Uint8Array.of(0))), tinyIdat, IEND), FormatError, ['IHDR length must be 13', 'got 14'], 'length 14');
  pngErr(pngFile(tinyIhdr(), tinyIhdr(), tinyIdat, IEND), FormatError, ['IHDR must appear once', 'got a second IHDR at byte 33'], 'two IHDR');
});

PngErrors('IHDR width / height 0 or ≥ 2^31 → FormatError with the value', () => {
  pngErr(pngFile(tinyIhdr({ width: 0 }), tinyIdat, IEND), FormatError, ['width must be in [1, 2^31 − 1]', 'got 0'], 'width 0');
  pngErr(pngFile(tinyIhdr({ height: 0 }), tinyIdat, IEND), FormatError, ['height must be in [1, 2^31 − 1]', 'got 0'], 'height 0');
  pngErr(pngFile(tinyIhdr({ width: 2 ** 31 }), tinyIdat, IEND), FormatError, ['width must be in [1, 2^31 − 1]', 'got 2147483648'], 'width 2^31');
  pngErr(pngFile(tinyIhdr({ height: 2 ** 32 - 1 }), tinyIdat, IEND), FormatError, ['height must be in [1, 2^31 − 1]', 'got 4294967295'], 'height 2^32 − 1');
});

PngErrors('IHDR colour type / bit depth combinations outside the specification\'s table → FormatError listing the allowed depths', () => {
  for (const ct of [1, 5, 7, 255]) pngErr(pngFile(tinyIhdr({ colourType: ct }), tinyIdat, IEND), FormatError, ['colour type must be 0, 2, 3, 4 or 6', `got ${ct}`], `colour type ${ct}`);
  const bad: [number, number, string][] = [[0, 3, '1, 2, 4, 8, 16'], [0, 32, '1, 2, 4, 8, 16'], [2, 4, '8, 16'], [2, 1, '8, 16'], [3, 16, '1, 2, 4, 8'], [4, 4, '8, 16'], [6, 1, '8, 16'], [6, 0, '8, 16']];
  for (const [ct, depth, allowed] of bad) {
    pngErr(pngFile(tinyIhdr({ colourType: ct, depth }), tinyIdat, IEND), FormatError, [`bit depth must be one of ${allowed} for colour type ${ct}`, `got ${depth}`], `colour type ${ct} depth ${depth}`);
  }
});

PngErrors('IHDR compression, filter or interlace method not in the specification → FormatError', () => {
  pngErr(pngFile(tinyIhdr({ compression: 1 }), tinyIdat, IEND), FormatError, ['compression method must be 0 (deflate)', 'got 1'], 'compression');
  pngErr(pngFile(tinyIhdr({ filter: 64 }), tinyIdat, IEND), FormatError, ['filter method must be 0 (adaptive)', 'got 64'], 'filter');
  pngErr(pngFile(tinyIhdr({ interlace: 2 }), tinyIdat, IEND), FormatError, ['interlace method must be 0 (none) or 1 (Adam7)', 'got 2'], 'interlace');
});

PngErrors('chunk lengths beyond the file or above 2^31 − 1, bad type bytes, wrong CRC → FormatError with positions and values', () => {
  pngErr(pngFile(tinyIhdr(), chunk('IDAT', tinyIdat.subarray(8, -4), { length: 1000 }), IEND), FormatError, ['chunk IDAT at byte 33 declares 1000 data bytes', 'needs 1012 bytes', 'got 38 (the file ends at byte 71)'], 'length beyond the file');
  pngErr(pngFile(tinyIhdr(), chunk('IDAT', tinyIdat.subarray(8, -4), { length: 2 ** 31 }), IEND), FormatError, ['length must be ≤ 2^31 − 1', 'got 2147483648'], 'length 2^31');
  pngErr(pngFile(tinyIhdr(), chunk('ID@T', new Uint8Array(4)), tinyIdat, IEND), FormatError, ['chunk type at byte 37 must be 4 ASCII letters', 'got 49 44 40 54'], 'type with @');
  const crc = crc32(concat(new TextEncoder().encode('IHDR'), ihdr({ width: 2, height: 2, depth: 8, colourType: 0 })));
  const badCrc = pngFile(chunk('IHDR', ihdr({ width: 2, height: 2, depth: 8, colourType: 0 }), { crc: crc ^ 1 }), tinyIdat, IEND);
  pngErr(badCrc, FormatError, ['chunk IHDR at byte 8', `CRC must be 0x${crc.toString(16).toUpperCase().padStart(8, '0')}`, `got 0x${((crc ^ 1) >>> 0).toString(16).toUpperCase().padStart(8, '0')}`], 'IHDR CRC');
  const idatData = tinyIdat.subarray(8, -4);
  pngErr(pngFile(tinyIhdr(), chunk('IDAT', idatData, { crc: 0 }), IEND), FormatError, ['chunk IDAT at byte 33: CRC must be', 'got 0x00000000'], 'IDAT CRC');
});

PngErrors('a PNG with no IDAT → FormatError (and no IEND, or IEND with data, or non-consecutive IDATs)', () => {
  pngErr(pngFile(tinyIhdr(), IEND), FormatError, ['at least one IDAT chunk must precede IEND', 'got none'], 'no IDAT');
  pngErr(pngFile(tinyIhdr(), chunk('tEXt', new TextEncoder().encode('a\0b')), IEND), FormatError, ['at least one IDAT', 'got none'], 'only tEXt');
  pngErr(pngFile(tinyIhdr(), tinyIdat), FormatError, ['chunk header (length and type) needs 8 bytes at byte 59', 'got 0', 'IEND'], 'no IEND');
  pngErr(pngFile(tinyIhdr(), tinyIdat, chunk('IEND', Uint8Array.of(0))), FormatError, ['IEND length must be 0', 'got 1'], 'IEND with data');
  const z = tinyIdat.subarray(8, -4);
  pngErr(pngFile(tinyIhdr(), chunk('IDAT', z.subarray(0, 5)), chunk('tEXt', new TextEncoder().encode('a\0b')), chunk('IDAT', z.subarray(5)), IEND), FormatError, ['IDAT chunks must be consecutive', 'after tEXt'], 'split IDATs');
});

PngErrors('PLTE rules: forbidden for grey, once, before IDAT, 1..256 entries, ≤ 2^depth entries, required for colour type 3', () => {
  const pal = (n: number) => chunk('PLTE', new Uint8Array(3 * n));
  const idat3 = chunk('IDAT', zlib(rawImageData({ width: 2, height: 2, colourType: 3, depth: 2, samples: [0, 1, 2, 3], filter: 0 })));
  const ihdr3 = tinyIhdr({ colourType: 3, depth: 2 });
  assert.is(decodePng(pngFile(ihdr3, pal(4), idat3, IEND)).size, 12, 'valid: 4 entries for 2 bits');
  pngErr(pngFile(tinyIhdr(), pal(2), tinyIdat, IEND), FormatError, ['PLTE must not appear for colour type 0 (greyscale)'], 'grey with PLTE');
  pngErr(pngFile(tinyIhdr({ colourType: 4 }), pal(2), tinyIdat, IEND), FormatError, ['colour type 4 (greyscale with alpha)'], 'grey+alpha with PLTE');
  pngErr(pngFile(ihdr3, pal(4), pal(4), idat3, IEND), FormatError, ['PLTE must appear at most once', 'got a second PLTE'], 'two PLTE');
  pngErr(pngFile(ihdr3, idat3, pal(4), IEND), FormatError, ['requires a PLTE chunk before the first IDAT', 'got none'], 'PLTE after IDAT');
  pngErr(pngFile(tinyIhdr({ colourType: 2 }), chunk('IDAT', zlib(new Uint8Array(2 * 7))), pal(4), IEND), FormatError, ['PLTE must precede the first IDAT', 'after IDAT'], 'RGB: PLTE after IDAT');
  pngErr(pngFile(ihdr3, chunk('PLTE', new Uint8Array(0)), idat3, IEND), FormatError, ['multiple of 3 in [3, 768]', 'got 0'], 'empty PLTE');
  pngErr(pngFile(ihdr3, chunk('PLTE', new Uint8Array(4)), idat3, IEND), FormatError, ['multiple of 3', 'got 4'], 'PLTE of 4 bytes');
  pngErr(pngFile(tinyIhdr({ colourType: 3, depth: 8 }), pal(257), idat3, IEND), FormatError, ['multiple of 3 in [3, 768]', 'got 771'], '257 entries');
  pngErr(pngFile(ihdr3, pal(5), idat3, IEND), FormatError, ['at most 2^2 = 4 entries for bit depth 2', 'got 5'], '5 entries for 2 bits');
  pngErr(pngFile(ihdr3, idat3, IEND), FormatError, ['colour type 3 (indexed-colour) requires a PLTE chunk', 'got none'], 'no PLTE');
});

PngErrors('palette index beyond PLTE → FormatError naming the index, the entries and the pixel', () => {
  const png = craftPng({ width: 3, height: 2, colourType: 3, depth: 4, samples: [0, 1, 2, 3, 9, 0], palette: [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]] });
  pngErr(png, FormatError, ['palette index must be < 4 (the PLTE entries)', 'got 9 at pixel (x=1, y=1)'], 'index 9 of 4');
});

PngErrors('unknown critical chunk → FormatError; unknown ancillary chunk → ignored', () => {
  pngErr(pngFile(tinyIhdr(), chunk('ABCD', Uint8Array.of(1)), tinyIdat, IEND), FormatError, ['unknown critical chunk ABCD at byte 33'], 'ABCD');
  assert.equal(bits(decodePng(pngFile(tinyIhdr(), chunk('aBCD', Uint8Array.of(1)), tinyIdat, IEND))), bits(decodePng(tiny)));
});

PngErrors('image data: not zlib, truncated, too short, too long, wrong Adler-32, filter type 5 → FormatError with expected and actual sizes', () => {
  const raw = rawImageData({ width: 2, height: 2, colourType: 0, depth: 8, samples: [1, 2, 3, 4], filter: 0 });   // 2 rows of 1 + 2 bytes
  const withIdat = (data: Uint8Array) => pngFile(tinyIhdr(), chunk('IDAT', data), IEND);
  pngErr(withIdat(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)), FormatError, ['one complete zlib stream', 'inflate error'], 'not zlib');
  const z = zlib(raw);
  pngErr(withIdat(z.subarray(0, z.length - 6)), FormatError, ['one complete zlib stream'], 'truncated stream');
  pngErr(withIdat(zlib(raw.subarray(0, 5))), FormatError, ['must inflate to 6 bytes (2 rows of 1 + 2 bytes)', 'got 5'], 'one byte short');
  pngErr(withIdat(zlib(concat(raw, Uint8Array.of(0)))), FormatError, ['must inflate to 6 bytes', 'got more than 6'], 'one byte too many');
  pngErr(withIdat(concat(z, Uint8Array.of(1, 2, 3))), FormatError, ['Adler-32 must be 0x', 'got 0x'], 'bytes after the zlib stream');
  const badAdler = z.slice(); badAdler[badAdler.length - 1] ^= 1;
  pngErr(withIdat(badAdler), FormatError, ['Adler-32 must be 0x', 'got 0x'], 'Adler-32');
  pngErr(withIdat(zlib(Uint8Array.of(0, 1, 2, 5, 3, 4))), FormatError, ['filter type must be 0..4', 'got 5 (row 1)'], 'filter 5');
  const laced = pngFile(tinyIhdr({ interlace: 1 }), chunk('IDAT', zlib(Uint8Array.of(0, 1, 0, 2, 9, 3, 4))), IEND);
  pngErr(laced, FormatError, ['filter type must be 0..4', 'got 9 (row 0 of Adam7 pass 7)'], 'filter 9 in pass 7');
});

PngErrors('a zlib bomb (16 MB of zeros in ~16 kB of IDAT, for a 2×2 image) → FormatError as soon as inflation passes the 6 declared bytes', () => {
  const bomb = pngFile(tinyIhdr(), chunk('IDAT', zlib(new Uint8Array(16 << 20), 9)), IEND);
  const start = performance.now();
  pngErr(bomb, FormatError, ['must inflate to 6 bytes', 'got more than 6'], 'bomb');
  assert.ok(performance.now() - start < 2000, 'stopped early');
});

PngErrors('too few IDAT bytes for the declared image (deflate expands at most 1032-fold) → FormatError before inflating', () => {
  const png = pngFile(chunk('IHDR', ihdr({ width: 1000, height: 1000, depth: 8, colourType: 6 })), chunk('IDAT', Uint8Array.of(1, 2, 3)), IEND);   // not even zlib
  pngErr(png, FormatError, ['inflate to the 4001000 bytes a 1000×1000 truecolour with alpha 8-bit image needs', 'got 3 IDAT bytes', '≤ 3096 bytes'], '3 bytes for 4 MB');
});

PngErrors('truncation at every byte of a small PNG → FormatError', () => {
  const small = craftPng({ width: 5, height: 3, colourType: 3, depth: 2, samples: seededSamples(15, 2, 1), palette: [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]], interlace: 1 });
  for (let k = 0; k < small.length; k++) {
    const e = thrown(() => decodePng(small.subarray(0, k)), `cut at ${k}`);
    assert.ok(e instanceof FormatError, `cut at ${k} of ${small.length}: ${e.name}: ${e.message}`);
  }
  assert.is(decodePng(small).size, 45);
});

PngErrors('every single-bit flip of a small PNG → FormatError (signature, lengths, types, CRCs, data), never other pixels', () => {
  for (let k = 0; k < tiny.length; k++) for (let b = 0; b < 8; b++) {
    const flipped = tiny.slice();
    flipped[k] ^= 1 << b;
    const e = thrown(() => decodePng(flipped), `byte ${k} bit ${b}`);
    assert.ok(e instanceof FormatError, `byte ${k} bit ${b}: ${e.name}: ${e.message}`);
  }
});

PngErrors.run();

// ---------------------------------------------------------------------------------------------

const PngLimits = suite('io/png-limits');

/** A PNG whose IHDR declares width × height and whose 11 IDAT bytes are not zlib: any attempt to inflate them would fail differently. */
function declared(width: number, height: number, colourType = 2): Uint8Array {
  return pngFile(chunk('IHDR', ihdr({ width, height, depth: 8, colourType })), chunk('IDAT', new Uint8Array(11).fill(0xa5)), IEND);
}

PngLimits('the 68-byte PNG declaring (2^31 − 1) × (2^31 − 1) → ResourceError naming the limit and the size, without inflating', () => {
  const png = declared(2 ** 31 - 1, 2 ** 31 - 1);
  assert.is(png.length, 68);
  pngErr(png, ResourceError, ['width·height must be ≤ maxPixels = 67108864', 'got 2147483647·2147483647'], '2^31 − 1 squared');
});

PngLimits('the 8000 × 8000 one: ResourceError when it is above maxPixels; at the default (2^26 ≥ 64·10^6 pixels) a FormatError, as its 11 IDAT bytes cannot hold 192 MB — both without inflating', () => {
  const png = declared(8000, 8000);
  expectError(() => decodePng(png, { maxPixels: 2 ** 25 }), ResourceError, ['maxPixels = 33554432', 'got 8000·8000 = 64000000 pixels'], 'maxPixels 2^25');
  expectError(() => decodePng(png), FormatError, ['192008000 bytes a 8000×8000 truecolour 8-bit image needs', 'got 11 IDAT bytes'], 'default limit');
});

PngLimits('maxPixels is an inclusive bound on width·height', () => {
  const png = craftPng({ width: 10, height: 10, colourType: 0, depth: 1, samples: seededSamples(100, 1, 5) });
  expectError(() => decodePng(png, { maxPixels: 99 }), ResourceError, ['maxPixels = 99', 'got 10·10 = 100 pixels'], '99');
  assert.is(decodePng(png, { maxPixels: 100 }).size, 300);
});

PngLimits('the size check comes before the rest of the file is read: a huge IHDR followed by garbage is still a ResourceError', () => {
  const png = concat(pngFile(chunk('IHDR', ihdr({ width: 100000, height: 100000, depth: 16, colourType: 6 }))), new Uint8Array(40).fill(0xff));
  pngErr(png, ResourceError, ['got 100000·100000 = 10000000000 pixels'], 'garbage after IHDR');
});

PngLimits.run();

// ---------------------------------------------------------------------------------------------

const PngEncode = suite('io/png-encode');

PngEncode('encodePng → decodePng round trip of an RGB [3, H, W] map in [0, 1]: values k/255 survive exactly', () => {
  const H = 7, W = 11;
  const map = Tensor.zeros([3, H, W]);
  for (let i = 0; i < map.size; i++) map.data[i] = ((i * 37) % 256) / 255;
  for (const options of [{ lo: 0, hi: 1 }, {}]) {
    // {} maps the map's own [min, max] = [0, 1] (0 and 255 both occur) to 0..255: the same
    const round = decodePng(encodePng(map, options));
    assert.equal([...round.shape], [1, 3, H, W]);
    assert.equal([...round.data], [...map.data], `options ${JSON.stringify(options)}`);
  }
  // every k/255, k = 0..255, in one map
  const all = new Tensor(Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => (i % 256) / 255), [3, 16, 16]);
  assert.equal([...decodePng(encodePng(all, { lo: 0, hi: 1 })).data], [...all.data]);
});

PngEncode('a grey [H, W] map decodes to three equal channels; scale enlarges by nearest neighbour', () => {
  const map = new Tensor(Float32Array.from({ length: 12 }, (_, i) => i / 11), [3, 4]);
  const round = decodePng(encodePng(map, { lo: 0, hi: 1 }));
  assert.equal([...round.shape], [1, 3, 3, 4]);
  for (let i = 0; i < 12; i++) {
    const want = Math.round(255 * map.data[i]) / 255;
    for (let c = 0; c < 3; c++) assert.is(round.data[c * 12 + i], Math.fround(want), `pixel ${i} channel ${c}`);
  }
  const big = decodePng(encodePng(map, { lo: 0, hi: 1, scale: 3 }));
  assert.equal([...big.shape], [1, 3, 9, 12]);
  for (let y = 0; y < 9; y++) for (let x = 0; x < 12; x++) assert.is(big.data[y * 12 + x], round.data[Math.floor(y / 3) * 4 + Math.floor(x / 3)], `(${x}, ${y})`);
});

PngEncode('the encoded file is a plain 8-bit RGB PNG that fast-png also reads; NaN → 0, ±Inf clamp; diverging colormap is white at 0', () => {
  const map = new Tensor([NaN, Infinity, -Infinity, 0.5], [1, 4]);
  const bytes = encodePng(map, { lo: 0, hi: 1 });
  const ref = fastPngDecode(bytes);
  assert.equal([ref.width, ref.height, ref.depth, ref.channels], [4, 1, 8, 3]);
  assert.equal([...ref.data], [0, 0, 0, 255, 255, 255, 0, 0, 0, 128, 128, 128]);
  const div = fastPngDecode(encodePng(new Tensor([-2, 0, 2], [1, 3]), { colormap: 'diverging' }));
  assert.equal([...div.data], [0, 0, 255, 255, 255, 255, 255, 0, 0]);
});

PngEncode('encodePng errors: shapes (ShapeError), scale / lo / hi / colormap (ParameterError), output size (ResourceError), a non-Tensor (ArgumentError)', () => {
  expectError(() => encodePng(Tensor.zeros([1, 3, 4, 4])), ShapeError, ['[H, W] or [3, H, W]', 'got [1,3,4,4]'], '4-D');
  expectError(() => encodePng(Tensor.zeros([2, 4, 4])), ShapeError, ['got [2,4,4]'], '2 channels');
  expectError(() => encodePng(Tensor.zeros([16])), ShapeError, ['got [16]'], '1-D');
  expectError(() => encodePng(Tensor.zeros([0, 4])), ShapeError, ['H ≥ 1 and W ≥ 1', 'got [0,4]'], 'H = 0');
  const map = Tensor.zeros([2, 2]);
  for (const scale of [0, -1, 1.5, NaN]) expectError(() => encodePng(map, { scale }), ParameterError, ['scale must be a positive integer', `got ${scale}`], `scale ${scale}`);
  expectError(() => encodePng(map, { lo: NaN }), ParameterError, ['lo must be a finite number', 'got NaN'], 'lo NaN');
  expectError(() => encodePng(map, { hi: Infinity }), ParameterError, ['hi must be a finite number', 'got Infinity'], 'hi Inf');
  expectError(() => encodePng(map, { colormap: 'jet' as never }), ParameterError, ["'grey' or 'diverging'", 'got "jet"'], 'colormap');
  expectError(() => encodePng(map, { scale: 5000 }), ResourceError, ['≤ maxPixels = 67108864', 'got 10000·10000 = 100000000 pixels'], 'scale 5000');
  expectError(() => encodePng(new Float32Array(4) as never), ArgumentError, ['map must be a Tensor', 'got Float32Array'], 'Float32Array');
});

PngEncode.run();
