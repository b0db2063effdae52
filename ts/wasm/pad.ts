import { Tensor } from '../core/tensor.js';
import { checkPadCall, type PadMode } from '../core/check/pad.js';
import { withArena } from './arena.js';
import { kernels, f32, f32Bits } from './kernels.js';

const MODE_ID: Record<PadMode, number> = { constant: 0, reflect: 1, replicate: 2 };

/**
 * Pads a tensor on the WASM kernels: same signature and semantics as ts/ref/pad.ts `pad`.
 *
 * Paper:   ACmix's reflection-padded attention windows (§3.2, official nn.ReflectionPad2d).
 * Matches: torch.nn.functional.pad(input, pad, mode, value); `pad` lists [before, after] pairs from the
 *          LAST dimension; reflect/replicate pad at most the last two dimensions.
 * Composition: the input viewed as leading dims × [H, W] (H = 1 for rank 1): pad2d__f32x4 pads the last two
 *          dimensions of each run of planes whose leading index is inside; planes that a constant pad of a
 *          leading dimension creates are filled by fill__f32x4. The value is moved as its float32 bits.
 * Numerics: data movement, bit for bit the reference (−0 and NaN payloads kept).
 * Shapes:  [d_0, ..., d_{r−1}] → [d_k + before_k + after_k].   Cost: 0 FLOPs.
 * @throws ArgumentError / ParameterError / ShapeError / ResourceError as checkPadCall (before any WASM work);
 *         BackendError before init.
 * @see ts/ref/pad.ts · as/pad.ts
 */
export function pad(input: Tensor, pad: readonly number[], options: { mode?: PadMode; value?: number } = {}): Tensor {
  const g = checkPadCall('pad', input, pad, options);
  const { mode, value } = g;
  const k = kernels();
  const rank = input.rank, shape = input.shape, outShape = g.outShape;
  const outSize = outShape.reduce((p, s) => p * s, 1);
  const bits = f32Bits(value), modeId = MODE_ID[mode];
  const out = withArena((a) => {
    const x = a.upload(input.data), y = a.alloc(outSize);
    if (rank === 0) {
      k.pad2d__f32x4(x, y, 1, 1, 1, 0, 0, 0, 0, modeId, bits);
      return a.download(y, outSize);
    }
    const W = shape[rank - 1], H = rank >= 2 ? shape[rank - 2] : 1;
    const left = g.before[rank - 1], right = g.after[rank - 1];
    const top = rank >= 2 ? g.before[rank - 2] : 0, bottom = rank >= 2 ? g.after[rank - 2] : 0;
    const planeIn = H * W, planeOut = (H + top + bottom) * (W + left + right);
    const lead = Math.max(0, rank - 2);
    if (lead === 0) {
      k.pad2d__f32x4(x, y, 1, H, W, top, bottom, left, right, modeId, bits);
      return a.download(y, outSize);
    }
    // Leading dims 0 .. lead−2 are walked here; the last leading dim is one run of planes per call.
    const last = lead - 1, runIn = shape[last], before = g.before[last], after = g.after[last];
    const runOut = outShape[last];
    let outer = 1;
    for (let d = 0; d < last; d++) outer *= outShape[d];
    const idx = new Array<number>(last).fill(0);
    for (let o = 0; o < outer; o++) {
      // source index of the outer leading dims, or −1 if this position is constant padding
      let src = 0;
      for (let d = 0; d < last && src >= 0; d++) {
        const s = idx[d] - g.before[d];
        src = s >= 0 && s < shape[d] ? src * shape[d] + s : -1;
      }
      const dst = f32(y, o * runOut * planeOut);
      if (src < 0) {
        k.fill__f32x4(dst, runOut * planeOut, bits);
      } else {
        k.fill__f32x4(dst, before * planeOut, bits);
        k.pad2d__f32x4(f32(x, src * runIn * planeIn), f32(dst, before * planeOut), runIn, H, W, top, bottom, left, right, modeId, bits);
        k.fill__f32x4(f32(dst, (before + runIn) * planeOut), after * planeOut, bits);
      }
      for (let d = last - 1; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }   // next outer index
    }
    return a.download(y, outSize);
  });
  return new Tensor(out, outShape);
}
