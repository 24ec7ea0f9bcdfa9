import { Generator, tensor, ValueError } from '@kwta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  colorJitter,
  compose,
  gaussianNoise,
  horizontalFlip,
  naturalPerturbations,
  randomCrop,
  randomRotation,
  randomTranslation,
  rotateImage,
  transformDataset,
  transformImage,
  transformTensor,
  translateImage,
  type Images,
  type ImageShape,
  type Transform,
} from '../src/index.js';
import { randomImages, toyDataset } from './helpers/toy.js';

const all: Transform[] = [
  randomCrop({ padding: 4 }),
  horizontalFlip(),
  ...Object.values(naturalPerturbations()),
  colorJitter({ brightness: 0.9, contrast: 0.9, saturation: 0.9 }),
  compose(randomCrop({ padding: 2 }), horizontalFlip(), gaussianNoise(0.1)),
];

const shapeArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(1, 3), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }));

function images(shape: ImageShape, seed: number): Images {
  return { data: randomImages([...shape] as [number, number, number, number], seed), shape };
}

describe('transforms keep shapes and [0, 1], and are reproducible', () => {
  for (const t of all) {
    it(t.name, () => {
      fc.assert(
        fc.property(shapeArb, fc.nat(), fc.nat(), (shape, dataSeed, seed) => {
          const input = images(shape, dataSeed);
          const copy = input.data.slice();
          const out = t.apply(input, new Generator(seed));
          expect(out.shape).toEqual(shape);
          expect(out.data.length).toBe(input.data.length);
          for (const v of out.data) if (!(v >= 0 && v <= 1)) throw new Error(`value ${v} outside [0, 1]`);
          expect(input.data).toEqual(copy); // input untouched
          expect(t.apply(input, new Generator(seed)).data).toEqual(out.data);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe('augmentations', () => {
  const x = images([2, 3, 5, 6], 11);

  it('horizontalFlip with p = 1 mirrors each row; twice is the identity; p = 0 is the identity', () => {
    const flip = horizontalFlip({ p: 1 });
    const once = flip.apply(x, new Generator(0)).data;
    expect(once[0 * 6 + 0]).toBe(x.data[5]);
    expect(once[(1 * 3 + 2) * 30 + 4 * 6 + 1]).toBe(x.data[(1 * 3 + 2) * 30 + 4 * 6 + 4]);
    expect(flip.apply({ data: once, shape: x.shape }, new Generator(1)).data).toEqual(x.data);
    expect(horizontalFlip({ p: 0 }).apply(x, new Generator(0)).data).toEqual(x.data);
  });

  it('randomCrop without padding at full size is the identity; with padding it is a zero-filled shift', () => {
    expect(randomCrop({ padding: 0 }).apply(x, new Generator(5)).data).toEqual(x.data);
    const one = images([1, 1, 6, 6], 3);
    const out = randomCrop({ padding: 2 }).apply(one, new Generator(9)).data;
    // Find the shift (dx, dy) in [-2, 2]^2 that explains the output exactly.
    const matches: string[] = [];
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++) {
        const shifted = new Float32Array(36);
        translateImage(one, 0, dx, dy, shifted);
        if (shifted.every((v, i) => v === out[i])) matches.push(`${dx},${dy}`);
      }
    expect(matches.length).toBe(1);
    expect(randomCrop({ padding: 1, size: [3, 4] }).apply(x, new Generator(1)).shape).toEqual([2, 3, 3, 4]);
  });

  it('refuses bad parameters and bad images', () => {
    expect(() => randomCrop({ padding: -1 })).toThrow(ValueError);
    expect(() => randomCrop({ padding: 1, size: [9, 9] }).apply(x, new Generator(1))).toThrow(/must be positive integers that fit/);
    expect(() => horizontalFlip({ p: 2 })).toThrow(ValueError);
    expect(() => gaussianNoise(Number.NaN)).toThrow(ValueError);
    expect(() => randomTranslation(1.5)).toThrow(ValueError);
    const bad = { data: Float32Array.of(0.5, Number.NaN), shape: [1, 1, 1, 2] as const };
    expect(() => gaussianNoise(0.1).apply(bad, new Generator(1))).toThrow(/value NaN at flat index 1 is outside \[0, 1\]/);
    expect(() => colorJitter().apply(images([1, 2, 2, 2], 1), new Generator(1))).toThrow(/1 or 3 channels/);
  });
});

describe('natural perturbations (paper Table 5)', () => {
  it('has the table columns and parameters', () => {
    const p = naturalPerturbations();
    expect(Object.keys(p)).toEqual(['GN(0.05)', 'GN(0.1)', 'Translation', 'Rotation', 'ColorJitter']);
    expect(p['GN(0.05)'].name).toBe('gaussianNoise(sigma=0.05)');
    expect(p['GN(0.1)'].name).toBe('gaussianNoise(sigma=0.1)');
    expect(p.Translation.name).toBe('randomTranslation(maxShift=5)');
    expect(p.Rotation.name).toBe('randomRotation(maxDegrees=10)');
    expect(p.ColorJitter.name).toBe('colorJitter(brightness=0.4, contrast=0.4, saturation=0.4)');
  });

  it('Gaussian noise has the asked standard deviation away from the clip', () => {
    const grey = { data: new Float32Array(20000).fill(0.5), shape: [1, 1, 100, 200] as const };
    for (const sigma of [0.05, 0.1]) {
      const out = gaussianNoise(sigma).apply(grey, new Generator(1)).data;
      let s = 0;
      let s2 = 0;
      for (const v of out) {
        s += v - 0.5;
        s2 += (v - 0.5) ** 2;
      }
      expect(Math.abs(s / out.length)).toBeLessThan(0.003);
      expect(Math.sqrt(s2 / out.length)).toBeCloseTo(sigma, 2);
    }
    const clipped = gaussianNoise(0.1).apply({ data: new Float32Array(1000).fill(1), shape: [1, 1, 1, 1000] }, new Generator(2)).data;
    expect(Math.max(...clipped)).toBe(1);
    expect(Math.min(...clipped)).toBeLessThan(1);
  });

  it('translation shifts by whole pixels within +-5 and fills with 0', () => {
    const x = images([1, 1, 12, 12], 4);
    const out = new Float32Array(144);
    translateImage(x, 0, 2, -1, out);
    expect(out[5 * 12 + 7]).toBe(x.data[6 * 12 + 5]);
    expect(out[11 * 12 + 3]).toBe(0);
    expect(out[4 * 12 + 1]).toBe(0);
    const shifts = new Set<string>();
    const t = randomTranslation(5);
    for (let seed = 0; seed < 60; seed++) {
      const y = t.apply(x, new Generator(seed)).data;
      let found = '';
      for (let dy = -5; dy <= 5 && !found; dy++)
        for (let dx = -5; dx <= 5 && !found; dx++) {
          translateImage(x, 0, dx, dy, out);
          if (out.every((v, i) => v === y[i])) found = `${dx},${dy}`;
        }
      expect(found).not.toBe('');
      shifts.add(found);
    }
    expect(shifts.size).toBeGreaterThan(20);
  });

  it('rotation: 0 degrees is the identity, 90 degrees permutes pixels exactly, bilinear in between', () => {
    const x = images([1, 2, 5, 5], 8);
    const out = new Float32Array(50);
    rotateImage(x, 0, 0, out);
    expect(out).toEqual(x.data);
    rotateImage(x, 0, 90, out);
    // Counter-clockwise as displayed: output (row y, col x) comes from source (row x, col 4 - y).
    for (let ch = 0; ch < 2; ch++)
      for (let r = 0; r < 5; r++)
        for (let c = 0; c < 5; c++) expect(out[ch * 25 + r * 5 + c]).toBeCloseTo(x.data[ch * 25 + c * 5 + (4 - r)], 6);
    // A constant image stays constant near its centre at small angles (weights sum to 1).
    const flat = { data: new Float32Array(81).fill(0.7), shape: [1, 1, 9, 9] as const };
    const rotated = new Float32Array(81);
    rotateImage(flat, 0, 7, rotated);
    expect(rotated[4 * 9 + 4]).toBeCloseTo(0.7, 6);
    expect(rotated[3 * 9 + 5]).toBeCloseTo(0.7, 6);
    // A horizontal ramp rotated by a small angle: the centre keeps its value, a bilinear blend elsewhere.
    const ramp = { data: Float32Array.from({ length: 81 }, (_, i) => (i % 9) / 8), shape: [1, 1, 9, 9] as const };
    rotateImage(ramp, 0, 10, rotated);
    expect(rotated[4 * 9 + 4]).toBeCloseTo(0.5, 6);
    const theta = (10 * Math.PI) / 180;
    // Output (row 4, col 6): source x = 4 + 2 cos(theta), between columns 5 and 6.
    expect(rotated[4 * 9 + 6]).toBeCloseTo((4 + 2 * Math.cos(theta)) / 8, 5);
  });

  it('random rotation stays within +-10 degrees', () => {
    // Rotating a ramp by theta changes the centre row's right end by a known amount: recover theta.
    const ramp = { data: Float32Array.from({ length: 81 }, (_, i) => (i % 9) / 8), shape: [1, 1, 9, 9] as const };
    const angles: number[] = [];
    for (let seed = 0; seed < 30; seed++) {
      const y = randomRotation(10).apply(ramp, new Generator(seed)).data;
      const cosTheta = (y[4 * 9 + 6] * 8 - 4) / 2;
      expect(cosTheta).toBeGreaterThanOrEqual(Math.cos((10 * Math.PI) / 180) - 1e-5);
      angles.push((Math.acos(Math.min(1, cosTheta)) * 180) / Math.PI);
    }
    // Magnitudes spread over [0, 10], not stuck at one value.
    expect(Math.max(...angles)).toBeGreaterThan(7);
    expect(Math.min(...angles)).toBeLessThan(3);
  });

  it('colour jitter: zero strength is the identity; saturation leaves grey images alone', () => {
    const rgb = images([2, 3, 4, 4], 21);
    expect(colorJitter({ brightness: 0, contrast: 0, saturation: 0 }).apply(rgb, new Generator(1)).data).toEqual(rgb.data);
    const grey = images([2, 1, 4, 4], 22);
    expect(colorJitter({ brightness: 0, contrast: 0, saturation: 0.9 }).apply(grey, new Generator(1)).data).toEqual(grey.data);
    // Saturation 0..1.9 on an RGB image whose channels are equal changes nothing either.
    const plane = rgb.data.subarray(0, 16);
    const neutral = { data: Float32Array.from([...plane, ...plane, ...plane]), shape: [1, 3, 4, 4] as const };
    const sat = colorJitter({ brightness: 0, contrast: 0, saturation: 0.9 }).apply(neutral, new Generator(3)).data;
    for (let i = 0; i < 48; i++) expect(sat[i]).toBeCloseTo(neutral.data[i], 6);
    // Brightness only: every pixel of an image is scaled by one factor in [0.6, 1.4].
    const half = { data: new Float32Array(32).fill(0.5), shape: [2, 1, 4, 4] as const };
    const bright = colorJitter({ brightness: 0.4, contrast: 0, saturation: 0 }).apply(half, new Generator(4)).data;
    for (let i = 0; i < 2; i++) {
      const f = bright[i * 16] / 0.5;
      expect(f).toBeGreaterThanOrEqual(0.6);
      expect(f).toBeLessThanOrEqual(1.4);
      for (let k = 0; k < 16; k++) expect(bright[i * 16 + k]).toBeCloseTo(0.5 * f, 6);
    }
    // Contrast only: a constant image is its own mean, so it does not change.
    const contrast = colorJitter({ brightness: 0, contrast: 0.4, saturation: 0 }).apply(half, new Generator(5)).data;
    for (const v of contrast) expect(v).toBeCloseTo(0.5, 6);
  });
});

describe('tensors and single images', () => {
  it('transformTensor takes [N, C, H, W] or [C, H, W] float32 tensors', () => {
    const x = images([2, 1, 3, 3], 1);
    const t4 = transformTensor(gaussianNoise(0.1), tensor(x.data, [2, 1, 3, 3]), new Generator(5));
    expect(t4.shape).toEqual([2, 1, 3, 3]);
    expect(Array.from(t4.dataSync())).toEqual(Array.from(gaussianNoise(0.1).apply(x, new Generator(5)).data));
    const t3 = transformTensor(horizontalFlip({ p: 1 }), tensor(x.data.subarray(0, 9), [1, 3, 3]), new Generator(5));
    expect(t3.shape).toEqual([1, 3, 3]);
    expect(() => transformTensor(horizontalFlip(), tensor([1, 2], [2]), new Generator(1))).toThrow(/expected \[N, C, H, W\] or \[C, H, W\]/);
    expect(() => transformTensor(horizontalFlip(), tensor([[[1]]], [1, 1, 1], 'int32'), new Generator(1))).toThrow(/float32/);
    [t4, t3].forEach((t) => t.dispose());
  });

  it('transformImage takes one image as C*H*W values', () => {
    const x = images([1, 3, 4, 4], 2);
    const out = transformImage(randomRotation(10), x.data, [3, 4, 4], new Generator(1));
    expect(out.shape).toEqual([1, 3, 4, 4]);
    expect(out.data).toEqual(randomRotation(10).apply(x, new Generator(1)).data);
  });

  it('transformDataset makes a transformed copy with the same labels', () => {
    const ds = toyDataset(6, [1, 5, 5]);
    const noisy = transformDataset(gaussianNoise(0.1), ds, new Generator(3));
    expect(noisy.name).toBe('toy|gaussianNoise(sigma=0.1)');
    expect(noisy.shape).toEqual(ds.shape);
    expect(noisy.labels).toEqual(ds.labels);
    expect(noisy.images).toEqual(gaussianNoise(0.1).apply({ data: ds.images, shape: ds.shape }, new Generator(3)).data);
    expect(noisy.images).not.toEqual(ds.images);
  });
});
