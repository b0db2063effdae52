import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, UnsupportedShapeError, fmtShape } from '../core/errors.js';
import { positiveInt, expectRank } from '../core/geometry.js';
import { checkElements } from '../core/validate.js';
import { acmixPosition } from '../core/check/acmix.js';
import { shiftKernels } from '../core/check/shift2d.js';
import type { Ops } from '../core/ops.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d } from './layers.js';
import { moduleOptions } from './conv_options.js';
import { permute } from './attn_layout.js';

/** Options of ACmixGlobal (the official ACmix keyword names that apply). */
export interface ACmixGlobalOptions {
  /** attention heads; out_planes must be divisible by it; default 4 */
  head?: number;
  /** side of the conv path's kernel; only 3 (as the official dep_conv, which pads by 1); default 3 */
  kernel_conv?: number;
}
const GLOBAL_KEYS = ['head', 'kernel_conv'] as const;

/** The two paths and the output of one ACmixGlobal forward. */
export interface ACmixGlobalResult {
  /** rate1·outAtt + rate2·outConv [N, out_planes, H, W] */
  output: Tensor;
  /** global multi-head self-attention path [N, out_planes, H, W] (channel head·head_dim + d) */
  outAtt: Tensor;
  /** fully-connected + shift (dep_conv) path [N, out_planes, H, W] (channel d·(out_planes/head_dim) + j) */
  outConv: Tensor;
  q: Tensor; k: Tensor; v: Tensor;
  /** the positional map conv_p(grid) [1, head_dim, H, W] */
  pe: Tensor;
}

/**
 * ACmix with global (ViT-style) attention: the ACmix block of ts/nn/acmix.ts with the local k_att × k_att window of
 * the attention path widened to the whole map, as the paper's §4.3 generalisation allows (no official code).
 *   const m = new nn.ACmixGlobal(64, 64, { head: 4 });
 *   const y = m.forward(x, { backend: 'wasm' });           // [N, 64, H, W] → [N, 64, H, W]
 *
 * Paper:   Pan et al., "On the Integration of Self-Attention and Convolution", CVPR 2022, arXiv:2111.14556:
 *          §4.1 (stage I shared by both paths; Eq. 12 F_out = α·F_att + β·F_conv) and §4.3 ("other attention
 *          modes": A = φ(W_q f_ij, W_k f_ab) over a receptive field that may be the whole map, as in ViT).
 * Design (every choice, since no official global ACmix exists):
 *   Stage I     q, k, v = conv1 / conv2 / conv3 (1x1, bias) of the input, as the ResNet ACmix (Eq. 10), shared by
 *               both paths.
 *   Attention   heads as ACmix (channel c = head·head_dim + d); every pixel attends to all H·W pixels of the map,
 *               softmax over the H·W keys, scale head_dim^(−1/2) (Eq. 9).
 *   Position    the official ACmix relative term, kept unchanged: pe = conv_p(grid) with grid = [linspace(−1, 1, W)
 *               along x; linspace(−1, 1, H) along y] (ACmix's position map), logits q̂_i·(k_j + pe_i − pe_j),
 *               q̂ = q·head_dim^(−1/2). Over a global receptive field the term q̂_i·pe_i is the same for every key j
 *               and cancels in the softmax, so the logits are computed as q̂_i·(k_j − pe_j): an absolute position
 *               embedding subtracted from the keys (exact in real arithmetic; the fixture generator computes the
 *               literal relative form, and the golden comparison covers the difference). conv_p keeps its keys and
 *               shapes, so an ACmix checkpoint's conv_p loads.
 *   Conv path   the ResNet ACmix's, unchanged: Ops.acmixFc (fc over the 3·head q/k/v maps → k_conv² maps per
 *               head_dim channel) then dep_conv (grouped k_conv × k_conv conv, groups = head_dim, padding 1, no bias,
 *               one-hot shift-kernel init, Eq. 13-15) — the same ops ts/ref/acmix.ts runs.
 *   Mix         output = rate1·att + rate2·conv (Ops.axpby), rates init 0.5 / 0.5 (ResNet ACmix).
 *   Stride      1 only (no stride option): a global query grid has no window to subsample.
 * state_dict keys (ACmix's, same shapes): rate1 [1], rate2 [1], conv1/conv2/conv3.{weight [out, in, 1, 1],
 *          bias [out]}, conv_p.{weight [head_dim, 2, 1, 1], bias [head_dim]}, fc.weight [k², 3·head, 1, 1],
 *          dep_conv.weight [out, k², k, k] (no dep_conv.bias, as the official reset_parameters).
 * Shapes:  input [N, in_planes, H, W] → [N, out_planes, H, W]; any H, W ≥ 1 (non-square allowed).
 * Cost:    2·N·H·W·(3·in·out + 2·H·W·out + k²·3·head·head_dim + out·k²·k²) FLOPs (2 per multiply-accumulate):
 *          stage I, attention (logits + aggregation over all H·W keys, summed over heads), fc, dep_conv — the
 *          ResNet ACmix's formula (ts/registry.ts row acmix) with the window k_att² replaced by the map H·W, so the
 *          attention term is quadratic in the pixel count (`acmixGlobalFlops`).
 * Numerics: every step is an Ops call; golden bound: the chain bound with the reduction lengths of the longest path.
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError if a size is not a
 *         positive integer or out_planes is not divisible by head; UnsupportedShapeError for kernel_conv ≠ 3; from
 *         forward (before any work) ShapeError if the input is not [N, in_planes, H, W], ResourceError if the
 *         attention weights [N, head, H·W, H·W] exceed the element limit.
 * @see ts/nn/acmix.ts · ts/ref/acmix.ts · spec/attn_modules.test.ts · ts/verify/golden_attn_modules.ts
 */
export class ACmixGlobal extends Module {
  readonly conv1: Conv2d; readonly conv2: Conv2d; readonly conv3: Conv2d; readonly conv_p: Conv2d;
  readonly fc: Conv2d; readonly dep_conv: Conv2d;
  readonly head: number; readonly head_dim: number; readonly kernel_conv: number;

  constructor(readonly in_planes: number, readonly out_planes: number, options?: ACmixGlobalOptions) {
    super();
    const name = 'ACmixGlobal', o = moduleOptions(name, options, GLOBAL_KEYS);
    positiveInt(name, 'in_planes', in_planes);
    positiveInt(name, 'out_planes', out_planes);
    this.head = positiveInt(name, 'head', o.head ?? 4);
    this.kernel_conv = positiveInt(name, 'kernel_conv', o.kernel_conv ?? 3);
    if (out_planes % this.head !== 0) throw new ParameterError(`${name}: out_planes must be divisible by head = ${this.head}, got out_planes = ${out_planes}`);
    if (this.kernel_conv !== 3) throw new UnsupportedShapeError(`${name}: kernel_conv must be 3: ACmix's dep_conv pads by 1 for any kernel_conv, so with kernel_conv = ${this.kernel_conv} the two paths would differ in size`);
    const hd = this.head_dim = out_planes / this.head, k = this.kernel_conv;
    // registration order of the official ACmix, so stateDict() lists keys in its order
    this.param('rate1', Tensor.full([1], 0.5));
    this.param('rate2', Tensor.full([1], 0.5));
    this.conv1 = this.child('conv1', new Conv2d(in_planes, out_planes, 1));
    this.conv2 = this.child('conv2', new Conv2d(in_planes, out_planes, 1));
    this.conv3 = this.child('conv3', new Conv2d(in_planes, out_planes, 1));
    this.conv_p = this.child('conv_p', new Conv2d(2, hd, 1));
    this.fc = this.child('fc', new Conv2d(3 * this.head, k * k, 1, { bias: false }));
    this.dep_conv = this.child('dep_conv', new Conv2d(k * k * hd, out_planes, k, { bias: true, groups: hd, padding: 1 }));
    this.resetParameters();
  }

  /** ACmix's reset_parameters: rates 0.5, dep_conv = one-hot shift kernels (Eq. 13-15), dep_conv.bias removed. */
  resetParameters(): void {
    this.get('rate1').data.fill(0.5);
    this.get('rate2').data.fill(0.5);
    const kernels = shiftKernels(this.kernel_conv), w = this.dep_conv.weight.data;
    for (let o = 0; o < this.out_planes; o++) w.set(kernels.data, o * kernels.size);
    this.dep_conv.setBias(null);
  }

  /** Validates an input before any work. @throws ShapeError, ResourceError. */
  check(x: Tensor): void {
    expectRank('ACmixGlobal', 'input', x.shape, 4, { input: x });
    const [N, C, H, W] = x.shape;
    if (C !== this.in_planes) throw new ShapeError(`ACmixGlobal: input.shape[1] must equal in_planes = ${this.in_planes}, got ${C} (input=${fmtShape(x.shape)})`);
    if (H < 1 || W < 1) throw new ShapeError(`ACmixGlobal: H and W must be ≥ 1, got input=${fmtShape(x.shape)}`);
    checkElements('ACmixGlobal', 'the attention weights [N, head, H·W, H·W]', [N, this.head, H * W, H * W]);
    checkElements('ACmixGlobal', 'the conv path [N, k_conv², head_dim, H, W]', [N, this.kernel_conv ** 2, this.head_dim, H, W]);
  }

  /** Forward with both paths and the stage-I tensors. */
  forwardDetailed(x: Tensor, options: ForwardOptions = {}): ACmixGlobalResult {
    this.check(x);
    const ops: Ops = resolveOps(options.backend), o = { backend: ops };
    const [N, , H, W] = x.shape, C = this.out_planes, hd = this.head_dim, heads = this.head, L = H * W;
    // Stage I (Eq. 10)
    const q = this.conv1.forward(x, o), k = this.conv2.forward(x, o), v = this.conv3.forward(x, o);
    // Attention path: the relative term reduces to keys minus the position embedding (see the class docstring)
    const pe = this.conv_p.forward(acmixPosition(H, W), o);                                   // [1, hd, H, W]
    const peTiled = new Float32Array(N * C * L);
    for (let n = 0; n < N; n++) for (let h = 0; h < heads; h++) peTiled.set(pe.data, (n * heads + h) * hd * L);
    const kPos = ops.axpby(1, k, -1, new Tensor(peTiled, [N, C, H, W]));
    const tokens = (t: Tensor) => permute(t.reshape([N, heads, hd, L]), [0, 1, 3, 2]);    // [N, head, H·W, hd]
    const att = ops.scaledDotProductAttention(tokens(q), tokens(kPos), tokens(v), { scale: hd ** -0.5 });
    const outAtt = permute(att, [0, 1, 3, 2]).reshape([N, C, H, W]);
    // Conv path: ACmix's fc and shift-initialised dep_conv (the ops of ts/ref/acmix.ts)
    const fConv = ops.acmixFc(q, k, v, this.fc.weight, { head: heads });
    const outConv = this.dep_conv.forward(fConv, o);
    // Eq. (12)
    const output = ops.axpby(this.get('rate1').data[0], outAtt, this.get('rate2').data[0], outConv);
    return { output, outAtt, outConv, q, k, v, pe };
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    return this.forwardDetailed(x, options).output;
  }
}

/** FLOPs of one ACmixGlobal forward on [N, in, H, W] (class docstring): 2·N·H·W·(3·in·out + 2·H·W·out + k²·3·head·head_dim + out·k⁴). */
export function acmixGlobalFlops(N: number, in_planes: number, out_planes: number, H: number, W: number, head: number, kernel_conv = 3): number {
  const T = kernel_conv * kernel_conv, hd = out_planes / head;
  return 2 * N * H * W * (3 * in_planes * out_planes + 2 * H * W * out_planes + T * 3 * head * hd + out_planes * T * T);
}
