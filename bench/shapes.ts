// Named benchmark shapes, after the real layers they come from, so results stay comparable across
// commits (STYLE §2.10). Batch 1, float32, NCHW. FLOPs are 2 × multiply-accumulates.

export interface ConvShape { C_in: number; C_out: number; H: number; W: number; k: number; padding: number; groups: number }

export const conv = {
  /** ResNet-50 layer1 3x3 conv (conv2 of a bottleneck): 64 → 64 at 56x56, padding 1 */
  'resnet50.layer1.conv2': { C_in: 64, C_out: 64, H: 56, W: 56, k: 3, padding: 1, groups: 1 },
  /** ResNet-50 layer1.1 conv1: 1x1, 256 → 64 at 56x56 */
  'resnet50.layer1.1.conv1': { C_in: 256, C_out: 64, H: 56, W: 56, k: 1, padding: 0, groups: 1 },
  /** MobileNet v1 conv_dw_5: depthwise 3x3, C = 256 at 28x28, padding 1 */
  'mobilenet_v1.conv_dw_5': { C_in: 256, C_out: 256, H: 28, W: 28, k: 3, padding: 1, groups: 256 },
} satisfies Record<string, ConvShape>;

/** 2·C_out·H_out·W_out·(C_in/groups)·k_h·k_w (stride 1, 'same' padding here, so H_out = H). */
export function convFlops(s: ConvShape): number {
  return 2 * s.C_out * s.H * s.W * (s.C_in / s.groups) * s.k * s.k;
}

export const matmul = {
  /** ACmix ResNet-50 layer1 stage I: the q, k, v 1x1 projections of 56·56 = 3136 pixels, 64 → 3·64 */
  'acmix_resnet50.layer1.stage_i': { M: 3136, K: 64, N: 192 },
};

export const mhsa = {
  /** a ViT-style global multi-head self-attention on 14x14 = 196 tokens (224 px, patch 16), width 256, 8 heads */
  'vit.p16_224.d256_h8': { n: 196, dim: 256, heads: 8 },
};

/** qkv projection + QKᵀ + PV + output projection (softmax not counted). */
export function mhsaFlops(s: { n: number; dim: number }): number {
  return 2 * s.n * s.dim * 3 * s.dim + 2 * 2 * s.n * s.n * s.dim + 2 * s.n * s.dim * s.dim;
}

export const localAttention = {
  /** ACmix ResNet-50 layer2 attention path: width 128 at 28x28, 4 heads, 7x7 window (pe = null here) */
  'acmix_resnet50.layer2.attention': { C: 128, H: 28, W: 28, head: 4, kernel_att: 7 },
};

export const acmix = {
  /** ACmix ResNet-50 layer1 ACmix (the bottleneck's conv2): C = 64 at 56x56, k_att 7, head 4, k_conv 3 */
  'acmix_resnet50.layer1.acmix': { C: 64, H: 56, W: 56, kernel_att: 7, head: 4, kernel_conv: 3 },
};

/**
 * ACmix forward, 2 × MACs: stage I (3 projections) + attention (logits and aggregation) + fc + dep_conv
 * (positional conv_p on 2 channels and the final mix are < 1 % and not counted).
 */
export function acmixFlops(s: { C: number; H: number; W: number; kernel_att: number; head: number; kernel_conv: number }): number {
  const HW = s.H * s.W, T = s.kernel_conv ** 2, head_dim = s.C / s.head;
  return 2 * HW * (3 * s.C * s.C + 2 * s.C * s.kernel_att ** 2 + T * 3 * s.head * head_dim + s.C * T * T);
}
