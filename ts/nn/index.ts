export { Module, resolveOps, type Backend, type ForwardOptions, type LoadResult, type LoadStateDictOptions } from './module.js';
export {
  Conv2d, BatchNorm2d, ReLU, GELU, Linear, LayerNorm, Sequential,
  type Conv2dModuleOptions, type Conv2dHyperParameters, type BatchNorm2dOptions, type GELUOptions, type LinearOptions, type LayerNormOptions,
} from './layers.js';
export {
  MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Flatten, Identity, Dropout, Dropout2d, SiLU, Hardswish, Hardsigmoid,
  Sigmoid, Tanh, LeakyReLU, Upsample, ModuleList, ModuleDict,
  type MaxPool2dModuleOptions, type AvgPool2dModuleOptions, type UpsampleOptions,
} from './layers_std.js';
export { ACmix, Bottleneck, type BottleneckOptions } from './acmix.js';
export type { ACmixOptions } from '../core/check/acmix.js';
export { manualSeed } from './init.js';
export { DeformConv2d, DCNv2, type DeformConv2dModuleOptions, type DCNv2Options } from './deform_conv2d.js';
export {
  CondConv2d, CondConvRouting, DynamicConv2d, DynamicConvAttention,
  type CondConv2dOptions, type DynamicConv2dOptions, type DynamicConvAttentionOptions, type TimmPadding,
} from './dynamic.js';
export { ODConv2d, ODConvAttention, type ODConv2dOptions, type ODConvAttentionOptions, type ODConvAttentions } from './odconv.js';
export { DynamicDWConv, IDynamicDWConv, type DynamicDWConvOptions } from './dynamic_dw.js';
export {
  DynamicDWFeedForward, RoutedDownsample, tokensToNchw, nchwToTokens,
  type DynamicDWFeedForwardOptions, type RoutedDownsampleOptions,
} from './transformer_seeds.js';
export {
  WindowAttention, SwinTransformerBlock, PatchMerging, PatchEmbed, WindowAttentionACmix, SwinTransformerBlockACmix, SwinMlp,
  relativePositionIndex, swinAttentionMask,
  type WindowAttentionModuleOptions, type SwinTransformerBlockOptions, type PatchEmbedOptions,
} from './swin.js';
export {
  MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions, type MultiheadAttentionResult,
} from './multihead_attention.js';
export {
  BasicLayer, BasicLayerACmix, SwinTransformer, SwinTransformerACmix, swinTinyACmix, swinSmallACmix, swinTiny, swinSmall,
  type BasicLayerOptions, type SwinTransformerOptions,
} from './swin_model.js';
export {
  LinearSelfAttention, linearSelfAttentionFlops, mhsaFlops, type LinearSelfAttentionOptions,
} from './separable_attention.js';
export { AxialAttention, axialAttentionFlops, type AxialAttentionOptions } from './axial_attention.js';
export { ConvProjectionAttention, type ConvProjectionAttentionOptions, type ConvProjectionMethod } from './cvt.js';
export { ACmixGlobal, acmixGlobalFlops, type ACmixGlobalOptions, type ACmixGlobalResult } from './acmix_global.js';
export {
  Conv, C2fBottleneck, C2f, C2fCA, SpatialGateC2f, SpatialGateC2f as C2fModule, autopad,
  type ConvOptions, type C2fBottleneckOptions, type C2fOptions, type C2fCAOptions,
} from './ultralytics.js';
export {
  SqueezeExcitation, CoordAtt, h_swish, CBAM, ChannelGate, SpatialGate, ChannelPool, BasicConv,
  type SqueezeExcitationOptions, type CoordAttOptions, type CBAMOptions, type CBAMPoolType, type ActivationClass, type BasicConvOptions,
} from './gates.js';
export { countCost, officialSwinFlops, acmixTable1, type CostNode } from './flops.js';
export { MnistACmixNet, mnistBatch, MNIST_ACMIX_CONFIG, MNIST_SIDE, type MnistForwardDetailed } from './mnist.js';
