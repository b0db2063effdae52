// The playground page: pick an image and a block, run it on the reference and on wasm, draw what it computed.
// State for tests: window.__attnconv = { status: 'loading' | 'running' | 'done' | 'error', result, error } and the
// same result as JSON in <pre id="result">. URL parameters preselect: ?block=ACmix&weights=fixture&deterministic=1.
import {
  BLOCKS, SIZE, makeBlock, prepareInput, stem, runBlock, summary, globalAttentionRow,
  type BlockName, type Run, type WeightSource, Tensor, wasm, io,
} from './pipeline.js';
import { paint, paintRgb, figure } from './draw.js';
import { setupMnist } from './mnist.js';

declare global {
  interface Window {
    __attnconv: { status: string; result?: unknown; error?: string; mnist?: unknown };
  }
}
window.__attnconv = { status: 'loading' };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const blockSelect = $<HTMLSelectElement>('block'), weightsSelect = $<HTMLSelectElement>('weights');
const sourceSelect = $<HTMLSelectElement>('image-source'), fileInput = $<HTMLInputElement>('file');
const status = (s: string) => { $('status').textContent = s; };
const nextFrame = () => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));

for (const b of BLOCKS) blockSelect.add(new Option(b, b));
blockSelect.value = BLOCKS.includes(params.get('block') as BlockName) ? params.get('block')! : 'ACmix';
weightsSelect.value = params.get('weights') === 'fixture' ? 'fixture' : 'seeded';
/** Fixture weights exist for ACmix only: the option is offered only there. */
function syncWeights() {
  const fixtureOk = blockSelect.value === 'ACmix';
  weightsSelect.options[1].disabled = !fixtureOk;
  if (!fixtureOk) weightsSelect.value = 'seeded';
}
syncWeights();

async function bytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`playground: GET ${url} → ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

let photo: Tensor | null = null;      // the shipped photo, [1, 3, h, w] in [0, 1]
let uploaded: Tensor | null = null;   // the user's image
let fixture: Uint8Array | null = null;
let last: { run: Run; resized: Tensor; H: number; W: number } | null = null;
let pixel: [number, number] = [0, 0];

/** A user's image file → [1, 3, h, w] in [0, 1] (longest side at most 512: the block runs on a 40×60 resize anyway). */
async function decodeFile(file: File): Promise<Tensor> {
  const bmp = await createImageBitmap(file);
  const s = Math.min(1, 512 / Math.max(bmp.width, bmp.height));
  const w = Math.max(1, Math.round(bmp.width * s)), h = Math.max(1, Math.round(bmp.height * s));
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data, P = w * h, out = new Float32Array(3 * P);
  for (let i = 0; i < P; i++) for (let ch = 0; ch < 3; ch++) out[ch * P + i] = rgba[4 * i + ch] / 255;
  return new Tensor(out, [1, 3, h, w]);
}

/** Screen pixels per map pixel: the input canvas is 480 px wide (8 for the 60-wide map), the planes 240 px. */
const inputScale = (W: number) => Math.max(1, Math.round(480 / W));
const planeScale = (W: number) => Math.max(1, Math.round(240 / W));

async function run(): Promise<void> {
  const name = blockSelect.value as BlockName, source = weightsSelect.value as WeightSource;
  window.__attnconv = { ...window.__attnconv, status: 'running', result: undefined, error: undefined };
  $<HTMLButtonElement>('run').disabled = true;
  try {
    const image = sourceSelect.value === 'file' && uploaded ? uploaded : photo!;
    const [H, W] = SIZE[name];
    const { resized, x } = prepareInput(image, [H, W]);
    const block = makeBlock(name, source, source === 'fixture' ? (fixture ??= await bytes('acmix_block.safetensors')) : undefined);
    $('describe').textContent = `${block.describe}  ·  input [1, 64, ${H}, ${W}]  ·  weights: ${source === 'fixture' ? 'spec/fixtures/acmix_block.safetensors (prefix acmix_block.state.)' : 'PyTorch init, seed 2023'}`;
    status(`running ${name} on ref (float64 reference: seconds) and wasm…`);
    await nextFrame();
    const features = stem(x);
    const r = await runBlock(block, source, features, Number(params.get('repeats') ?? 3) || 3);
    last = { run: r, resized, H, W };
    pixel = [Math.floor(H * 0.4), Math.floor(W * 0.5)];
    draw(block.depConv);
    const result = summary(r);
    $('result').textContent = JSON.stringify(result, null, 2);
    status(`done: wasm ${(r.refMs / r.wasmMs).toFixed(0)}× faster than ref, ${r.pass ? 'within' : 'OUTSIDE'} the bound`);
    window.__attnconv = { ...window.__attnconv, status: 'done', result };
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    status(msg);
    window.__attnconv = { ...window.__attnconv, status: 'error', error: msg };
    throw e;
  } finally {
    $<HTMLButtonElement>('run').disabled = false;
  }
}

function draw(depConv?: Tensor): void {
  if (!last) return;
  const { run: r, resized, H, W } = last;
  drawInput();
  // the two paths (ACmix, ACmixGlobal) or the output
  const paths = $('paths');
  paths.replaceChildren();
  const plane = (t: Tensor, c: number) => t.data.subarray(c * H * W, (c + 1) * H * W);
  if (r.outAtt && r.outConv) {
    $('paths-title').textContent = 'Attention path and convolution path';
    for (const [t, label] of [[r.outAtt, 'attention path'], [r.outConv, 'conv path']] as const) {
      for (let c = 0; c < 4; c++) paint(figure(paths, `${label}, channel ${c}`), plane(t, c), H, W, { scale: planeScale(W) });
    }
  } else {
    $('paths-title').textContent = 'Output';
  }
  for (let c = 0; c < 4; c++) paint(figure(paths, `output, channel ${c}`), plane(r.output!, c), H, W, { scale: planeScale(W) });
  // dep_conv kernels of output channels 0-3: 9 kernels of 3×3 each, tiled with a one-pixel gap
  $('depconv-section').hidden = !depConv;
  if (depConv) {
    const dc = $('depconv');
    dc.replaceChildren();
    const [, T, k] = depConv.shape, tw = T * (k + 1) - 1, tile = new Float32Array(k * tw).fill(0.5);
    for (let o = 0; o < 4; o++) {
      for (let t = 0; t < T; t++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) tile[a * tw + t * (k + 1) + b] = depConv.data[((o * T + t) * k + a) * k + b];
      paint(figure(dc, `output channel ${o}`), tile, k, tw, { lo: 0, hi: 1, scale: 12 });
    }
  }
  // timing
  const row = (k: string, v: string, cls = '') => `<tr><th>${k}</th><td class="${cls}">${v}</td></tr>`;
  $('timing').innerHTML =
    row('ref (float64 reference)', `${r.refMs.toFixed(1)} ms`) +
    row(`wasm (${r.wasmVariant} SIMD, median of ${Number(params.get('repeats') ?? 3) || 3})`, `${r.wasmMs.toFixed(1)} ms`) +
    row('speed-up', `${(r.refMs / r.wasmMs).toFixed(1)}×`) +
    row('max |ref − wasm|', `${r.maxAbsDiff.toExponential(2)}`) +
    row('worst |ref − wasm| / bound', `${r.worstRatio.toFixed(4)} (bound ${r.bound}, u = 2⁻²⁴)`, r.pass ? 'pass' : 'fail') +
    row('sha256 of the wasm output', `<code>${r.sha256}</code>`);
  void resized;
  drawAttention();
}

function drawInput(): void {
  if (!last) return;
  const { resized, H, W } = last, c = $<HTMLCanvasElement>('input'), SCALE = inputScale(W);
  paintRgb(c, resized.data, H, W, SCALE);
  const ctx = c.getContext('2d')!, [i, j] = pixel;
  const a = last.run.attention;
  const half = a?.kind === 'local' ? Math.floor(a.k / 2) : 0;
  ctx.strokeStyle = '#f0f';
  ctx.lineWidth = 2;
  if (a?.kind === 'local') ctx.strokeRect((j - half) * SCALE, (i - half) * SCALE, a.k * SCALE, a.k * SCALE);
  ctx.strokeStyle = '#0f0';
  ctx.strokeRect(j * SCALE, i * SCALE, SCALE, SCALE);
  $('pixel').textContent = `input after resize, ${W}×${H}; pixel (row ${i}, col ${j})`;
}

function drawAttention(): void {
  const a = last?.run.attention, section = $('attention-section'), box = $('attention');
  section.hidden = !a;
  if (!last || !a) return;
  const { H, W } = last, [i, j] = pixel;
  box.replaceChildren();
  if (a.kind === 'local') {
    const T = a.k * a.k, heads = a.weights.shape[1];
    $('attention-note').textContent = `ACmix's local attention: the softmax weights of each head over the ${a.k}×${a.k} window ` +
      `centred on the pixel (magenta square; reflection-padded at the borders), black = the window's smallest weight, ` +
      `white = its largest (the caption gives both; a uniform window would be 1/${T} = ${(1 / T).toFixed(3)}). ` +
      `Computed by the reference (localAttentionWeights).`;
    for (let h = 0; h < heads; h++) {
      const map = new Float32Array(T);
      let lo = Infinity, hi = -Infinity;
      for (let t = 0; t < T; t++) {
        const v = map[t] = a.weights.data[((h * T + t) * H + i) * W + j];
        lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
      paint(figure(box, `head ${h}: ${lo.toFixed(3)} … ${hi.toFixed(3)}`), map, a.k, a.k, { lo, hi, scale: 20 });
    }
  } else {
    $('attention-note').textContent = 'ACmixGlobal: every pixel attends to the whole map; the softmax weights of each head over all ' +
      `${H}×${W} keys for the query pixel (green square), black = the smallest weight, white = the largest.`;
    for (let h = 0; h < a.head; h++) {
      const row = globalAttentionRow(a, h, i, j);
      paint(figure(box, `head ${h}`), row, H, W, { scale: 8 });
    }
  }
}

$<HTMLCanvasElement>('input').addEventListener('mousemove', (e) => {
  if (!last) return;
  const c = e.currentTarget as HTMLCanvasElement, rect = c.getBoundingClientRect();
  const j = Math.floor(((e.clientX - rect.left) / rect.width) * last.W), i = Math.floor(((e.clientY - rect.top) / rect.height) * last.H);
  if (i < 0 || j < 0 || i >= last.H || j >= last.W || (i === pixel[0] && j === pixel[1])) return;
  pixel = [i, j];
  drawInput();
  drawAttention();
});

const report = (e: unknown) => console.error(e);
blockSelect.addEventListener('change', () => { syncWeights(); run().catch(report); });
weightsSelect.addEventListener('change', () => run().catch(report));
$('run').addEventListener('click', () => run().catch(report));
sourceSelect.addEventListener('change', () => {
  if (sourceSelect.value === 'file' && !uploaded) fileInput.click();
  else run().catch(report);
});
fileInput.addEventListener('cancel', () => { if (!uploaded) sourceSelect.value = 'photo'; });
fileInput.addEventListener('change', async () => {
  const f = fileInput.files?.[0];
  if (!f) { sourceSelect.value = uploaded ? 'file' : 'photo'; return; }
  try {
    uploaded = await decodeFile(f);
    sourceSelect.value = 'file';
    await run();
  } catch (e) {
    status(`cannot read ${f.name}: ${e instanceof Error ? e.message : String(e)}`);
    sourceSelect.value = 'photo';
  }
});

async function start(): Promise<void> {
  status('loading the WebAssembly kernels…');
  const deterministic = params.get('deterministic') === '1' ? true : undefined;
  await wasm.init(deterministic === undefined ? {} : { deterministic });
  photo = io.decodePng(await bytes('chelsea.png'));
  const manifest = await (await fetch('manifest.json')).json() as { mnist?: string };
  if (manifest.mnist) await setupMnist(await bytes(manifest.mnist));
  await run();
}
start().catch((e) => {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  status(msg);
  window.__attnconv = { ...window.__attnconv, status: 'error', error: msg };
  console.error(e);
});
