// The multiply-add of the FMA-shaped kernels, written once for both kernel builds (asconfig.json):
//
//   strict  (targets release, debug; features: simd)          c + a·b, two roundings: f32x4.add(c, f32x4.mul(a, b))
//   relaxed (target relaxed;  features: simd, relaxed-simd)   f32x4.relaxed_madd(a, b, c)
//
// `ASC_FEATURE_RELAXED_SIMD` is a compile-time constant of the AssemblyScript compiler (true when the build enables
// `relaxed-simd`), so the branch not taken is folded away and each build's kernels hold one instruction form; the
// kernel sources stay one file per kernel. The strict form is the exact expression the kernels wrote before, so
// the strict builds are unchanged, bit for bit and instruction for instruction.
//
// Numerics: strict is IEEE-deterministic and equals the scalar twins (`Math.fround` after every × and +).
// relaxed_madd is implementation-defined per lane between fused (a·b + c rounded once, what x86 with FMA3 and
// ARMv8 NEON do under V8, SpiderMonkey and JavaScriptCore) and unfused (the strict form): its bits can differ from
// the scalar twin and between CPUs. Either form satisfies the strict form's error bound (a fused step commits
// one rounding where the strict step commits two), so every stated dot-product bound (ts/core/numerics.ts) holds
// in both builds. Zeros, infinities and NaN propagate alike: fma(±0, x, c) = c for finite x, fma(0, ∞, c) = NaN;
// only an intermediate a·b beyond the float32 range with c bringing the sum back into range differs (fused
// gives the finite value the float64 reference gives; strict gives ±∞).
//
// Used by: the GEMM tile (as/lib/tile_4x8.ts: gemm, im2col conv, acmix_fc, dep_conv), depthwise_conv2d, the
// local-attention logits and weighted sums (local_attention_tiles, local_attention_slab), window_attention, and
// deformable sampling (bilinear_gather). Not used by the polynomial kernels of as/lib/math.ts (exp, erf,
// sigmoid keep their stated ulp budgets) nor by the single-rounding elementwise kernels.

/** c + a·b on 4 float32 lanes: strict (two roundings) or relaxed FMA, chosen by the build (see the file header). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
