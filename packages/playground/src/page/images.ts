/** Digits and perturbations drawn on canvases: grey digits, and a blue-white-red heat map. */
const SIDE = 28;

const grey = (pixels: ArrayLike<number>) => (i: number): [number, number, number] => {
  const v = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
  return [v, v, v];
};

/** A 28 x 28 canvas showing `pixels` (0 black, 1 white, as MNIST is stored). */
export function digitCanvas(pixels: ArrayLike<number>, label: string): HTMLCanvasElement {
  return paint(label, grey(pixels));
}

/** Show `pixels` on an existing 28 x 28 canvas. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number>): void {
  fill(canvas, grey(pixels));
}

/**
 * The perturbation as a heat map over [-scale, scale]: red where a pixel was brightened, blue
 * where it was darkened, white where it was left alone.
 */
export function heatmapCanvas(delta: ArrayLike<number>, scale: number, label: string): HTMLCanvasElement {
  return paint(label, (i) => {
    const t = Math.max(-1, Math.min(1, delta[i] / (scale || 1)));
    const fade = Math.round(255 * (1 - Math.abs(t)));
    return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
  });
}

function paint(label: string, color: (i: number) => [number, number, number]): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = SIDE;
  c.height = SIDE;
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', label);
  fill(c, color);
  return c;
}

function fill(c: HTMLCanvasElement, color: (i: number) => [number, number, number]): void {
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const [r, g, b] = color(i);
    img.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}
