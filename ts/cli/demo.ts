import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../core/tensor.js';
import { decodePng, encodePng, normalize } from '../io/image.js';
import { ops as refOps, interpolate } from '../ref/index.js';
import { localAttentionWeights } from '../ref/local_attention.js';
import * as wasm from '../wasm/index.js';
import { Bottleneck, ACmix } from '../nn/acmix.js';
import type { Ops } from '../core/ops.js';
import type { ACmixTrace } from '../nn/acmix.js';
import { compare, loadFixture, runCase, moduleFromCase } from '../verify/golden.js';
import { progressBar } from './progress.js';
import { packageFile } from '../verify/paths.js';

export interface DemoOptions { out: string; pixel?: [number, number]; repeats: number }

/** Size of each stage of one ACmix, from the paper's cost analysis (§3.3, Table 1), FLOPs = 2 × MACs. */
export function acmixCost(m: ACmix, H: number, W: number) {
  const c = m.config, C_in = c.in_planes, C = c.out_planes, P = H * W, Po = (H / c.stride) * (W / c.stride);
  const T = c.kernel_conv ** 2, A = c.kernel_att ** 2;
  return {
    stageI: { params: 3 * C * C_in + 3 * C, flops: 2 * 3 * C * C_in * P, paper: '3·C² params, 3·C²·H·W MACs' },
    attention: { params: 3 * c.head_dim, flops: 2 * 2 * A * C * Po + 2 * 2 * c.head_dim * P, paper: '0 params, 2·k_att²·C·H·W MACs' },
    conv: { params: T * 3 * c.head + C * T * T, flops: 2 * T * 3 * c.head * c.head_dim * P + 2 * C * T * T * Po, paper: 'k²·C (shift-and-sum); ACmix adds fc and learnable dep_conv' },
  };
}

function fmtFlops(f: number): string {
  return f >= 1e9 ? `${(f / 1e9).toFixed(2)} GFLOP` : `${(f / 1e6).toFixed(1)} MFLOP`;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `attnconv demo`: the ACmix ResNet bottleneck on the photograph shipped in data/, on both backends,
 * against PyTorch's saved output; stage timings next to the paper's cost table; PNGs of what it computed.
 */
export async function demoCommand(o: DemoOptions): Promise<boolean> {
  await wasm.init();
  const [c] = loadFixture('bottleneck.safetensors').filter((x) => x.name === 'photo');
  const p = c.params;
  console.log(`ACmix ResNet bottleneck (Pan et al., CVPR 2022) on ${p.image}: Bottleneck(inplanes=${p.inplanes}, planes=${p.planes}, k_att=${p.k_att}, head=${p.head}, k_conv=${p.k_conv}, stride=${p.stride}, downsample)`);

  // 1. The photograph → [1, 3, 40, 60], as the fixture generator did it in PyTorch.
  const image = decodePng(readFileSync(packageFile(p.image)));
  const x = normalize(interpolate(image, { size: p.size, mode: 'bilinear', align_corners: false }), p.mean, p.std);
  const xErr = compare(x, c.tensors.get('input')!, { bound: () => 1e-5, describe: '' });
  console.log(`\ninput: ${image.shape[3]}x${image.shape[2]} PNG → resize (bilinear) → ImageNet-normalised [${x.shape.join(', ')}]; ` +
    `max |ours − PyTorch's| = ${xErr.maxAbsError.toExponential(2)}`);

  // 2. The block on both backends against PyTorch's output.
  const block = moduleFromCase(c) as Bottleneck;
  const backends: Ops[] = [refOps, wasm.ops];
  const bar = progressBar(backends.length * (1 + o.repeats), 'demo');
  let step = 0, ok = true;
  const rows: string[] = [];
  const traces = new Map<string, ACmixTrace[]>();
  for (const ops of backends) {
    bar.update(step++, `bottleneck on ${ops.name}`);
    const t0 = performance.now();
    const y = block.forward(c.tensors.get('input')!, { backend: ops });
    const ms = performance.now() - t0;
    const [{ expected, bound }] = runCase(c, ops);
    const r = compare(y, expected, bound);
    ok &&= r.pass;
    rows.push(`  ${ops.name.padEnd(5)} max abs error ${r.maxAbsError.toExponential(2)} (worst error/bound ${r.worstRatio.toFixed(3)}, tolerance ${bound.describe}) ${r.pass ? 'PASS' : 'FAIL'}   forward ${ms.toFixed(0)} ms`);
    // Stage timings of the ACmix inside (conv2), on its real input.
    const h = refOps.relu(block.bn1.forward(block.conv1.forward(x, { backend: ops }), { backend: ops }));
    const ts: ACmixTrace[] = [];
    for (let i = 0; i < o.repeats; i++) {
      bar.update(step++, `ACmix stages on ${ops.name} (${i + 1}/${o.repeats})`);
      const t: ACmixTrace = {};
      block.conv2.forwardDetailed(h, { backend: ops, trace: t });
      ts.push(t);
    }
    traces.set(ops.name, ts);
  }
  bar.stop();
  console.log(`\nagreement with PyTorch 1.13 (output [${block.forward(x, { backend: wasm.ops }).shape.join(', ')}], saved by spec/fixtures/generate.py):`);
  for (const r of rows) console.log(r);

  // 3. Stage timings next to the cost table.
  const H = x.shape[2], W = x.shape[3];
  const cost = acmixCost(block.conv2, H, W);
  const cfgAtt = block.conv2.config.kernel_att;
  console.log(`\nACmix (conv2: C_in = C_out = ${block.conv2.config.out_planes}, ${H}x${W}, k_att = ${block.conv2.config.kernel_att}) stage by stage, median of ${o.repeats}:`);
  console.log(`  ${'stage'.padEnd(34)} ${'params'.padStart(8)} ${'FLOPs'.padStart(12)}   ${'ref ms'.padStart(8)} ${'wasm ms'.padStart(8)}   paper (Table 1)`);
  const stageRow = (name: string, key: keyof ACmixTrace, cst: { params: number; flops: number; paper: string }) => {
    const r = median(traces.get('ref')!.map((t) => t[key] ?? 0)), w = median(traces.get('wasm')!.map((t) => t[key] ?? 0));
    console.log(`  ${name.padEnd(34)} ${String(cst.params).padStart(8)} ${fmtFlops(cst.flops).padStart(12)}   ${r.toFixed(1).padStart(8)} ${w.toFixed(1).padStart(8)}   ${cst.paper}`);
    return { r, w };
  };
  const s1 = stageRow('stage I: q, k, v 1x1 projections', 'stage_i_ms', cost.stageI);
  const sa = stageRow('stage II: attention path', 'stage_ii_attention_ms', cost.attention);
  const sc = stageRow('stage II: conv path (fc + dep_conv)', 'stage_ii_conv_ms', cost.conv);
  const share = (s: { r: number; w: number }, k: 'r' | 'w') => (100 * s[k] / (s1[k] + sa[k] + sc[k])).toFixed(0);
  console.log(`  stage I share of the time: ref ${share(s1, 'r')}%, wasm ${share(s1, 'w')}%; of the FLOPs: ` +
    `${(100 * cost.stageI.flops / (cost.stageI.flops + cost.attention.flops + cost.conv.flops)).toFixed(0)}% ` +
    `(the paper's claim that stage I dominates holds for the attention path's FLOPs once C > 2·k_att²/3 ≈ ${(2 * cfgAtt ** 2 / 3).toFixed(0)}; ` +
    `in time it also depends on how well each stage vectorises: stage I is a dense GEMM, stage II gathers windows).`);

  // 4. Pictures.
  mkdirSync(o.out, { recursive: true });
  const files: string[] = [];
  const save = (name: string, bytes: Uint8Array) => { writeFileSync(join(o.out, name), bytes); files.push(name); };
  save('input.png', encodePng(new Tensor(image.data, [3, image.shape[2], image.shape[3]]), { lo: 0, hi: 1 }));
  save('input_resized.png', encodePng(new Tensor(interpolate(image, { size: p.size }).data, [3, H, W]), { lo: 0, hi: 1, scale: 6 }));
  const h = refOps.relu(block.bn1.forward(block.conv1.forward(x)));
  const r = block.conv2.forwardDetailed(h);
  const cfg = block.conv2.config;
  const [pi, pj] = o.pixel ?? [Math.floor(H * 0.4), Math.floor(W * 0.5)];
  const att = localAttentionWeights(r.q, r.k, r.pe, cfg);
  const T = cfg.kernel_att ** 2;
  for (let head = 0; head < cfg.head; head++) {
    const map = new Float32Array(T);
    for (let t = 0; t < T; t++) map[t] = att.data[((head * T + t) * H + pi) * W + pj];
    save(`attention_head${head}_pixel${pi}x${pj}.png`, encodePng(new Tensor(map, [cfg.kernel_att, cfg.kernel_att]), { scale: 24 }));
  }
  for (const ch of [0, 1, 2, 3]) {
    const plane = (t: Tensor) => new Tensor(t.data.slice(ch * H * W, (ch + 1) * H * W), [H, W]);
    save(`attention_path_ch${ch}.png`, encodePng(plane(r.outAtt), { scale: 6, colormap: 'diverging' }));
    save(`conv_path_ch${ch}.png`, encodePng(plane(r.outConv), { scale: 6, colormap: 'diverging' }));
  }
  // dep_conv kernels of output channel 0: its k² one-hot shift kernels (Eq. 13-15), tiled in a row.
  const k = cfg.kernel_conv, dw = block.conv2.dep_conv.weight;
  const tile = new Float32Array(k * (k * k * (k + 1)));
  for (let t = 0; t < k * k; t++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) tile[a * k * k * (k + 1) + t * (k + 1) + b] = dw.data[(t * k + a) * k + b];
  save('dep_conv_kernels_out0.png', encodePng(new Tensor(tile, [k, k * k * (k + 1)]), { lo: 0, hi: 1, scale: 24 }));
  console.log(`\nwrote ${files.length} PNGs to ${o.out}/: ${files.join(', ')}`);
  console.log(`(attention maps: the ${cfg.kernel_att}x${cfg.kernel_att} softmax weights of each head around pixel (${pi}, ${pj}), black = the window's smallest weight, white = its largest; dep_conv kernels: the one-hot shift kernels of §4.2 at the official init)`);
  return ok;
}
