// Broadcasting (NumPy / PyTorch rules) and the argument checks of the broadcast binary ops (mul, add), shared by
// ts/ref and ts/wasm (they run before any work), and by scaled_dot_product_attention's batch dimensions.
import { Tensor, describe } from '../tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { tensorArg, checkElements } from '../validate.js';

/**
 * Broadcasts shapes from the right (NumPy / PyTorch rules: align trailing dimensions; two sizes agree when equal
 * or when one is 1; a missing leading dimension counts as 1).
 * @returns the broadcast shape, or null if two sizes differ and neither is 1.
 */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i, d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else return null;
    }
  }
  return out;
}

/**
 * Element strides of `shape` read as `target` (shape right-aligned against target): 0 along a broadcast
 * dimension (a missing one, or size 1 against a larger size), the row-major stride elsewhere.
 */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const r = target.length, off = r - shape.length;
  const strides = new Array<number>(r).fill(0);
  let st = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i + off] = shape[i] === 1 && target[i + off] !== 1 ? 0 : st;
    st *= shape[i];
  }
  return strides;
}

/**
 * A broadcast binary op y = f(a, b) as loops: `dims` (outermost first) with the element strides of a and b along
 * each (0 = broadcast). Dimensions of size 1 are dropped and neighbours that both operands walk as one run are
 * merged, so equal shapes are one loop of `size` elements and [N,C,H,W]·[N,C,1,1] is two ([N·C] × [H·W], b's
 * inner stride 0). Always at least one loop (a scalar is dims [1]).
 */
export interface BroadcastLoops {
  /** the broadcast output shape (what the op returns) */
  outShape: number[];
  /** number of output elements */
  size: number;
  /** the collapsed loop extents, outermost first (length ≥ 1) */
  dims: number[];
  /** a's element stride per loop (0: broadcast) */
  aStrides: number[];
  /** b's element stride per loop (0: broadcast) */
  bStrides: number[];
}

/** The collapsed loops of a broadcast binary op over `a` and `b` (see BroadcastLoops); null if they do not broadcast. */
export function broadcastLoops(a: readonly number[], b: readonly number[]): BroadcastLoops | null {
  const outShape = broadcastShapes(a, b);
  if (!outShape) return null;
  const sa = broadcastStrides(a, outShape), sb = broadcastStrides(b, outShape);
  const dims: number[] = [], aStrides: number[] = [], bStrides: number[] = [];
  // From the innermost loop outwards: skip size-1 loops; merge a loop into the one inside it when both operands
  // step across it exactly as if the inner loop continued (stride = inner stride · inner extent, 0 = 0 · n).
  for (let i = outShape.length - 1; i >= 0; i--) {
    const d = outShape[i];
    if (d === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && sa[i] === aStrides[k] * dims[k] && sb[i] === bStrides[k] * dims[k]) {
      dims[k] *= d;
      continue;
    }
    dims.push(d); aStrides.push(sa[i]); bStrides.push(sb[i]);
  }
  if (dims.length === 0) { dims.push(1); aStrides.push(0); bStrides.push(0); }
  dims.reverse(); aStrides.reverse(); bStrides.reverse();
  return { outShape, size: outShape.reduce((x, y) => x * y, 1), dims, aStrides, bStrides };
}

/** A checked broadcast binary call: both operands as Tensors (a number `other` as a 0-d float32 tensor) and the loops. */
export interface BroadcastCall {
  input: Tensor;
  other: Tensor;
  loops: BroadcastLoops;
}

/**
 * Validates a broadcast binary op (torch.mul, torch.add): `input` a Tensor, `other` a Tensor or, when `allowNumber`
 * (mul), a number (a Python-scalar operand: rounded to float32 and broadcast, as PyTorch does for a float32 tensor),
 * their shapes broadcastable, the output within the element limit.
 * @throws ArgumentError if input is not a Tensor or other is not a Tensor (or a number where allowed).
 * @throws ShapeError if the shapes do not broadcast (naming the first dimension, from the right, that disagrees).
 * @throws ResourceError if the broadcast output exceeds the element limit.
 */
export function checkBroadcastBinary(op: string, input: unknown, other: unknown, allowNumber: boolean): BroadcastCall {
  const a = tensorArg(op, 'input', input);
  let b: Tensor;
  if (allowNumber && typeof other === 'number') b = new Tensor(Float32Array.of(other), []);
  else if (other instanceof Tensor || !allowNumber) b = tensorArg(op, 'other', other);
  else throw new ArgumentError(`${op}: other must be a Tensor or a number, got ${describe(other)}`);
  const loops = broadcastLoops(a.shape, b.shape);
  if (!loops) {
    const r = Math.max(a.rank, b.rank);
    let at = 1;
    for (; at <= r; at++) {
      const da = a.shape[a.rank - at] ?? 1, db = b.shape[b.rank - at] ?? 1;
      if (da !== db && da !== 1 && db !== 1) break;
    }
    throw new ShapeError(`${op}: input and other must broadcast (each dimension, aligned from the right, equal or 1), ` +
      `got ${a.shape[a.rank - at]} vs ${b.shape[b.rank - at]} at dim -${at} (input=${fmtShape(a.shape)}, other=${fmtShape(b.shape)})`);
  }
  checkElements(op, 'the broadcast output', loops.outShape);
  return { input: a, other: b, loops };
}
