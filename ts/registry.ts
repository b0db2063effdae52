/**
 * The op inventory: one row per op (STYLE.md §2.4). The spec loop, `attnconv verify` and the bench runner
 * read it; a new op is added here, in ts/core/ops.ts, ts/ref and ts/wasm under the same name.
 */
import type { OpName } from './core/ops.js';

export interface OpEntry {
  /** snake_case id: the file name in ts/ref, ts/wasm, spec, bench */
  id: string;
  /** camelCase member of Ops */
  fn: OpName;
  /** paper and equation numbers (arXiv:2111.14556 is ACmix) */
  paper: string;
  /** the PyTorch function it mirrors */
  matches: string;
  /** FLOPs formula (2 × multiply-accumulates), as printed by the bench */
  flops: string;
  /** AS kernels the wasm composition uses (empty while delegated to ref) */
  kernels: string[];
}

export const registry: OpEntry[] = [
  { id: 'conv2d', fn: 'conv2d', paper: 'ACmix §3.1 Eq. (1)', matches: 'torch.nn.functional.conv2d', flops: '2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w', kernels: ['gemm', 'pack_a', 'pack_b', 'im2col', 'depthwise_conv2d'] },
  { id: 'conv2d_shift_sum', fn: 'conv2dShiftSum', paper: 'ACmix §3.1 Eq. (2)-(7)', matches: 'torch.nn.functional.conv2d', flops: '2·N·C_out·H·W·(C_in/groups)·k_h·k_w + N·k_h·k_w·C_out·H_out·W_out', kernels: ['gemm', 'pack_a', 'pack_b', 'shift_accumulate', 'fill', 'add_column_vector'] },
  { id: 'shift2d', fn: 'shift2d', paper: 'ACmix §3.1 Eq. (4); Wu et al. 2018 (Shift)', matches: 'depthwise conv2d with a one-hot kernel', flops: '0', kernels: ['shift_copy'] },
  { id: 'pad', fn: 'pad', paper: 'ACmix §3.2 (reflection-padded windows)', matches: 'torch.nn.functional.pad', flops: '0', kernels: ['pad2d', 'fill'] },
  { id: 'unfold', fn: 'unfold', paper: 'ACmix §3.2 Eq. (8) (window gather)', matches: 'torch.nn.functional.unfold', flops: '0', kernels: ['im2col'] },
  { id: 'softmax', fn: 'softmax', paper: 'ACmix §3.2 Eq. (9)', matches: 'torch.nn.functional.softmax', flops: '~5 per element', kernels: ['softmax_rows', 'softmax_columns'] },
  { id: 'linear', fn: 'linear', paper: 'ACmix §3.2 Eq. (10) (projections)', matches: 'torch.nn.functional.linear', flops: '2·rows·in_features·out_features', kernels: ['transpose', 'gemm', 'pack_a', 'pack_b', 'add_row_vector'] },
  { id: 'relu', fn: 'relu', paper: '—', matches: 'torch.nn.functional.relu', flops: '0', kernels: ['relu'] },
  { id: 'gelu', fn: 'gelu', paper: 'Hendrycks & Gimpel 2016 Eq. (1)', matches: 'torch.nn.functional.gelu', flops: '~20 per element', kernels: ['gelu', 'gelu_tanh'] },
  { id: 'batch_norm2d', fn: 'batchNorm2d', paper: 'Ioffe & Szegedy 2015 Alg. 2', matches: 'torch.nn.functional.batch_norm (eval)', flops: '2 per element', kernels: ['batch_norm'] },
  { id: 'layer_norm', fn: 'layerNorm', paper: 'Ba et al. 2016 Eq. (4)', matches: 'torch.nn.functional.layer_norm', flops: '~5 per element', kernels: ['layer_norm_rows'] },
  { id: 'add', fn: 'add', paper: 'residual connection', matches: 'torch.add', flops: '1 per element', kernels: ['add'] },
  { id: 'axpby', fn: 'axpby', paper: 'ACmix §4.1 Eq. (12)', matches: 'rate1 * x + rate2 * y', flops: '3 per element', kernels: ['axpby'] },
  { id: 'interpolate', fn: 'interpolate', paper: '—', matches: "torch.nn.functional.interpolate(mode='bilinear')", flops: '~7 per output element', kernels: ['bilinear'] },
  { id: 'local_attention', fn: 'localAttention', paper: 'ACmix §3.2 Eq. (8)-(9) + official relative position term', matches: 'official ACmix attention path', flops: '4·N·C·k_att²·H_out·W_out', kernels: ['local_attention'] },
  { id: 'acmix_fc', fn: 'acmixFc', paper: 'ACmix §4.1 (conv path fc)', matches: 'official ACmix fc + permute', flops: '2·N·k_conv²·3·head·head_dim·H·W', kernels: ['acmix_fc', 'pack_a'] },
  // dynamic and deformable convolution
  { id: 'sigmoid', fn: 'sigmoid', paper: 'CondConv (arXiv:1904.04971) Eq. (2) routing; DCNv2 (arXiv:1811.11168) §3.1 mask', matches: 'torch.sigmoid', flops: '~4 per element', kernels: ['sigmoid'] },
  { id: 'deform_conv2d', fn: 'deformConv2d', paper: 'Dai et al. 2017 (arXiv:1703.06211) Eq. (2)-(4); Zhu et al. 2019 (arXiv:1811.11168) Eq. (1)', matches: 'torchvision.ops.deform_conv2d', flops: '2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w + 12·N·C_in·k_h·k_w·H_out·W_out', kernels: ['pad_border1', 'deform_sample_table', 'bilinear_gather', 'gemm'] },
  { id: 'global_avg_pool2d', fn: 'globalAvgPool2d', paper: 'CondConv (arXiv:1904.04971) Eq. (2); DynamicConv (arXiv:1912.03458) §3.2 squeeze', matches: 'torch.nn.functional.adaptive_avg_pool2d(x, 1)', flops: 'N·C·H·W', kernels: ['global_avg_pool'] },
  { id: 'conv2d_per_sample', fn: 'conv2dPerSample', paper: 'CondConv (arXiv:1904.04971) Eq. (1); DynamicConv (arXiv:1912.03458) Eq. (1) (per-example kernel)', matches: 'F.conv2d with groups = N·groups on the batch folded into channels', flops: '2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w', kernels: ['im2col', 'gemm'] },
  { id: 'conv2d_mixture', fn: 'conv2dMixture', paper: 'CondConv (arXiv:1904.04971) Eq. (1); DynamicConv (arXiv:1912.03458) Eq. (1)-(2)', matches: 'timm CondConv2d.forward(x, routing_weights)', flops: '2·N·K·C_out·(C_in/groups)·k_h·k_w + 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w', kernels: ['gemm', 'im2col'] },
  { id: 'conv2d_modulated', fn: 'conv2dModulated', paper: 'StyleGAN2 (arXiv:1912.04958) §2.2 Eq. (1), (3); weight modulation W ⊙ γ + β', matches: 'stylegan2 modulated_conv2d (fused, demodulate, eps 1e-8)', flops: '4·N·C_out·(C_in/groups)·k_h·k_w + 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w', kernels: ['channel_affine', 'im2col', 'gemm'] },
  { id: 'involution2d', fn: 'involution2d', paper: 'Han et al. 2022 (arXiv:2106.04263) §4 I-D-DW conv; Li et al. 2021 (Involution, arXiv:2103.06255) Eq. (4)', matches: 'DemystifyLocalViT IDynamicDWConv kernel (stride 1, zero padding (k−1)/2)', flops: '2·N·C·H_out·W_out·k_h·k_w', kernels: ['im2col', 'weighted_tap_sum'] },
];
