import { FASHION_MNIST_CLASSES } from '../classes.js';
import type { ImageDataset } from '../dataset.js';
import { loadIdxSplit, type IdxSplitOptions } from './idx-split.js';

/** Where Debian's package `dataset-fashion-mnist` installs the four gzipped IDX files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** Where to get Fashion-MNIST (error messages name it when the files are missing). */
export const FASHION_MNIST_SOURCE =
  "Install Debian's package with `apt-get install dataset-fashion-mnist` (files in /usr/share/datasets/fashion-mnist), " +
  'or download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz ' +
  'from https://github.com/zalandoresearch/fashion-mnist (data/fashion) and pass their directory as { dir }.';

/** Fashion-MNIST (60,000 train / 10,000 test, 1x28x28) from Debian's install or `options.dir`. */
export function loadFashionMnist(options: IdxSplitOptions = {}): ImageDataset {
  return loadIdxSplit(
    { name: 'fashion-mnist', numClasses: 10, classNames: FASHION_MNIST_CLASSES, howToGetIt: FASHION_MNIST_SOURCE },
    options.dir ?? FASHION_MNIST_DEBIAN_DIR,
    options,
  );
}
