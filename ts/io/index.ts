export { readSafetensors, writeSafetensors, type SafetensorsFile } from './safetensors.js';
export { decodePng, encodePng, normalize, IMAGENET_MEAN, IMAGENET_STD } from './image.js';
