import { Tensor, describe } from '../core/tensor.js';
import { ArgumentError, NotImplementedError, ParameterError } from '../core/errors.js';
import { resolveOps, type Backend } from '../core/backends.js';
import { optionsArg, tensorArg } from '../core/validate.js';
import { OnnxTracer } from './onnx_trace.js';
import { encodeModel } from './onnx_proto.js';

/** What exportOnnx needs of a module: nn.Module has both (structural, so ts/io does not import ts/nn). */
export interface OnnxExportable {
  /** parameters and buffers under their state_dict keys (they become the graph's initializers, under those names) */
  stateDict(): Map<string, Tensor>;
  /** the forward pass: called as forward(...inputs, { backend }) */
  forward(...args: never[]): unknown;
}

/** Options of exportOnnx. */
export interface ExportOnnxOptions {
  /** the backend that computes the values while tracing: 'ref' (default), 'wasm' (after `await wasm.init()`) or an Ops */
  backend?: Backend;
  /** graph input names, one per example input; default 'input' (one input) or 'input_0', 'input_1', ... */
  input_names?: readonly string[];
  /** graph output names; default 'output' for a Tensor result, the field names of an object result, 'output_i' for an array */
  output_names?: readonly string[];
  /** the ONNX opset; 17 (the default) is the only one written */
  opset_version?: number;
  /** other options of the module's forward, e.g. `{ need_weights: false }` for MultiheadAttention (backend is the tracer's) */
  forward_options?: Record<string, unknown>;
}
const OPTION_KEYS = ['backend', 'input_names', 'output_names', 'opset_version', 'forward_options'] as const;

/** The attnconv version written into the model's producer_version. */
const PRODUCER_VERSION = '0.1.0';

/**
 * Exports a module as an ONNX model (a serialized ModelProto, opset 17, IR version 8) built from standard
 * operators only, so ONNX Runtime (CPU, CUDA, TensorRT, DirectML, WebGPU, ...) and other ONNX consumers can run it.
 *
 * Matches: torch.onnx.export(module, args) in eval mode with constant folding: parameters and buffers become
 *          initializers under their state_dict keys, the example input fixes every shape (static graph), the
 *          graph input is 'input' and the output 'output'.
 * How:     the module's forward runs on a tracing backend (ts/io/onnx_trace.ts: an `Ops` that computes every op on
 *          `backend` and records it as ONNX nodes: conv2d → Conv, linear → Gemm / MatMul + Add, ACmix's local
 *          attention → Pad (reflect) + Gather (im2col) + Mul + ReduceSum + Softmax as the official code, window
 *          attention → Reshape / Transpose / MatMul / Gather (relative position bias) / Softmax, deform_conv2d →
 *          GridSample + MatMul, ...). It runs twice, on the example and on a perturbed copy, and compares: a tensor
 *          the module built in plain JavaScript (outside the Ops) that does not change is a constant of the graph;
 *          one that changes is traced again and must be a data movement (Transpose or Gather), a scaling by one
 *          number (Div / Mul) or a per-sample mixture of a parameter's slices (Mul + ReduceSum) of graph values,
 *          verified by a second pair of traces; anything else is refused, never frozen into a graph that would
 *          only be right for the example.
 * Shapes:  exampleInput: one Tensor (e.g. [N, C, H, W]) or an array of them (forward's leading tensor arguments);
 *          the graph has exactly these input shapes.
 * Cost:    two forward passes on `backend` (four when the module moves data in plain JavaScript), plus the bytes.
 * @returns the model's protobuf bytes (write them to `model.onnx`, or pass them to `InferenceSession.create`).
 * @throws ArgumentError if module has no forward / stateDict, an example input is not a Tensor, or options is not a
 *         plain object of the keys above; ParameterError on another opset_version or mismatched name lists;
 *         NotImplementedError naming the op that read a tensor the module computed from the input outside the
 *         Ops, or when the graph itself depends on the input values; any error the module's forward throws.
 */
export function exportOnnx(module: OnnxExportable, exampleInput: Tensor | readonly Tensor[], options: ExportOnnxOptions = {}): Uint8Array {
  const op = 'exportOnnx';
  if (module === null || typeof module !== 'object' || typeof (module as OnnxExportable).forward !== 'function' || typeof (module as OnnxExportable).stateDict !== 'function') {
    throw new ArgumentError(`${op}: module must be an nn.Module (an object with forward and stateDict), got ${describe(module)}`);
  }
  const o = optionsArg<ExportOnnxOptions>(op, options, OPTION_KEYS);
  const inputs = exampleInput instanceof Tensor ? [exampleInput] : Array.isArray(exampleInput) && exampleInput.length > 0 ? [...exampleInput] as Tensor[] : null;
  if (!inputs) throw new ArgumentError(`${op}: exampleInput must be a Tensor or a non-empty array of Tensors, got ${describe(exampleInput)}`);
  inputs.forEach((t, i) => tensorArg(op, inputs.length === 1 ? 'exampleInput' : `exampleInput[${i}]`, t));
  const opset = o.opset_version ?? 17;
  if (opset !== 17) throw new ParameterError(`${op}: opset_version must be 17 (the only opset written), got ${String(opset)}`);
  for (const key of ['input_names', 'output_names'] as const) {
    const v = o[key];
    if (v !== undefined && (!Array.isArray(v) || !v.every((n) => typeof n === 'string' && n !== ''))) {
      throw new ArgumentError(`${op}: ${key} must be an array of non-empty strings, got ${describe(v)}`);
    }
  }
  const inputNames = o.input_names ? [...o.input_names] : inputs.length === 1 ? ['input'] : inputs.map((_, i) => `input_${i}`);
  if (inputNames.length !== inputs.length || new Set(inputNames).size !== inputNames.length) {
    throw new ParameterError(`${op}: input_names must be ${inputs.length} distinct names (one per example input), got [${inputNames.join(', ')}]`);
  }
  const forwardOptions = optionsArg<Record<string, unknown>>(op, o.forward_options, undefined, 'forward_options');
  const compute = resolveOps(o.backend);

  const perturbed = new Map<Tensor, Tensor>();                     // one tensor passed twice stays one tensor
  const others = inputs.map((t) => perturbed.get(t) ?? perturbed.set(t, perturb(t)).get(t)!);
  const run = (xs: Tensor[], dynamic?: Set<number>) => trace(module, xs, inputNames, o.output_names, forwardOptions, compute, dynamic);
  let first = run(inputs), second = run(others);
  compareTraces(module, first, second, false);
  const dynamic = changedConstants(first, second);
  if (dynamic.size) {
    // Tensors the module built outside the Ops from the input: traced again, each recorded as the data movement
    // (transpose, gather) of a graph value that produces it, or refused.
    first = run(inputs, dynamic);
    second = run(others, dynamic);
    compareTraces(module, first, second, true);
  }
  first.graph.prune();
  const graphName = (module as object).constructor?.name || 'module';
  return encodeModel(first.graph.model(opset, { producerVersion: PRODUCER_VERSION, graphName }));
}

/** One traced forward: the tracer (graph + constants). */
function trace(module: OnnxExportable, inputs: Tensor[], inputNames: string[], outputNames: readonly string[] | undefined,
    forwardOptions: Record<string, unknown> | undefined, compute: ReturnType<typeof resolveOps>, dynamic?: Set<number>): OnnxTracer {
  const tracer = new OnnxTracer(compute, dynamic), g = tracer.graph;
  inputs.forEach((t, i) => tracer.bind(t, g.input(inputNames[i], t.shape)));
  for (const [key, t] of module.stateDict()) tracer.bind(t, g.float(t.data, t.shape, key));
  let result: unknown;
  try {
    result = (module.forward as (...args: unknown[]) => unknown)(...inputs, { ...forwardOptions, backend: tracer });
  } catch (e) {
    if (e instanceof NotImplementedError && e.message.startsWith('exportOnnx: the module ')) {
      throw new NotImplementedError(e.message.replace('the module', (module as object).constructor?.name || 'the module'));
    }
    throw e;
  }
  const outputs = outputsOf(result);
  if (outputNames && (outputNames.length !== outputs.length || new Set(outputNames).size !== outputNames.length || outputNames.some((n) => inputNames.includes(n)))) {
    throw new ParameterError(`exportOnnx: output_names must be ${outputs.length} distinct names, none an input name (the forward returned ${outputs.map(([k]) => k).join(', ')}), got [${outputNames.join(', ')}]`);
  }
  outputs.forEach(([name, t], i) => {
    const out = outputNames?.[i] ?? name;
    g.scope = 'output';
    const value = tracer.ref(t);
    g.nodes.push({ opType: 'Identity', input: [value], output: [out], name: `output/${out}`, attribute: [] });
    g.scope = 'graph';
    g.output(out, t.shape);
  });
  return tracer;
}

/** The tensors of a forward's result with their default output names. */
function outputsOf(result: unknown): [string, Tensor][] {
  if (result instanceof Tensor) return [['output', result]];
  if (Array.isArray(result) && result.length && result.every((t) => t instanceof Tensor)) return result.map((t, i) => [`output_${i}`, t as Tensor]);
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const entries = Object.entries(result).filter((e): e is [string, Tensor] => e[1] instanceof Tensor);
    if (entries.length) return entries;
  }
  throw new NotImplementedError(`exportOnnx: the forward must return a Tensor, an array of Tensors or an object of Tensors, got ${describe(result)}`);
}

/**
 * A second example input: every element moved (v → 0.75·v + 0.5·sin(i + 1)), so any value the module derived from
 * the input outside the Ops changes between the two traces.
 */
function perturb(t: Tensor): Tensor {
  return new Tensor(Float32Array.from(t.data, (v, i) => 0.75 * v + 0.5 * Math.sin(i + 1)), t.shape);
}

/** Ordinals of the constants whose values differ between two traces (computed from the input outside the Ops). */
function changedConstants(a: OnnxTracer, b: OnnxTracer): Set<number> {
  const out = new Set<number>();
  a.constants.forEach((ca, i) => {
    const cb = b.constants[i];
    if (!cb || ca.data.length !== cb.data.length || ca.data.some((v, j) => !Object.is(v, cb.data[j]))) out.add(ca.ordinal);
  });
  return out;
}

/**
 * Two traces must record the same graph (else the graph depends on the input values); with `strict`, also the same
 * constants and the same data movements.
 */
function compareTraces(module: OnnxExportable, a: OnnxTracer, b: OnnxTracer, strict: boolean): void {
  const who = (module as object).constructor?.name || 'the module';
  const nodes = (t: OnnxTracer) => t.graph.nodes.map((n) => JSON.stringify([n.opType, n.input, n.output, n.attribute.map((x) => JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? [...v] : v)))]));
  const na = nodes(a), nb = nodes(b);
  const at = na.findIndex((n, i) => n !== nb[i]);
  if (at >= 0 || na.length !== nb.length) {
    const i = at >= 0 ? at : Math.min(na.length, nb.length);
    throw new NotImplementedError(`exportOnnx: ${who}'s graph depends on the input values (the two traces differ at node ${i}: ${a.graph.nodes[i]?.name ?? 'end'} vs ${b.graph.nodes[i]?.name ?? 'end'}), so no static ONNX graph represents it`);
  }
  if (!strict) return;
  for (let i = 0; i < Math.max(a.movements.length, b.movements.length); i++) {
    const ma = a.movements[i], mb = b.movements[i];
    if (!ma || !mb || ma.index.length !== mb.index.length || ma.index.some((v, j) => v !== mb.index[j])) {
      const j = ma && mb ? ma.index.findIndex((v, k) => v !== mb.index[k]) : -1;
      throw new NotImplementedError(`exportOnnx: ${who} moves data in plain JavaScript (read by ${(ma ?? mb).op}) in a way that depends on the input values ` +
        `(movement ${i}${j >= 0 ? `: element ${j} of ${ma.index.length} comes from ${ma.index[j]} in one trace and ${mb.index[j]} in the other` : ''}), so no static ONNX graph represents it`);
    }
  }
  for (let i = 0; i < a.constants.length; i++) {
    const ca = a.constants[i], cb = b.constants[i];
    if (!cb || ca.name !== cb.name || ca.data.length !== cb.data.length || ca.data.some((v, j) => !Object.is(v, cb.data[j]))) {
      throw new NotImplementedError(`exportOnnx: ${who} computes a tensor from the input outside the Ops (in plain JavaScript), read by ${ca.op}: ` +
        'the tracer cannot record that computation, and freezing it as a constant would be wrong for every other input');
    }
  }
}
