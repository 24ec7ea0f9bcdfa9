import { ValueError } from '@kwta/core';
import { DIGIT_CLASSES } from '../classes.js';
import type { ImageDataset } from '../dataset.js';
import { loadIdxSplit, type IdxSplitOptions } from './idx-split.js';

/** Where to get MNIST's IDX files (error messages name it when the files are missing). */
export const MNIST_SOURCE =
  'Download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz ' +
  'from http://yann.lecun.com/exdb/mnist/ (or a mirror) and pass their directory as { dir }; ' +
  'for a small embedded set without downloads use loadMnistPackage().';

/** The full MNIST (60,000 / 10,000) from IDX files in `options.dir`. */
export function loadMnist(options: IdxSplitOptions & { dir: string }): ImageDataset {
  if (typeof options?.dir !== 'string') throw new ValueError('loadMnist: options.dir (the directory of the IDX files) is required');
  return loadIdxSplit({ name: 'mnist', numClasses: 10, classNames: DIGIT_CLASSES, howToGetIt: MNIST_SOURCE }, options.dir, options);
}
