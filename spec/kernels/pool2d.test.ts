// as/pool2d.ts: pool2d_max__scalar ≡ pool2d_max__f32x4 and pool2d_avg__scalar ≡ pool2d_avg__f32x4 bit for bit
// (32-bit words), output widths swept 1..17 around the vector width, windows from the pooling geometry
// (strides, paddings, dilations, ceil_mode, adaptive tables: windows of different widths in one vector), special
// values included; and TS twins of the documented orders (max: row pass then column pass; avg: PyTorch's row-major
// float32 sum, one or two divisions) equal to both.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../ts/wasm/module.js';
import { withArena } from '../../ts/wasm/arena.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { poolAxis, adaptiveAxis, type PoolAxis } from '../../ts/core/check/pooling.js';
import { randomArray, asF32 } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const f = Math.fround;
const words = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const table = (a: PoolAxis) => { const t = new Int32Array(2 * a.out); t.set(a.start); t.set(a.count, a.out); return asF32(t); };

/** max: the documented two passes (row pass over taps along W, then column pass along H). */
function twinMax(x: Float32Array, planes: number, H: number, W: number, rows: PoolAxis, cols: PoolAxis): Float32Array {
  const Ho = rows.out, Wo = cols.out, y = new Float32Array(planes * Ho * Wo), tmp = new Float32Array(H * Wo);
  const pick = (m: number, v: number) => (v > m || Number.isNaN(v) ? v : m);
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < H; r++) for (let j = 0; j < Wo; j++) {
      let acc = -Infinity;
      for (let t = 0; t < cols.count[j]; t++) acc = pick(acc, x[p * H * W + r * W + cols.start[j] + t * cols.step]);
      tmp[r * Wo + j] = acc;
    }
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
      let acc = -Infinity;
      for (let t = 0; t < rows.count[i]; t++) acc = pick(acc, tmp[(rows.start[i] + t * rows.step) * Wo + j]);
      y[(p * Ho + i) * Wo + j] = acc;
    }
  }
  return y;
}

/** avg: PyTorch 1.13's order — one float32 sum per window, row-major; acc / (rd·cd) or acc / rd / cd. */
function twinAvg(x: Float32Array, planes: number, H: number, W: number, rows: PoolAxis, cols: PoolAxis, div: Float32Array, two: boolean): Float32Array {
  const Ho = rows.out, Wo = cols.out, y = new Float32Array(planes * Ho * Wo);
  for (let p = 0; p < planes; p++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    let acc = 0;
    for (let t = 0; t < rows.count[i]; t++) for (let b = 0; b < cols.count[j]; b++) acc = f(acc + x[p * H * W + (rows.start[i] + t) * W + cols.start[j] + b]);
    const rd = div[i], cd = div[Ho + j];
    y[(p * Ho + i) * Wo + j] = two ? f(f(acc / rd) / cd) : f(acc / f(rd * cd));
  }
  return y;
}

function run(variant: 'scalar' | 'f32x4', kind: 'max' | 'avg', x: Float32Array, planes: number, H: number, W: number,
  rows: PoolAxis, cols: PoolAxis, div: Float32Array | null, two = false): Float32Array {
  const k = kernels(), n = planes * rows.out * cols.out;
  return withArena((a) => {
    const px = a.upload(x), py = a.alloc(n), r = a.upload(table(rows)), c = a.upload(table(cols));
    if (kind === 'max') k[`pool2d_max__${variant}`](px, py, a.alloc(H * cols.out), planes, H, W, rows.out, cols.out, r, c, rows.step, cols.step);
    else k[`pool2d_avg__${variant}`](px, py, planes, H, W, rows.out, cols.out, r, c, a.upload(div!), two ? 1 : 0);
    return a.download(py, n);
  });
}

const K = suite('kernels/pool2d');

const geometries: [string, number, number, () => [PoolAxis, PoolAxis]][] = [];
for (const [k, s, p, d, ceil] of [[3, 2, 1, 1, false], [2, 2, 0, 1, true], [3, 1, 1, 2, false], [3, 2, 0, 1, true], [1, 1, 0, 1, false], [4, 3, 2, 1, true]] as const) {
  for (const W of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17, 33]) {
    const H = 7;
    if (d * (k - 1) + 1 > W + 2 * p || d * (k - 1) + 1 > H + 2 * p) continue;
    geometries.push([`k${k} s${s} p${p} d${d} ceil=${ceil} ${H}x${W}`, H, W, () => [poolAxis(H, k, s, p, d, ceil), poolAxis(W, k, s, p, d, ceil)]]);
  }
}
for (const [H, W, ho, wo] of [[7, 7, 3, 3], [5, 9, 1, 4], [4, 13, 4, 1], [3, 3, 7, 9], [12, 10, 5, 6]]) {
  geometries.push([`adaptive ${H}x${W} → ${ho}x${wo}`, H, W, () => [adaptiveAxis(H, ho), adaptiveAxis(W, wo)]]);
}

K('pool2d_max: TS twin ≡ scalar ≡ f32x4 bit for bit (specials included: NaN propagates, first of equal maxima wins)', () => {
  geometries.forEach(([label, H, W, axes], g) => {
    const [rows, cols] = axes();
    const x = randomArray(2 * H * W, 100 + g, -4, 4, g % 2 === 0);
    const a = run('scalar', 'max', x, 2, H, W, rows, cols, null), b = run('f32x4', 'max', x, 2, H, W, rows, cols, null);
    assert.equal(words(a), words(b), `scalar vs f32x4 ${label}`);
    assert.equal(words(a), words(twinMax(x, 2, H, W, rows, cols)), `scalar vs TS twin ${label}`);
  });
});

K('pool2d_avg: TS twin ≡ scalar ≡ f32x4 bit for bit (specials included), both division modes', () => {
  geometries.forEach(([label, H, W, axes], g) => {
    const [rows, cols] = axes();
    if (rows.step !== 1 || cols.step !== 1) return;                   // avg taps are contiguous (no dilation)
    const x = randomArray(3 * H * W, 200 + g, -4, 4, g % 3 === 0);
    const div = new Float32Array(rows.out + cols.out);
    div.set(g % 2 ? rows.padded : rows.count, 0);
    div.set(g % 2 ? cols.padded : cols.count, rows.out);
    div.forEach((v, i) => { if (v === 0) div[i] = 1; });
    for (const two of [false, true]) {
      const a = run('scalar', 'avg', x, 3, H, W, rows, cols, div, two), b = run('f32x4', 'avg', x, 3, H, W, rows, cols, div, two);
      assert.equal(words(a), words(b), `scalar vs f32x4 ${label} two=${two}`);
      assert.equal(words(a), words(twinAvg(x, 3, H, W, rows, cols, div, two)), `scalar vs TS twin ${label} two=${two}`);
    }
  });
});

K.run();
