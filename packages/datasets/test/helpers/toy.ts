import { Generator } from '@kwta/core';
import { createDataset, type ImageDataset } from '../../src/index.js';

/** A small dataset whose image i is filled with (i + 1) / (n + 1) and labelled i % classes. */
export function toyDataset(n: number, shape: [number, number, number] = [1, 4, 4], classes = 10): ImageDataset {
  const per = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(n * per);
  for (let i = 0; i < n; i++) images.fill((i + 1) / (n + 1), i * per, (i + 1) * per);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  return createDataset({ name: 'toy', images, labels, shape: [n, ...shape], numClasses: classes });
}

/** Uniform random images in [0, 1], with exact 0s and 1s mixed in. */
export function randomImages(shape: [number, number, number, number], seed: number): Float32Array {
  const gen = new Generator(seed);
  const out = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  for (let i = 0; i < out.length; i++) {
    const u = gen.uniform();
    out[i] = u < 0.1 ? 0 : u > 0.9 ? 1 : gen.uniform();
  }
  return out;
}
