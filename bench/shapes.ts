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

/** Swin window attention (bench/window_attention.bench.ts): map, dim, heads, window and shift. */
export const windowAttention = {
  /** Swin-T stage 1, a shifted block (SW-MSA): 56x56 tokens, dim 96, 3 heads, window 7, shift 3 */
  'swin_t.layers.0.blocks.1.attn': { dim: 96, H: 56, W: 56, heads: 3, window_size: 7, shift_size: 3 },
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

// ---- pointwise, normalisation and data-movement ops (bench/elementwise, softmax, pad, unfold, shift2d,
// batch_norm2d, layer_norm, interpolate, global_avg_pool2d, conv2d_shift_sum, acmix_fc .bench.ts)

/** Elementwise ops: the tensor each is applied to in the layer named. */
export const pointwise = {
  /** ResNet-50 layer1.0: the block output, 256 channels at 56x56 (the residual add, then ReLU) */
  'resnet50.layer1.0.out': [1, 256, 56, 56],
  /** ViT-B/16 MLP hidden layer: 197 tokens × 3072 (GELU after fc1) */
  'vit_b16.blocks.0.mlp.fc1': [1, 197, 3072],
  /** DCNv2 modulation mask of a ResNet-50 layer1 conv2: 3x3 taps, one offset group, at 56x56 (σ of the mask logits) */
  'dcnv2.resnet50.layer1.conv2.mask': [1, 9, 56, 56],
  /** ACmix ResNet-50 layer1: the two paths mixed by Eq. (12), rate1·out_att + rate2·out_conv, C = 64 at 56x56 */
  'acmix_resnet50.layer1.mix': [1, 64, 56, 56],
  /** MobileNetV3-Large features.4 expansion (the first h-swish stage at stride 16): 240 channels at 14x14 — and
   *  the shape coordinate attention's h_swish meets in a C2f-CA neck */
  'mobilenetv3_large.features.7.block.0': [1, 240, 14, 14],
} satisfies Record<string, readonly number[]>;

/** softmax: input shape and dim. */
export const softmax = {
  /** global MHSA logits of the ViT-style layer above (n = 196 tokens, 8 heads): softmax over the keys */
  'vit.p16_224.d256_h8.attn': { shape: [1, 8, 196, 196], dim: -1 },
  /** ACmix ResNet-50 layer1 attention weights, official layout [N·head, k_att², H, W]: softmax over the 49 taps (dim 1) */
  'acmix_resnet50.layer1.attention': { shape: [4, 49, 56, 56], dim: 1 },
};

/** ACmix ResNet-50 layer2's attention path (C = 128, 4 heads of 32, 28x28, k_att 7), official code: the keys are
 *  reflection-padded by 3 (pad) and unfolded into 7x7 windows (unfold), per head. */
export const acmixWindows = {
  'acmix_resnet50.layer2.pad_att': { shape: [4, 32, 28, 28], pad: 3 },
  'acmix_resnet50.layer2.unfold_k': { shape: [4, 32, 34, 34], kernel: 7 },
};

/** shift2d: ACmix ResNet-50 layer1's conv path at the official init (§4.2): the fc output [N, head_dim·9, H, W],
 *  channel d·9 + t shifted by (⌊t/3⌋ − 1, t mod 3 − 1) (Eq. 13-15). */
export const shift = {
  'acmix_resnet50.layer1.conv_path': { C: 16 * 9, H: 56, W: 56 },
};

/** Normalisation layers. */
export const norm = {
  /** ResNet-50 layer1.0.bn1 (eval): 64 channels at 56x56 */
  'resnet50.layer1.0.bn1': [1, 64, 56, 56],
  /** ViT-B/16 blocks.0.norm1: 197 tokens × 768, normalised over the 768 */
  'vit_b16.blocks.0.norm1': [1, 197, 768],
} satisfies Record<string, readonly number[]>;

/** interpolate (bilinear, align_corners = False): input and output size. */
export const resize = {
  /** SegFormer-B0 decode head: the 1/32 feature map (256 channels after its MLP) upsampled to 1/4 of 512x512 */
  'segformer_b0.decode.c4': { shape: [1, 256, 16, 16], size: [128, 128] as [number, number] },
};

/** global_avg_pool2d */
export const pool = {
  /** ResNet-50 avgpool: 2048 channels at 7x7 */
  'resnet50.avgpool': [1, 2048, 7, 7],
} satisfies Record<string, readonly number[]>;

/** max_pool2d / adaptive pools (bench/pool2d.bench.ts): input shape and pooling hyper-parameters. */
export const pool2d = {
  /** ResNet stem: maxpool 3x3, stride 2, padding 1 after conv1 (64 channels at 112x112 → 56x56) */
  'resnet.maxpool': { shape: [1, 64, 112, 112], kernel_size: 3, stride: 2, padding: 1 },
  /** AlexNet (torchvision) avgpool: AdaptiveAvgPool2d((6, 6)) on 256 channels at 13x13 (windows of 3, stride 2) */
  'alexnet.avgpool': { shape: [1, 256, 13, 13], output_size: [6, 6] as [number, number] },
};

/** acmix_fc: ACmix ResNet-50 layer1's conv-path fc (C = 64, head 4 of 16, k_conv 3, 56x56). */
export const acmixFc = {
  'acmix_resnet50.layer1.fc': { C: 64, head: 4, kernel_conv: 3, H: 56, W: 56 },
};
