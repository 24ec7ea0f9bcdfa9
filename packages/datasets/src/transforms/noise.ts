import type { Generator } from '@kwta/core';
import { checkFinite, checkImages, clampUnit, type Images, type Transform } from './images.js';

/** Adds independent N(0, sigma^2) noise to every value, then clips to [0, 1] (the paper uses 0.05 and 0.1). */
export function gaussianNoise(sigma: number): Transform {
  const name = `gaussianNoise(sigma=${sigma})`;
  checkFinite(name, 'sigma', sigma, 0);
  return {
    name,
    apply(images: Images, gen: Generator): Images {
      checkImages(name, images);
      const out = new Float32Array(images.data.length);
      for (let i = 0; i < out.length; i++) out[i] = clampUnit(images.data[i] + sigma * gen.normal());
      return { data: out, shape: images.shape };
    },
  };
}
