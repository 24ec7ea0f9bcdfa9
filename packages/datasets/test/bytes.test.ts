import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFormatError, cifar10Dataset, idxDataset, mnistDigitPixels, mnistPackageDataset, parseIdx } from '../src/index.js';
import { loadMnistPackage } from '../src/node.js';
import { cifarBytes, idxBytes, patternBytes } from './helpers/writers.js';

const sameBytes = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/**
 * The default entry works on bytes and arrays a browser has (fetched, dropped, bundled): the
 * builders the Node loaders call, used directly.
 */
describe('datasets from bytes and arrays (no file access)', () => {
  it('idxDataset builds the same dataset loadIdxPair does, and checks ranks, counts and labels', () => {
    const images = parseIdx(idxBytes([3, 2, 2], patternBytes(12)), 'img');
    const labels = parseIdx(idxBytes([3], [4, 0, 9]), 'lab');
    const ds = idxDataset(images, labels, { name: 'toy', numClasses: 10, imagesSource: 'img', labelsSource: 'lab' });
    expect(ds.shape).toEqual([3, 1, 2, 2]);
    expect(Array.from(ds.labels)).toEqual([4, 0, 9]);
    expect(ds.images[5]).toBe(Math.fround(patternBytes(12)[5] / 255));
    const opts = { name: 't', numClasses: 10, imagesSource: 'img', labelsSource: 'lab' };
    expect(() => idxDataset(labels, labels, opts)).toThrow(/^img: IDX rank is 1, expected 3/);
    expect(() => idxDataset(images, images, opts)).toThrow(/^lab: IDX rank is 3, expected 1/);
    expect(() => idxDataset(images, parseIdx(idxBytes([2], [1, 1]), 'lab'), opts)).toThrow(/^lab: 2 labels for the 3 images of img/);
    expect(() => idxDataset(images, labels, { ...opts, numClasses: 5 })).toThrow(DataFormatError);
  });

  it('cifar10Dataset validates every batch before it allocates, naming the bad one', () => {
    const a = cifarBytes([1, 2], patternBytes(2 * 3072, 1));
    const b = cifarBytes([3], patternBytes(3072, 2));
    const ds = cifar10Dataset([{ bytes: a, source: 'a.bin' }, { bytes: b, source: 'b.bin' }], { limit: 2 });
    expect(ds.shape).toEqual([2, 3, 32, 32]);
    expect(Array.from(ds.labels)).toEqual([1, 2]);
    expect(() => cifar10Dataset([{ bytes: a, source: 'a.bin' }, { bytes: b.subarray(1), source: 'b.bin' }])).toThrow(/^b\.bin: /);
  });

  it('the embedded digits built from the JSON arrays (as a browser gets them) equal the Node loader', () => {
    const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
    const digits = Array.from({ length: 10 }, (_, d) => {
      const file = join(root, 'src', 'digits', `${d}.json`);
      return mnistDigitPixels((JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data, file);
    });
    for (const split of ['train', 'test'] as const) {
      const fromArrays = mnistPackageDataset(digits, { split, limit: 300 });
      const fromDisk = loadMnistPackage({ split, limit: 300 });
      expect(fromArrays.name).toBe(fromDisk.name);
      expect(fromArrays.shape).toEqual(fromDisk.shape);
      expect(Array.from(fromArrays.labels)).toEqual(Array.from(fromDisk.labels));
      // Byte for byte (a deep toEqual over 235,200 floats is slow).
      expect(sameBytes(fromArrays.images, fromDisk.images)).toBe(true);
    }
  });

  it('refuses digit arrays that are not the package\'s, naming the source', () => {
    expect(() => mnistDigitPixels({ data: [] }, 'https://x/0.json')).toThrow(/^https:\/\/x\/0\.json: expected \{"data": \[\.\.\.\]\}/);
    expect(() => mnistDigitPixels(new Array(783).fill(0), '0.json')).toThrow(/multiple of 784/);
    const bad = new Array(784 * 201).fill(0);
    bad[17] = 2;
    expect(() => mnistDigitPixels(bad, '0.json')).toThrow(/value 2 at index 17 is not a number in \[0, 1\]/);
    expect(() => mnistDigitPixels(new Array(784 * 200).fill(0), '0.json')).toThrow(/has 200 images, too few/);
    const ok = mnistDigitPixels(new Array(784 * 201).fill(0.5), 'd.json');
    expect(() => mnistPackageDataset([ok, ok])).toThrow(/expected the 10 per-digit arrays, got 2/);
    expect(() => mnistPackageDataset(new Array(10).fill(new Float32Array(784)))).toThrow(/digit 0 is not a checked pixel array/);
    expect(mnistPackageDataset(new Array(10).fill(ok), { split: 'test' }).shape).toEqual([2000, 1, 28, 28]);
  });
});
