// The runtime matrix's workload, written as a user of the installed package writes it (scripts/runtime-matrix.mjs
// copies it into an empty folder where the packed tarball is installed). The same source runs as:
//   - a strict TypeScript consumer with lib ["es2022"], no DOM, no @types/node (compiled by tsc, run by Node);
//   - an ES module (esbuild-stripped) under Node, Deno (no permission flags) and Bun;
//   - a CommonJS script (esbuild, format cjs: `require('attnconv')`, `require('attnconv/wasm')`, ...) under Node;
//   - a browser bundle (esbuild --platform=browser) in headless Chromium.
// It prints one line, `ATTNCONV_MATRIX {...}`: the sha256 of the output bytes of four fixed workloads on the wasm
// backend (conv2d, an ACmix forward, a DCNv2 deformable conv, the ACmix ResNet Bottleneck on the shipped photo; and
// conv2d again on the debug kernel, loaded on request), every input and parameter drawn from a seeded PRNG, and the
// time of the first `wasm.init()`.
import { Tensor, AttnconvError, BackendError, simdSupported, wasm as wasmFromRoot } from 'attnconv';
import * as wasm from 'attnconv/wasm';
import * as ref from 'attnconv/ref';
import * as nn from 'attnconv/nn';
import * as io from 'attnconv/io';
import { PHOTO_PNG_BASE64 } from './photo.js';

// lib es2022 has neither the console nor Web Crypto nor performance: the few globals used here, declared.
declare const console: { log(...args: unknown[]): void };
declare const crypto: { subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> } };
declare const performance: { now(): number };
declare function atob(b64: string): string;

/** mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string: every tensor's seed comes from its name alone. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function uniform(key: string, shape: readonly number[], lo = -1, hi = 1): Tensor {
  const rand = prng(fnv1a(key));
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(lo + (hi - lo) * rand());
  return new Tensor(data, shape);
}

/** Every parameter and buffer of a module from the PRNG, scaled like PyTorch's default init (strict load). */
function seeded<M extends nn.Module>(m: M, name: string): M {
  const state = new Map<string, Tensor>();
  for (const [key, t] of m.stateDict()) {
    const fanIn = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const [lo, hi] = key.endsWith('running_var') ? [0.5, 1.5] : t.shape.length <= 1 ? [-0.5, 0.5] : [-1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)];
    state.set(key, uniform(`${name}/${key}`, t.shape, lo, hi));
  }
  m.loadStateDict(state);
  return m;
}

async function sha256(tensors: readonly Tensor[]): Promise<string> {
  const total = tensors.reduce((a, t) => a + t.data.byteLength, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const t of tensors) {
    bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function photoBytes(): Uint8Array {
  const bin = atob(PHOTO_PNG_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export interface MatrixResult {
  /** the first `init({ deterministic: true, threads: 1 })`, ms */
  initMs: number;
  /** then `init({ deterministic: true })` with the default thread count, ms */
  initDefaultMs: number;
  threads: number;
  simd: boolean;
  hashes: Record<'conv2d' | 'acmix' | 'deformConv2d' | 'bottleneckPhoto' | 'conv2dDebug', string>;
}

export async function main(): Promise<MatrixResult> {
  // The subpaths and the root share one instance (one Tensor class, one backend registry, one WASM module).
  if (wasm.init !== wasmFromRoot.init) throw new Error('attnconv/wasm and attnconv export different wasm.init functions');
  if (!simdSupported()) throw new BackendError('this runtime has no WebAssembly SIMD');
  try {
    wasm.conv2d(uniform('x', [1, 1, 3, 3]), uniform('w', [1, 1, 1, 1]));
    throw new Error('wasm.conv2d before init() did not throw');
  } catch (e) {
    if (!(e instanceof BackendError)) throw e;
  }
  // deterministic: the strict 128-bit SIMD kernels, the same bits in every engine (the default takes relaxed SIMD's
  // fused multiply-add where the engine has it: Deno and Chromium do, Node 20 does not).
  // First one thread (the module alone: its cold instantiation time), then the default thread count (a worker pool
  // where the runtime has SharedArrayBuffer and workers; results bit-identical for every count) for the workloads.
  const t0 = performance.now();
  await wasm.init({ deterministic: true, threads: 1 });
  const initMs = performance.now() - t0;
  const t1 = performance.now();
  await wasm.init({ deterministic: true });
  const initDefaultMs = performance.now() - t1;

  // conv2d: 3x3, padding 1, bias, odd sizes.
  const conv = wasm.conv2d(uniform('conv2d/x', [2, 5, 9, 11]), uniform('conv2d/w', [7, 5, 3, 3]), uniform('conv2d/b', [7]), { padding: 1 });

  // ACmix forward (Pan et al., CVPR 2022), random weights from the seed.
  const acmixBlock = seeded(new nn.ACmix(8, 8, { kernel_att: 5, head: 2 }), 'acmix');
  const acmix = acmixBlock.forward(uniform('acmix/x', [1, 8, 9, 10]), { backend: 'wasm' });
  if (!(acmix instanceof Tensor)) throw new Error('nn output is not a Tensor of the root entry');

  // DCNv2 (modulated deformable conv) through the module, with offsets large enough to sample between pixels.
  const dcn = seeded(new nn.DCNv2(4, 6, 3, { padding: 1 }), 'dcnv2');
  const deform = dcn.forward(uniform('dcnv2/x', [1, 4, 7, 8]), { backend: 'wasm' });

  // The ACmix ResNet Bottleneck on the shipped photograph: PNG decode → bilinear resize → ImageNet normalisation.
  const image = io.decodePng(photoBytes());
  const x = io.normalize(wasm.interpolate(image, { size: [40, 60], mode: 'bilinear', align_corners: false }), io.IMAGENET_MEAN, io.IMAGENET_STD);
  const block = seeded(new nn.Bottleneck(3, 16, 7, 4, 3, { downsample: nn.Bottleneck.downsampleFor(3, 16) }), 'bottleneck');
  const bottleneck = block.forward(x, { backend: 'wasm' });

  // The reference backend is reachable through its subpath too (a cheap agreement check, not hashed).
  const refConv = ref.conv2d(uniform('conv2d/x', [2, 5, 9, 11]), uniform('conv2d/w', [7, 5, 3, 3]), uniform('conv2d/b', [7]), { padding: 1 });
  let worst = 0;
  for (let i = 0; i < conv.data.length; i++) worst = Math.max(worst, Math.abs((conv.data[i] ?? NaN) - (refConv.data[i] ?? NaN)));
  if (!(worst < 1e-4)) throw new AttnconvError(`wasm and ref conv2d differ by ${worst}`);

  const threadsUsed = wasm.threads();
  const hashes = {
    conv2d: await sha256([conv]),
    acmix: await sha256([acmix]),
    deformConv2d: await sha256([deform]),
    bottleneckPhoto: await sha256([bottleneck]),
    conv2dDebug: '',
  };

  // The debug kernel: its own module (dist/kernels-debug.js), imported only now, from beside the library code (a
  // browser page serves it next to its bundle). Same arithmetic as release (strict), asserts on: same bits.
  await wasm.init({ build: 'debug', threads: 1 });
  hashes.conv2dDebug = await sha256([wasm.conv2d(uniform('conv2d/x', [2, 5, 9, 11]), uniform('conv2d/w', [7, 5, 3, 3]), uniform('conv2d/b', [7]), { padding: 1 })]);

  return {
    initMs: Math.round(initMs * 10) / 10,
    initDefaultMs: Math.round(initDefaultMs * 10) / 10,
    threads: threadsUsed,
    simd: simdSupported(),
    hashes,
  };
}

main().then(
  (r) => console.log(`ATTNCONV_MATRIX ${JSON.stringify(r)}`),
  (e: unknown) => console.log(`ATTNCONV_MATRIX_ERROR ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}`),
);
