// The playground's default run under Node, for spec/playground.test.ts (run as its own process, so that its
// `wasm.init({ deterministic: true })` does not change the kernels of the other specs): the shipped photo through
// site/src/pipeline.ts with the ACmix fixture weights on the strict wasm kernels. Prints one JSON line
// { sha256, shape } of the block's output, which the page in Chromium must reproduce bit for bit.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBlock, prepareInput, stem, sha256, SIZE, io, wasm } from '../../site/src/pipeline.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
await wasm.init({ deterministic: true, threads: 1 });
const image = io.decodePng(new Uint8Array(readFileSync(join(root, 'data', 'chelsea.png'))));
const { x } = prepareInput(image, SIZE.ACmix);
const block = makeBlock('ACmix', 'fixture', new Uint8Array(readFileSync(join(root, 'spec', 'fixtures', 'acmix_block.safetensors'))));
const y = block.module.forward(stem(x), { backend: 'wasm' });
console.log(JSON.stringify({ sha256: await sha256(y), shape: y.shape }));
wasm.dispose();
