import { ValueError, type Generator } from '@kwta/core';
import { checkFinite, checkImages, clampUnit, type Images, type Transform } from './images.js';

/**
 * Colour jitter as torchvision's ColorJitter defines it (the paper follows Hendrycks & Dietterich):
 * each factor is drawn uniformly from [max(0, 1 - s), 1 + s] and the three adjustments run in a
 * random order, each clipping to [0, 1]:
 * - brightness f: x * f;
 * - contrast f: blend with the image's mean grey level, f x + (1 - f) mean(gray(x));
 * - saturation f: blend with the pixel's grey level, f x + (1 - f) gray(x).
 * gray() is the ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B) for 3 channels and the image itself
 * for 1 channel, so on grayscale images saturation is the identity (its factor is still drawn,
 * so a seed gives the same draws whatever the channel count).
 */
export interface ColorJitterOptions {
  readonly brightness?: number;
  readonly contrast?: number;
  readonly saturation?: number;
}

const LUMA = [0.299, 0.587, 0.114] as const;

/** Grey level of pixel p of image i (whose planes start at `base`). */
function gray(data: Float32Array, base: number, plane: number, channels: number, p: number): number {
  if (channels === 1) return data[base + p];
  return LUMA[0] * data[base + p] + LUMA[1] * data[base + plane + p] + LUMA[2] * data[base + 2 * plane + p];
}

/** Scale `size` values from `base` by `factor`, clipped into [0, 1] (in place). */
export function adjustBrightness(data: Float32Array, base: number, size: number, factor: number): void {
  for (let k = base; k < base + size; k++) data[k] = clampUnit(data[k] * factor);
}

/**
 * Blend an image (from `base`) with its mean grey level: factor 1 leaves it, 0 makes it flat grey (in place).
 */
export function adjustContrast(data: Float32Array, base: number, channels: number, plane: number, factor: number): void {
  let mean = 0;
  for (let p = 0; p < plane; p++) mean += gray(data, base, plane, channels, p);
  mean /= plane;
  for (let k = base; k < base + channels * plane; k++) data[k] = clampUnit(factor * data[k] + (1 - factor) * mean);
}

/** Blend an image (from `base`) with its grey version: factor 1 leaves it, 0 makes it grey (in place). */
export function adjustSaturation(data: Float32Array, base: number, channels: number, plane: number, factor: number): void {
  if (channels === 1) return; // A grey image is its own grey version: the blend changes nothing.
  for (let p = 0; p < plane; p++) {
    const g = gray(data, base, plane, channels, p);
    for (let ch = 0; ch < channels; ch++) {
      const k = base + ch * plane + p;
      data[k] = clampUnit(factor * data[k] + (1 - factor) * g);
    }
  }
}

/**
 * A transform that changes each image's brightness, contrast and saturation by random factors (torchvision's
 * ColorJitter).
 */
export function colorJitter(options: ColorJitterOptions = {}): Transform {
  const brightness = options.brightness ?? 0.4;
  const contrast = options.contrast ?? 0.4;
  const saturation = options.saturation ?? 0.4;
  const name = `colorJitter(brightness=${brightness}, contrast=${contrast}, saturation=${saturation})`;
  checkFinite(name, 'brightness', brightness, 0);
  checkFinite(name, 'contrast', contrast, 0);
  checkFinite(name, 'saturation', saturation, 0);
  const factor = (gen: Generator, s: number): number => {
    const lo = Math.max(0, 1 - s);
    return lo + gen.uniform() * (1 + s - lo);
  };
  return {
    name,
    apply(images: Images, gen: Generator): Images {
      checkImages(name, images);
      const [n, c, h, w] = images.shape;
      if (c !== 1 && c !== 3) throw new ValueError(`${name}: images must have 1 or 3 channels, got ${c}`);
      const plane = h * w;
      const out = images.data.slice();
      const order = [0, 1, 2];
      for (let i = 0; i < n; i++) {
        const base = i * c * plane;
        const fb = factor(gen, brightness);
        const fc = factor(gen, contrast);
        const fs = factor(gen, saturation);
        gen.shuffle(order);
        for (const op of order) {
          if (op === 0) adjustBrightness(out, base, c * plane, fb);
          else if (op === 1) adjustContrast(out, base, c, plane, fc);
          else adjustSaturation(out, base, c, plane, fs);
        }
      }
      return { data: out, shape: images.shape };
    },
  };
}
