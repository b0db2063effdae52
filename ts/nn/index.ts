export { Module, resolveOps, type Backend, type ForwardOptions, type LoadResult } from './module.js';
export { Conv2d, BatchNorm2d, ReLU, GELU, Linear, LayerNorm, Sequential, type Conv2dModuleOptions } from './layers.js';
export { ACmix, Bottleneck } from './acmix.js';
export { manualSeed } from './init.js';
export { DeformConv2d, DCNv2, type DeformConv2dModuleOptions } from './deform_conv2d.js';
export { CondConv2d, CondConvRouting, DynamicConv2d, DynamicConvAttention, type CondConv2dOptions, type DynamicConv2dOptions, type TimmPadding } from './dynamic.js';
export { ODConv2d, ODConvAttention, type ODConv2dOptions, type ODConvAttentions } from './odconv.js';
export { DynamicDWConv, IDynamicDWConv } from './dynamic_dw.js';
export { DynamicDWFeedForward, RoutedDownsample, tokensToNchw, nchwToTokens } from './transformer_seeds.js';
