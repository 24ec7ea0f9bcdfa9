import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError, DataNotFoundError, SVHN_SOURCE } from '../src/index.js';
import { loadSvhn, readSvhnMat } from '../src/node.js';
import { MI, MX, matBytes, patternBytes, svhnVariables, tempDir, writeFile } from './helpers/writers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const digits = [0, 5, 9, 1];
const pixels = patternBytes(digits.length * 3072, 4);

describe('SVHN .mat reader', () => {
  for (const yStorage of [MI.UINT8, MI.DOUBLE]) {
    it(`turns column-major X [32, 32, 3, N] into N, C, H, W and label 10 into 0 (y stored as type ${yStorage})`, () => {
      writeFile(dir, 'train_32x32.mat', matBytes(svhnVariables(pixels, digits, yStorage)));
      const ds = loadSvhn({ dir });
      expect(ds.name).toBe('svhn-train');
      expect(ds.shape).toEqual([4, 3, 32, 32]);
      expect(Array.from(ds.labels)).toEqual(digits);
      for (let i = 0; i < pixels.length; i++) {
        if (ds.images[i] !== Math.fround(pixels[i] / 255)) throw new Error(`pixel ${i}: ${ds.images[i]} vs ${pixels[i] / 255}`);
      }
    });
  }

  it('reads the SciPy-written fixture with the right orientation', () => {
    const ds = readSvhnMat(fileURLToPath(new URL('./fixtures/scipy-svhn-tiny.mat', import.meta.url)));
    expect(Array.from(ds.labels)).toEqual([0, 3]);
    // Image 1, channel 2, row 4, column 6: (7*4 + 3*6 + 50*2 + 11) % 256.
    expect(ds.images[((1 * 3 + 2) * 32 + 4) * 32 + 6] * 255).toBeCloseTo((28 + 18 + 100 + 11) % 256, 4);
  });

  it('honours limit and reads uncompressed files too', () => {
    writeFile(dir, 'test_32x32.mat', matBytes(svhnVariables(pixels, digits), { compress: false }));
    const ds = loadSvhn({ dir, split: 'test', limit: 2 });
    expect(ds.shape).toEqual([2, 3, 32, 32]);
    expect(Array.from(ds.labels)).toEqual([0, 5]);
  });

  it('refuses wrong dims, labels outside 1..10 and missing variables', () => {
    const [x, y] = svhnVariables(pixels, digits);
    const bad = (vars: typeof x[]) => writeFile(dir, 'bad.mat', matBytes(vars));
    expect(() => readSvhnMat(bad([{ ...x, dims: [32, 32, 4, 3] }, y]))).toThrow(/X has dims \[32, 32, 4, 3\], expected \[32, 32, 3, N\]/);
    expect(() => readSvhnMat(bad([x, { ...y, dims: [3, 1], values: [1, 2, 3] }]))).toThrow(/y has dims \[3, 1\], expected \[4, 1\]/);
    expect(() => readSvhnMat(bad([x, { ...y, values: [1, 0, 2, 3] }]))).toThrow(/label 0 of image 1 is not an integer in 1\.\.10/);
    expect(() => readSvhnMat(bad([x, { ...y, classCode: MX.DOUBLE, values: [1, 2.5, 2, 3], storage: MI.DOUBLE }]))).toThrow(DataFormatError);
    expect(() => readSvhnMat(bad([x]))).toThrow(/has no numeric variable 'y'/);
  });

  it('a missing file names it and where SVHN comes from', () => {
    expect(() => loadSvhn({ dir, split: 'extra' })).toThrow(DataNotFoundError);
    expect(() => loadSvhn({ dir, split: 'extra' })).toThrow(join(dir, 'extra_32x32.mat'));
    expect(() => loadSvhn({ dir, split: 'extra' })).toThrow(SVHN_SOURCE);
  });
});
