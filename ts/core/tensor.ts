import { ArgumentError, ShapeError, fmtShape } from './errors.js';
// validate.ts imports this file too: the cycle is safe, checkElements is only called, never read at load time.
import { checkElements } from './validate.js';

/**
 * A dense float32 tensor: `data` in row-major order, `shape` its dimensions (NCHW for images).
 *
 * Shapes: any rank >= 0; `data.length` must equal the product of `shape`.
 * Units:  whatever the values mean; the tensor is only storage.
 * Immutable binding: `shape` and `data` cannot be reassigned after construction (the instance is frozen;
 * the elements of `data` stay writable), so a tensor can never claim a shape its data does not have.
 * @throws ArgumentError if `shape` is not an array or `data` is not a Float32Array / array-like of numbers.
 * @throws ShapeError if `data.length` does not equal the product of `shape`, or a dimension
 *         is not a non-negative safe integer.
 */
/** The element count of a shape about to be allocated, checked against the element limit first. */
function allocSize(op: string, shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: shape must be an array of dimensions, got ${describe(shape)}`);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`${op}: every dimension must be a non-negative safe integer, got shape ${fmtShape(shape)}`);
  }
  checkElements(op, 'the tensor', shape);
  return shape.reduce((a, b) => a * b, 1);
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array | ArrayLike<number>, shape: readonly number[]) {
    if (!Array.isArray(shape)) throw new ArgumentError(`tensor: shape must be an array of dimensions, got ${describe(shape)}`);
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`tensor: every dimension must be a non-negative safe integer, got shape ${fmtShape(shape)}`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) && (data === null || typeof data !== 'object' || typeof (data as ArrayLike<number>).length !== 'number')) {
      throw new ArgumentError(`tensor: data must be a Float32Array or an array of numbers, got ${describe(data)}`);
    }
    if (!(data instanceof Float32Array) && (data as ArrayLike<number>).length !== size) {
      throw new ShapeError(`tensor: data.length must equal the product of shape ${fmtShape(shape)} = ${size}, got ${(data as ArrayLike<number>).length}`);
    }
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    if (f32.length !== size) {
      throw new ShapeError(`tensor: data.length must equal the product of shape ${fmtShape(shape)} = ${size}, got ${f32.length}`);
    }
    this.data = f32;
    this.shape = Object.freeze([...shape]);
    Object.freeze(this);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Element at a full index (slow; for tests and readers, not for loops). */
  at(...index: number[]): number {
    let flat = 0;
    for (let d = 0; d < this.shape.length; d++) flat = flat * this.shape[d] + index[d];
    return this.data[flat];
  }

  /** Same data, new shape (a view: no copy). @throws ShapeError if the sizes differ. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  /** A deep copy. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /**
   * A zero-filled tensor.
   * @throws ArgumentError / ShapeError as the constructor (shape not an array, a dimension not a non-negative safe
   *         integer); ResourceError if it would hold more than the element limit (setLimits), before allocating.
   */
  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(allocSize('Tensor.zeros', shape)), shape);
  }

  /** A tensor filled with one value. @throws as Tensor.zeros. */
  static full(shape: readonly number[], value: number): Tensor {
    return new Tensor(new Float32Array(allocSize('Tensor.full', shape)).fill(value), shape);
  }

  /** Nested arrays for printing. */
  toArray(): unknown {
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
}

/** Product of dimensions. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A short description of a value's type for error messages: `string "abc"`, `null`, `Int32Array(4)`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return `number ${String(v)}`;
  if (typeof v !== 'object') return typeof v;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length?: number }).length ?? v.byteLength})`;
  if (Array.isArray(v)) return `array(${v.length})`;
  return v.constructor?.name ?? 'object';
}
