// Canvas helpers of the playground: planes of numbers as greyscale (or diverging) pixels, scaled without smoothing.

/** Options of {@link paint}. */
export interface PaintOptions {
  /** value drawn black (default: the plane's minimum) */
  lo?: number;
  /** value drawn white (default: the plane's maximum) */
  hi?: number;
  /** 'grey' (default) or 'diverging': blue < 0 < red, white at 0, scaled by max |v| */
  colormap?: 'grey' | 'diverging';
  /** integer scale of each element (default 1) */
  scale?: number;
}

/** Draws an h×w plane (row-major) onto `canvas`, resizing the canvas to w·scale × h·scale. */
export function paint(canvas: HTMLCanvasElement, data: ArrayLike<number>, h: number, w: number, o: PaintOptions = {}): void {
  const scale = o.scale ?? 1;
  let lo = o.lo ?? Infinity, hi = o.hi ?? -Infinity;
  if (o.lo === undefined || o.hi === undefined) {
    for (let i = 0; i < h * w; i++) {
      const v = data[i];
      if (o.lo === undefined && v < lo) lo = v;
      if (o.hi === undefined && v > hi) hi = v;
    }
  }
  const range = hi - lo || 1, absMax = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = data[i];
    let r: number, g: number, b: number;
    if (o.colormap === 'diverging') {
      const t = Math.max(-1, Math.min(1, v / absMax));
      r = t < 0 ? 255 * (1 + t) : 255; b = t > 0 ? 255 * (1 - t) : 255; g = 255 * (1 - Math.abs(t));
    } else {
      r = g = b = 255 * Math.max(0, Math.min(1, (v - lo) / range));
    }
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  blit(canvas, img, scale);
}

/** Draws an RGB image [1, 3, h, w] with values in [0, 1]. */
export function paintRgb(canvas: HTMLCanvasElement, data: ArrayLike<number>, h: number, w: number, scale = 1): void {
  const img = new ImageData(w, h), P = h * w;
  for (let i = 0; i < P; i++) {
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = 255 * Math.max(0, Math.min(1, data[c * P + i]));
    img.data[4 * i + 3] = 255;
  }
  blit(canvas, img, scale);
}

/** A labelled figure: <figure><canvas><figcaption>, appended to `parent`; returns the canvas. */
export function figure(parent: HTMLElement, caption: string): HTMLCanvasElement {
  const f = document.createElement('figure');
  const c = document.createElement('canvas');
  const cap = document.createElement('figcaption');
  cap.textContent = caption;
  f.append(c, cap);
  parent.append(f);
  return c;
}

/** Puts `img` on `canvas`, each pixel a `scale` × `scale` block (nearest neighbour, no smoothing). */
function blit(canvas: HTMLCanvasElement, img: ImageData, scale: number): void {
  const w = img.width, h = img.height;
  const small = document.createElement('canvas');
  small.width = w; small.height = h;
  small.getContext('2d')!.putImageData(img, 0, 0);
  canvas.width = w * scale; canvas.height = h * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, w * scale, h * scale);
}
