// The peers, loaded once per process: TensorFlow.js with its WASM backend (XNNPACK inside),
// onnxruntime-web (WASM) and onnxruntime-node (native, context only), all single-threaded, plus a small
// ONNX graph builder over onnx-proto (the ONNX protobuf schema compiled for protobufjs) for the op-level
// graphs. See shared/research/peers-and-peak.md for why each is configured as it is.
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import onnxProto from 'onnx-proto';
import type * as OrtWeb from 'onnxruntime-web';
import type * as OrtNode from 'onnxruntime-node';

export { tf };
const { onnx } = onnxProto;

let tfReady: Promise<void> | null = null;

/** Threads the peers may use: 1 unless BENCH_PEER_THREADS says otherwise (bench/threads.mjs runs them at 1 and 2). */
export const PEER_THREADS = Math.max(1, Number(process.env.BENCH_PEER_THREADS ?? 1) || 1);

/** tfjs-core with the wasm backend, one thread (its threaded build cannot start workers in Node anyway). */
export function tfjs(): Promise<void> {
  tfReady ??= (async () => {
    setThreadsCount(PEER_THREADS);   // > 1 only takes effect where tfjs can start its threaded build (not in Node)
    await tf.setBackend('wasm');
    await tf.ready();
    if (tf.getBackend() !== 'wasm') throw new Error(`tfjs: wasm backend not active (got ${tf.getBackend()})`);
  })();
  return tfReady;
}

/** What the tfjs wasm backend reports about itself (SIMD, threads). */
export function tfjsInfo(): Record<string, unknown> {
  return {
    version: tf.version_core,
    backend: tf.getBackend(),
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
}

let ortWebMod: typeof OrtWeb | null = null;
let ortNodeMod: typeof OrtNode | null = null;

export async function ortWeb(): Promise<typeof OrtWeb> {
  if (!ortWebMod) {
    ortWebMod = await import('onnxruntime-web');
    ortWebMod.env.wasm.numThreads = PEER_THREADS;
    ortWebMod.env.wasm.simd = true;
  }
  return ortWebMod;
}

export async function ortNode(): Promise<typeof OrtNode> {
  ortNodeMod ??= await import('onnxruntime-node');
  return ortNodeMod;
}

type Feeds = Record<string, Float32Array>;
type Dims = Record<string, readonly number[]>;

export interface OrtRunner {
  run(feeds: Feeds): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * A session of an ONNX model on onnxruntime-web ('web', WASM EP, 1 thread) or onnxruntime-node ('node',
 * CPU EP, 1 intra-op thread, sequential): run() wraps the inputs in ort.Tensors and returns the first output.
 */
export async function ortSession(which: 'web' | 'node', model: Uint8Array, dims: Dims): Promise<OrtRunner> {
  const ort = which === 'web' ? await ortWeb() : await ortNode();
  const options = which === 'web'
    ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all' as const }
    : { executionProviders: ['cpu'], intraOpNumThreads: PEER_THREADS, interOpNumThreads: 1, executionMode: 'sequential' as const, graphOptimizationLevel: 'all' as const };
  const session = await (ort.InferenceSession as typeof OrtWeb.InferenceSession).create(model, options);
  const output = session.outputNames[0];
  return {
    async run(feeds: Feeds): Promise<Float32Array> {
      const tensors: Record<string, OrtWeb.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) tensors[k] = new (ort.Tensor as typeof OrtWeb.Tensor)('float32', v, dims[k]);
      const r = await session.run(tensors);
      return r[output].data as Float32Array;
    },
    release: () => session.release(),
  };
}

type Attr = number | number[] | { f: number } | { s: string };

/** A tiny ONNX graph builder (opset 13, float32 unless said). */
export class OnnxGraph {
  private nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private inits: InstanceType<typeof onnx.TensorProto>[] = [];
  private inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private count = 0;

  private static valueInfo(name: string, dims: readonly number[]) {
    return onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
    });
  }

  input(name: string, dims: readonly number[]): string {
    this.inputs.push(OnnxGraph.valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: readonly number[]): string {
    this.outputs.push(OnnxGraph.valueInfo(name, dims));
    return name;
  }

  /** A float32 initializer. */
  weight(data: Float32Array, dims: readonly number[], name = `w${this.count++}`): string {
    this.inits.push(onnx.TensorProto.create({
      name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    }));
    return name;
  }

  /** An int64 initializer (shapes, indices). */
  int64(values: ArrayLike<number>, dims: readonly number[] = [values.length], name = `i${this.count++}`): string {
    const big = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    this.inits.push(onnx.TensorProto.create({
      name, dims: [...dims], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(big.buffer),
    }));
    return name;
  }

  /** Adds a node; returns its output names (one per `outputs`, generated unless given). */
  node(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs: string[] | number = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => `t${this.count++}`) : outputs;
    const attribute = Object.entries(attrs).map(([name, v]) => {
      if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
      if (typeof v === 'object' && 's' in v) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v.s) });
      if (typeof v === 'object') return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.f });
      return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
    });
    this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: outs, attribute, name: `n${this.nodes.length}` }));
    return outs;
  }

  /** One-output shorthand. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }

  encode(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7, producerName: 'attnconv-bench',
      opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'bench', node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
