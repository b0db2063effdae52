// Argument checks and geometry of the shape ops (flatten, cat, chunk) and of the extra activations (leaky_relu),
// shared by ts/ref and ts/wasm: they run before any work.
import { Tensor, describe } from '../tensor.js';
import { ArgumentError, ParameterError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { tensorArg, optionsArg, intArg, finiteArg, checkElements } from '../validate.js';

function dimArg(op: string, key: string, value: unknown, rank: number, fallback: number): number {
  const r = Math.max(rank, 1);                                  // a rank-0 tensor takes dims -1 and 0, as PyTorch
  const d = intArg(op, key, value, -r, r - 1, fallback);
  return d < 0 ? d + r : d;
}

/**
 * Validates flatten and returns the output shape: dims start_dim..end_dim merged into one (a view: same data).
 * Matches torch.flatten(input, start_dim=0, end_dim=-1) (nn.Flatten's defaults are start_dim=1).
 * @throws ArgumentError if input is not a Tensor or options not a plain object { start_dim, end_dim };
 *         ParameterError if a dim is out of range or start_dim (normalised) > end_dim (PyTorch: "flatten() has
 *         invalid args: start_dim cannot come after end_dim").
 */
export function checkFlatten(op: string, input: unknown, options: unknown): number[] {
  const t = tensorArg(op, 'input', input);
  const o = optionsArg<{ start_dim?: unknown; end_dim?: unknown }>(op, options, ['start_dim', 'end_dim']);
  if (t.rank === 0) return [1];
  const s = dimArg(op, 'start_dim', o.start_dim, t.rank, 0), e = dimArg(op, 'end_dim', o.end_dim, t.rank, -1);
  if (s > e) throw new ParameterError(`${op}: start_dim cannot come after end_dim, got start_dim = ${fmtValue(o.start_dim)}, end_dim = ${fmtValue(o.end_dim)} (input=${fmtShape(t.shape)})`);
  const merged = t.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return [...t.shape.slice(0, s), merged, ...t.shape.slice(e + 1)];
}

/**
 * Validates cat and returns [dim, output shape]. Matches torch.cat(tensors, dim=0): every tensor the same rank ≥ 1
 * and the same sizes except along dim.
 * @throws ArgumentError if tensors is not a non-empty array of Tensors or options not { dim }; ParameterError if
 *         dim is out of range; ShapeError if ranks or sizes off dim differ; ResourceError if the output is too big.
 */
export function checkCat(op: string, tensors: unknown, options: unknown): [number, number[]] {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ArgumentError(`${op}: tensors must be a non-empty array of Tensors, got ${describe(tensors)}`);
  }
  tensors.forEach((t, i) => tensorArg(op, `tensors[${i}]`, t));
  const ts = tensors as Tensor[];
  const o = optionsArg<{ dim?: unknown }>(op, options, ['dim']);
  const first = ts[0];
  if (first.rank === 0) throw new ShapeError(`${op}: zero-dimensional tensors cannot be concatenated (tensors[0]=${fmtShape(first.shape)})`);
  const dim = dimArg(op, 'dim', o.dim, first.rank, 0);
  let total = 0;
  ts.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((s, a) => a !== dim && s !== first.shape[a])) {
      throw new ShapeError(`${op}: sizes of tensors must match except in dimension ${dim}, got tensors[0]=${fmtShape(first.shape)} and tensors[${i}]=${fmtShape(t.shape)}`);
    }
    total += t.shape[dim];
  });
  const shape = first.shape.map((s, a) => (a === dim ? total : s));
  checkElements(op, 'the output', shape);
  return [dim, shape];
}

/**
 * Validates chunk and returns [dim, the sizes along dim]. Matches torch.chunk(input, chunks, dim=0): pieces of
 * ⌈size/chunks⌉ along dim, the last one smaller, so there may be fewer than `chunks` pieces (contiguous copies here).
 * @throws ArgumentError if input is not a Tensor or options not { dim }; ShapeError if input has rank 0;
 *         ParameterError if chunks is not an integer ≥ 1 or dim is out of range.
 */
export function checkChunk(op: string, input: unknown, chunks: unknown, options: unknown): [number, number[]] {
  const t = tensorArg(op, 'input', input);
  const o = optionsArg<{ dim?: unknown }>(op, options, ['dim']);
  if (t.rank === 0) throw new ShapeError(`${op}: chunk expects at least a 1-dimensional tensor, got ${fmtShape(t.shape)}`);
  const n = intArg(op, 'chunks', chunks, 1);
  const dim = dimArg(op, 'dim', o.dim, t.rank, 0);
  const size = t.shape[dim], step = Math.ceil(size / n) || 0;
  const sizes: number[] = [];
  if (size === 0) sizes.push(...new Array(n).fill(0));
  else for (let at = 0; at < size; at += step) sizes.push(Math.min(step, size - at));
  return [dim, sizes];
}

/**
 * Validates leaky_relu and returns negative_slope as PyTorch uses it (a float32: Scalar → float on CPU).
 * @throws ArgumentError if input is not a Tensor, options not { negative_slope } or negative_slope not a number;
 *         ParameterError if negative_slope is NaN or ±∞.
 */
export function checkLeakyRelu(op: string, input: unknown, options: unknown): number {
  tensorArg(op, 'input', input);
  const o = optionsArg<{ negative_slope?: unknown }>(op, options, ['negative_slope']);
  return Math.fround(finiteArg(op, 'negative_slope', o.negative_slope, 0.01));
}
