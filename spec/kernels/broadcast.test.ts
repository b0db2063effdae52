// as/broadcast.ts: mul_broadcast and add_broadcast over loop tables (dims, a strides, b strides), each __scalar ≡
// __f32x4 ≡ TS twin bit for bit (Object.is per element), with special values. The tables sweep the innermost
// run 0..13 (every n mod 4) with every stride pair in {0, 1, 2}² (contiguous, splatted and strided runs), and
// two- and three-loop nests (the gate patterns [N·C]×[H·W] with b splatted, [N]×[C]×[H·W] with b repeated over C).
import { suite } from 'uvu';
import { init } from '../../ts/wasm/module.js';
import { kernels } from '../../ts/wasm/kernels.js';
import { assertBitExact } from '../support/close.js';
import { asF32, f, randomArray, runKernel } from '../support/kernel_io.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)
const k = kernels();

const Kernels = suite('broadcast/kernels');

/** The TS twin: y[row-major index over dims] = op(a[Σ c·sa], b[Σ c·sb]). */
function twin(op: 'mul' | 'add', a: Float32Array, b: Float32Array, dims: number[], sa: number[], sb: number[]): Float32Array {
  const n = dims.reduce((x, y) => x * y, 1), out = new Float32Array(n), idx = dims.map(() => 0);
  for (let i = 0; i < n; i++) {
    let ia = 0, ib = 0;
    idx.forEach((c, d) => { ia += c * sa[d]; ib += c * sb[d]; });
    out[i] = op === 'mul' ? f(a[ia] * b[ib]) : f(a[ia] + b[ib]);
    for (let d = dims.length - 1; d >= 0; d--) { if (++idx[d] < dims[d]) break; idx[d] = 0; }
  }
  return out;
}

/** Elements an operand needs for the given strides: 1 + Σ (dims − 1)·stride. */
const extent = (dims: number[], s: number[]) => 1 + dims.reduce((acc, d, i) => acc + Math.max(0, d - 1) * s[i], 0);

function check(dims: number[], sa: number[], sb: number[], seed: number): void {
  const a = randomArray(extent(dims, sa), seed, -2, 2, true), b = randomArray(extent(dims, sb), seed + 1, -2, 2, true);
  const table = asF32(Int32Array.from([...dims, ...sa, ...sb]));
  const n = dims.reduce((x, y) => x * y, 1);
  const variants = { mul: ['mul_broadcast__scalar', 'mul_broadcast__f32x4'], add: ['add_broadcast__scalar', 'add_broadcast__f32x4'] } as const;
  for (const op of ['mul', 'add'] as const) {
    const want = twin(op, a, b, dims, sa, sb);
    for (const v of variants[op]) {
      const [got] = runKernel([a, b, table], [new Float32Array(n)], ([pa, pb, pt], [py]) => k[v](pa, pb, py, pt, dims.length));
      assertBitExact(got, want, `${v} dims=${dims} sa=${sa} sb=${sb}`, dims);
    }
  }
}

Kernels('one loop: n 0..13, strides {0,1,2}² (contiguous, splatted, strided): scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1;
  for (let n = 0; n <= 13; n++) for (const sa of [0, 1, 2]) for (const sb of [0, 1, 2]) check([n], [sa], [sb], seed++);
});

Kernels('two loops: rows 1..4 × n 1..9, inner strides {0,1}², outer strides contiguous or 0: scalar ≡ f32x4 ≡ twin', () => {
  let seed = 1000;
  for (let rows = 1; rows <= 4; rows++) for (let n = 1; n <= 9; n++) {
    for (const [saIn, sbIn] of [[1, 1], [1, 0], [0, 1]]) for (const [aOut, bOut] of [[true, true], [true, false], [false, true]]) {
      const sa = [aOut ? Math.max(1, saIn * n) : 0, saIn], sb = [bOut ? Math.max(1, sbIn * n) : 0, sbIn];
      check([rows, n], sa, sb, seed++);
    }
  }
});

Kernels('three loops: the gate patterns [N]×[C]×[H·W]·[N,1,HW] and [N·C]×[H]×[W]·[N·C,1,W] for sides 1..5: scalar ≡ f32x4 ≡ twin', () => {
  let seed = 5000;
  for (let N = 1; N <= 2; N++) for (let C = 1; C <= 5; C++) for (let P = 1; P <= 7; P++) {
    check([N, C, P], [C * P, P, 1], [P, 0, 1], seed++);            // x[N,C,HW] · s[N,1,HW]
    check([N * C, C, P], [C * P, P, 1], [P, 0, 1], seed++);        // x[NC,H,W] · s[NC,1,W]
    check([N, C, P], [C * P, P, 1], [C, 1, 0], seed++);            // x[N,C,HW] · s[N,C,1]
  }
});

Kernels.run();
