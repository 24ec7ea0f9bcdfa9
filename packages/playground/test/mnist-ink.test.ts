import { describe, expect, it } from 'vitest';
import { mnistFromInk } from '../src/page/mnist-ink.js';

/** A side x side drawing with a filled rectangle of ink. */
function rect(side: number, x0: number, y0: number, w: number, h: number): Float32Array {
  const ink = new Float32Array(side * side);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) ink[y * side + x] = 1;
  return ink;
}

function stats(img: Float32Array) {
  let mass = 0, cx = 0, cy = 0, x0 = 28, x1 = -1, y0 = 28, y1 = -1;
  img.forEach((v, i) => {
    const x = i % 28, y = Math.floor(i / 28);
    mass += v; cx += v * x; cy += v * y;
    if (v > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  });
  return { cx: cx / mass, cy: cy / mass, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('a drawing made MNIST-like', () => {
  it('scales the ink to fit 20 x 20 (keeping its shape) and centres its mass', () => {
    const s = stats(mnistFromInk(rect(224, 10, 30, 40, 160), 224));
    expect(s.h).toBe(20);
    expect(s.w).toBe(5);
    expect(Math.abs(s.cx - 13.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(s.cy - 13.5)).toBeLessThanOrEqual(1);
  });

  it('keeps values in [0, 1] and gives an empty image for an empty drawing', () => {
    const img = mnistFromInk(rect(224, 100, 100, 90, 30), 224);
    expect(img.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...img)).toBe(1);
    expect(mnistFromInk(new Float32Array(224 * 224), 224).every((v) => v === 0)).toBe(true);
  });
});
