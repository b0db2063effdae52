/**
 * Kernel variants: which instruction set the FMA-shaped kernels are built for, chosen at `wasm.init()`.
 *
 * | variant   | build (asconfig.json target) | kernels' multiply-add                          | guarantee |
 * | --------- | ---------------------------- | ---------------------------------------------- | --------- |
 * | 'strict'  | release, debug               | f32x4.mul then f32x4.add (two roundings)        | the same bits in every runtime and on every CPU; each f32x4 kernel ≡ its __scalar twin |
 * | 'relaxed' | relaxed (release options + relaxed-simd) | f32x4.relaxed_madd (as/lib/fma.ts) | every op within its stated error bound against the reference (the same bound as strict: a fused step rounds once, not twice); bits may differ from strict and between CPUs |
 *
 * Kernels that use the multiply-add (as/lib/fma.ts): the GEMM tile (gemm, im2col conv, acmix_fc, dep_conv),
 * depthwise_conv2d, local attention (logits and weighted sums), window_attention and deformable sampling
 * (bilinear_gather). All other kernels are the same in both variants.
 *
 * Selection: `init({ deterministic: true })` → strict; `init({ deterministic: false })` → relaxed (BackendError if
 * the engine lacks relaxed SIMD); `init()` → relaxed where the engine validates relaxed SIMD, else strict, unless
 * the environment variable ATTNCONV_WASM_DETERMINISTIC is '1' or 'true' (then strict). The debug build is strict
 * only (it exists for its asserts and guard bands).
 *
 * Engines with relaxed SIMD on by default: Node ≥ 22 (V8 ≥ 12.x), Deno ≥ 2, Chrome / Edge ≥ 114; Node 20 with
 * `--experimental-wasm-relaxed-simd`. Firefox and Safari (2026) have it behind flags: they run strict.
 * @see as/lib/fma.ts · ts/wasm/module.ts (init) · README.md "Determinism"
 */
import { BackendError } from '../core/errors.js';

/** The kernel variants (see the table above). */
export const KERNEL_VARIANTS = ['strict', 'relaxed'] as const;
export type KernelVariant = typeof KERNEL_VARIANTS[number];

/** The environment variable that makes `init()` without `deterministic` choose strict ('1' or 'true'). */
export const DETERMINISTIC_ENV_VAR = 'ATTNCONV_WASM_DETERMINISTIC';

/**
 * A module that validates only if the engine supports relaxed SIMD:
 * (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)).
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,             // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128, v128, v128) -> v128
  0x03, 0x02, 0x01, 0x00,                                     // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00,                               // code section: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02,                         // local.get 0, 1, 2
  0xfd, 0x85, 0x02,                                           // f32x4.relaxed_madd (0xfd 261)
  0x0b,                                                       // end
]);

/** True if this engine validates relaxed SIMD (f32x4.relaxed_madd). Cheap; never throws. */
export function relaxedSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly !== null && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * The variant `init` loads.
 * @param build          'release' or 'debug' (debug is strict only).
 * @param deterministic  `init`'s option: true → strict, false → relaxed, undefined → the fastest available.
 * @param env            the value of ATTNCONV_WASM_DETERMINISTIC (read by the caller), used when `deterministic` is undefined.
 * @throws BackendError if relaxed is demanded (`deterministic: false`) but the engine lacks relaxed SIMD or the
 *         build is 'debug'; or if `env` is set to something other than '', '0', '1', 'false', 'true'.
 */
export function chooseVariant(build: 'release' | 'debug', deterministic: boolean | undefined, env: string | undefined): KernelVariant {
  if (deterministic === true) return 'strict';
  if (deterministic === false) {
    if (build === 'debug') {
      throw new BackendError("wasm.init: deterministic: false needs the release build (the debug build is strict only), got build 'debug'");
    }
    if (!relaxedSimdSupported()) {
      throw new BackendError(
        'wasm.init: deterministic: false needs WebAssembly relaxed SIMD, which this engine does not validate ' +
        '(Node ≥ 22, Deno ≥ 2, Chrome ≥ 114 have it; Node 20 with --experimental-wasm-relaxed-simd); omit the option to use the fastest available');
    }
    return 'relaxed';
  }
  if (env !== undefined && env !== '' && env !== '0' && env !== 'false' && env !== '1' && env !== 'true') {
    throw new BackendError(`wasm: ${DETERMINISTIC_ENV_VAR} must be '1', 'true', '0', 'false' or unset, got ${JSON.stringify(env)} (or pass init({ deterministic }))`);
  }
  if (env === '1' || env === 'true') return 'strict';
  return build === 'release' && relaxedSimdSupported() ? 'relaxed' : 'strict';
}

/**
 * The relaxed build's bytes (embedded by scripts/embed-wasm.mjs as ts/wasm/kernels.relaxed.generated.ts; the
 * bundle keeps it in its own chunk, loaded only when chosen).
 * @throws BackendError if the relaxed kernels were not built (`npm run build:as`).
 */
export async function relaxedBinaryBase64(): Promise<string> {
  try {
    const mod = await import('./kernels.relaxed.generated.js') as { wasmBase64: string };
    return mod.wasmBase64;
  } catch (e) {
    throw new BackendError(`wasm: cannot load the relaxed-SIMD kernels (${(e as Error)?.message ?? String(e)}); from the sources run \`npm run build:as\`, or init({ deterministic: true })`, { cause: e });
  }
}
