// ts/io: safetensors (write → read bit-exact, hand-built files of other dtypes per the format spec, named
// FormatErrors, PyTorch's own fixture) and PNG (round trip, the demo photograph, named errors).
// Format: https://github.com/huggingface/safetensors — u64 little-endian header length N, N bytes of
// UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data;
// offsets are relative to the start of the data section.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor } from '../ts/core/tensor.js';
import { FormatError, ShapeError } from '../ts/core/errors.js';
import { readSafetensors, writeSafetensors } from '../ts/io/safetensors.js';
import { decodePng, encodePng } from '../ts/io/image.js';
import { packageFile } from '../ts/core/paths.js';
import { fixturePath } from '../ts/verify.js';
import { seededTensor } from './support/arbitraries.js';
import { thrown } from './support/thrown.js';


function expectError(fn: () => unknown, cls: typeof FormatError | typeof ShapeError, fragments: string[], label: string): Error {
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

/** A safetensors file built by hand: 8-byte LE header length, the JSON header (space-padded to 8), the data. */
function buildFile(header: unknown, data: Uint8Array, options: { pad?: boolean } = {}): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (options.pad ?? true) while (json.length % 8) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
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

const RoundTrip = suite('safetensors/roundtrip');

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

RoundTrip('__metadata__ round trip (JSON-in-string, unicode)', () => {
  const metadata = { format: 'pt', cases: JSON.stringify([{ name: 'a', op: 'conv2d', params: { stride: [1, 2], padding: 'same' } }]), 'ключ': 'значение ✓' };
  const file = readSafetensors(writeSafetensors({ w: seededTensor([2, 2], 3) }, metadata));
  assert.equal(file.metadata, metadata);
  assert.equal(JSON.parse(file.metadata.cases)[0].params.stride, [1, 2]);
  assert.equal(readSafetensors(writeSafetensors({ w: seededTensor([2], 3) })).metadata, {}, 'no metadata → {}');
});

RoundTrip.run();

// ---------------------------------------------------------------------------------------------

const Dtypes = suite('safetensors/dtypes');

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

Dtypes.run();

// ---------------------------------------------------------------------------------------------

const Errors = suite('safetensors/errors');

const good = writeSafetensors({ a: seededTensor([2, 3], 5), b: seededTensor([4], 6) }, { k: 'v' });

Errors('the well-formed file used below reads', () => {
  assert.is(readSafetensors(good).tensors.size, 2);
});

Errors('truncated file → FormatError (inside the data, inside the header, inside the length)', () => {
  const last = good.length;
  expectError(() => readSafetensors(good.subarray(0, last - 4)), FormatError, ['tensor b', 'offsets [24, 40]', 'within 36 data bytes'], 'data cut by 4 bytes');
  const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
  expectError(() => readSafetensors(good.subarray(0, 8 + headerLen - 3)), FormatError, [`header length ${headerLen}`, `(${8 + headerLen - 3} bytes)`], 'header cut');
  expectError(() => readSafetensors(good.subarray(0, 5)), FormatError, ['at least 8 bytes', 'got 5'], '5 bytes');
  expectError(() => readSafetensors(new Uint8Array(0)), FormatError, ['got 0'], 'empty file');
});

Errors('a header that is not JSON → FormatError', () => {
  expectError(() => readSafetensors(buildFile('{"a": {"dtype": "F32", ', new Uint8Array(0))), FormatError, ['not valid JSON'], 'cut JSON');
  expectError(() => readSafetensors(buildFile('not json at all', new Uint8Array(0))), FormatError, ['not valid JSON'], 'text');
  // bytes of a PNG where a header should be
  const png = readFileSync(packageFile('data/chelsea.png'));
  expectError(() => readSafetensors(png), FormatError, ['header length'], 'a PNG');
});

Errors('unknown dtype → FormatError naming the tensor and the dtype', () => {
  for (const dtype of ['F8_E4M3', 'f32', 'Q4']) {
    expectError(() => readSafetensors(buildFile({ w: { dtype, shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))), FormatError, ['tensor w', `dtype ${dtype}`], dtype);
  }
});

Errors('offsets not matching the shape (or outside the data) → FormatError with offsets, dtype and shape', () => {
  const data = new Uint8Array(64);
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, data)), FormatError, ['tensor w', 'offsets [0, 12]', 'F32 [2,2]'], '12 bytes for 4 floats');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F16', shape: [3], data_offsets: [0, 12] } }, data)), FormatError, ['offsets [0, 12]', 'F16 [3]'], 'F16 sized as F32');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F32', shape: [4], data_offsets: [56, 72] } }, data)), FormatError, ['offsets [56, 72]', 'within 64 data bytes'], 'past the end');
  expectError(() => readSafetensors(buildFile({ w: { dtype: 'F64', shape: [1], data_offsets: [-8, 0] } }, data)), FormatError, ['offsets [-8, 0]'], 'negative begin');
});

// A JSON header that is not a safetensors header must be a FormatError, never a TypeError / plain RangeError.
Errors('readSafetensors: a JSON header that is not a safetensors header (or overlapping tensors) → FormatError', () => {
  const data = new Uint8Array(16);
  const cases: [string, string][] = [
    ['null', 'header null'],
    ['{"w":null}', 'entry null'],
    ['{"w":{"dtype":"F32"}}', 'entry without shape and data_offsets'],
    ['{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,-4]}}', 'negative dimension'],
    ['{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,10]}}', 'fractional dimension'],
    ['{"w":{"dtype":"constructor","shape":[1],"data_offsets":[0,4]}}', 'inherited property as dtype'],
    ['{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 'overlapping tensors'],
    ['{"__metadata__":{"x":1}}', 'non-string metadata'],
  ];
  const failures: string[] = [];
  for (const [header, what] of cases) {
    const e = thrown(() => readSafetensors(buildFile(header, data)), what);
    if (!(e instanceof FormatError)) failures.push(`${what} ${header}: ${e.name}: ${e.message}`);
  }
  assert.ok(failures.length === 0, `not FormatError:\n${failures.join('\n')}`);
});

Errors.run();

// ---------------------------------------------------------------------------------------------

const Fixture = suite('safetensors/fixture');

Fixture('spec/fixtures/acmix.safetensors (written by PyTorch): shapes and __metadata__.cases', () => {
  const file = readSafetensors(readFileSync(fixturePath('acmix.safetensors')));
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

Fixture.run();

// ---------------------------------------------------------------------------------------------

const Png = suite('png/io');

Png('encodePng → decodePng round trip of an RGB [3, H, W] map in [0, 1]: values k/255 survive exactly', () => {
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

Png('a grey [H, W] map decodes to three equal channels', () => {
  const map = new Tensor(Float32Array.from({ length: 12 }, (_, i) => i / 11), [3, 4]);
  const round = decodePng(encodePng(map, { lo: 0, hi: 1 }));
  assert.equal([...round.shape], [1, 3, 3, 4]);
  for (let i = 0; i < 12; i++) {
    const want = Math.round(255 * map.data[i]) / 255;
    for (let c = 0; c < 3; c++) assert.is(round.data[c * 12 + i], Math.fround(want), `pixel ${i} channel ${c}`);
  }
});

Png('decodePng(data/chelsea.png) → [1, 3, 300, 451], values k/255 in [0, 1]', () => {
  const t = decodePng(readFileSync(packageFile('data/chelsea.png')));
  assert.equal([...t.shape], [1, 3, 300, 451]);
  let min = Infinity, max = -Infinity;
  for (const v of t.data) {
    if (!(v >= 0 && v <= 1)) assert.unreachable(`value ${v} outside [0, 1]`);
    min = Math.min(min, v); max = Math.max(max, v);
  }
  assert.ok(max > min, 'not a constant image');
  for (let i = 0; i < t.size; i += 997) assert.is(Math.fround(Math.round(t.data[i] * 255) / 255), t.data[i], `value ${t.data[i]} is k/255`);
});

Png('FormatError on bytes that are not a PNG', () => {
  expectError(() => decodePng(new TextEncoder().encode('GIF89a definitely not a png')), FormatError, ['png: cannot decode'], 'text');
  expectError(() => decodePng(new Uint8Array(0)), FormatError, ['png: cannot decode'], 'empty');
  const png = readFileSync(packageFile('data/chelsea.png'));
  expectError(() => decodePng(png.subarray(0, 100)), FormatError, ['png: cannot decode'], 'truncated PNG');
});

Png('ShapeError for a 4-D map (and other unsupported shapes) in encodePng', () => {
  expectError(() => encodePng(Tensor.zeros([1, 3, 4, 4])), ShapeError, ['[H, W] or [3, H, W]', 'got [1,3,4,4]'], '4-D');
  expectError(() => encodePng(Tensor.zeros([2, 4, 4])), ShapeError, ['got [2,4,4]'], '2 channels');
  expectError(() => encodePng(Tensor.zeros([16])), ShapeError, ['got [16]'], '1-D');
});

Png.run();
