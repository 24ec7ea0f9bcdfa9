import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageDataset } from '../src/index.js';
import { FASHION_MNIST_DEBIAN_DIR, loadFashionMnist } from '../src/node.js';

/**
 * Against the real files of Debian's package dataset-fashion-mnist, which CI installs. A machine
 * without them fails here on purpose: the project's own runs depend on these files.
 */
const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

function requireDebianFiles(): void {
  const missing = FILES.filter((f) => !existsSync(join(FASHION_MNIST_DEBIAN_DIR, f)));
  if (missing.length > 0) {
    throw new Error(
      `Fashion-MNIST files missing from ${FASHION_MNIST_DEBIAN_DIR}: ${missing.join(', ')}. ` +
        'Install them with `apt-get install dataset-fashion-mnist` (.ci/run does this).',
    );
  }
}

function checkSplit(ds: ImageDataset, n: number, firstLabels: number[], meanPixel: number): void {
  expect(ds.shape).toEqual([n, 1, 28, 28]);
  expect(Array.from(ds.labels.subarray(0, firstLabels.length))).toEqual(firstLabels);
  const counts = new Array(10).fill(0);
  for (const y of ds.labels) counts[y]++;
  // Fashion-MNIST is exactly balanced: 6,000 / 1,000 images per class.
  expect(counts).toEqual(new Array(10).fill(n / 10));
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of ds.images) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  expect(min).toBe(0);
  expect(max).toBe(1);
  // Mean pixel of the real files (training set: the commonly quoted 0.2860).
  expect(sum / ds.images.length).toBeCloseTo(meanPixel, 4);
}

describe('Fashion-MNIST from the Debian package', () => {
  it('finds the installed files', requireDebianFiles);

  it('loads the 60,000 training images with the known first labels (9, 0, 0, 3, 0, 2, 7, 2, 5, 5)', () => {
    requireDebianFiles();
    const ds = loadFashionMnist();
    expect(ds.name).toBe('fashion-mnist-train');
    checkSplit(ds, 60000, [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], 0.28604);
  });

  it('loads the 10,000 test images with the known first labels (9, 2, 1, 1, 6, 1, 4, 6, 5, 7)', () => {
    requireDebianFiles();
    const ds = loadFashionMnist({ split: 'test' });
    checkSplit(ds, 10000, [9, 2, 1, 1, 6, 1, 4, 6, 5, 7], 0.28685);
  });
});
