import { Tensor } from '../core/tensor.js';
import { ParameterError, ShapeError, fmtShape } from '../core/errors.js';
import { positiveInt, type IntPair } from '../core/geometry.js';
import { moduleOptions, convHyperParameters, booleanOption } from './conv_options.js';
import { Module, resolveOps, type ForwardOptions } from './module.js';
import { Conv2d } from './layers.js';
import { uniform } from './init.js';
import type { Ops } from '../core/ops.js';
import { type DeformConv2dOptions } from '../core/check/deform_conv2d.js';

/** Options of DeformConv2d (torchvision.ops.DeformConv2d's keyword names). */
export interface DeformConv2dModuleOptions {
  /** default 1 */
  stride?: IntPair;
  /** default 0 */
  padding?: IntPair;
  /** default 1 */
  dilation?: IntPair;
  /** default 1 */
  groups?: number;
  /** default true */
  bias?: boolean;
}
const DEFORM_KEYS = ['stride', 'padding', 'dilation', 'groups', 'bias'] as const;

/** Options of DCNv2 (mmcv ModulatedDeformConv2dPack's keyword names). */
export interface DCNv2Options extends DeformConv2dModuleOptions {
  /** G, the offset/mask groups; must divide in_channels; default 1 */
  deform_groups?: number;
}
const DCNV2_KEYS = ['stride', 'padding', 'dilation', 'groups', 'deform_groups', 'bias'] as const;

/** The checked hyper-parameters of a DeformConv2d / DCNv2. */
function checkedOptions(name: string, in_channels: number, out_channels: number, kernel_size: IntPair, o: DeformConv2dModuleOptions) {
  const h = convHyperParameters(name, ['in_channels', 'out_channels'], in_channels, out_channels, { ...o, kernel_size }, { padding: 'pair' });
  return { ...h, bias: booleanOption(name, 'bias', o.bias, true) };
}

/**
 * torchvision.ops.DeformConv2d: a deformable convolution whose offsets (and optional DCNv2 mask) are inputs,
 * produced by the caller's own layers. Mirrors `DeformConv2d(in_channels, out_channels, kernel_size, stride=1,
 * padding=0, dilation=1, groups=1, bias=True)`:
 *   new nn.DeformConv2d(64, 64, 3, { padding: 1 }) Owns only `weight` [C_out, C_in/groups, k_h, k_w] and `bias` [C_out]
 * (state_dict keys as torchvision). Init as torchvision (and nn.Conv2d): U(±1/√fan_in), fan_in = C_in/groups·k_h·k_w.
 * forward(input, offset, mask?) = deform_conv2d(input, offset, weight, bias, stride, padding, dilation, mask).
 * Shapes: input [N, in_channels, H, W], offset [N, 2·G·k_h·k_w, H_out, W_out], mask [N, G·k_h·k_w, H_out, W_out].
 * @throws ArgumentError if options is not a plain object or holds another key; ParameterError on invalid
 *         hyper-parameters; ShapeError from forward as checkDeformConv2d, plus
 *         input.shape[1] ≠ in_channels.
 * @see ts/ref/deform_conv2d.ts
 */
export class DeformConv2d extends Module {
  /** forward(input, offset, mask, options): the options are the fourth argument (Module checks them). */
  static override forwardOptionsIndex = 3;
  readonly options: ReturnType<typeof checkedOptions>;
  constructor(in_channels: number, out_channels: number, kernel_size: IntPair, options?: DeformConv2dModuleOptions) {
    super();
    this.options = checkedOptions('DeformConv2d', in_channels, out_channels, kernel_size, moduleOptions('DeformConv2d', options, DEFORM_KEYS));
    const { groups, kernel_size: [k_h, k_w] } = this.options;
    const bound = 1 / Math.sqrt((in_channels / groups) * k_h * k_w);
    this.param('weight', uniform([out_channels, in_channels / groups, k_h, k_w], bound));
    this.param('bias', this.options.bias ? uniform([out_channels], bound) : null);
  }
  get weight(): Tensor { return this.get('weight'); }
  get bias(): Tensor | null { return this.getOrNull('bias'); }

  /** The op options for given offset/mask inputs. */
  opOptions(mask: Tensor | null): DeformConv2dOptions {
    const { stride, padding, dilation } = this.options;
    return { stride, padding, dilation, mask };
  }

  override forward(input: Tensor, offset?: Tensor | ForwardOptions, mask: Tensor | null = null, options: ForwardOptions = {}): Tensor {
    if (!(offset instanceof Tensor)) throw new ShapeError('DeformConv2d: forward needs (input, offset, mask?, options?): offset is missing');
    if (input.rank === 4 && input.shape[1] !== this.options.in_channels) {
      throw new ShapeError(`DeformConv2d: input.shape[1] must equal in_channels = ${this.options.in_channels}, got ${input.shape[1]} (input=${fmtShape(input.shape)})`);
    }
    return resolveOps(options.backend).deformConv2d(input, offset, this.weight, this.bias, this.opOptions(mask));
  }
}

/**
 * The DCNv2 pattern (Zhu et al., CVPR 2019, arXiv:1811.11168, §3.1), as mmcv's `ModulatedDeformConv2dPack(in_channels,
 * out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, deform_groups=1, bias=True)`:
 *   new nn.DCNv2(64, 64, 3, { padding: 1, deform_groups: 4 })
 * A plain conv `conv_offset` with the
 * main conv's kernel, stride, padding and dilation predicts 3·G·k_h·k_w maps from the input; they are split
 * as mmcv's ModulatedDeformConv2dPack does: o1, o2, m = chunk(out, 3, dim=1); offset = cat(o1, o2);
 * mask = sigmoid(m); then y = deform_conv2d(x, offset, weight, bias, mask). Note cat(o1, o2) is *read* by the
 * kernel as interleaved (Δy, Δx) pairs per tap — irrelevant when trained from scratch, critical when porting.
 *
 * state_dict keys (mmcv ModulatedDeformConv2dPack): weight [C_out, C_in/groups, k_h, k_w], bias [C_out] (if bias),
 * conv_offset.weight [3·G·k_h·k_w, C_in, k_h, k_w], conv_offset.bias [3·G·k_h·k_w]; mmcv's legacy
 * `<name>_offset.weight` / `.bias` beside the module are read as conv_offset.* (see `loadLegacyKeys`).
 * Init: weight U(±1/√(C_in·k_h·k_w)) (mmcv's stdv, using C_in, not C_in/groups), bias 0; conv_offset weight and
 * bias 0, so at init Δ = 0 and mask = σ(0) = ½: the layer is ½·conv(x) + bias.
 * Shapes: x [N, in_channels, H, W] → [N, out_channels, H_out, W_out] (standard conv formula).
 * @throws ArgumentError if options is not a plain object or holds another key;
 *         ParameterError on invalid hyper-parameters (G = deform_groups must divide in_channels);
 *         ShapeError from forward if input.shape[1] ≠ in_channels or the input is too small.
 */
export class DCNv2 extends Module {
  readonly options: ReturnType<typeof checkedOptions> & { deform_groups: number };
  readonly conv_offset: Conv2d;
  constructor(in_channels: number, out_channels: number, kernel_size: IntPair, options?: DCNv2Options) {
    super();
    const o = moduleOptions('DCNv2', options, DCNV2_KEYS);
    const base = checkedOptions('DCNv2', in_channels, out_channels, kernel_size, o);
    const deform_groups = positiveInt('DCNv2', 'deform_groups', o.deform_groups ?? 1);
    if (base.in_channels % deform_groups) throw new ParameterError(`DCNv2: in_channels (${base.in_channels}) must be divisible by deform_groups = ${deform_groups}`);
    this.options = { ...base, deform_groups };
    const { groups, kernel_size: [k_h, k_w], stride, padding, dilation } = this.options;
    const stdv = 1 / Math.sqrt(in_channels * k_h * k_w);
    this.param('weight', uniform([out_channels, in_channels / groups, k_h, k_w], stdv));
    this.param('bias', this.options.bias ? Tensor.zeros([out_channels]) : null);
    this.conv_offset = this.child('conv_offset', new Conv2d(in_channels, 3 * deform_groups * k_h * k_w, [k_h, k_w], { stride, padding, dilation, bias: true }));
    this.conv_offset.weight.data.fill(0);
    this.conv_offset.bias!.data.fill(0);
  }

  /** Offsets [N, 2·G·T, H_out, W_out] and mask [N, G·T, H_out, W_out] (after the sigmoid) for input x. */
  offsetAndMask(x: Tensor, options: ForwardOptions = {}): { offset: Tensor; mask: Tensor } {
    const ops = resolveOps(options.backend);
    if (x.rank === 4 && x.shape[1] !== this.options.in_channels) {
      throw new ShapeError(`DCNv2: input.shape[1] must equal in_channels = ${this.options.in_channels}, got ${x.shape[1]} (input=${fmtShape(x.shape)})`);
    }
    const out = this.conv_offset.forward(x, { backend: ops });
    const [N, C3, H_out, W_out] = out.shape, C = C3 / 3, plane = H_out * W_out;
    const offset = new Float32Array(N * 2 * C * plane), logits = new Float32Array(N * C * plane);
    for (let n = 0; n < N; n++) {
      offset.set(out.data.subarray(n * C3 * plane, (n * C3 + 2 * C) * plane), n * 2 * C * plane);     // cat(o1, o2)
      logits.set(out.data.subarray((n * C3 + 2 * C) * plane, (n + 1) * C3 * plane), n * C * plane);   // m
    }
    const mask = ops.sigmoid(new Tensor(logits, [N, C, H_out, W_out]));
    return { offset: new Tensor(offset, [N, 2 * C, H_out, W_out]), mask };
  }

  /**
   * mmcv's legacy keys, renamed as `ModulatedDeformConv2dPack._load_from_state_dict` does for checkpoints of version
   * < 2 (safetensors carries no module version, so always, when they apply): a module at prefix `p` (e.g.
   * 'layer1.0.conv2.') whose `p + 'conv_offset.weight'` is absent reads `p[:-1] + '_offset.weight'`
   * ('layer1.0.conv2_offset.weight'), and the same for `.bias`. Nothing happens at the root (prefix ''), where
   * mmcv's rule would name a key '_offset.weight'.
   */
  protected override loadLegacyKeys(state: Map<string, unknown>, prefix: string): void {
    if (!prefix) return;
    for (const name of ['weight', 'bias']) {
      const key = `${prefix}conv_offset.${name}`, legacy = `${prefix.slice(0, -1)}_offset.${name}`;
      if (!state.has(key) && state.has(legacy)) {
        state.set(key, state.get(legacy));
        state.delete(legacy);
      }
    }
  }

  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const ops = resolveOps(options.backend);
    const { offset, mask } = this.offsetAndMask(x, { backend: ops });
    const { stride, padding, dilation } = this.options;
    return ops.deformConv2d(x, offset, this.get('weight'), this.getOrNull('bias'), { stride, padding, dilation, mask });
  }
}

