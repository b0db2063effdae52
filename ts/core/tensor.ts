import { ShapeError, fmtShape } from './errors.js';

/**
 * A dense float32 tensor: `data` in row-major order, `shape` its dimensions (NCHW for images).
 *
 * Shapes: any rank >= 0; `data.length` must equal the product of `shape`.
 * Units:  whatever the values mean; the tensor is only storage.
 * @throws ShapeError if `data.length` does not equal the product of `shape`, or a dimension
 *         is not a non-negative integer.
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array | ArrayLike<number>, shape: readonly number[]) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`tensor: every dimension must be a non-negative integer, got shape ${fmtShape(shape)}`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    if (f32.length !== size) {
      throw new ShapeError(`tensor: data.length must equal the product of shape ${fmtShape(shape)} = ${size}, got ${f32.length}`);
    }
    this.data = f32;
    this.shape = Object.freeze([...shape]);
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

  /** A zero-filled tensor. */
  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  }

  /** A tensor filled with one value. */
  static full(shape: readonly number[], value: number): Tensor {
    return new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), shape);
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
