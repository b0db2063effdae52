/**
 * The op inventory (STYLE.md §2.4, ARCHITECTURE.md): one row per member of `Ops` (ts/core/ops.ts), naming the
 * files of every place the op lives in — its reference (ts/ref), its WASM composition (ts/wasm), the AS kernels
 * it is built from (as/) with their twin specs (spec/kernels), its specs and its bench suite. The spec loop
 * (spec/registry.test.ts), `attnconv verify` and the bench runner read it; spec/registry.test.ts fails if a row
 * names a file that does not exist, if an Ops member has no row or a row no member, or if a kernel is not an
 * export of the built module.
 *
 * Where a family shares a file the row names the family file (relu → ts/ref/activations.ts, batch_norm2d →
 * ts/ref/norm.ts, elementwise ops → bench/elementwise.bench.ts). Paths are relative to the package root.
 * Imports: ts/core only (.dependency-cruiser.cjs).
 */
import type { OpName } from './core/ops.js';

/** An AS kernel: its file in as/ and the spec that checks its __scalar and SIMD variants bit for bit. */
interface KernelPlace {
  readonly file: `as/${string}.ts`;
  readonly spec: `spec/kernels/${string}.test.ts`;
}

/**
 * The kernels the registry rows may name, by export stem (`<stem>__<isa>…`, STYLE.md §2.3): where each lives
 * and which twin spec checks it. as/index.ts is the kernel inventory; this table is where each stem lives.
 */
export const kernelPlaces = {
  gemm: { file: 'as/gemm.ts', spec: 'spec/kernels/gemm.test.ts' },
  gemm_packed: { file: 'as/gemm.ts', spec: 'spec/kernels/gemm.test.ts' },
  pack_a: { file: 'as/gemm.ts', spec: 'spec/kernels/gemm.test.ts' },
  pack_b: { file: 'as/gemm.ts', spec: 'spec/kernels/gemm.test.ts' },
  im2col: { file: 'as/im2col.ts', spec: 'spec/kernels/im2col.test.ts' },
  depthwise_conv2d: { file: 'as/depthwise_conv2d.ts', spec: 'spec/kernels/depthwise_conv2d.test.ts' },
  shift_accumulate: { file: 'as/shift_accumulate.ts', spec: 'spec/kernels/shift_accumulate.test.ts' },
  shift_copy: { file: 'as/shift_accumulate.ts', spec: 'spec/kernels/shift_accumulate.test.ts' },
  pad2d: { file: 'as/pad.ts', spec: 'spec/kernels/pad.test.ts' },
  fill: { file: 'as/pad.ts', spec: 'spec/kernels/pad.test.ts' },
  softmax_rows: { file: 'as/softmax_rows.ts', spec: 'spec/kernels/softmax_rows.test.ts' },
  softmax_columns: { file: 'as/softmax_rows.ts', spec: 'spec/kernels/softmax_rows.test.ts' },
  gelu: { file: 'as/gelu.ts', spec: 'spec/kernels/gelu.test.ts' },
  gelu_tanh: { file: 'as/gelu.ts', spec: 'spec/kernels/gelu.test.ts' },
  relu: { file: 'as/elementwise.ts', spec: 'spec/kernels/elementwise.test.ts' },
  add: { file: 'as/elementwise.ts', spec: 'spec/kernels/elementwise.test.ts' },
  axpby: { file: 'as/elementwise.ts', spec: 'spec/kernels/elementwise.test.ts' },
  add_row_vector: { file: 'as/elementwise.ts', spec: 'spec/kernels/elementwise.test.ts' },
  add_column_vector: { file: 'as/elementwise.ts', spec: 'spec/kernels/elementwise.test.ts' },
  batch_norm: { file: 'as/norm.ts', spec: 'spec/kernels/norm.test.ts' },
  layer_norm_rows: { file: 'as/norm.ts', spec: 'spec/kernels/norm.test.ts' },
  bilinear: { file: 'as/interpolate.ts', spec: 'spec/kernels/interpolate.test.ts' },
  transpose: { file: 'as/transpose.ts', spec: 'spec/kernels/transpose.test.ts' },
  local_attention: { file: 'as/local_attention.ts', spec: 'spec/kernels/local_attention.test.ts' },
  acmix_fc: { file: 'as/acmix_fc.ts', spec: 'spec/kernels/acmix_fc.test.ts' },
  dep_conv: { file: 'as/acmix_fc.ts', spec: 'spec/kernels/acmix_fc.test.ts' },
  acmix_mix: { file: 'as/acmix_fc.ts', spec: 'spec/kernels/acmix_fc.test.ts' },
  pad_border1: { file: 'as/bilinear_gather.ts', spec: 'spec/kernels/bilinear_gather.test.ts' },
  deform_sample_table: { file: 'as/bilinear_gather.ts', spec: 'spec/kernels/bilinear_gather.test.ts' },
  bilinear_gather: { file: 'as/bilinear_gather.ts', spec: 'spec/kernels/bilinear_gather.test.ts' },
  channel_affine: { file: 'as/channel_affine.ts', spec: 'spec/kernels/bilinear_gather.test.ts' },
  sigmoid: { file: 'as/sigmoid.ts', spec: 'spec/kernels/dynconv_elementwise.test.ts' },
  hardswish: { file: 'as/hardswish.ts', spec: 'spec/kernels/hardswish.test.ts' },
  pool2d_max: { file: 'as/pool2d.ts', spec: 'spec/kernels/pool2d.test.ts' },
  pool2d_avg: { file: 'as/pool2d.ts', spec: 'spec/kernels/pool2d.test.ts' },
  silu: { file: 'as/activations_extra.ts', spec: 'spec/kernels/activations_extra.test.ts' },
  hardsigmoid: { file: 'as/activations_extra.ts', spec: 'spec/kernels/activations_extra.test.ts' },
  tanh: { file: 'as/activations_extra.ts', spec: 'spec/kernels/activations_extra.test.ts' },
  leaky_relu: { file: 'as/activations_extra.ts', spec: 'spec/kernels/activations_extra.test.ts' },
  copy_blocks: { file: 'as/copy_blocks.ts', spec: 'spec/kernels/copy_blocks.test.ts' },
  global_avg_pool: { file: 'as/global_avg_pool.ts', spec: 'spec/kernels/dynconv_elementwise.test.ts' },
  weighted_tap_sum: { file: 'as/weighted_tap_sum.ts', spec: 'spec/kernels/dynconv_elementwise.test.ts' },
  sdpa: { file: 'as/sdpa.ts', spec: 'spec/kernels/sdpa.test.ts' },
  window_attention: { file: 'as/window_attention.ts', spec: 'spec/kernels/window_attention.test.ts' },
  window_partition: { file: 'as/window_partition.ts', spec: 'spec/kernels/window_attention.test.ts' },
  roll_dim: { file: 'as/window_partition.ts', spec: 'spec/kernels/window_attention.test.ts' },
  mul_broadcast: { file: 'as/broadcast.ts', spec: 'spec/kernels/broadcast.test.ts' },
  add_broadcast: { file: 'as/broadcast.ts', spec: 'spec/kernels/broadcast.test.ts' },
  mean_dim: { file: 'as/reduce.ts', spec: 'spec/kernels/reduce.test.ts' },
  amax_dim: { file: 'as/reduce.ts', spec: 'spec/kernels/reduce.test.ts' },
} as const satisfies Record<string, KernelPlace>;

export type KernelName = keyof typeof kernelPlaces;

export interface OpEntry {
  /** snake_case id (STYLE.md §2.3): the op's name in specs, benches and error messages; the file name unless the op shares a family file */
  readonly id: string;
  /** camelCase member of Ops (ts/core/ops.ts) */
  readonly fn: OpName;
  /** paper and equation numbers (arXiv:2111.14556 is ACmix) */
  readonly paper: string;
  /** the PyTorch function it mirrors */
  readonly matches: string;
  /** FLOPs formula (2 × multiply-accumulates), as printed by the bench */
  readonly flops: string;
  /** the reference: ts/ref/<file>.ts */
  readonly ref: `ts/ref/${string}.ts`;
  /** the WASM composition: ts/wasm/<file>.ts */
  readonly wasm: `ts/wasm/${string}.ts`;
  /** AS kernel export stems the wasm composition uses (each `<stem>__<isa>…` is exported by as/index.ts) */
  readonly kernels: readonly KernelName[];
  /** the as/<file>.ts files of `kernels` */
  readonly kernelFiles: readonly `as/${string}.ts`[];
  /** the spec/kernels/<file>.test.ts twin specs of `kernels` (__scalar ≡ SIMD bit for bit) */
  readonly kernelSpec: readonly `spec/kernels/${string}.test.ts`[];
  /** the op's own specs (golden, identities, errors, wasm); spec/registry.test.ts's ref ≈ wasm property covers every row besides */
  readonly spec: readonly `spec/${string}.test.ts`[];
  /** the bench suite with a workload for it: bench/<file>.bench.ts (registered in bench/run.ts) */
  readonly bench: `bench/${string}.bench.ts`;
  /** a view on every backend (flatten): no kernel runs, so `kernels` is empty */
  readonly view?: true;
}

/** kernels, kernelFiles and kernelSpec of a row from its kernel stems (files in kernelPlaces order of first use). */
function uses<const K extends readonly KernelName[]>(...kernels: K): Pick<OpEntry, 'kernels' | 'kernelFiles' | 'kernelSpec'> {
  return {
    kernels,
    kernelFiles: [...new Set(kernels.map((k) => kernelPlaces[k].file))],
    kernelSpec: [...new Set(kernels.map((k) => kernelPlaces[k].spec))],
  };
}

const GOLDEN = 'spec/golden.test.ts';

const rows = [
  // ---- convolution and its two-stage view (ACmix §3.1)
  {
    id: 'conv2d', fn: 'conv2d', paper: 'ACmix §3.1 Eq. (1)', matches: 'torch.nn.functional.conv2d',
    flops: '2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w',
    ref: 'ts/ref/conv2d.ts', wasm: 'ts/wasm/conv2d.ts', ...uses('gemm', 'gemm_packed', 'pack_a', 'pack_b', 'im2col', 'depthwise_conv2d'),
    spec: ['spec/conv2d.test.ts', GOLDEN], bench: 'bench/conv2d.bench.ts',
  },
  {
    id: 'conv2d_stage_i', fn: 'conv2dStageI', paper: 'ACmix §3.1 Eq. (6) (stage I: k² 1x1 projections)',
    matches: 'torch.stack([F.conv2d(x, w[:, :, p, q, None, None], groups=groups) for p, q in taps], 1)',
    flops: '2·N·k_h·k_w·C_out·H·W·(C_in/groups)',
    ref: 'ts/ref/conv2d_shift_sum.ts', wasm: 'ts/wasm/conv2d_shift_sum.ts', ...uses('gemm'),
    spec: ['spec/conv2d_shift_sum.test.ts'], bench: 'bench/conv2d_shift_sum.bench.ts',
  },
  {
    id: 'conv2d_stage_ii', fn: 'conv2dStageII', paper: 'ACmix §3.1 Eq. (7) (stage II: shift and sum)',
    matches: 'Σ_{p,q} proj[:, p·k_w + q] shifted by (p·d − P, q·d − P), strided, + bias (stage II of F.conv2d)',
    flops: 'N·k_h·k_w·C_out·H_out·W_out',
    ref: 'ts/ref/conv2d_shift_sum.ts', wasm: 'ts/wasm/conv2d_shift_sum.ts', ...uses('shift_accumulate', 'fill', 'add_column_vector'),
    spec: ['spec/conv2d_shift_sum.test.ts'], bench: 'bench/conv2d_shift_sum.bench.ts',
  },
  {
    id: 'conv2d_shift_sum', fn: 'conv2dShiftSum', paper: 'ACmix §3.1 Eq. (2)-(7)', matches: 'torch.nn.functional.conv2d',
    flops: '2·N·C_out·H·W·(C_in/groups)·k_h·k_w + N·k_h·k_w·C_out·H_out·W_out',
    ref: 'ts/ref/conv2d_shift_sum.ts', wasm: 'ts/wasm/conv2d_shift_sum.ts', ...uses('gemm', 'pack_a', 'pack_b', 'shift_accumulate', 'fill', 'add_column_vector'),
    spec: ['spec/conv2d_shift_sum.test.ts'], bench: 'bench/conv2d_shift_sum.bench.ts',
  },
  {
    id: 'shift2d', fn: 'shift2d', paper: 'ACmix §3.1 Eq. (4); Wu et al. 2018 (Shift, arXiv:1711.08141)',
    matches: 'depthwise conv2d with a one-hot kernel', flops: '0',
    ref: 'ts/ref/shift2d.ts', wasm: 'ts/wasm/shift2d.ts', ...uses('shift_copy'),
    spec: ['spec/shift2d.test.ts'], bench: 'bench/shift2d.bench.ts',
  },
  {
    id: 'shift2d_as_conv', fn: 'shift2dAsConv', paper: 'ACmix §4.2 Eq. (13)-(15) (Shift as a grouped conv with one-hot kernels)',
    matches: 'F.conv2d(x, one_hot_kernels, padding=k // 2, groups=C)', flops: '2·N·C·H·W·k², k = 2·max|shift| + 1',
    ref: 'ts/ref/shift2d.ts', wasm: 'ts/wasm/shift2d.ts', ...uses('depthwise_conv2d'),
    spec: ['spec/shift2d.test.ts'], bench: 'bench/shift2d.bench.ts',
  },
  // ---- data movement and the pointwise / normalisation family
  {
    id: 'pad', fn: 'pad', paper: 'ACmix §3.2 (reflection-padded windows)', matches: 'torch.nn.functional.pad', flops: '0',
    ref: 'ts/ref/pad.ts', wasm: 'ts/wasm/pad.ts', ...uses('pad2d', 'fill'),
    spec: [GOLDEN, 'spec/errors.test.ts'], bench: 'bench/pad.bench.ts',
  },
  {
    id: 'unfold', fn: 'unfold', paper: 'ACmix §3.2 Eq. (8) (window gather)', matches: 'torch.nn.functional.unfold', flops: '0',
    ref: 'ts/ref/unfold.ts', wasm: 'ts/wasm/unfold.ts', ...uses('im2col'),
    spec: [GOLDEN], bench: 'bench/unfold.bench.ts',
  },
  {
    id: 'softmax', fn: 'softmax', paper: 'ACmix §3.2 Eq. (9)', matches: 'torch.nn.functional.softmax', flops: '~5 per element',
    ref: 'ts/ref/activations.ts', wasm: 'ts/wasm/softmax.ts', ...uses('softmax_rows', 'softmax_columns'),
    spec: [GOLDEN], bench: 'bench/softmax.bench.ts',
  },
  {
    id: 'linear', fn: 'linear', paper: 'ACmix §3.2 Eq. (10) (projections)', matches: 'torch.nn.functional.linear',
    flops: '2·rows·in_features·out_features',
    ref: 'ts/ref/linear.ts', wasm: 'ts/wasm/linear.ts', ...uses('transpose', 'gemm', 'pack_a', 'pack_b', 'add_row_vector'),
    spec: [GOLDEN, 'spec/errors.test.ts'], bench: 'bench/linear.bench.ts',
  },
  {
    id: 'relu', fn: 'relu', paper: '—', matches: 'torch.nn.functional.relu', flops: '1 per element (max(x, 0))',
    ref: 'ts/ref/activations.ts', wasm: 'ts/wasm/relu.ts', ...uses('relu'),
    spec: [GOLDEN], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'gelu', fn: 'gelu', paper: 'Hendrycks & Gimpel 2016 (arXiv:1606.08415) Eq. (1)', matches: 'torch.nn.functional.gelu', flops: '~20 per element',
    ref: 'ts/ref/activations.ts', wasm: 'ts/wasm/gelu.ts', ...uses('gelu', 'gelu_tanh'),
    spec: [GOLDEN], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'sigmoid', fn: 'sigmoid', paper: 'CondConv (arXiv:1904.04971) Eq. (2) routing; DCNv2 (arXiv:1811.11168) §3.1 mask',
    matches: 'torch.sigmoid', flops: '~4 per element',
    ref: 'ts/ref/sigmoid.ts', wasm: 'ts/wasm/sigmoid.ts', ...uses('sigmoid'),
    spec: ['spec/dynamic_conv.test.ts'], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'hardswish', fn: 'hardswish', paper: 'Howard et al. 2019 (MobileNetV3, arXiv:1905.02244) §5.2 Eq. (2); coordinate attention h_swish (arXiv:2103.02907)',
    matches: 'torch.nn.functional.hardswish', flops: '4 per element',
    ref: 'ts/ref/hardswish.ts', wasm: 'ts/wasm/hardswish.ts', ...uses('hardswish'),
    spec: ['spec/hardswish.test.ts', GOLDEN], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'silu', fn: 'silu', paper: 'Elfwing et al. 2018 (arXiv:1702.03118) §2 Eq. (4); swish β = 1 (arXiv:1710.05941)',
    matches: 'torch.nn.functional.silu', flops: '~26 per element (one expf)',
    ref: 'ts/ref/activations_extra.ts', wasm: 'ts/wasm/silu.ts', ...uses('silu'),
    spec: ['spec/activations_extra.test.ts', GOLDEN], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'hardsigmoid', fn: 'hardsigmoid', paper: 'Howard et al. 2019 (MobileNetV3, arXiv:1905.02244) §5.2 (h-sigmoid)',
    matches: 'torch.nn.functional.hardsigmoid', flops: '3 per element',
    ref: 'ts/ref/activations_extra.ts', wasm: 'ts/wasm/hardsigmoid.ts', ...uses('hardsigmoid'),
    spec: ['spec/activations_extra.test.ts', GOLDEN], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'tanh', fn: 'tanh', paper: '—', matches: 'torch.tanh', flops: '~20 per element',
    ref: 'ts/ref/activations_extra.ts', wasm: 'ts/wasm/tanh.ts', ...uses('tanh'),
    spec: ['spec/activations_extra.test.ts', GOLDEN], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'leaky_relu', fn: 'leakyRelu', paper: 'Maas et al. 2013 (Rectifier Nonlinearities) §3 Eq. (3)',
    matches: 'torch.nn.functional.leaky_relu', flops: '1 per element',
    ref: 'ts/ref/activations_extra.ts', wasm: 'ts/wasm/leaky_relu.ts', ...uses('leaky_relu'),
    spec: ['spec/activations_extra.test.ts', GOLDEN], bench: 'bench/elementwise.bench.ts',
  },
  // ---- pooling and shape ops (the standard layers around the seed operators)
  {
    id: 'max_pool2d', fn: 'maxPool2d', paper: 'ResNet stem (He et al. 2016, arXiv:1512.03385) Table 1: 3x3 max pool, stride 2',
    matches: 'torch.nn.functional.max_pool2d', flops: 'N·C·H_out·W_out·k_h·k_w (comparisons)',
    ref: 'ts/ref/pool2d.ts', wasm: 'ts/wasm/max_pool2d.ts', ...uses('pool2d_max'),
    spec: ['spec/pooling.test.ts', GOLDEN], bench: 'bench/pool2d.bench.ts',
  },
  {
    id: 'avg_pool2d', fn: 'avgPool2d', paper: 'LeNet-5 (LeCun et al. 1998) §II.B subsampling; DenseNet (arXiv:1608.06993) §3 transition',
    matches: 'torch.nn.functional.avg_pool2d', flops: 'N·C·H_out·W_out·(k_h·k_w + 1)',
    ref: 'ts/ref/pool2d.ts', wasm: 'ts/wasm/avg_pool2d.ts', ...uses('pool2d_avg'),
    spec: ['spec/pooling.test.ts', GOLDEN], bench: 'bench/pool2d.bench.ts',
  },
  {
    id: 'adaptive_avg_pool2d', fn: 'adaptiveAvgPool2d', paper: 'SPP (He et al. 2014, arXiv:1406.4729) §2.3; global pooling of CNN heads',
    matches: 'torch.nn.functional.adaptive_avg_pool2d', flops: 'Σ window sizes + N·C·H_o·W_o',
    ref: 'ts/ref/adaptive_pool2d.ts', wasm: 'ts/wasm/adaptive_avg_pool2d.ts', ...uses('pool2d_avg'),
    spec: ['spec/pooling.test.ts', GOLDEN], bench: 'bench/pool2d.bench.ts',
  },
  {
    id: 'adaptive_max_pool2d', fn: 'adaptiveMaxPool2d', paper: 'SPP (He et al. 2014, arXiv:1406.4729) §2.3',
    matches: 'torch.nn.functional.adaptive_max_pool2d', flops: 'Σ window sizes (comparisons)',
    ref: 'ts/ref/adaptive_pool2d.ts', wasm: 'ts/wasm/adaptive_max_pool2d.ts', ...uses('pool2d_max'),
    spec: ['spec/pooling.test.ts', GOLDEN], bench: 'bench/pool2d.bench.ts',
  },
  {
    id: 'flatten', fn: 'flatten', paper: '—', matches: 'torch.flatten (a view)', flops: '0',
    ref: 'ts/ref/flatten.ts', wasm: 'ts/wasm/flatten.ts', kernels: [], kernelFiles: [], kernelSpec: [], view: true,
    spec: ['spec/shape_ops.test.ts'], bench: 'bench/pool2d.bench.ts',
  },
  {
    id: 'cat', fn: 'cat', paper: 'DenseNet (arXiv:1608.06993) §3 Eq. (2): channel concatenation', matches: 'torch.cat', flops: '0 (copies)',
    ref: 'ts/ref/cat_chunk.ts', wasm: 'ts/wasm/cat.ts', ...uses('copy_blocks'),
    spec: ['spec/shape_ops.test.ts', GOLDEN], bench: 'bench/pool2d.bench.ts',
  },
  {
    id: 'chunk', fn: 'chunk', paper: '—', matches: 'torch.chunk (contiguous copies)', flops: '0 (copies)',
    ref: 'ts/ref/cat_chunk.ts', wasm: 'ts/wasm/chunk.ts', ...uses('copy_blocks'),
    spec: ['spec/shape_ops.test.ts', GOLDEN], bench: 'bench/pool2d.bench.ts',
  },
  {
    id: 'batch_norm2d', fn: 'batchNorm2d', paper: 'Ioffe & Szegedy 2015 (arXiv:1502.03167) Alg. 2', matches: 'torch.nn.functional.batch_norm (eval)',
    flops: '2 per element',
    ref: 'ts/ref/norm.ts', wasm: 'ts/wasm/batch_norm2d.ts', ...uses('batch_norm'),
    spec: [GOLDEN], bench: 'bench/batch_norm2d.bench.ts',
  },
  {
    id: 'layer_norm', fn: 'layerNorm', paper: 'Ba et al. 2016 (arXiv:1607.06450) Eq. (4)', matches: 'torch.nn.functional.layer_norm',
    flops: '~5 per element',
    ref: 'ts/ref/norm.ts', wasm: 'ts/wasm/layer_norm.ts', ...uses('layer_norm_rows'),
    spec: [GOLDEN], bench: 'bench/layer_norm.bench.ts',
  },
  {
    id: 'add', fn: 'add', paper: 'residual connection (ResNet, arXiv:1512.03385, Eq. (1))', matches: 'torch.add (alpha = 1, NumPy / PyTorch broadcasting)', flops: '1 per output element',
    ref: 'ts/ref/mul.ts', wasm: 'ts/wasm/add.ts', ...uses('add', 'add_broadcast'),
    spec: ['spec/registry.test.ts', 'spec/gates.test.ts'], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'axpby', fn: 'axpby', paper: 'ACmix §4.1 Eq. (12)', matches: 'rate1 * x + rate2 * y', flops: '3 per element',
    ref: 'ts/ref/activations.ts', wasm: 'ts/wasm/axpby.ts', ...uses('axpby'),
    spec: ['spec/registry.test.ts'], bench: 'bench/elementwise.bench.ts',
  },
  {
    id: 'interpolate', fn: 'interpolate', paper: '—', matches: "torch.nn.functional.interpolate(mode='bilinear' | 'nearest')", flops: '~7 per output element (bilinear), 0 (nearest)',
    ref: 'ts/ref/interpolate.ts', wasm: 'ts/wasm/interpolate.ts', ...uses('bilinear', 'pool2d_max'),   // nearest: one-tap pool2d_max gather
    spec: [GOLDEN, 'spec/layers_std.test.ts'], bench: 'bench/interpolate.bench.ts',
  },
  {
    id: 'global_avg_pool2d', fn: 'globalAvgPool2d', paper: 'CondConv (arXiv:1904.04971) Eq. (2); DynamicConv (arXiv:1912.03458) §3.2 squeeze',
    matches: 'torch.nn.functional.adaptive_avg_pool2d(x, 1)', flops: 'N·C·H·W',
    ref: 'ts/ref/global_avg_pool2d.ts', wasm: 'ts/wasm/global_avg_pool2d.ts', ...uses('global_avg_pool'),
    spec: ['spec/dynamic_conv.test.ts'], bench: 'bench/global_avg_pool2d.bench.ts',
  },
  // ---- attention and the ACmix block
  {
    id: 'local_attention', fn: 'localAttention', paper: 'ACmix §3.2 Eq. (8)-(9) + official relative position term',
    matches: 'official ACmix attention path', flops: '4·N·C·k_att²·H_out·W_out',
    ref: 'ts/ref/local_attention.ts', wasm: 'ts/wasm/local_attention.ts', ...uses('local_attention'),
    spec: ['spec/local_attention.test.ts'], bench: 'bench/local_attention.bench.ts',
  },
  {
    id: 'scaled_dot_product_attention', fn: 'scaledDotProductAttention',
    paper: 'Vaswani et al. 2017 (arXiv:1706.03762) §3.2.1 Eq. (1); ACmix §4.3 (global attention, the ViT mode)',
    matches: 'torch.nn.functional.scaled_dot_product_attention (PyTorch 2, eval: dropout_p = 0)', flops: '2·B·L·S·(E + Ev) (+ B·L·S exps)',
    ref: 'ts/ref/scaled_dot_product_attention.ts', wasm: 'ts/wasm/scaled_dot_product_attention.ts', ...uses('sdpa'),
    spec: ['spec/scaled_dot_product_attention.test.ts', GOLDEN], bench: 'bench/scaled_dot_product_attention.bench.ts',
  },
  {
    id: 'acmix_fc', fn: 'acmixFc', paper: 'ACmix §4.1 (conv path fc)', matches: 'official ACmix fc + permute',
    flops: '2·N·k_conv²·3·head·head_dim·H·W',
    ref: 'ts/ref/acmix.ts', wasm: 'ts/wasm/acmix.ts', ...uses('acmix_fc', 'pack_a'),
    spec: ['spec/acmix.test.ts'], bench: 'bench/acmix_fc.bench.ts',
  },
  {
    id: 'acmix', fn: 'acmix', paper: 'ACmix §3.3, §4.1 Eq. (12) (the whole block: stage I shared, two stage-II paths, mix)',
    matches: 'official ACmix.forward (LeapLabTHU/ACmix)',
    flops: '2·N·H·W·(3·C_in·C_out + 2·C_out·k_att² + k_conv²·3·head·head_dim + C_out·k_conv⁴) (stride 1)',
    ref: 'ts/ref/acmix.ts', wasm: 'ts/wasm/acmix.ts', ...uses('gemm', 'pack_a', 'local_attention', 'acmix_fc', 'dep_conv', 'acmix_mix'),
    spec: ['spec/acmix.test.ts', GOLDEN], bench: 'bench/acmix.bench.ts',
  },
  {
    id: 'acmix_forward', fn: 'acmixForward', paper: 'ACmix §3.3, §4.1 Eq. (12), with every intermediate (q, k, v, pe, both paths)',
    matches: 'official ACmix.forward (LeapLabTHU/ACmix)',
    flops: '2·N·H·W·(3·C_in·C_out + 2·C_out·k_att² + k_conv²·3·head·head_dim + C_out·k_conv⁴) (stride 1)',
    ref: 'ts/ref/acmix.ts', wasm: 'ts/wasm/acmix.ts', ...uses('gemm', 'pack_a', 'local_attention', 'acmix_fc', 'dep_conv', 'acmix_mix'),
    spec: ['spec/acmix.test.ts', 'spec/nn.test.ts', GOLDEN], bench: 'bench/acmix.bench.ts',
  },
  {
    id: 'c2f', fn: 'c2f', paper: 'Ultralytics C2f (ultralytics/nn/modules/block.py, no paper; CSPNet, arXiv:1911.11929, §3.1): cv1, chunk, n bottlenecks, cat, cv2',
    matches: 'Ultralytics C2f(c1, c2, n, shortcut, g, e).eval().forward (batch norms folded as fuse_conv_and_bn)',
    flops: '2·N·H·W·(c1·2c + n·(9c² + 9c²/g) + (2+n)·c·c2)',
    ref: 'ts/ref/c2f.ts', wasm: 'ts/wasm/c2f.ts', ...uses('gemm', 'gemm_packed', 'pack_a', 'pack_b', 'im2col', 'silu', 'add'),
    spec: ['spec/c2f.test.ts', GOLDEN], bench: 'bench/c2f.bench.ts',
  },
  // ---- dynamic and deformable convolution
  {
    id: 'deform_conv2d', fn: 'deformConv2d', paper: 'Dai et al. 2017 (arXiv:1703.06211) Eq. (2)-(4); Zhu et al. 2019 (arXiv:1811.11168) Eq. (1)',
    matches: 'torchvision.ops.deform_conv2d',
    flops: '2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w + 12·N·C_in·k_h·k_w·H_out·W_out',
    ref: 'ts/ref/deform_conv2d.ts', wasm: 'ts/wasm/deform_conv2d.ts', ...uses('pad_border1', 'deform_sample_table', 'bilinear_gather', 'gemm'),
    spec: ['spec/deform_conv2d.test.ts'], bench: 'bench/dynconv.bench.ts',
  },
  {
    id: 'conv2d_per_sample', fn: 'conv2dPerSample', paper: 'CondConv (arXiv:1904.04971) Eq. (1); DynamicConv (arXiv:1912.03458) Eq. (1) (per-example kernel)',
    matches: 'F.conv2d with groups = N·groups on the batch folded into channels', flops: '2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w',
    ref: 'ts/ref/conv2d_per_sample.ts', wasm: 'ts/wasm/conv2d_per_sample.ts', ...uses('im2col', 'gemm'),
    spec: ['spec/conv2d_per_sample.test.ts'], bench: 'bench/dynconv.bench.ts',
  },
  {
    id: 'conv2d_mixture', fn: 'conv2dMixture', paper: 'CondConv (arXiv:1904.04971) Eq. (1); DynamicConv (arXiv:1912.03458) Eq. (1)-(2)',
    matches: 'timm CondConv2d.forward(x, routing_weights)',
    flops: '2·N·K·C_out·(C_in/groups)·k_h·k_w + 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w',
    ref: 'ts/ref/conv2d_per_sample.ts', wasm: 'ts/wasm/conv2d_per_sample.ts', ...uses('gemm', 'im2col'),
    spec: ['spec/conv2d_per_sample.test.ts', 'spec/dynamic_conv.test.ts'], bench: 'bench/dynconv.bench.ts',
  },
  {
    id: 'conv2d_modulated', fn: 'conv2dModulated', paper: 'StyleGAN2 (arXiv:1912.04958) §2.2 Eq. (1), (3); weight modulation W ⊙ γ + β',
    matches: 'stylegan2 modulated_conv2d (fused, demodulate, eps 1e-8)',
    flops: '4·N·C_out·(C_in/groups)·k_h·k_w + 2·N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w',
    ref: 'ts/ref/conv2d_per_sample.ts', wasm: 'ts/wasm/conv2d_per_sample.ts', ...uses('channel_affine', 'im2col', 'gemm'),
    spec: ['spec/conv2d_per_sample.test.ts', 'spec/odconv.test.ts'], bench: 'bench/dynconv.bench.ts',
  },
  {
    id: 'involution2d', fn: 'involution2d', paper: 'Han et al. 2022 (arXiv:2106.04263) §4 I-D-DW conv; Li et al. 2021 (Involution, arXiv:2103.06255) Eq. (4)',
    matches: 'DemystifyLocalViT IDynamicDWConv kernel (stride 1, zero padding (k−1)/2)', flops: '2·N·C·H_out·W_out·k_h·k_w',
    ref: 'ts/ref/involution2d.ts', wasm: 'ts/wasm/involution2d.ts', ...uses('im2col', 'weighted_tap_sum'),
    spec: ['spec/dynamic_dw.test.ts'], bench: 'bench/dynconv.bench.ts',
  },
  // ---- Swin window attention (Liu et al. 2021, arXiv:2103.14030; ACmix §4.3 builds on it)
  {
    id: 'window_partition', fn: 'windowPartition', paper: 'Swin Transformer (arXiv:2103.14030) §3.2 (non-overlapping windows)',
    matches: 'window_partition of microsoft/Swin-Transformer', flops: '0 (data movement)',
    ref: 'ts/ref/window_attention.ts', wasm: 'ts/wasm/window_attention.ts', ...uses('window_partition'),
    spec: ['spec/window_attention.test.ts', 'spec/swin.test.ts'], bench: 'bench/window_attention.bench.ts',
  },
  {
    id: 'window_reverse', fn: 'windowReverse', paper: 'Swin Transformer (arXiv:2103.14030) §3.2',
    matches: 'window_reverse of microsoft/Swin-Transformer', flops: '0 (data movement)',
    ref: 'ts/ref/window_attention.ts', wasm: 'ts/wasm/window_attention.ts', ...uses('window_partition'),
    spec: ['spec/window_attention.test.ts', 'spec/swin.test.ts'], bench: 'bench/window_attention.bench.ts',
  },
  {
    id: 'roll', fn: 'roll', paper: 'Swin Transformer (arXiv:2103.14030) §3.2 (cyclic shift)',
    matches: 'torch.roll(input, shifts, dims)', flops: '0 (data movement)',
    ref: 'ts/ref/window_attention.ts', wasm: 'ts/wasm/window_attention.ts', ...uses('roll_dim'),
    spec: ['spec/window_attention.test.ts', 'spec/swin.test.ts'], bench: 'bench/window_attention.bench.ts',
  },
  {
    id: 'window_attention', fn: 'windowAttention', paper: 'Swin Transformer (arXiv:2103.14030) §3.2 Eq. (4) + shifted-window mask',
    matches: 'WindowAttention.forward of microsoft/Swin-Transformer (between qkv and proj)', flops: '4·B_·heads·N²·head_dim (+ ≈25·B_·heads·N²)',
    ref: 'ts/ref/window_attention.ts', wasm: 'ts/wasm/window_attention.ts', ...uses('window_attention'),
    spec: ['spec/window_attention.test.ts', 'spec/swin.test.ts'], bench: 'bench/window_attention.bench.ts',
  },
  // ---- gates: the broadcast product and the channel / directional pools of SE, CBAM and coordinate attention
  {
    id: 'mul', fn: 'mul', paper: 'Hu et al. 2018 (SE, arXiv:1709.01507) Eq. (4); Woo et al. 2018 (CBAM, arXiv:1807.06521) Eq. (1); Hou et al. 2021 (coordinate attention, arXiv:2103.02907) Eq. (6)',
    matches: 'torch.mul (NumPy / PyTorch broadcasting)', flops: '1 per output element',
    ref: 'ts/ref/mul.ts', wasm: 'ts/wasm/mul.ts', ...uses('mul_broadcast'),
    spec: ['spec/gates.test.ts', GOLDEN], bench: 'bench/mul.bench.ts',
  },
  {
    id: 'mean', fn: 'mean', paper: 'CBAM (arXiv:1807.06521) Eq. (3) channel AvgPool; coordinate attention (arXiv:2103.02907) Eq. (2)-(3)',
    matches: 'torch.mean(input, dim, keepdim) (one dim)', flops: '1 per input element',
    ref: 'ts/ref/reduce.ts', wasm: 'ts/wasm/reduce.ts', ...uses('mean_dim', 'global_avg_pool'),
    spec: ['spec/gates.test.ts', GOLDEN], bench: 'bench/reduce.bench.ts',
  },
  {
    id: 'amax', fn: 'amax', paper: 'CBAM (arXiv:1807.06521) Eq. (3) channel MaxPool',
    matches: 'torch.amax(input, dim, keepdim) (one dim)', flops: '1 per input element (comparisons)',
    ref: 'ts/ref/reduce.ts', wasm: 'ts/wasm/reduce.ts', ...uses('amax_dim'),
    spec: ['spec/gates.test.ts', GOLDEN], bench: 'bench/reduce.bench.ts',
  },
] as const satisfies readonly OpEntry[];

/** The rows, in the order above (the order `attnconv verify` lists them in). */
export const registry: readonly OpEntry[] = rows;

// Compile-time completeness: every member of Ops has a row (spec/registry.test.ts also checks it at run
// time, with the duplicates and the files). A missing member makes this line fail to type-check, naming it.
type Unregistered = Exclude<OpName, (typeof rows)[number]['fn']>;
const everyOpRegistered: [Unregistered] extends [never] ? true : Unregistered = true;
void everyOpRegistered;
