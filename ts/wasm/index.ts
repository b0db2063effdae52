// The WASM backend: the same ops as ts/ref, composed from the AssemblyScript kernels (as/).
// Call `await init()` once before using any op.
export { init, isReady } from './module.js';
export { conv2d } from './conv2d.js';
export { ops, delegatedToRef } from './ops.js';
export { arenaStats } from './arena.js';
