import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import type { ImageDataset, Split } from '../dataset.js';
import { CIFAR10_SOURCE, cifar10Dataset, type Cifar10ReadOptions } from '../formats/cifar10.js';
import { readFileBounded } from './files.js';

/** The files of CIFAR-10's training split. */
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
/** The file of CIFAR-10's test split. */
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

/** Reads one or more batch files, all validated before the dataset is allocated. */
export function readCifar10Batches(files: readonly string[], options: Cifar10ReadOptions = {}): ImageDataset {
  return cifar10Dataset(files.map((file) => ({ bytes: readFileBounded(file, CIFAR10_SOURCE, options), source: file })), options);
}

/** CIFAR-10 (50,000 train / 10,000 test, 3x32x32) from the binary batches in `dir`. */
export function loadCifar10(options: Cifar10ReadOptions & { dir: string; split?: Split }): ImageDataset {
  if (typeof options?.dir !== 'string') throw new ValueError('loadCifar10: options.dir (usually .../cifar-10-batches-bin) is required');
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new ValueError(`loadCifar10: split must be 'train' or 'test', got '${String(split)}'`);
  const files = (split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES).map((f) => join(options.dir, f));
  return readCifar10Batches(files, { ...options, name: options.name ?? `cifar10-${split}` });
}
