import { ValueError, type Generator } from '@kwta/core';
import { checkFinite, checkImages, type Images, type Transform } from './images.js';

/**
 * Training augmentations of the CIFAR kind: pad with zeros and crop at a random offset, and
 * flip left-right with probability p. Each image gets its own draws.
 */
export function randomCrop(options: { padding: number; size?: readonly [number, number] }): Transform {
  const name = `randomCrop(padding=${options.padding})`;
  if (!Number.isInteger(options.padding) || options.padding < 0) {
    throw new ValueError(`${name}: padding must be a non-negative integer, got ${options.padding}`);
  }
  return {
    name,
    apply(images: Images, gen: Generator): Images {
      checkImages(name, images);
      const [n, c, h, w] = images.shape;
      const [outH, outW] = options.size ?? [h, w];
      const p = options.padding;
      const rangeY = h + 2 * p - outH;
      const rangeX = w + 2 * p - outW;
      if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1 || rangeY < 0 || rangeX < 0) {
        throw new ValueError(`${name}: crop size ${outH}x${outW} must be positive integers that fit the padded ${h + 2 * p}x${w + 2 * p} image`);
      }
      const out = new Float32Array(n * c * outH * outW);
      for (let i = 0; i < n; i++) {
        // Top-left corner of the crop in unpadded coordinates.
        const top = gen.int(rangeY + 1) - p;
        const left = gen.int(rangeX + 1) - p;
        for (let ch = 0; ch < c; ch++) {
          const src = (i * c + ch) * h * w;
          const dst = (i * c + ch) * outH * outW;
          for (let y = 0; y < outH; y++) {
            const sy = y + top;
            if (sy < 0 || sy >= h) continue;
            for (let x = 0; x < outW; x++) {
              const sx = x + left;
              if (sx >= 0 && sx < w) out[dst + y * outW + x] = images.data[src + sy * w + sx];
            }
          }
        }
      }
      return { data: out, shape: [n, c, outH, outW] };
    },
  };
}

/** A transform that mirrors each image left to right with probability `p` (default 0.5). */
export function horizontalFlip(options: { p?: number } = {}): Transform {
  const p = options.p ?? 0.5;
  const name = `horizontalFlip(p=${p})`;
  checkFinite(name, 'p', p, 0, 1);
  return {
    name,
    apply(images: Images, gen: Generator): Images {
      checkImages(name, images);
      const [n, c, h, w] = images.shape;
      const out = images.data.slice();
      for (let i = 0; i < n; i++) {
        if (gen.uniform() >= p) continue;
        for (let row = (i * c) * h; row < (i + 1) * c * h; row++) {
          const base = row * w;
          for (let x = 0; x < w; x++) out[base + x] = images.data[base + w - 1 - x];
        }
      }
      return { data: out, shape: images.shape };
    },
  };
}
