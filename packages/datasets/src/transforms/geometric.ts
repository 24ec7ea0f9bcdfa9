import { ValueError, type Generator } from '@kwta/core';
import { checkFinite, checkImages, clampUnit, type Images, type Transform } from './images.js';

/**
 * Shifts image `i` by (dx, dy) whole pixels (right and down positive), filling with 0. Writes
 * C*H*W values of `out` starting at the image's offset.
 */
export function translateImage(images: Images, i: number, dx: number, dy: number, out: Float32Array): void {
  const [, c, h, w] = images.shape;
  for (let ch = 0; ch < c; ch++) {
    const base = (i * c + ch) * h * w;
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      for (let x = 0; x < w; x++) {
        const sx = x - dx;
        out[base + y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? images.data[base + sy * w + sx] : 0;
      }
    }
  }
}

/**
 * Rotates image `i` by `degrees` about its centre (counter-clockwise as displayed, rows going
 * down), sampling the source bilinearly; samples outside the image count as 0.
 */
export function rotateImage(images: Images, i: number, degrees: number, out: Float32Array): void {
  const [, c, h, w] = images.shape;
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const src = images.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: where in the source does this output pixel come from.
      const dx = x - cx;
      const dy = y - cy;
      const sx = cx + dx * cos - dy * sin;
      const sy = cy + dx * sin + dy * cos;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const inX0 = x0 >= 0 && x0 < w;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
      const inY0 = y0 >= 0 && y0 < h;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
      // Neighbours outside the image get weight 0 (and a harmless in-range index).
      const w00 = inY0 && inX0 ? (1 - fy) * (1 - fx) : 0;
      const w01 = inY0 && inX1 ? (1 - fy) * fx : 0;
      const w10 = inY1 && inX0 ? fy * (1 - fx) : 0;
      const w11 = inY1 && inX1 ? fy * fx : 0;
      const i00 = w00 ? y0 * w + x0 : 0;
      const i01 = w01 ? y0 * w + x0 + 1 : 0;
      const i10 = w10 ? (y0 + 1) * w + x0 : 0;
      const i11 = w11 ? (y0 + 1) * w + x0 + 1 : 0;
      for (let ch = 0; ch < c; ch++) {
        const base = (i * c + ch) * h * w;
        const v = w00 * src[base + i00] + w01 * src[base + i01] + w10 * src[base + i10] + w11 * src[base + i11];
        out[base + y * w + x] = clampUnit(v);
      }
    }
  }
}

/** Shifts each image by integers drawn uniformly from [-maxShift, maxShift] in x and y (paper: 5). */
export function randomTranslation(maxShift: number): Transform {
  const name = `randomTranslation(maxShift=${maxShift})`;
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new ValueError(`${name}: maxShift must be a non-negative integer, got ${maxShift}`);
  return {
    name,
    apply(images: Images, gen: Generator): Images {
      checkImages(name, images);
      const out = new Float32Array(images.data.length);
      for (let i = 0; i < images.shape[0]; i++) {
        const dx = gen.int(2 * maxShift + 1) - maxShift;
        const dy = gen.int(2 * maxShift + 1) - maxShift;
        translateImage(images, i, dx, dy, out);
      }
      return { data: out, shape: images.shape };
    },
  };
}

/** Rotates each image by an angle drawn uniformly from [-maxDegrees, maxDegrees] (paper: 10), bilinear. */
export function randomRotation(maxDegrees: number): Transform {
  const name = `randomRotation(maxDegrees=${maxDegrees})`;
  checkFinite(name, 'maxDegrees', maxDegrees, 0, 180);
  return {
    name,
    apply(images: Images, gen: Generator): Images {
      checkImages(name, images);
      const out = new Float32Array(images.data.length);
      for (let i = 0; i < images.shape[0]; i++) rotateImage(images, i, (2 * gen.uniform() - 1) * maxDegrees, out);
      return { data: out, shape: images.shape };
    },
  };
}
