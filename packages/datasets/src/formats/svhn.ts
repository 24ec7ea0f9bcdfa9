import { DataFormatError } from '../errors.js';
import { allocatePixels, checkLimit, createDataset, type ImageDataset } from '../dataset.js';
import type { ReadLimits } from '../io/limits.js';
import type { MatArray } from './mat5.js';

/**
 * SVHN's cropped-digits files (train_32x32.mat, test_32x32.mat, extra_32x32.mat): MAT v5 files
 * with X, a uint8 array of dims [32, 32, 3, N] stored column-major (row index fastest, then
 * column, channel, image), and y, N labels 1..10 where 10 stands for the digit 0.
 */
export const SVHN_SOURCE =
  'Get the cropped-digit files train_32x32.mat, test_32x32.mat (and extra_32x32.mat) from http://ufldl.stanford.edu/housenumbers/.';

/** Options of reading SVHN's .mat files: the dataset's name, an image limit, a size limit. */
export interface SvhnReadOptions extends ReadLimits {
  readonly name?: string;
  /** Keep only the first `limit` images (X and y are still checked whole). */
  readonly limit?: number;
}

/** Builds the dataset from decoded X and y, checking shapes and labels; converts to N, C, H, W. */
export function svhnFromArrays(x: MatArray | undefined, y: MatArray | undefined, file: string, options: SvhnReadOptions = {}): ImageDataset {
  if (!x) throw new DataFormatError(file, "has no numeric variable 'X' (SVHN images)");
  if (!y) throw new DataFormatError(file, "has no numeric variable 'y' (SVHN labels)");
  const [h, w, c, n = 1, ...rest] = x.dims;
  if (x.dims.length > 4 || rest.length > 0 || h !== 32 || w !== 32 || c !== 3) {
    throw new DataFormatError(file, `SVHN X has dims [${x.dims.join(', ')}], expected [32, 32, 3, N]`);
  }
  const yVector = y.dims.length === 2 && (y.dims[1] === 1 || y.dims[0] === 1);
  if (!yVector || y.data.length !== n) {
    throw new DataFormatError(file, `SVHN y has dims [${y.dims.join(', ')}], expected [${n}, 1] to match X`);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i];
    if (!(Number.isInteger(v) && v >= 1 && v <= 10)) throw new DataFormatError(file, `SVHN label ${v} of image ${i} is not an integer in 1..10`);
    labels[i] = v % 10; // SVHN writes the digit 0 as label 10.
  }
  const m = options.limit === undefined ? n : Math.min(n, checkLimit(options.name ?? 'svhn', options.limit));
  const images = allocatePixels(file, m * 3 * 32 * 32);
  const src = x.data;
  // Column-major X[h, w, c, n] sits at h + 32 w + 1024 c + 3072 n; output is row-major [n, c, h, w].
  for (let img = 0; img < m; img++) {
    for (let ch = 0; ch < 3; ch++) {
      const srcPlane = img * 3072 + ch * 1024;
      const dstPlane = (img * 3 + ch) * 1024;
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) {
          const v = src[srcPlane + col * 32 + row];
          if (!(v >= 0 && v <= 255)) {
            throw new DataFormatError(file, `SVHN pixel ${v} of image ${img} is outside 0..255`);
          }
          images[dstPlane + row * 32 + col] = v / 255;
        }
      }
    }
  }
  return createDataset({
    name: options.name ?? 'svhn',
    images,
    labels: labels.subarray(0, m).slice(),
    shape: [m, 3, 32, 32],
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  });
}
