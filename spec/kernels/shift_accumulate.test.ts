// as/shift_accumulate.ts: shift_accumulate__scalar ≡ __f32x4 ≡ TS twin (one float32 add per element with a
// source inside, strided), and shift_copy__scalar ≡ __f32x4 ≡ TS twin (32-bit moves, +0 fill), bit for bit.
// H and W sweep 1..9 (every W mod 4), shifts reach past the map on both sides, strides 1..3, special values.
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { f, randomArray, runKernel, asF32 } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

function accumulateTwin(src: Float32Array, dst: Float32Array, planes: number, H: number, W: number, H_out: number, W_out: number,
  dy: number, dx: number, sh: number, sw: number): Float32Array {
  const out = dst.slice();
  for (let c = 0; c < planes; c++) for (let i = 0; i < H_out; i++) for (let j = 0; j < W_out; j++) {
    const si = i * sh + dy, sj = j * sw + dx;
    if (si < 0 || si >= H || sj < 0 || sj >= W) continue;
    const d = (c * H_out + i) * W_out + j;
    out[d] = f(out[d] + src[(c * H + si) * W + sj]);
  }
  return out;
}

function copyTwin(src: Float32Array, N: number, C: number, H: number, W: number, shifts: Int32Array): Float32Array {
  const out = new Float32Array(src.length);
  const sb = new Uint32Array(src.buffer, src.byteOffset, src.length), ob = new Uint32Array(out.buffer);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const si = i + shifts[2 * c], sj = j + shifts[2 * c + 1], base = (n * C + c) * H * W;
    ob[base + i * W + j] = si >= 0 && si < H && sj >= 0 && sj < W ? sb[base + si * W + sj] : 0;
  }
  return out;
}

const Kernels = suite('shift_accumulate/kernels');

Kernels('shift_accumulate: H, W 1..9, shifts −(W+1)..W+1, strides 1..3, planes 1..2 (with specials): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let H = 1; H <= 9; H += 2) for (let W = 1; W <= 9; W++) for (const [sh, sw] of [[1, 1], [2, 2], [1, 3], [3, 1]]) {
    const H_out = Math.ceil(H / sh) + (seed % 2), W_out = Math.ceil(W / sw) + (seed % 3);
    for (const dy of [-H - 1, -1, 0, 2, H]) for (const dx of [-W - 1, -2, 0, 1, 3, W + 1]) {
      const planes = 1 + (seed % 2);
      const src = randomArray(planes * H * W, seed, -2, 2, seed % 5 === 0), dst = randomArray(planes * H_out * W_out, seed + 1, -2, 2, seed % 7 === 0);
      const want = accumulateTwin(src, dst, planes, H, W, H_out, W_out, dy, dx, sh, sw);
      for (const v of ['shift_accumulate__scalar', 'shift_accumulate__f32x4'] as const) {
        const [got] = runKernel([src], [dst], ([ps], [pd]) => k[v](ps, pd, planes, H, W, H_out, W_out, dy, dx, sh, sw));
        assertBitExact(got, want, `${v} H=${H} W=${W} out=${H_out}x${W_out} shift=(${dy},${dx}) stride=(${sh},${sw})`);
      }
      seed++;
    }
  }
});

Kernels('wide rows (W 17..37) at strides 1 and 2: scalar ≡ f32x4 ≡ twin', () => {
  let seed = 500;
  for (let W = 17; W <= 37; W++) for (const s of [1, 2]) for (const dx of [-3, 0, 2]) {
    const H = 3, W_out = Math.ceil(W / s);
    const src = randomArray(H * W, seed), dst = randomArray(H * W_out, seed + 1);
    const want = accumulateTwin(src, dst, 1, H, W, H, W_out, 1, dx, 1, s);
    for (const v of ['shift_accumulate__scalar', 'shift_accumulate__f32x4'] as const) {
      const [got] = runKernel([src], [dst], ([ps], [pd]) => k[v](ps, pd, 1, H, W, H, W_out, 1, dx, 1, s));
      assertBitExact(got, want, `${v} W=${W} stride=${s} dx=${dx}`);
    }
    seed += 2;
  }
});

Kernels('shift_copy: N 1..2, C 1..3, H, W 0..9, per-channel shifts past the map (with specials: −0, NaN payloads kept): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1000;
  for (let H = 0; H <= 9; H++) for (let W = 0; W <= 9; W++) {
    const N = 1 + (seed % 2), C = 1 + (seed % 3);
    const shifts = new Int32Array(2 * C);
    for (let c = 0; c < C; c++) { shifts[2 * c] = ((seed + 3 * c) % (2 * H + 3)) - H - 1; shifts[2 * c + 1] = ((seed * 7 + c) % (2 * W + 3)) - W - 1; }
    const src = randomArray(N * C * H * W, seed, -2, 2, true);
    const want = copyTwin(src, N, C, H, W, shifts);
    for (const v of ['shift_copy__scalar', 'shift_copy__f32x4'] as const) {
      const [got] = runKernel([src, asF32(shifts)], [new Float32Array(src.length).fill(7)], ([ps, pt], [pd]) => k[v](ps, pd, N, C, H, W, pt));
      assertBitExact(got, want, `${v} N=${N} C=${C} H=${H} W=${W} shifts=${shifts.join(',')}`);
    }
    seed++;
  }
});

Kernels.run();
