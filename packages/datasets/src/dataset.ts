import { ShapeError, ValueError, tensor, type Tensor } from '@kwta/core';

/** The two standard splits of a dataset. */
export type Split = 'train' | 'test';

/** [N, C, H, W]. */
export type ImageShape = readonly [number, number, number, number];

/**
 * A labelled image set held in memory: pixels as float32 in [0, 1], laid out N*C*H*W (the layout
 * conv2d takes), and int32 labels in [0, numClasses). Tensors are made per batch, not here, so a
 * large set does not pin backend memory. Treat the arrays as read-only: subsets copy.
 */
export interface ImageDataset {
  readonly name: string;
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly shape: ImageShape;
  readonly numClasses: number;
  readonly classNames?: readonly string[];
}

/** Pixels and labels of a batch, before they become tensors. */
export interface BatchArrays {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly shape: ImageShape;
}

/** Checks every invariant of ImageDataset (sizes agree, pixels in [0,1], labels in range). */
export function createDataset(fields: ImageDataset): ImageDataset {
  const { name, images, labels, shape, numClasses, classNames } = fields;
  const where = `dataset '${name}'`;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${where}: shape must be 4 non-negative integers [N, C, H, W], got [${shape.join(', ')}]`);
  }
  const [n, c, h, w] = shape;
  if (images.length !== n * c * h * w) {
    throw new ShapeError(`${where}: ${images.length} pixel values do not fill shape [${shape.join(', ')}]`);
  }
  if (labels.length !== n) throw new ShapeError(`${where}: ${labels.length} labels for ${n} images`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ValueError(`${where}: numClasses must be a positive integer, got ${numClasses}`);
  if (classNames && classNames.length !== numClasses) {
    throw new ValueError(`${where}: ${classNames.length} class names for ${numClasses} classes`);
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y < 0 || y >= numClasses) throw new ValueError(`${where}: label ${y} of image ${i} is outside [0, ${numClasses})`);
  }
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    // Written so that NaN fails too.
    if (!(v >= 0 && v <= 1)) throw new ValueError(`${where}: pixel value ${v} at flat index ${i} is outside [0, 1]`);
  }
  return Object.freeze({ name, images, labels, shape: Object.freeze([n, c, h, w]) as ImageShape, numClasses, classNames });
}

/** Copies the chosen examples, in the given order, into fresh arrays. */
export function gatherBatch(dataset: ImageDataset, indices: ArrayLike<number>): BatchArrays {
  const [n, c, h, w] = dataset.shape;
  const per = c * h * w;
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new ValueError(`gatherBatch: index ${i} at position ${b} is outside dataset '${dataset.name}' of ${n} examples`);
    }
    images.set(dataset.images.subarray(i * per, (i + 1) * per), b * per);
    labels[b] = dataset.labels[i];
  }
  return { images, labels, shape: [indices.length, c, h, w] };
}

/** A new dataset holding copies of the chosen examples. */
export function subset(dataset: ImageDataset, indices: ArrayLike<number>, name = `${dataset.name}[subset]`): ImageDataset {
  const { images, labels, shape } = gatherBatch(dataset, indices);
  return createDataset({ name, images, labels, shape, numClasses: dataset.numClasses, classNames: dataset.classNames });
}

/** The first `count` examples (all of them if there are fewer). */
export function take(dataset: ImageDataset, count: number): ImageDataset {
  if (!Number.isInteger(count) || count < 0) throw new ValueError(`take: count must be a non-negative integer, got ${count}`);
  const m = Math.min(count, dataset.shape[0]);
  return subset(dataset, Int32Array.from({ length: m }, (_, i) => i), `${dataset.name}[:${m}]`);
}

/** Batch arrays as tensors: images float32 [N, C, H, W], labels int32 [N]. */
export function batchToTensors(batch: BatchArrays): { images: Tensor; labels: Tensor } {
  return { images: tensor(batch.images, [...batch.shape], 'float32'), labels: tensor(batch.labels, [batch.shape[0]], 'int32') };
}

/** Byte b becomes b / 255, through a table so large sets convert quickly. */
const UNIT_OF_BYTE = Float32Array.from({ length: 256 }, (_, b) => b / 255);

/** Bytes b to floats b / 255 in [0, 1], written into `out` from `offset`. */
export function bytesToUnit(bytes: Uint8Array, out: Float32Array = new Float32Array(bytes.length), offset = 0): Float32Array {
  for (let i = 0; i < bytes.length; i++) out[offset + i] = UNIT_OF_BYTE[bytes[i]];
  return out;
}

/** Validates a `limit` option (keep only the first `limit` examples). */
export function checkLimit(where: string, limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new ValueError(`${where}: limit must be a non-negative integer, got ${limit}`);
  return limit;
}

/** A pixel array for `count` values; allocation failure becomes a ValueError that suggests `limit`. */
export function allocatePixels(where: string, count: number): Float32Array {
  try {
    return new Float32Array(count);
  } catch (e) {
    throw new ValueError(`${where}: cannot allocate ${count} float32 pixels (${(e as Error).message}); pass { limit } to load fewer examples`);
  }
}
