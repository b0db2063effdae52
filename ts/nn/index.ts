export { Module, resolveOps, registerWasmOps, type Backend, type ForwardOptions, type LoadResult } from './module.js';
export { Conv2d, BatchNorm2d, ReLU, GELU, Linear, LayerNorm, Sequential, type Conv2dModuleOptions } from './layers.js';
export { ACmix, Bottleneck } from './acmix.js';
export { manualSeed } from './init.js';
