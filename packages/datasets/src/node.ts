/**
 * @kwta/datasets/node: the datasets as files on disk (Node's fs and zlib). Every loader reads,
 * checks sizes before allocating, and hands the bytes to the parsers of `@kwta/datasets`.
 */
export { readFileBounded, gunzipBounded, inflateBounded, readMaybeGzip } from './node/files.js';
export { readIdx, loadIdxPair, type IdxPairOptions } from './node/idx.js';
export { findIdxFile, type IdxSplitOptions } from './node/idx-split.js';
export { readMat5 } from './node/mat5.js';
export { readSvhnMat, loadSvhn, type SvhnSplit } from './node/svhn.js';
export { readCifar10Batches, loadCifar10, CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILES } from './node/cifar10.js';
export { loadFashionMnist, FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_SOURCE } from './node/fashion-mnist.js';
export { loadMnist, MNIST_SOURCE } from './node/mnist-idx.js';
export { loadMnistPackage } from './node/mnist-package.js';
