import { DTypeError, ShapeError, ValueError, tensor, type Generator, type Tensor } from '@kwta/core';
import { createDataset, type ImageDataset, type ImageShape } from '../dataset.js';

/** A batch of images as a plain array: N*C*H*W float32 values in [0, 1]. */
export interface Images {
  readonly data: Float32Array;
  readonly shape: ImageShape;
}

/**
 * A seeded image transform. `apply` never modifies its input, draws its randomness from `gen`
 * in a fixed order (image by image), and returns values in [0, 1].
 */
export interface Transform {
  readonly name: string;
  /** The transformed images (a new array; values in [0, 1]), drawing randomness from `gen`. */
  apply(images: Images, gen: Generator): Images;
}

/** Checks the shape matches the data and every value is in [0, 1] (NaN included). */
export function checkImages(where: string, images: Images): void {
  const { data, shape } = images;
  if (!(data instanceof Float32Array)) throw new DTypeError(`${where}: images must be a Float32Array`);
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${where}: images shape must be [N, C, H, W], got [${shape.join(', ')}]`);
  }
  const size = shape[0] * shape[1] * shape[2] * shape[3];
  if (data.length !== size) throw new ShapeError(`${where}: ${data.length} values do not fill shape [${shape.join(', ')}]`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 1)) throw new ValueError(`${where}: value ${v} at flat index ${i} is outside [0, 1]`);
  }
}

/** Runs transforms left to right with one generator. */
export function compose(...transforms: Transform[]): Transform {
  return {
    name: transforms.map((t) => t.name).join(' > ') || 'identity',
    apply: (images, gen) => transforms.reduce((acc, t) => t.apply(acc, gen), images),
  };
}

/** Applies a transform to a float32 tensor of shape [N, C, H, W] or one image [C, H, W]. */
export function transformTensor(transform: Transform, x: Tensor, gen: Generator): Tensor {
  if (x.dtype !== 'float32') throw new DTypeError(`${transform.name}: expected a float32 tensor, got ${x.dtype}`);
  if (x.rank !== 3 && x.rank !== 4) {
    throw new ShapeError(`${transform.name}: expected [N, C, H, W] or [C, H, W], got [${x.shape.join(', ')}]`);
  }
  const shape = (x.rank === 4 ? x.shape : [1, ...x.shape]) as unknown as ImageShape;
  const out = transform.apply({ data: x.dataSync() as Float32Array, shape }, gen);
  return tensor(out.data, x.rank === 4 ? [...out.shape] : out.shape.slice(1), 'float32');
}

/** A transformed copy of a whole dataset (e.g. a perturbed test set for the Table 5 evaluation). */
export function transformDataset(transform: Transform, dataset: ImageDataset, gen: Generator): ImageDataset {
  const out = transform.apply({ data: dataset.images, shape: dataset.shape }, gen);
  return createDataset({ ...dataset, name: `${dataset.name}|${transform.name}`, images: out.data, shape: out.shape });
}

/** Applies a transform to a single image given as C*H*W values. */
export function transformImage(transform: Transform, image: Float32Array, shape: readonly [number, number, number], gen: Generator): Images {
  return transform.apply({ data: image, shape: [1, ...shape] }, gen);
}

export function clampUnit(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export function checkFinite(where: string, name: string, v: number, min: number, max = Infinity): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ValueError(`${where}: ${name} must be a finite number in [${min}, ${max}], got ${v}`);
  }
}
