// The MAC counter (ts/nn/flops.ts) and `attnconv flops` (ts/cli/flops.ts): exact formulas for the layers, the ACmix
// paper's Table 1 entries, and the whole Swin networks against the official flops() recorded by
// spec/fixtures/generate_swin_model.py (the convention: multiply-accumulates + one per LayerNorm element).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { NotImplementedError, ShapeError } from '../ts/core/errors.js';
import { Linear, Conv2d, LayerNorm } from '../ts/nn/layers.js';
import { MaxPool2d } from '../ts/nn/layers_std.js';
import { WindowAttention, WindowAttentionACmix, SwinTransformerBlockACmix, SwinTransformerBlock } from '../ts/nn/swin.js';
import { ACmix } from '../ts/nn/acmix.js';
import { swinTinyACmix, swinTiny, SwinTransformerACmix } from '../ts/nn/swin_model.js';
import { countCost, officialSwinFlops, acmixTable1 } from '../ts/nn/flops.js';
import { flopsCommand } from '../ts/cli/flops.js';
import { readSafetensors } from '../ts/io/safetensors.js';
import { fixturePath } from '../ts/verify/golden.js';

const counts = JSON.parse(readSafetensors(readFileSync(fixturePath('swin_model_full.safetensors'))).metadata.cases)[0].params.counts as
  Record<string, { parameters: number; flops: number }>;

const Layers = suite('flops/layers');

Layers('Linear: tokens · in · out MACs, bias not counted; params in·out + out', () => {
  const c = countCost(new Linear(7, 5), [2, 3, 7]);
  assert.is(c.macs, 2 * 3 * 7 * 5);
  assert.is(c.params, 7 * 5 + 5);
  assert.equal(c.outputShape, [2, 3, 5]);
  assert.is(countCost(new Linear(7, 5, { bias: false }), [7]).params, 35);
});

Layers('Conv2d: N·C_out·H_out·W_out·(C_in/groups)·k_h·k_w, with stride, padding, dilation, groups and padding "same"', () => {
  const c = countCost(new Conv2d(6, 8, 3, { stride: 2, padding: 1, groups: 2 }), [1, 6, 9, 9]);
  assert.equal(c.outputShape, [1, 8, 5, 5]);                       // ⌊(9 + 2 − 3)/2⌋ + 1
  assert.is(c.macs, 1 * 8 * 5 * 5 * 3 * 9);
  const d = countCost(new Conv2d(4, 4, [3, 5], { dilation: 2, padding: 'same', bias: false }), [2, 4, 10, 11]);
  assert.equal(d.outputShape, [2, 4, 10, 11]);
  assert.is(d.macs, 2 * 4 * 10 * 11 * 4 * 15);
  assert.is(d.params, 4 * 4 * 15);
  const p = countCost(new Conv2d(3, 96, 4, { stride: 4 }), [1, 3, 224, 224]);
  assert.is(p.macs, 56 * 56 * 96 * 3 * 16);                         // Swin's patch embedding
});

Layers('LayerNorm: one per element (the Swin convention); an unknown module is a NotImplementedError, a wrong shape a ShapeError', () => {
  assert.is(countCost(new LayerNorm(96), [1, 3136, 96]).macs, 3136 * 96);
  assert.throws(() => countCost(new MaxPool2d(2), [1, 3, 8, 8]), (e: Error) => e instanceof NotImplementedError && /MaxPool2d/.test(e.message));
  assert.throws(() => countCost(new Linear(7, 5), [2, 6]), (e: Error) => e instanceof ShapeError && /\[\.\.\., 7\]/.test(e.message));
});

Layers('window attention: qkv N·C·3C + q·kᵀ N²·C + attn·v N²·C + proj N·C² per window (the official WindowAttention.flops(N))', () => {
  const C = 32, N = 16, B_ = 6;
  const c = countCost(new WindowAttention(C, 4, 2), [B_, N, C]);
  assert.is(c.macs, B_ * (N * C * 3 * C + 2 * N * N * C + N * C * C));
});

Layers('ACmix window attention: + fc 3·heads → 9 over H·W·hd (27·C·HW) + dep_conv 9 × 3×3 per output (81·C·HW); stages split', () => {
  const C = 24, heads = 3, H = 8, W = 12, ws = 4, N = ws * ws, nW = (H / ws) * (W / ws);
  const c = countCost(new WindowAttentionACmix(C, ws, heads), [1, H, W, C]);
  const attention = nW * (N * C * 3 * C + 2 * N * N * C + N * C * C);
  assert.is(c.macs, attention + 27 * C * H * W + 81 * C * H * W);
  assert.equal(c.stages, { stage_i: H * W * C * 3 * C, stage_ii_attention: nW * (2 * N * N * C + N * C * C), stage_ii_conv: 108 * C * H * W });
});

Layers('Swin blocks: the official SwinTransformerBlock.flops() formula (norms dim·HW each, attention, Mlp 2·HW·dim²·ratio; ACmix + 27·dim·HW + 81·dim·HW)', () => {
  const dim = 96, H = 56, W = 56, ws = 7, N = ws * ws, nW = (H * W) / N, HW = H * W;
  const plainOfficial = 2 * dim * HW + nW * (N * dim * 3 * dim + 2 * N * N * dim + N * dim * dim) + 2 * HW * dim * dim * 4;
  assert.is(countCost(new SwinTransformerBlock(dim, [H, W], 3, { window_size: ws, shift_size: 3 }), [1, HW, dim]).macs, plainOfficial);
  assert.is(countCost(new SwinTransformerBlockACmix(dim, [H, W], 3, { window_size: ws, shift_size: 3 }), [1, HW, dim]).macs,
    plainOfficial + 3 * dim * HW * 9 + 9 * dim * 9 * HW);
});

Layers.run();

const Table1 = suite('flops/acmix_table1');

Table1('C = 64, k = 7, 56x56: conv stage I k²C² = 200,704 params / k²C²HW MACs; attention 3C² = 12,288 / 3C²HW; stage II k²CHW and 2k²CHW, no params', () => {
  const t = acmixTable1(64, 7, 56, 56), HW = 3136;
  assert.equal(t.conv.stage_i, { params: 200_704, macs: 200_704 * HW });
  assert.equal(t.attention.stage_i, { params: 12_288, macs: 12_288 * HW });
  assert.equal(t.conv.stage_ii, { params: 0, macs: 49 * 64 * HW });
  assert.equal(t.attention.stage_ii, { params: 0, macs: 2 * 49 * 64 * HW });
  assert.ok(t.stageIDominates);
});

Table1('3C² > 2k²C exactly when C > 2k²/3: false at C = 32, true at C = 33 (k = 7); true for every ResNet stage C = 64 … 512', () => {
  assert.not.ok(acmixTable1(32, 7, 1, 1).stageIDominates);
  assert.ok(acmixTable1(33, 7, 1, 1).stageIDominates);
  for (const C of [64, 128, 256, 512]) assert.ok(acmixTable1(C, 7, 7, 7).stageIDominates);
});

Table1('the ACmix module: stage I = three 1x1 convs (3·C²·HW) + conv_p on the grid; stage II attention 2·k²·C·HW; conv path fc + dep_conv', () => {
  const C = 64, H = 14, W = 10, HW = H * W, head = 4, hd = C / head;
  const c = countCost(new ACmix(C, C, { kernel_att: 7, head, kernel_conv: 3 }), [1, C, H, W]);
  assert.equal(c.stages, { stage_i: 3 * C * C * HW + hd * 2 * HW, stage_ii_attention: 2 * 49 * C * HW, stage_ii_conv: 9 * 3 * head * HW * hd + C * 9 * 9 * HW });
  assert.is(c.macs, c.stages!.stage_i + c.stages!.stage_ii_attention + c.stages!.stage_ii_conv);
});

Table1.run();

const Networks = suite('flops/swin_networks');

Networks('Swin-T + ACmix at 224x224: the official flops() 4,648,846,848 (4.6G in the ACmix paper), and our exact count differs only in the final LayerNorm', () => {
  const m = swinTinyACmix(), c = countCost(m, [1, 3, 224, 224]);
  assert.is(officialSwinFlops(m), counts.swin_tiny_acmix.flops);
  assert.is(c.macs, counts.swin_tiny_acmix.flops - 768 * (3136 / 16) + 768 * 49);
  assert.ok(Math.abs(c.macs / 1e9 - 4.6) < 0.05, `${c.macs}`);
  assert.is(c.params, counts.swin_tiny_acmix.parameters);
  assert.equal(c.outputShape, [1, 1000]);
});

Networks('plain Swin-T: the official flops() (4.5G in the Swin paper); a reduced ACmix network matches its recorded official flops() too', () => {
  assert.is(officialSwinFlops(swinTiny()), counts.swin_tiny.flops);
  const reduced = new SwinTransformerACmix({ embed_dim: 8, depths: [2, 2, 2, 2], num_heads: [1, 2, 2, 4], num_classes: 10 });
  const fixture = readSafetensors(readFileSync(fixturePath('swin_model.safetensors')));
  const p = JSON.parse(fixture.metadata.cases).find((c: { name: string }) => c.name === 'swin_acmix_reduced').params;
  assert.is(officialSwinFlops(reduced), p.official_flops);
});

Networks.run();

const Cli = suite('flops/cli');

Cli('attnconv flops acmix prints Table 1 for C = 64 … 512 with 3C² vs 2k²C; swin_tiny_acmix prints the per-stage table and 4.649 G; an unknown name fails', async () => {
  const lines: string[] = [];
  assert.ok(await flopsCommand('acmix', { repeats: 0, log: (l) => lines.push(l) }));
  const text = lines.join('\n');
  assert.match(text, /12,288 > 6,272/);
  assert.match(text, /786,432 > 50,176/);
  assert.match(text, /200,704/);
  const swin: string[] = [];
  assert.ok(await flopsCommand('swin_tiny_acmix', { repeats: 0, log: (l) => swin.push(l) }));
  assert.ok(swin.some((l) => /^total\s+28\.65\s+4\.649/.test(l)), swin.join('\n'));
  assert.ok(swin.some((l) => /^layers\.2 \(6 blocks, C 384, 14x14\)/.test(l)));
  assert.not.ok(await flopsCommand('resnet50', { log: () => {} }));
  const errs: string[] = [];
  assert.not.ok(await flopsCommand('acmix', { C: 0, log: (l) => errs.push(l) }));
  assert.match(errs.join('\n'), /--C must be an integer >= 1, got 0/);
});

Cli.run();
