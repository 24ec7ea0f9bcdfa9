import { mnistPackageDataset, type ImageDataset } from '@kwta/datasets';

/** The embedded MNIST digits as the playground uses them: a training prefix and the test split. */
export interface DigitSets {
  train: ImageDataset;
  /** The whole test split (2,000 digits, balanced); training reports accuracy on a prefix. */
  test: ImageDataset;
}

/** From the ten checked per-digit arrays (`mnistDigitPixels`), however they were read. */
export function digitSets(digits: readonly Float32Array[]): DigitSets {
  return { train: mnistPackageDataset(digits, { split: 'train' }), test: mnistPackageDataset(digits, { split: 'test' }) };
}

/** Digit i of a dataset as 784 numbers. */
export function digitPixels(ds: ImageDataset, i: number): Float32Array {
  const per = ds.images.length / ds.shape[0];
  return ds.images.subarray(i * per, (i + 1) * per);
}
