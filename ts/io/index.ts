export { readSafetensors, writeSafetensors, MAX_HEADER_BYTES, type SafetensorsFile } from './safetensors.js';
export { decodePng, encodePng, normalize, IMAGENET_MEAN, IMAGENET_STD, DEFAULT_MAX_PIXELS, type DecodePngOptions, type EncodePngOptions } from './image.js';
export { exportOnnx, type ExportOnnxOptions, type OnnxExportable } from './onnx_export.js';
export { readIdx, type IdxFile, type IdxDtype } from './idx.js';
