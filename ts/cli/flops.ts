// `attnconv flops <module>`: parameters and multiply-accumulates per stage of a module (ts/nn/flops.ts, the
// convention of the Swin and ACmix papers: MACs, quoted there as "FLOPs"), next to the measured time of each stage on
// the wasm backend (random weights: timing does not depend on the values).
//   attnconv flops swin_tiny_acmix        Swin-T + ACmix, 224x224: per stage, ACmix stage I / II split, total ≈ 4.65 G
//   attnconv flops swin_small_acmix       Swin-S + ACmix: ≈ 9.00 G        (also swin_tiny, swin_small)
//   attnconv flops acmix                  the ACmix paper's Table 1 for C = 64, 128, 256, 512 (k = 7), ResNet stages
//   attnconv flops acmix --C 64 --k 7 --H 56 --W 56
import * as wasm from '../wasm/index.js';
import { ACmix } from '../nn/acmix.js';
import { Tensor } from '../core/tensor.js';
import { countCost, officialSwinFlops, acmixTable1, type CostNode } from '../nn/flops.js';
import { swinTinyACmix, swinSmallACmix, swinTiny, swinSmall, type SwinTransformer } from '../nn/swin_model.js';
import type { ACmixTrace } from '../nn/acmix.js';

export interface FlopsOptions {
  C?: number; k?: number; H?: number; W?: number; head?: number;
  /** timing repeats per stage (median); 0 = no timing */
  repeats?: number;
  log?: (line: string) => void;
}

/** What each network's paper / official README quotes (params, "FLOPs" = MACs). */
const QUOTED: Record<string, string> = {
  swin_tiny_acmix: 'ACmix README / paper Table: Swin-T + ACmix 30M params, 4.6G FLOPs',
  swin_small_acmix: 'ACmix README / paper Table: Swin-S + ACmix 51M params, 9.0G FLOPs',
  swin_tiny: 'Swin paper Table 1: Swin-T 28M params, 4.5G FLOPs',
  swin_small: 'Swin paper Table 1: Swin-S 50M params, 8.7G FLOPs',
};
const NETWORKS: Record<string, () => SwinTransformer> = { swin_tiny_acmix: swinTinyACmix, swin_small_acmix: swinSmallACmix, swin_tiny: swinTiny, swin_small: swinSmall };
export const FLOPS_MODULES = [...Object.keys(NETWORKS), 'acmix'];

const G = (n: number) => (n / 1e9).toFixed(3);
const M = (n: number) => (n / 1e6).toFixed(2);
const Mm = (n: number) => (n / 1e6).toFixed(1);
const N = (n: number) => n.toLocaleString('en');

function table(head: string[], rows: string[][], log: (l: string) => void): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  log(line(head));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) log(line(r));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

/** Sum of ACmix stage MACs over a cost subtree (WindowAttentionACmix / ACmix nodes). */
function stageSums(n: CostNode): { stage_i: number; stage_ii_attention: number; stage_ii_conv: number } {
  const acc = { stage_i: 0, stage_ii_attention: 0, stage_ii_conv: 0 };
  const walk = (x: CostNode) => {
    if (x.stages) { acc.stage_i += x.stages.stage_i; acc.stage_ii_attention += x.stages.stage_ii_attention; acc.stage_ii_conv += x.stages.stage_ii_conv; return; }
    x.children.forEach(walk);
  };
  walk(n);
  return acc;
}

function randomInput(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1), d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = (Math.imul(i, 2654435761) >>> 0) / 2 ** 32 - 0.5;
  return new Tensor(d, shape);
}

function swinReport(name: string, repeats: number, log: (l: string) => void): void {
  const m = NETWORKS[name]();
  const [ih, iw] = m.patch_embed.img_size, input = [1, m.patch_embed.in_chans, ih, iw];
  const cost = countCost(m, input), acmix = name.endsWith('_acmix');
  // the stages as the forward runs them: patch_embed, layers.i, then norm + token mean + head
  const stages: { label: string; node: CostNode[]; run: (x: Tensor) => Tensor }[] = [
    { label: 'patch_embed', node: [cost.children[0]], run: (x) => m.patch_embed.forward(x, { backend: 'wasm' }) },
    ...m.layerList.map((l, i) => ({ label: `layers.${i} (${l.blockList.length} blocks, C ${l.dim}, ${l.input_resolution.join('x')})`, node: [cost.children[1 + i]], run: (x: Tensor) => l.forward(x, { backend: 'wasm' }) })),
    { label: 'norm + mean + head', node: cost.children.slice(1 + m.layerList.length), run: (x) => { const f = m.pool(m.norm.forward(x, { backend: 'wasm' }), { backend: 'wasm' }); return m.head ? m.head.forward(f, { backend: 'wasm' }) : f; } },
  ];
  const times: number[][] = stages.map(() => []);
  if (repeats > 0) {
    for (let r = 0; r < repeats + 1; r++) {                 // the first pass warms up (arena growth, JIT)
      let x = randomInput(input);
      stages.forEach((s, i) => { const t0 = performance.now(); x = s.run(x); if (r > 0) times[i].push(performance.now() - t0); });
    }
  }
  log(`${name}: ${m.constructor.name}, img ${ih}x${iw}, embed_dim ${m.embed_dim}, depths [${m.depths.join(', ')}], heads [${m.num_heads.join(', ')}], window ${m.window_size}`);
  const head = ['stage', 'params (M)', 'MACs (G)', '% MACs', ...(acmix ? ['stage I (G)', 'II attn (G)', 'II conv (G)'] : []), ...(repeats > 0 ? ['wasm ms', '% time'] : [])];
  const totalMs = times.reduce((a, t) => a + median(t), 0);
  const rows = stages.map((s, i) => {
    const params = s.node.reduce((a, n) => a + n.params, 0), macs = s.node.reduce((a, n) => a + n.macs, 0);
    const st = s.node.map(stageSums).reduce((a, b) => ({ stage_i: a.stage_i + b.stage_i, stage_ii_attention: a.stage_ii_attention + b.stage_ii_attention, stage_ii_conv: a.stage_ii_conv + b.stage_ii_conv }));
    return [s.label, M(params), G(macs), (100 * macs / cost.macs).toFixed(1),
      ...(acmix ? [G(st.stage_i), G(st.stage_ii_attention), G(st.stage_ii_conv)] : []),
      ...(repeats > 0 ? [median(times[i]).toFixed(1), (100 * median(times[i]) / totalMs).toFixed(1)] : [])];
  });
  const all = stageSums(cost);
  rows.push(['total', M(cost.params), G(cost.macs), '100.0', ...(acmix ? [G(all.stage_i), G(all.stage_ii_attention), G(all.stage_ii_conv)] : []),
    ...(repeats > 0 ? [totalMs.toFixed(1), '100.0'] : [])]);
  table(head, rows, log);
  log(`MACs = multiply-accumulates of Linear / conv / attention matmuls + one per LayerNorm element (the Swin / ACmix "FLOPs"; 2 FLOPs per MAC).`);
  log(`official flops() convention (final LayerNorm counted over patches/2^num_layers tokens): ${G(officialSwinFlops(m))} G; ${QUOTED[name]}.`);
  if (acmix) log('ACmix columns: stage I = the qkv projection; stage II attention = window q·kᵀ, attn·v and proj; stage II conv = fc + dep_conv (ACmix §3.3).');
  if (repeats > 0) log(`wasm (${wasm.threads()} thread(s); ATTNCONV_WASM_THREADS to choose): median of ${repeats} runs per stage (after one warm-up), batch 1, random weights; one image end to end ≈ ${totalMs.toFixed(0)} ms.`);
}

function acmixReport(o: FlopsOptions, log: (l: string) => void): void {
  const k = o.k ?? 7, head = o.head ?? 4, repeats = o.repeats ?? 3;
  // ResNet-50's four stages (the paper's C = 64 … 512 at 56, 28, 14, 7) unless one C is given
  const configs = o.C !== undefined ? [{ C: o.C, H: o.H ?? 56, W: o.W ?? o.H ?? 56 }]
    : [64, 128, 256, 512].map((C, i) => ({ C, H: o.H ?? 56 >> i, W: o.W ?? o.H ?? 56 >> i }));
  log(`ACmix paper, Table 1 (§3.3): per-stage cost of a k x k convolution and of k x k local self-attention, k = ${k}; MACs at H x W.`);
  const rows = configs.map(({ C, H, W }) => {
    const t = acmixTable1(C, k, H, W);
    return [String(C), `${H}x${W}`, N(t.conv.stage_i.params), N(t.attention.stage_i.params), Mm(t.conv.stage_i.macs), Mm(t.attention.stage_i.macs),
      Mm(t.conv.stage_ii.macs), Mm(t.attention.stage_ii.macs), `${N(3 * C * C)} ${t.stageIDominates ? '>' : '<='} ${N(2 * k * k * C)}`];
  });
  table(['C', 'HxW', 'I conv params k²C²', 'I attn params 3C²', 'I conv MACs (M) k²C²HW', 'I attn (M) 3C²HW', 'II conv (M) k²CHW', 'II attn (M) 2k²CHW', '3C² vs 2k²C'], rows, log);
  log(`stage II has no parameters in either; 3C² > 2k²C exactly when C > 2k²/3 = ${(2 * k * k / 3).toFixed(1)}: stage I dominates from C = 64 on, more so as C grows.`);

  log('');
  log(`The ACmix module (head ${head}, kernel_att ${k}, kernel_conv 3, stride 1), counted (ts/nn/flops.ts) and timed on wasm (${wasm.threads()} thread(s); forwardDetailed's stage trace, median of ${repeats}):`);
  const rows2: string[][] = [];
  for (const { C, H, W } of configs) {
    const m = new ACmix(C, C, { kernel_att: k, head, kernel_conv: 3 });
    const c = countCost(m, [1, C, H, W]), st = c.stages!;
    const row = [String(C), `${H}x${W}`, N(c.params), Mm(st.stage_i), Mm(st.stage_ii_attention), Mm(st.stage_ii_conv), `${(100 * st.stage_i / c.macs).toFixed(0)}%`];
    if (repeats > 0) {
      const x = randomInput([1, C, H, W]), traces: Required<ACmixTrace>[] = [];
      for (let r = 0; r <= repeats; r++) {
        const trace: ACmixTrace = {};
        m.forwardDetailed(x, { backend: 'wasm', trace });
        if (r > 0) traces.push(trace as Required<ACmixTrace>);
      }
      const med = (key: keyof ACmixTrace) => median(traces.map((t) => t[key] ?? 0));
      const i = med('stage_i_ms'), a = med('stage_ii_attention_ms'), cv = med('stage_ii_conv_ms');
      row.push(i.toFixed(2), a.toFixed(2), cv.toFixed(2), `${(100 * i / (i + a + cv)).toFixed(0)}%`);
    }
    rows2.push(row);
  }
  table(['C', 'HxW', 'params', 'stage I (M)', 'II attn (M)', 'II conv (M)', 'I share MACs', ...(repeats > 0 ? ['I ms', 'II attn ms', 'II conv ms', 'I share time'] : [])], rows2, log);
  log('MACs: stage I = the three 1x1 projections (+ the position-encoding 1x1 conv); II attn = q·k over the k² window and the weighted sum of values; II conv = fc + dep_conv.');
}

/** `attnconv flops <module>`; returns false for an unknown module name. */
export async function flopsCommand(name: string, o: FlopsOptions = {}): Promise<boolean> {
  const log = o.log ?? ((l: string) => console.log(l));
  if (!FLOPS_MODULES.includes(name)) {
    log(`attnconv flops: unknown module '${name}'; one of ${FLOPS_MODULES.join(', ')}`);
    return false;
  }
  for (const key of ['C', 'k', 'H', 'W', 'head', 'repeats'] as const) {
    const v = o[key], min = key === 'repeats' ? 0 : 1;
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      log(`attnconv flops: --${key} must be an integer >= ${min}, got ${String(v)}`);
      return false;
    }
  }
  await wasm.init();
  if (name === 'acmix') acmixReport(o, log);
  else swinReport(name, o.repeats ?? 3, log);
  return true;
}
