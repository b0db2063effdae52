// The digit canvas: draw a digit, the MNIST ACmix network (models/mnist/mnist_acmix.safetensors, ts/nn/mnist.ts)
// classifies it live on wasm. Shown only when the build found the trained weights (manifest.json names them).
import { nn, io, localAttentionWeights } from './pipeline.js';
import { paint } from './draw.js';

const SIDE = nn.MNIST_SIDE;   // 28
const BOX = 20;               // MNIST's digits are size-normalised into a 20×20 box (LeCun et al.)

/**
 * The drawing → 28×28 bytes as MNIST prepared its digits: the ink's bounding box scaled (aspect kept, smoothed)
 * into a 20×20 box, then placed so that its centre of mass is at the centre of the 28×28 image. Null when blank.
 */
export function toMnist(pad: HTMLCanvasElement): Uint8Array | null {
  const { width: w, height: h } = pad, ink = pad.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, w, h).data;
  let top = h, left = w, bottom = -1, right = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (ink[4 * (y * w + x)] > 0) { top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x); }
  }
  if (bottom < 0) return null;
  const bw = right - left + 1, bh = bottom - top + 1, s = BOX / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * s)), sh = Math.max(1, Math.round(bh * s));
  const box = document.createElement('canvas');
  box.width = sw; box.height = sh;
  const bctx = box.getContext('2d')!;
  bctx.imageSmoothingEnabled = true;
  bctx.imageSmoothingQuality = 'high';
  bctx.drawImage(pad, left, top, bw, bh, 0, 0, sw, sh);
  const small = bctx.getImageData(0, 0, sw, sh).data;
  let mass = 0, cy = 0, cx = 0;
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) {
    const v = small[4 * (y * sw + x)];
    mass += v; cy += v * y; cx += v * x;
  }
  const oy = Math.round(SIDE / 2 - (cy / mass + 0.5)), ox = Math.round(SIDE / 2 - (cx / mass + 0.5));
  const out = new Uint8Array(SIDE * SIDE);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) {
    const ty = y + oy, tx = x + ox;
    if (ty >= 0 && ty < SIDE && tx >= 0 && tx < SIDE) out[ty * SIDE + tx] = small[4 * (y * sw + x)];
  }
  return out;
}

/** Softmax of 10 logits, in float64. */
function softmax(logits: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(logits));
  const e = Array.from(logits, (v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Loads the trained network from the bytes of mnist_acmix.safetensors and wires the digit canvas.
 * @throws the library's StateDictError if the file does not hold the network's keys.
 */
export async function setupMnist(weights: Uint8Array): Promise<void> {
  const net = new nn.MnistACmixNet();
  net.loadStateDict(io.readSafetensors(weights).tensors, { strict: true });
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const pad = $<HTMLCanvasElement>('pad'), ctx = pad.getContext('2d', { willReadFrequently: true })!;
  $('mnist-section').hidden = false;
  const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, pad.width, pad.height); };
  clear();

  let pending = false;
  const classify = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const pixels = toMnist(pad);
      const probsTable = $('probs');
      if (!pixels) { probsTable.replaceChildren(); $('mnist-attention').replaceChildren(); window.__attnconv.mnist = undefined; return; }
      paint($<HTMLCanvasElement>('digit'), Array.from(pixels), SIDE, SIDE, { lo: 0, hi: 255, scale: 5 });
      const x = nn.mnistBatch(pixels, 0, 1);
      const t0 = performance.now();
      const d = net.forwardDetailed(x, { backend: 'wasm' });
      const ms = performance.now() - t0;
      const p = softmax(d.logits.data), best = p.indexOf(Math.max(...p));
      probsTable.innerHTML = p.map((v, c) => `<tr><td class="${c === best ? 'best' : ''}">${c}</td>` +
        `<td><span class="bar" style="width:${(150 * v).toFixed(0)}px"></span> ${(100 * v).toFixed(1)}%</td></tr>`).join('') +
        `<tr><td colspan="2">wasm forward ${ms.toFixed(1)} ms</td></tr>`;
      window.__attnconv.mnist = { prediction: best, probabilities: p, ms };
      drawAttention(d.acmixInput, pixels);
    });
  };

  /** Per head: the attention each 7×7 position receives, summed over every query's 3×3 window, over the digit. */
  const drawAttention = (acmixInput: nn.MnistForwardDetailed['acmixInput'], pixels: Uint8Array) => {
    const cfg = net.acmix.config, k = cfg.kernel_att, T = k * k, pad0 = Math.floor(k / 2);
    const r = net.acmix.forwardDetailed(acmixInput, { backend: 'ref' });
    const att = localAttentionWeights(r.q, r.k, r.pe, cfg);            // [1, head, T, H, W]
    const H = r.q.shape[2], W = r.q.shape[3], up = SIDE / H;
    const reflect = (s: number, n: number) => (s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s);
    const box = $('mnist-attention');
    box.replaceChildren();
    for (let h = 0; h < cfg.head; h++) {
      const received = new Float64Array(H * W);
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
        received[reflect(i + a - pad0, H) * W + reflect(j + b - pad0, W)] += att.data[((h * T + a * k + b) * H + i) * W + j];
      }
      const max = Math.max(...received), min = Math.min(...received), span = max - min || 1;
      const img = new ImageData(SIDE, SIDE);
      for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) {
        const g = pixels[y * SIDE + x] / 255, red = (received[Math.floor(y / up) * W + Math.floor(x / up)] - min) / span, q = 4 * (y * SIDE + x);
        img.data[q] = 255 * Math.max(red, g * 0.6); img.data[q + 1] = 255 * g * 0.6; img.data[q + 2] = 255 * g * 0.6; img.data[q + 3] = 255;
      }
      const f = document.createElement('figure'), c = document.createElement('canvas'), cap = document.createElement('figcaption');
      const small = document.createElement('canvas');
      small.width = small.height = SIDE;
      small.getContext('2d')!.putImageData(img, 0, 0);
      c.width = c.height = SIDE * 4;
      const cctx = c.getContext('2d')!;
      cctx.imageSmoothingEnabled = false;
      cctx.drawImage(small, 0, 0, SIDE * 4, SIDE * 4);
      cap.textContent = `head ${h}: ${min.toFixed(2)} … ${max.toFixed(2)}`;
      f.append(c, cap);
      box.append(f);
    }
  };

  let drawing = false, lastPt: [number, number] | null = null;
  const point = (e: PointerEvent): [number, number] => {
    const rect = pad.getBoundingClientRect();
    return [((e.clientX - rect.left) / rect.width) * pad.width, ((e.clientY - rect.top) / rect.height) * pad.height];
  };
  pad.addEventListener('pointerdown', (e) => { drawing = true; lastPt = point(e); pad.setPointerCapture(e.pointerId); });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing || !lastPt) return;
    const p = point(e);
    ctx.strokeStyle = '#fff'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath(); ctx.moveTo(...lastPt); ctx.lineTo(...p); ctx.stroke();
    lastPt = p;
    classify();
  });
  const end = () => { drawing = false; lastPt = null; classify(); };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('clear').addEventListener('click', () => { clear(); classify(); });
}
