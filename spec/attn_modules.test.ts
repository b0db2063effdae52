// The attention modules of ts/nn: MobileViTv2's separable self-attention (LinearSelfAttention), axial attention,
// CvT's convolutional-projection attention (and its dynamic-kernel variant) and ACmix with global attention.
// Identities (cost, reductions to known modules, masked global ≡ local attention), wasm ≈ ref for every module, and
// bad input. Golden cases against PyTorch: spec/golden.test.ts (attn_modules.safetensors).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Tensor } from '../ts/core/tensor.js';
import { ShapeError, ParameterError, ArgumentError, NotImplementedError, UnsupportedShapeError, AttnconvError } from '../ts/core/errors.js';
import type { Ops } from '../ts/core/ops.js';
import { chainBound, U } from '../ts/core/numerics.js';
import { ops as refOps } from '../ts/ref/index.js';
import * as wasm from '../ts/wasm/index.js';
import { LinearSelfAttention, linearSelfAttentionFlops, mhsaFlops } from '../ts/nn/separable_attention.js';
import { AxialAttention, axialAttentionFlops } from '../ts/nn/axial_attention.js';
import { ConvProjectionAttention, type ConvProjectionMethod } from '../ts/nn/cvt.js';
import { ACmixGlobal } from '../ts/nn/acmix_global.js';
import { MultiheadAttention } from '../ts/nn/multihead_attention.js';
import { permute } from '../ts/nn/attn_layout.js';
import { nchwToTokens } from '../ts/nn/transformer_seeds.js';
import { separableChainK, axialChainK, cvtChainK, acmixGlobalChainK } from '../ts/verify/golden_attn_modules.js';
import { seededTensor, runs } from './support/arbitraries.js';
import { assertBitExact } from './support/close.js';

await wasm.init();

/** Every parameter (and BN statistic) of a module random: running_var in [0.5, 2], the rest in [−1, 1]. */
function randomise<M extends { stateDict(): Map<string, Tensor> }>(m: M, seed: number): M {
  let s = seed;
  for (const [k, t] of m.stateDict()) t.data.set(seededTensor(t.shape, s++, k.endsWith('running_var') ? 0.5 : -1, k.endsWith('running_var') ? 2 : 1).data);
  return m;
}

/** |got − want| ≤ bound(i) for every element (NaN only against NaN). */
function assertWithin(got: Tensor, want: Tensor, bound: (i: number) => number, label: string): void {
  assert.equal([...got.shape], [...want.shape], `${label}: shape`);
  for (let i = 0; i < got.size; i++) {
    const g = got.data[i], w = want.data[i], b = bound(i);
    if (Number.isNaN(w) || Number.isNaN(g)) { assert.ok(Number.isNaN(w) && Number.isNaN(g), `${label}[${i}]: ${g} vs ${w}`); continue; }
    if (!(Math.abs(g - w) <= b)) assert.unreachable(`${label}[${i}]: got ${g}, want ${w}, |Δ| = ${Math.abs(g - w)} > bound ${b}`);
  }
}

/** An Ops that counts the calls made to it (to prove a refusal happens before any work). */
function countingOps(): { ops: Ops; calls: () => number } {
  let n = 0;
  const ops = new Proxy(refOps, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? (...args: unknown[]) => { n++; return (v as (...a: unknown[]) => unknown).apply(target, args); } : v;
    },
  }) as Ops;
  return { ops, calls: () => n };
}

// ---------------------------------------------------------------------------------------------------------------
const Separable = suite('linear_self_attention/identities');

Separable('cost is linear in the token count: flops(2n) = 2·flops(n) exactly; global MHSA\'s second difference is 4× (quadratic)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 4096 }), (B, d, P, n) => {
    const m = new LinearSelfAttention(d);
    const f = (N: number) => m.flops([B, d, P, N]);
    assert.is(f(2 * n), 2 * f(n), 'separable: f(2n) = 2 f(n)');
    assert.is(f(n), linearSelfAttentionFlops(B, d, P, n), 'the module reports the docstring formula');
    assert.is(f(n), B * P * n * (6 * d * d + 5 * d), 'B·P·N·(6d² + 5d)');
    const g = (N: number) => mhsaFlops(B, N, d);
    assert.ok(g(2 * n) > 2 * g(n), 'MHSA is superlinear');
    assert.is(g(4 * n) - 2 * g(2 * n), 4 * (g(2 * n) - 2 * g(n)), 'MHSA: second difference scales by 4 (n² term)');
  }), { numRuns: runs(200) });
});

Separable('the SDPA composition equals the paper\'s sums written out in float64 (Eq. 1-4, ml-cvnets _forward_self_attn)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), fc.integer(), (B, d, P, N, bias, seed) => {
    const m = randomise(new LinearSelfAttention(d, { bias }), seed);
    const x = seededTensor([B, d, P, N], seed + 99);
    const y = m.forward(x, { backend: 'ref' });
    const sd = m.stateDict(), Wq = sd.get('qkv_proj.block.conv.weight')!.data, bq = bias ? sd.get('qkv_proj.block.conv.bias')!.data : null;
    const Wo = sd.get('out_proj.block.conv.weight')!.data, bo = bias ? sd.get('out_proj.block.conv.bias')!.data : null;
    const at = (b: number, c: number, p: number, n: number) => x.data[((b * d + c) * P + p) * N + n];
    const proj = (o: number, b: number, p: number, n: number) => { let s = bq ? bq[o] : 0; for (let c = 0; c < d; c++) s += Wq[o * d + c] * at(b, c, p, n); return s; };
    /** Σ|terms| of one projection: its rounding error is at most γ(d+1)·this (a 1x1 conv is a length-d dot product plus bias). */
    const projMag = (o: number, b: number, p: number, n: number) => { let s = bq ? Math.abs(bq[o]) : 0; for (let c = 0; c < d; c++) s += Math.abs(Wq[o * d + c] * at(b, c, p, n)); return s; };
    const g = (k: number) => k * U / (1 - k * U);
    // First-order forward error bound, propagated stage by stage (each float32 result may also carry its own
    // rounding): projection errors are absolute (cancellation in q, k, v is allowed), the softmax's relative
    // error is 2·max|δq| + γ(N+4) (a shift of the logits by δ scales each weight by at most e^{2δ}), the context
    // vector and the gate carry those through, and the output projection adds its own γ(d+1)·Σ|terms|.
    // Then a factor 2 for second-order terms. The Eq. 1-4 composition is the only thing compared; the ref
    // backend's float64 accumulation makes the actual error far smaller (it fails at once if an equation changes).
    for (let b = 0; b < B; b++) for (let p = 0; p < P; p++) {
      const q = Array.from({ length: N }, (_, n) => proj(0, b, p, n)), mx = Math.max(...q);
      const eq = Math.max(...Array.from({ length: N }, (_, n) => g(d + 1) * projMag(0, b, p, n)));
      const e = q.map((v) => Math.exp(v - mx)), Z = e.reduce((a, v) => a + v, 0);
      const relS = 2 * eq + g(N + 4);
      const cv = Array.from({ length: d }, (_, c) => e.reduce((a, w, n) => a + (w / Z) * proj(1 + c, b, p, n), 0));
      const ecv = Array.from({ length: d }, (_, c) => e.reduce((a, w, n) => a + (w / Z) * (g(d + 1) * projMag(1 + c, b, p, n) + (relS + g(N + 1)) * Math.abs(proj(1 + c, b, p, n))), 0));
      for (let n = 0; n < N; n++) {
        const vv = Array.from({ length: d }, (_, c) => Math.max(0, proj(1 + d + c, b, p, n)));
        const gated = vv.map((v, c) => v * cv[c]);
        const egated = vv.map((v, c) => Math.abs(cv[c]) * g(d + 1) * projMag(1 + d + c, b, p, n) + v * ecv[c] + U * Math.abs(gated[c]));
        for (let o = 0; o < d; o++) {
          let s = bo ? bo[o] : 0, mag = Math.abs(s), carried = 0;
          for (let c = 0; c < d; c++) { s += Wo[o * d + c] * gated[c]; mag += Math.abs(Wo[o * d + c] * gated[c]); carried += Math.abs(Wo[o * d + c]) * egated[c]; }
          const got = y.data[((b * d + o) * P + p) * N + n];
          const bound = 2 * (carried + g(d + 1) * mag + U * Math.abs(s)) + 1e-30;
          assert.ok(Math.abs(got - s) <= bound, `[${b},${o},${p},${n}]: ${got} vs ${s} (bound ${bound})`);
        }
      }
    }
  }), { numRuns: runs(60) });
});
Separable.run();

// ---------------------------------------------------------------------------------------------------------------
const Axial = suite('axial_attention/identities');

Axial('cost: O(H·W·(H + W)·d) — the attention term of axialAttentionFlops grows as H·W·(H + W), not (H·W)²', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (B, H, W, heads, e) => {
    const dim = heads * e, M = B * H * W, he = heads * e;
    const proj = 2 * (2 * M * dim * 3 * he + 2 * M * he * dim);
    assert.is(axialAttentionFlops(B, H, W, dim, heads, e) - proj, 4 * B * H * W * (H + W) * he);
  }), { numRuns: runs(100) });
});

Axial('on a 1×W map: the H layer is to_out∘v (one key, weight 1) and the W layer is nn.MultiheadAttention along W with the same weights', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.integer(), (B, heads, e, W, summed, seed) => {
    const dim = heads * e;
    const m = randomise(new AxialAttention(dim, { heads, dim_index: 1, sum_axial_out: summed }), seed);
    const x = seededTensor([B, dim, 1, W], seed + 7);
    const sd = m.stateDict(), w = (k: string) => sd.get(k)!;
    // the W layer as torch.nn.MultiheadAttention: in_proj = [to_q; to_kv] (no bias), out_proj = to_out
    const mha = new MultiheadAttention(dim, heads, { batch_first: true });
    const inProj = new Float32Array(3 * dim * dim);
    inProj.set(w('axial_attentions.1.fn.to_q.weight').data, 0);
    inProj.set(w('axial_attentions.1.fn.to_kv.weight').data, dim * dim);
    mha.loadStateDict({ in_proj_weight: new Tensor(inProj, [3 * dim, dim]), in_proj_bias: Tensor.zeros([3 * dim]),
      'out_proj.weight': w('axial_attentions.1.fn.to_out.weight'), 'out_proj.bias': w('axial_attentions.1.fn.to_out.bias') });
    const alongW = (t: Tensor) => {                    // [B, dim, 1, W] → MHA over the W tokens → [B, dim, 1, W]
      const tok = nchwToTokens(t);
      const out = mha.forward(tok, tok, tok, { need_weights: false, backend: 'ref' }).output;
      return permute(out, [0, 2, 1]).reshape([B, dim, 1, W]);
    };
    // the H layer on a 1-token axis: to_out(v) with v the second half of to_kv
    const v = refOps.linear(nchwToTokens(x), new Tensor(w('axial_attentions.0.fn.to_kv.weight').data.slice(dim * dim), [dim, dim]));
    const hLayer = permute(refOps.linear(v, w('axial_attentions.0.fn.to_out.weight'), w('axial_attentions.0.fn.to_out.bias')), [0, 2, 1]).reshape([B, dim, 1, W]);
    const want = summed ? refOps.add(hLayer, alongW(x)) : alongW(hLayer);
    const got = m.forward(x, { backend: 'ref' });
    const K = axialChainK(m, x.shape), b = chainBound(K, want.data);
    assertWithin(got, want, b.bound, 'axial 1×W');
  }), { numRuns: runs(60) });
});

Axial('H×1 and 1×W are the same computation transposed (dim_index 1 vs the layers swapped)', () => {
  const m = randomise(new AxialAttention(6, { heads: 2, dim_index: 1, sum_axial_out: false }), 5);
  const x = seededTensor([2, 6, 7, 1], 11);
  // swap the two layers' weights and transpose the map: the H×1 output transposed must come out
  const t = new AxialAttention(6, { heads: 2, dim_index: 1, sum_axial_out: false });
  const sd = m.stateDict(), swapped: Record<string, Tensor> = {};
  for (const [k, v] of sd) swapped[k.replace('axial_attentions.0', 'X').replace('axial_attentions.1', 'axial_attentions.0').replace('X', 'axial_attentions.1')] = v;
  t.loadStateDict(swapped);
  // sequential order differs (H then W), so compare the sum form instead
  const ms = new AxialAttention(6, { heads: 2, dim_index: 1 }), ts = new AxialAttention(6, { heads: 2, dim_index: 1 });
  ms.loadStateDict(sd); ts.loadStateDict(swapped);
  const a = ms.forward(x, { backend: 'ref' }), b = ts.forward(permute(x, [0, 1, 3, 2]), { backend: 'ref' });
  assertBitExact(permute(b, [0, 1, 3, 2]).data, a.data, 'transposed');
});
Axial.run();

// ---------------------------------------------------------------------------------------------------------------
const Cvt = suite('conv_projection_attention/identities');

Cvt('dynamic_dw_bn with a generator of zero weights and a static kernel in conv2.bias ≡ dw_bn with that kernel (bit for bit on ref)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom(1, 2), fc.integer(), (B, heads, h, w, stride_kv, seed) => {
    const dim = 4 * heads;
    const opts = { stride_kv, with_cls_token: false, qkv_bias: true };
    const dyn = randomise(new ConvProjectionAttention(dim, dim, heads, { ...opts, method: 'dynamic_dw_bn' }), seed);
    const dw = new ConvProjectionAttention(dim, dim, heads, { ...opts, method: 'dw_bn' });
    const state: Record<string, Tensor> = {};
    for (const [k, t] of dyn.stateDict()) {
      if (k.includes('.conv.conv2.weight')) t.data.fill(0);
      if (k.includes('.conv.')) {
        if (k.endsWith('.conv.conv2.bias')) state[k.replace('.conv.conv2.bias', '.conv.weight')] = t.reshape([dim, 1, 3, 3]);
        continue;
      }
      state[k] = t;
    }
    dw.loadStateDict(state);
    const x = seededTensor([B, h * w, dim], seed + 3);
    // ref: both convolutions accumulate the same terms in float64 and round once, so bit for bit; wasm's per-sample
    // and static depthwise kernels may sum in different orders, so within the chain bound there
    assertBitExact(dyn.forwardTokens(x, h, w, { backend: 'ref' }).data, dw.forwardTokens(x, h, w, { backend: 'ref' }).data, 'dynamic ≡ static on ref');
    const want = dw.forwardTokens(x, h, w, { backend: 'wasm' }), b = chainBound(cvtChainK(dw, h, w), want.data);
    assertWithin(dyn.forwardTokens(x, h, w, { backend: 'wasm' }), want, b.bound, 'dynamic ≈ static on wasm');
  }), { numRuns: runs(30) });
});

Cvt('stride_kv = 2 gives ⌈h/2⌉·⌈w/2⌉ keys; forward on an NCHW map equals forwardTokens', () => {
  const m = randomise(new ConvProjectionAttention(6, 8, 2, { stride_kv: 2, with_cls_token: false }), 3);
  const x = seededTensor([2, 6, 5, 7], 4);
  const y = m.forward(x, { backend: 'ref' }), t = m.forwardTokens(nchwToTokens(x), 5, 7, { backend: 'ref' });
  assert.equal([...y.shape], [2, 8, 5, 7]);
  assertBitExact(nchwToTokens(y).data, t.data, 'NCHW vs tokens');
  assert.equal(m.conv_proj_k!.outSize('t', 2, 5, 7), [3, 4]);
});
Cvt.run();

// ---------------------------------------------------------------------------------------------------------------
const Global = suite('acmix_global/identities');

Global('rate1 = 1, rate2 = 0: output ≡ the attention path, and equals nn.MultiheadAttention with in_proj = conv1/2/3 when conv_p.weight = 0', () => {
  // nn.MultiheadAttention's query has embed_dim features, so in_planes = out_planes = C here (in_proj_weight packed)
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (B, head, hd, H, W, seed) => {
    const C = head * hd, cin = C;
    const m = randomise(new ACmixGlobal(cin, C, { head }), seed);
    m.stateDict().get('rate1')!.data[0] = 1;
    m.stateDict().get('rate2')!.data[0] = 0;
    m.stateDict().get('conv_p.weight')!.data.fill(0);     // pe = conv_p.bias everywhere: a per-query constant logit shift
    const x = seededTensor([B, cin, H, W], seed + 1);
    for (const ops of [refOps, wasm.ops]) {
      const r = m.forwardDetailed(x, { backend: ops });
      assertBitExact(r.output.data, r.outAtt.data, `rate2 = 0 on ${ops.name}`);
    }
    const sd = m.stateDict(), w = (k: string) => sd.get(k)!;
    const inW = new Float32Array(3 * C * cin), inB = new Float32Array(3 * C);
    ['conv1', 'conv2', 'conv3'].forEach((k, i) => { inW.set(w(`${k}.weight`).data, i * C * cin); inB.set(w(`${k}.bias`).data, i * C); });
    const eye = Tensor.zeros([C, C]);
    for (let i = 0; i < C; i++) eye.data[i * C + i] = 1;
    const mha = new MultiheadAttention(C, head, { batch_first: true });
    mha.loadStateDict({ in_proj_weight: new Tensor(inW, [3 * C, cin]), in_proj_bias: new Tensor(inB, [3 * C]), 'out_proj.weight': eye, 'out_proj.bias': Tensor.zeros([C]) });
    const tok = nchwToTokens(x);
    const want = permute(mha.forward(tok, tok, tok, { need_weights: false, backend: 'ref' }).output, [0, 2, 1]).reshape([B, C, H, W]);
    const got = m.forward(x, { backend: 'ref' });
    const b = chainBound(acmixGlobalChainK(m, H, W), want.data);
    assertWithin(got, want, b.bound, 'ACmixGlobal attention path vs MultiheadAttention');
  }), { numRuns: runs(50) });
});

Global('global attention with a boolean mask keeping the k×k neighbourhood ≡ Ops.localAttention (with pe) at every pixel whose window lies inside the map', () => {
  // Ops.localAttention pads by reflection (official ACmix): at the border its window repeats pixels, which a
  // boolean mask cannot express (spec/scaled_dot_product_attention.test.ts covers that with log-multiplicity masks);
  // inside, the window is the k×k neighbourhood exactly. The relative term q̂_i·(k_j + pe_i − pe_j) becomes
  // q̂_i·(k_j − pe_j) under the softmax (the ACmixGlobal reduction).
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom(3, 5), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer(), (head, hd, ka, eh, ew, seed) => {
    const P = (ka - 1) / 2, H = 2 * P + 1 + eh, W = 2 * P + 1 + ew, C = head * hd, L = H * W;
    const q = seededTensor([1, C, H, W], seed), k = seededTensor([1, C, H, W], seed + 1), v = seededTensor([1, C, H, W], seed + 2);
    const pe = seededTensor([1, hd, H, W], seed + 3);
    for (const ops of [refOps, wasm.ops]) {
      const local = ops.localAttention(q, k, v, pe, { head, kernel_att: ka });
      const bool = new Uint8Array(L * L);
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let a = -P; a <= P; a++) for (let b = -P; b <= P; b++) {
        const y = i + a, xx = j + b;
        if (y >= 0 && y < H && xx >= 0 && xx < W) bool[(i * W + j) * L + y * W + xx] = 1;
      }
      const peTiled = new Float32Array(C * L);
      for (let h = 0; h < head; h++) peTiled.set(pe.data, h * hd * L);
      const kPos = ops.axpby(1, k, -1, new Tensor(peTiled, [1, C, H, W]));
      const tokens = (t: Tensor) => permute(t.reshape([1, head, hd, L]), [0, 1, 3, 2]);
      const qs = new Tensor(q.data.map((z) => Math.fround(z * Math.fround(hd ** -0.5))), q.shape);   // ACmix pre-scales q
      const g = ops.scaledDotProductAttention(tokens(qs), tokens(kPos), tokens(v), { attn_mask: { bool, shape: [L, L] }, scale: 1 });
      const glob = permute(g, [0, 1, 3, 2]).reshape([1, C, H, W]);
      const bound = chainBound(3 * hd + 2 * ka * ka + 4, local.data);
      for (let c = 0; c < C; c++) for (let i = P; i < H - P; i++) for (let j = P; j < W - P; j++) {
        const at = (c * H + i) * W + j;
        assert.ok(Math.abs(glob.data[at] - local.data[at]) <= bound.bound(at), `${ops.name} c=${c} (${i},${j}): ${glob.data[at]} vs ${local.data[at]}`);
      }
    }
  }), { numRuns: runs(40) });
});
Global.run();

// ---------------------------------------------------------------------------------------------------------------
const Wasm = suite('attn_modules/wasm');

/** wasm ≈ ref under the module's chain bound (both are float32 compositions of the same ops). */
function wasmMatchesRef(label: string, run: (ops: Ops) => Tensor, K: number): void {
  const ref = run(refOps), got = run(wasm.ops), b = chainBound(K, ref.data);
  assertWithin(got, ref, (i) => 2 * b.bound(i), label);
}

Wasm('LinearSelfAttention: wasm ≈ ref', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 11 }), fc.boolean(), fc.integer(), (B, d, P, N, bias, seed) => {
    const m = randomise(new LinearSelfAttention(d, { bias }), seed), x = seededTensor([B, d, P, N], seed + 1);
    wasmMatchesRef(`separable ${[B, d, P, N]}`, (ops) => m.forward(x, { backend: ops }), separableChainK(d, N));
  }), { numRuns: runs(100) });
});

Wasm('AxialAttention: wasm ≈ ref (every dim_index, both combinations)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 2, 3, -1), fc.boolean(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (B, heads, e, di, summed, a, b, seed) => {
    const dim = heads * e, m = randomise(new AxialAttention(dim, { heads, dim_index: di, sum_axial_out: summed }), seed);
    const shape = [B, a, b]; shape.splice(m.dim_index, 0, dim);
    const x = seededTensor(shape, seed + 1);
    wasmMatchesRef(`axial ${shape}`, (ops) => m.forward(x, { backend: ops }), axialChainK(m, shape));
  }), { numRuns: runs(100) });
});

Wasm('ConvProjectionAttention: wasm ≈ ref (every method, cls token, strides)', () => {
  const methods: ConvProjectionMethod[] = ['dw_bn', 'avg', 'linear', 'dynamic_dw_bn'];
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...methods), fc.boolean(), fc.constantFrom(1, 2), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 }), fc.integer(), (B, heads, hd, method, cls, stride_kv, h, w, seed) => {
    const dim_in = 4 * heads, dim_out = heads * hd;
    const m = randomise(new ConvProjectionAttention(dim_in, dim_out, heads, { method, with_cls_token: cls, stride_kv, qkv_bias: true }), seed);
    const x = seededTensor([B, h * w + (cls ? 1 : 0), dim_in], seed + 1);
    wasmMatchesRef(`cvt ${method}`, (ops) => m.forwardTokens(x, h, w, { backend: ops }), cvtChainK(m, h, w));
  }), { numRuns: runs(100) });
});

Wasm('ACmixGlobal: wasm ≈ ref (output and both paths)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (B, cin, head, hd, H, W, seed) => {
    const m = randomise(new ACmixGlobal(cin, head * hd, { head }), seed), x = seededTensor([B, cin, H, W], seed + 1);
    const r = m.forwardDetailed(x, { backend: 'ref' }), g = m.forwardDetailed(x, { backend: 'wasm' });
    const K = acmixGlobalChainK(m, H, W);
    for (const key of ['output', 'outAtt', 'outConv'] as const) {
      const b = chainBound(K, r[key].data);
      assertWithin(g[key], r[key], (i) => 2 * b.bound(i), `acmix_global ${key}`);
    }
  }), { numRuns: runs(100) });
});
Wasm.run();

// ---------------------------------------------------------------------------------------------------------------
const Errors = suite('attn_modules/errors');

function expectError(fn: () => unknown, type: new (...a: any[]) => Error, contains: string[], label: string): void {
  try { fn(); } catch (e) {
    assert.ok(e instanceof type, `${label}: expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.ok(e instanceof AttnconvError, `${label}: a named error`);
    for (const s of contains) assert.ok((e as Error).message.includes(s), `${label}: message "${(e as Error).message}" lacks "${s}"`);
    return;
  }
  assert.unreachable(`${label}: did not throw`);
}

Errors('constructors: divisibility, sizes, options', () => {
  expectError(() => new ConvProjectionAttention(8, 10, 4), ParameterError, ['dim_out must be divisible by num_heads', 'dim_out = 10', 'num_heads = 4'], 'cvt heads');
  expectError(() => new AxialAttention(10, { heads: 4 }), ParameterError, ['divisible by heads', 'dim = 10', 'heads = 4'], 'axial heads');
  expectError(() => new ACmixGlobal(8, 10, { head: 4 }), ParameterError, ['out_planes must be divisible by head = 4', 'out_planes = 10'], 'acmix heads');
  expectError(() => new LinearSelfAttention(0), ParameterError, ['embed_dim'], 'embed_dim 0');
  expectError(() => new LinearSelfAttention(4.5), ParameterError, ['embed_dim'], 'embed_dim 4.5');
  expectError(() => new LinearSelfAttention(4, { attn_dropout: 1 }), ParameterError, ['attn_dropout', '[0, 1)', 'got 1'], 'dropout 1');
  expectError(() => new LinearSelfAttention(4, { bias: 1 as unknown as boolean }), ArgumentError, ['bias must be a boolean'], 'bias type');
  expectError(() => new LinearSelfAttention(4, { heads: 2 } as never), ArgumentError, ["unexpected 'heads'"], 'unknown key');
  expectError(() => new LinearSelfAttention(4, 0.1 as never), ArgumentError, ['options must be a plain object'], 'positional option');
  expectError(() => new AxialAttention(8, { dim_index: 0 }), ParameterError, ['dim_index', 'got 0'], 'dim_index 0');
  expectError(() => new AxialAttention(8, { num_dimensions: 3 }), NotImplementedError, ['num_dimensions must be 2'], 'num_dimensions 3');
  expectError(() => new ConvProjectionAttention(8, 8, 2, { method: 'conv' as never }), ParameterError, ["method must be one of 'dw_bn'", 'got "conv"'], 'method');
  expectError(() => new ConvProjectionAttention(8, 8, 2, { reduction: 2 }), ParameterError, ["reduction only applies to method 'dynamic_dw_bn'"], 'reduction without dynamic');
  expectError(() => new ConvProjectionAttention(8, 8, 2, { attn_drop: -0.1 }), ParameterError, ['attn_drop'], 'attn_drop < 0');
  expectError(() => new ACmixGlobal(8, 8, { kernel_conv: 5 }), UnsupportedShapeError, ['kernel_conv must be 3'], 'kernel_conv 5');
  expectError(() => new ACmixGlobal(8, 8, { kernel_att: 7 } as never), ArgumentError, ["unexpected 'kernel_att'"], 'no kernel_att in global mode');
});

Errors('forward: wrong rank, channels, token counts, kernels that do not fit — refused before any op runs', () => {
  const cases: [string, (ops: Ops) => unknown, new (...a: any[]) => Error, string[]][] = [
    ['separable rank 3', (ops) => new LinearSelfAttention(4).forward(Tensor.zeros([1, 4, 5]), { backend: ops }), ShapeError, ['input', 'rank', '[1,4,5]']],
    ['separable channels', (ops) => new LinearSelfAttention(4).forward(Tensor.zeros([1, 3, 2, 5]), { backend: ops }), ShapeError, ['embed_dim = 4', 'got 3', '[1,3,2,5]']],
    ['separable N = 0', (ops) => new LinearSelfAttention(4).forward(Tensor.zeros([1, 4, 2, 0]), { backend: ops }), ShapeError, ['P and N', '[1,4,2,0]']],
    ['axial rank 5', (ops) => new AxialAttention(4, { heads: 2 }).forward(Tensor.zeros([1, 2, 3, 4, 4]), { backend: ops }), ShapeError, ['rank', '[1,2,3,4,4]']],
    ['axial channels', (ops) => new AxialAttention(4, { heads: 2, dim_index: 1 }).forward(Tensor.zeros([1, 3, 2, 2]), { backend: ops }), ShapeError, ['input.shape[1]', 'dim = 4', 'got 3']],
    ['cvt tokens', (ops) => new ConvProjectionAttention(4, 4, 2, { with_cls_token: false }).forwardTokens(Tensor.zeros([1, 11, 4]), 3, 4, { backend: ops }), ShapeError, ['h·w = 12', 'got 11']],
    ['cvt cls tokens', (ops) => new ConvProjectionAttention(4, 4, 2).forwardTokens(Tensor.zeros([1, 12, 4]), 3, 4, { backend: ops }), ShapeError, ['h·w + 1 (cls token) = 13', 'got 12']],
    ['cvt dim_in', (ops) => new ConvProjectionAttention(4, 4, 2, { with_cls_token: false }).forwardTokens(Tensor.zeros([1, 12, 5]), 3, 4, { backend: ops }), ShapeError, ['dim_in = 4', 'got 5']],
    ['cvt kernel larger than the map', (ops) => new ConvProjectionAttention(4, 4, 2, { with_cls_token: false, kernel_size: 7, padding_q: 0, padding_kv: 0 }).forwardTokens(Tensor.zeros([1, 12, 4]), 3, 4, { backend: ops }), ShapeError, []],
    ['cvt NCHW with a cls token', (ops) => new ConvProjectionAttention(4, 4, 2).forward(Tensor.zeros([1, 4, 3, 4]), { backend: ops }), NotImplementedError, ['cls token']],
    ['cvt h not an integer', (ops) => new ConvProjectionAttention(4, 4, 2, { with_cls_token: false }).forwardTokens(Tensor.zeros([1, 12, 4]), 2.5, 4, { backend: ops }), ParameterError, ['h']],
    ['acmix_global channels', (ops) => new ACmixGlobal(4, 8).forward(Tensor.zeros([1, 5, 3, 3]), { backend: ops }), ShapeError, ['in_planes = 4', 'got 5']],
    ['acmix_global rank', (ops) => new ACmixGlobal(4, 8).forward(Tensor.zeros([4, 3, 3]), { backend: ops }), ShapeError, ['rank']],
  ];
  for (const [label, run, type, contains] of cases) {
    const { ops, calls } = countingOps();
    expectError(() => run(ops), type, contains, label);
    assert.is(calls(), 0, `${label}: no op ran before the refusal`);
  }
  expectError(() => new LinearSelfAttention(4).forward([1, 2] as never), ArgumentError, ['input'], 'not a tensor');
  expectError(() => new AxialAttention(4, { heads: 2 }).forward(Tensor.zeros([1, 2, 2, 4]), 3 as never), ArgumentError, ['options'], 'options not an object');
  expectError(() => new ConvProjectionAttention(4, 4, 2, { with_cls_token: false }).forwardTokens(Tensor.zeros([1, 4, 4]), 2, 2, 'wasm' as never), ArgumentError, ['options'], 'forwardTokens options');
});

Errors('hostile option values: every constructor either builds or throws a named error (never a TypeError)', () => {
  const hostile: unknown[] = [NaN, -1, 0, 1.5, Infinity, '3', null, {}, [2], true, 2 ** 40];
  const modules: [string, (o: Record<string, unknown>) => unknown, string[]][] = [
    ['LinearSelfAttention', (o) => new LinearSelfAttention(4, o), ['attn_dropout', 'bias']],
    ['AxialAttention', (o) => new AxialAttention(4, { heads: 2, ...o }), ['num_dimensions', 'heads', 'dim_heads', 'dim_index', 'sum_axial_out']],
    ['ConvProjectionAttention', (o) => new ConvProjectionAttention(4, 4, 2, o), ['qkv_bias', 'attn_drop', 'proj_drop', 'method', 'kernel_size', 'stride_kv', 'stride_q', 'padding_kv', 'padding_q', 'with_cls_token', 'reduction']],
    ['ACmixGlobal', (o) => new ACmixGlobal(4, 4, o), ['head', 'kernel_conv']],
  ];
  for (const [name, make, keys] of modules) for (const key of keys) for (const v of hostile) {
    try { make({ [key]: v }); } catch (e) {
      assert.ok(e instanceof AttnconvError, `${name}({ ${key}: ${String(v)} }): ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
  }
});

Errors('permute (the modules\' data movement) is torch.permute(...).contiguous(), bit for bit', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }), fc.integer(), (shape, seed) => {
    const r = shape.length, perm = [...Array(r).keys()];
    for (let k = r - 1; k > 0; k--) { const j = Math.abs(seed + 7 * k) % (k + 1); [perm[k], perm[j]] = [perm[j], perm[k]]; }
    const n = shape.reduce((a, b) => a * b, 1), x = new Tensor(Float32Array.from({ length: n }, (_, i) => i), shape);
    const y = permute(x, perm), os = perm.map((p) => shape[p]);
    assert.equal([...y.shape], os);
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    for (let f = 0; f < n; f++) {
      let rem = f, src = 0;
      for (let d = r - 1; d >= 0; d--) { src += (rem % os[d]) * strides[perm[d]]; rem = Math.floor(rem / os[d]); }
      assert.is(y.data[f], src, `perm ${perm} of ${shape} at ${f}`);
    }
  }), { numRuns: runs(200) });
});

Errors('the WASM arena is back at its mark after every module call, refused or not (no leaked scope)', () => {
  const before = wasm.arenaStats();
  for (let i = 0; i < 3; i++) { try { new ACmixGlobal(4, 8).forward(Tensor.zeros([1, 5, 3, 3]), { backend: 'wasm' }); } catch { /* expected */ } }
  const runs: (() => Tensor)[] = [
    () => randomise(new AxialAttention(4, { heads: 2, dim_index: 1 }), 1).forward(seededTensor([1, 4, 3, 5], 2), { backend: 'wasm' }),
    () => randomise(new LinearSelfAttention(4), 1).forward(seededTensor([1, 4, 2, 5], 2), { backend: 'wasm' }),
    () => randomise(new ConvProjectionAttention(4, 4, 2, { method: 'dynamic_dw_bn', with_cls_token: false }), 1).forward(seededTensor([1, 4, 3, 5], 2), { backend: 'wasm' }),
    () => randomise(new ACmixGlobal(4, 4, { head: 2 }), 1).forward(seededTensor([1, 4, 3, 5], 2), { backend: 'wasm' }),
  ];
  for (const run of runs) assert.ok(run().data.every(Number.isFinite), 'finite output');
  const after = wasm.arenaStats();
  assert.is(after.mark, before.mark, 'arena mark restored');
  assert.is(after.depth, before.depth, 'no open arena scope');
});
Errors.run();
