import { Generator as RandomGenerator, ValueError, type Tensor } from '@kwta/core';
import { batchToTensors, gatherBatch, type BatchArrays, type ImageDataset } from './dataset.js';
import { generatorFor } from './seed.js';
import type { Transform } from './transforms/images.js';

/** Options of a {@link DataLoader}: batch size, shuffling, seed, transform. */
export interface DataLoaderOptions {
  readonly batchSize: number;
  /** Reshuffle every epoch (default true). */
  readonly shuffle?: boolean;
  /**
   * Seed for the shuffles and the transform's draws; required when either is used. A Generator
   * is accepted too: the loader takes its seed from two draws of it, once, at construction.
   */
  readonly seed?: number | RandomGenerator;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  readonly dropLast?: boolean;
  /** Applied to each batch before it becomes tensors (augmentation, perturbation). */
  readonly transform?: Transform;
}

/** One batch: images float32 [N, C, H, W] in [0, 1], labels int32 [N]. The caller owns (disposes) the tensors. */
export interface Batch {
  readonly images: Tensor;
  readonly labels: Tensor;
  /** Positions of these examples in the dataset. */
  readonly indices: Int32Array;
  readonly epoch: number;
  readonly index: number;
}

/**
 * Batches of a dataset as tensors. Epoch e's order and batch b's transform draws come from
 * generators derived from (seed, e) and (seed, e, b), so any epoch or batch is reproducible on
 * its own, and iterating the loader again moves on to the next epoch.
 *
 * The async iterator prepares batch b + 1 (gather and transform, on plain arrays) in a macrotask
 * as soon as batch b is handed out, so it overlaps whatever the consumer awaits while training
 * on b. Tensors are made only when a batch is handed out, so a loop that stops early leaks none.
 */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly seed: number;
  private nextEpoch = 0;

  constructor(
    readonly dataset: ImageDataset,
    private readonly options: DataLoaderOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    const seed = options.seed instanceof RandomGenerator ? options.seed.nextUint32() * 2 ** 21 + (options.seed.nextUint32() >>> 11) : options.seed;
    if ((this.shuffle || options.transform) && (seed === undefined || !Number.isFinite(seed))) {
      throw new ValueError(`DataLoader: a finite seed is required to shuffle or transform, got ${seed}`);
    }
    this.seed = seed ?? 0;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.shape[0];
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The order in which epoch `epoch` visits the dataset. */
  order(epoch: number): Int32Array {
    checkEpoch(epoch);
    const order = Int32Array.from({ length: this.dataset.shape[0] }, (_, i) => i);
    if (this.shuffle) generatorFor(this.seed, epoch, 0).shuffle(order);
    return order;
  }

  /** Batch `index` of epoch `epoch` as plain arrays (gathered, then transformed). */
  prepare(epoch: number, index: number, order: Int32Array = this.order(epoch)): BatchArrays & { indices: Int32Array } {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new ValueError(`DataLoader: batch index ${index} is outside [0, ${this.length})`);
    }
    const indices = order.slice(index * this.batchSize, Math.min(order.length, (index + 1) * this.batchSize));
    const batch = gatherBatch(this.dataset, indices);
    const transform = this.options.transform;
    if (!transform) return { ...batch, indices };
    const out = transform.apply({ data: batch.images, shape: batch.shape }, generatorFor(this.seed, epoch, index + 1));
    return { images: out.data, labels: batch.labels, shape: out.shape, indices };
  }

  /** The batches of one epoch, synchronously, from batch `from` on (a run resumed mid-epoch skips the ones it did). */
  *batches(epoch: number, from = 0): Generator<Batch> {
    if (!Number.isInteger(from) || from < 0) throw new ValueError(`DataLoader: from must be a non-negative integer batch index, got ${from}`);
    const order = this.order(epoch);
    for (let b = from; b < this.length; b++) yield toBatch(this.prepare(epoch, b, order), epoch, b);
  }

  /** The batches of one epoch, each prepared while the previous one is in use. */
  async *batchesAsync(epoch: number): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const count = this.length;
    const schedule = (b: number): Promise<Prepared> =>
      new Promise((resolve) =>
        setImmediate(() => {
          try {
            resolve({ ok: true, arrays: this.prepare(epoch, b, order) });
          } catch (error) {
            resolve({ ok: false, error });
          }
        }),
      );
    let pending = count > 0 ? schedule(0) : null;
    for (let b = 0; b < count; b++) {
      const ready = await pending!;
      pending = b + 1 < count ? schedule(b + 1) : null;
      if (!ready.ok) throw ready.error;
      yield toBatch(ready.arrays, epoch, b);
    }
  }

  /** Each `for ... of` over the loader runs the next epoch. */
  [Symbol.iterator](): Generator<Batch> {
    return this.batches(this.nextEpoch++);
  }

  /** Each `for await ... of` over the loader runs the next epoch (each batch prepared in a later macrotask, so the event loop keeps running). */
  [Symbol.asyncIterator](): AsyncGenerator<Batch> {
    return this.batchesAsync(this.nextEpoch++);
  }
}

type Prepared = { ok: true; arrays: BatchArrays & { indices: Int32Array } } | { ok: false; error: unknown };

function toBatch(arrays: BatchArrays & { indices: Int32Array }, epoch: number, index: number): Batch {
  return { ...batchToTensors(arrays), indices: arrays.indices, epoch, index };
}

function checkEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0) throw new ValueError(`DataLoader: epoch must be a non-negative integer, got ${epoch}`);
}
