import { Tensor } from '../core/tensor.js';
import { nearestAxis } from '../core/check/interpolate_nearest.js';
import type { PoolAxis } from '../core/check/pooling.js';
import { runPool2d } from './pool_run.js';

const axis = (src: Int32Array): PoolAxis => ({ out: src.length, start: src, count: new Int32Array(src.length).fill(1), padded: new Int32Array(src.length).fill(1), step: 1 });

/**
 * Nearest-neighbour resampling on WASM (interpolate's mode 'nearest'; called by ts/wasm/interpolate.ts after its
 * checks): a gather, run as as/pool2d.ts pool2d_max__f32x4 with one-tap windows at PyTorch's source indices (the max of
 * one value is that value: NaN, −0 and every bit pattern pass through). Matches: as ts/ref/interpolate_nearest.ts.
 * Numerics: bit-exact.
 * @see ts/ref/interpolate_nearest.ts · ts/core/check/interpolate_nearest.ts
 */
export function interpolateNearest(input: Tensor, size: readonly [number, number]): Tensor {
  const [, , H, W] = input.shape;
  return runPool2d(input, axis(nearestAxis(H, size[0])), axis(nearestAxis(W, size[1])), null);
}
