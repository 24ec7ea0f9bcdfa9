import { DataFormatError } from '../errors.js';
import { allocatePixels, bytesToUnit, checkLimit, createDataset, type ImageDataset } from '../dataset.js';
import type { ReadLimits } from '../io/limits.js';

/**
 * CIFAR-10's binary batches: records of 1 label byte then 3072 pixel bytes (1024 red, 1024 green,
 * 1024 blue, each plane row-major 32x32), so a record is already in C, H, W order.
 */
export const CIFAR10_IMAGE_BYTES = 3 * 32 * 32;
/** Bytes of one CIFAR-10 record: one label byte, then the image. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
/** CIFAR-10's class names, label by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** Checks that the bytes are whole records with labels 0-9; returns the record count. */
export function validateCifar10Batch(bytes: Uint8Array, file: string): number {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new DataFormatError(
      file,
      `CIFAR-10 batch of ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records (truncated or not a CIFAR-10 binary batch)`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  for (let r = 0; r < count; r++) {
    const label = bytes[r * CIFAR10_RECORD_BYTES];
    if (label >= CIFAR10_CLASSES.length) {
      throw new DataFormatError(file, `label ${label} of record ${r} is outside [0, 10) (not a CIFAR-10 binary batch?)`);
    }
  }
  return count;
}

/** Where to get CIFAR-10 (error messages name it when the files are missing). */
export const CIFAR10_SOURCE =
  'Get the CIFAR-10 binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html and extract it; ' +
  'the batches are data_batch_1.bin ... data_batch_5.bin and test_batch.bin in cifar-10-batches-bin/.';

/** Options of reading CIFAR-10 batches: the dataset's name, a record limit, a size limit. */
export interface Cifar10ReadOptions extends ReadLimits {
  readonly name?: string;
  /** Keep only the first `limit` records overall (every file is still checked whole). */
  readonly limit?: number;
}

/** One batch file's bytes and what they came from (a path or URL, named in errors). */
export interface Cifar10Batch {
  readonly bytes: Uint8Array;
  readonly source: string;
}

/** Builds the dataset from one or more batches, all validated before the dataset is allocated. */
export function cifar10Dataset(batches: readonly Cifar10Batch[], options: Cifar10ReadOptions = {}): ImageDataset {
  const name = options.name ?? 'cifar10';
  const checked = batches.map(({ bytes, source }) => ({ bytes, count: validateCifar10Batch(bytes, source) }));
  const total = checked.reduce((s, b) => s + b.count, 0);
  const n = options.limit === undefined ? total : Math.min(total, checkLimit(name, options.limit));
  const images = allocatePixels(name, n * CIFAR10_IMAGE_BYTES);
  const labels = new Int32Array(n);
  let i = 0;
  for (const { bytes, count } of checked) {
    for (let r = 0; r < count && i < n; r++, i++) {
      const at = r * CIFAR10_RECORD_BYTES;
      labels[i] = bytes[at];
      bytesToUnit(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), images, i * CIFAR10_IMAGE_BYTES);
    }
  }
  return createDataset({ name, images, labels, shape: [n, 3, 32, 32], numClasses: 10, classNames: CIFAR10_CLASSES });
}
