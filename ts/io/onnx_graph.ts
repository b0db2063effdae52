// A small ONNX graph builder: named values, float32 / int64 initializers (int64 constants shared by value), nodes with
// typed attributes, and the ModelProto object the protobuf encoder takes (ts/io/onnx_proto.ts).
import { AttributeType, DataType } from './onnx_proto.js';

/** An attribute value: an int, a list of ints, a float `{ f }`, a string `{ s }`. */
export type Attr = number | readonly number[] | { f: number } | { s: string };

interface NodeRecord { opType: string; input: string[]; output: string[]; name: string; attribute: Record<string, unknown>[] }
interface InitializerRecord { name: string; dims: number[]; dataType: number; rawData: Uint8Array }

/** Little-endian bytes of a Float32Array (copied: the tensor may change after export). */
function f32Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4), view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

function i64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8), view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]), true);
  return out;
}

function attribute(name: string, v: Attr): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: [...v] };
  if ('s' in (v as object)) return { name, type: AttributeType.STRING, s: new TextEncoder().encode((v as { s: string }).s) };
  return { name, type: AttributeType.FLOAT, f: (v as { f: number }).f };
}

/**
 * Builds one ONNX graph. Value names are unique: node outputs are `<scope>/<OpType>_<n>` (the scope is the Ops call
 * being traced, e.g. `conv2d_3`), float initializers carry the name they are given (state_dict keys for parameters).
 */
export class OnnxGraph {
  readonly nodes: NodeRecord[] = [];
  readonly initializers: InitializerRecord[] = [];
  readonly inputs: { name: string; dims: number[] }[] = [];
  readonly outputs: { name: string; dims: number[] }[] = [];
  /** Where new node outputs are named (set by the tracer per Ops call). */
  scope = 'graph';
  private count = 0;
  private readonly int64Cache = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** A fresh value name with this prefix. */
  fresh(prefix: string): string {
    let name = `${prefix}_${this.count++}`;
    while (this.taken.has(name)) name = `${prefix}_${this.count++}`;
    this.taken.add(name);
    return name;
  }

  /** Declares a graph input (float32, static shape). */
  input(name: string, dims: readonly number[]): string {
    this.taken.add(name);
    this.inputs.push({ name, dims: [...dims] });
    return name;
  }

  /** Declares a graph output (float32, static shape). */
  output(name: string, dims: readonly number[]): void {
    this.outputs.push({ name, dims: [...dims] });
  }

  /** A float32 initializer under `name` (made unique if taken). */
  float(data: Float32Array, dims: readonly number[], name: string): string {
    const unique = this.taken.has(name) ? this.fresh(name) : name;
    this.taken.add(unique);
    this.initializers.push({ name: unique, dims: [...dims], dataType: DataType.FLOAT, rawData: f32Bytes(data) });
    return unique;
  }

  /** A float32 scalar (rank 0) constant. */
  scalar(value: number): string {
    return this.float(Float32Array.of(value), [], this.fresh('scalar'));
  }

  /** An int64 constant (shapes, axes, pads, indices), shared between nodes with the same values and dims. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    let name = this.int64Cache.get(key);
    if (!name) {
      name = this.fresh('const_i64');
      this.initializers.push({ name, dims: [...dims], dataType: DataType.INT64, rawData: i64Bytes(values) });
      this.int64Cache.set(key, name);
    }
    return name;
  }

  /** Adds a node; returns its output names (`outputs` of them). */
  node(opType: string, input: readonly string[], attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    const output = Array.from({ length: outputs }, () => this.fresh(`${this.scope}/${opType}`));
    this.nodes.push({
      opType, input: [...input], output, name: `${this.scope}/${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** One-output shorthand. */
  op(opType: string, input: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.node(opType, input, attrs)[0];
  }

  // Shorthands for the data-movement and arithmetic nodes the mappings use (static shapes: every shape a constant).
  reshape(x: string, shape: readonly number[]): string { return this.op('Reshape', [x, this.int64(shape)]); }
  transpose(x: string, perm: readonly number[]): string { return this.op('Transpose', [x], { perm }); }
  unsqueeze(x: string, axes: readonly number[]): string { return this.op('Unsqueeze', [x, this.int64(axes)]); }
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string {
    const inputs = [x, this.int64(starts), this.int64(ends), this.int64(axes)];
    if (steps) inputs.push(this.int64(steps));
    return this.op('Slice', inputs);
  }
  concat(xs: readonly string[], axis: number): string { return xs.length === 1 ? xs[0] : this.op('Concat', xs, { axis }); }
  reduceSum(x: string, axes: readonly number[], keepdims = 0): string { return this.op('ReduceSum', [x, this.int64(axes)], { keepdims }); }
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  add(a: string, b: string): string { return this.op('Add', [a, b]); }
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }

  /** Drops initializers no node reads and no output names (e.g. a parameter a forward never used). */
  prune(): void {
    const used = new Set<string>([...this.nodes.flatMap((n) => n.input), ...this.outputs.map((o) => o.name)]);
    for (let i = this.initializers.length - 1; i >= 0; i--) if (!used.has(this.initializers[i].name)) this.initializers.splice(i, 1);
  }

  /** The ModelProto as a plain object for the protobuf encoder. */
  model(opset: number, meta: { producerVersion: string; graphName: string; docString?: string }): Record<string, unknown> {
    const valueInfo = (v: { name: string; dims: number[] }) => ({
      name: v.name,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: v.dims.map((d) => ({ dimValue: d })) } } },
    });
    return {
      irVersion: 8,                                   // IR version 8 goes with opset 17 (onnx/docs/Versioning.md)
      producerName: 'attnconv',
      producerVersion: meta.producerVersion,
      opsetImport: [{ domain: '', version: opset }],
      ...(meta.docString ? { docString: meta.docString } : {}),
      graph: {
        name: meta.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      },
    };
  }
}
