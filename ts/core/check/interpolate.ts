// Argument checks, option types and geometry of `interpolate`, shared by ts/ref and ts/wasm (they run before any work).
import { Tensor } from '../tensor.js';
import { ParameterError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { expectRank } from '../geometry.js';
import { INT32_MAX, tensorArg, optionsArg, enumArg, booleanArg, checkElements } from '../validate.js';

export interface InterpolateOptions {
  /** [H_out, W_out] */
  size: readonly [number, number];
  mode?: 'bilinear' | 'nearest';
  align_corners?: boolean;
}

/**
 * Validates interpolate (shared by `ref` and `wasm`) and returns [H_out, W_out].
 * @throws ArgumentError if input is not a Tensor, options is not a plain object or align_corners is not a boolean
 *         (`'false'` would otherwise read as true); ShapeError if input is not rank 4 or H or W is 0 (PyTorch raises:
 *         "Input and output sizes should be greater than 0"); ParameterError if size is not two integers in
 *         [1, 2^31 − 1] or mode is unknown; ResourceError if the output exceeds the element limit.
 */
export function checkInterpolate(op: string, input: Tensor, options: InterpolateOptions): [number, number] {
  tensorArg(op, 'input', input);
  options = optionsArg<InterpolateOptions>(op, options);
  expectRank(op, 'input', input.shape, 4, { input, ...options });
  enumArg(op, 'mode', options.mode, ['bilinear', 'nearest'], 'bilinear');
  if (options.mode === 'nearest' && options.align_corners !== undefined) {   // PyTorch raises for nearest + align_corners
    throw new ParameterError(`${op}: align_corners option can only be set with the interpolating modes (bilinear), not with mode 'nearest'`);
  }
  booleanArg(op, 'align_corners', options.align_corners, false);
  const size = options.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s > 0 && s <= INT32_MAX)) {
    throw new ParameterError(`${op}: size must be two positive integers [H_out, W_out], got ${fmtValue(size)}`);
  }
  const [N, C, H, W] = input.shape;
  if (H === 0 || W === 0) {
    throw new ShapeError(`${op}: the input's spatial sizes H and W must be > 0 (PyTorch: "Input and output sizes should be greater than 0"), got H = ${H}, W = ${W} (input=${fmtShape(input.shape)})`);
  }
  checkElements(op, 'the output', [N, C, size[0], size[1]]);
  return [size[0], size[1]];
}

/**
 * PyTorch's bilinear source coordinates along one axis (upsample_bilinear2d, antialias=False): for each
 * output index d, the two input indices i0 ≤ i1 and the float32 weight l1 of i1 (the weight of i0 is 1 − l1).
 * align_corners=False: src = max((d + ½)·scale − ½, 0), scale = in/out in float32; True: src = d·(in−1)/(out−1).
 * Geometry shared by both backends (like conv2dGeometry), not arithmetic of the op.
 */
export function bilinearAxis(inSize: number, outSize: number, align: boolean): { i0: Int32Array; i1: Int32Array; l1: Float64Array } {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), l1 = new Float64Array(outSize);
  const scale = align ? (outSize > 1 ? Math.fround((inSize - 1) / (outSize - 1)) : 0) : Math.fround(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    const src = align ? Math.fround(scale * d) : Math.max(Math.fround(Math.fround(scale * (d + 0.5)) - 0.5), 0);
    i0[d] = Math.min(Math.floor(src), inSize - 1);
    i1[d] = i0[d] + (i0[d] < inSize - 1 ? 1 : 0);
    l1[d] = Math.fround(src - i0[d]);
  }
  return { i0, i1, l1 };
}

/**
 * `steps` evenly spaced float32 values from start to end, computed as PyTorch's CPU kernel does:
 * step = (end − start)/(steps − 1) in float32; the first half counts up from start, the second half
 * down from end (so both ends are exact).
 * Matches: torch.linspace(start, end, steps) (float32).   @throws ParameterError if steps is not an integer ≥ 1.
 */
export function linspace(start: number, end: number, steps: number): Float32Array {
  if (!Number.isInteger(steps) || steps < 1) throw new ParameterError(`linspace: steps must be an integer ≥ 1, got ${fmtValue(steps)}`);
  const out = new Float32Array(steps);
  if (steps === 1) { out[0] = start; return out; }
  const f = Math.fround;
  const step = f((f(end) - f(start)) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < halfway ? f(start) + f(step * i) : f(end) - f(step * (steps - i - 1));
  return out;
}
