import type { Backend, DataId } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { isFloat } from './dtype.js';
import { engine } from './engine.js';
import { DTypeError, DisposedError, ValueError, fmtShape } from './errors.js';
import { sizeOf, type Shape } from './shape.js';
import type { GradNode } from './autodiff/tape.js';
import { backward } from './autodiff/tape.js';
import * as ops from './ops/index.js';

/** Backend storage shared by a tensor and its reshaped views; freed when the last one goes. */
export interface Storage {
  readonly dataId: DataId;
  readonly backend: Backend;
  refs: number;
  /**
   * What the op that made this storage knows about where its non-zeros are (a k-WTA's winners,
   * docs/sparse.md): set once by that op, shared by every view (reshape, flatten, detach),
   * released with the storage. Other ops make new storage without it.
   */
  structure?: StorageStructure;
}

/** A storage's known structure; `release` frees what it holds (called once, with the storage). */
export interface StorageStructure {
  readonly kind: string;
  release(): void;
}

/** Drop one reference; the last one frees the storage and what its structure holds. */
function unref(s: Storage): void {
  if (--s.refs > 0) return;
  s.backend.free(s.dataId);
  s.structure?.release();
}

export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array on a backend. Immutable values (ops return new tensors); `assign`
 * replaces the storage in place, which optimizers use for parameters.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  /** Set on leaves the user wants gradients for, and on every tensor computed from one. */
  requiresGrad = false;
  /** Accumulated gradient (leaves only), filled by `backward()`. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, for autodiff (null for leaves and outside grad mode). */
  node: GradNode | null = null;
  /** Optional label used in error messages and debugging. */
  name?: string;
  private disposed = false;

  constructor(public storage: Storage, shape: Shape, readonly dtype: DType, readonly id: number) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  describe(): string {
    return `${this.name ? `'${this.name}' ` : ''}${fmtShape(this.shape)} ${this.dtype}`;
  }

  /** Copy of the values as a typed array (row-major). */
  dataSync(): TypedArray {
    if (this.disposed) throw new DisposedError(`dataSync: tensor #${this.id} ${this.describe()} was disposed`);
    return this.storage.backend.read(this.storage.dataId);
  }

  /** Values as nested JS arrays. */
  toArray(): NestedArray {
    const data = Array.from(this.dataSync(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    if (this.rank === 0) return data[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(dim === this.rank - 1 ? data[offset + i] : build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ValueError(`item: tensor ${this.describe()} has ${this.size} elements, expected 1`);
    return this.dataSync()[0];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    engine.liveTensors--;
    engine.untrack(this);
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    unref(this.storage);
  }

  /** Survive every enclosing `tidy` scope. */
  keep(): this {
    engine.keep(this);
    return this;
  }

  /** Mark as a leaf that wants gradients (float dtypes only). */
  requireGrad(flag = true): this {
    if (flag && !isFloat(this.dtype)) throw new DTypeError(`requireGrad: tensor ${this.describe()} is not floating point`);
    this.requiresGrad = flag;
    return this;
  }

  /** A new leaf sharing this tensor's storage, cut from the graph. */
  detach(): Tensor {
    this.storage.refs++;
    return engine.makeTensor(this.storage, this.shape, this.dtype);
  }

  /**
   * Replace this tensor's values with `value`'s (same shape and dtype), in place: the tensor keeps
   * its identity (parameters stay parameters), the old storage is released.
   */
  assign(value: Tensor): void {
    if (value.dtype !== this.dtype || value.size !== this.size || value.shape.join() !== this.shape.join()) {
      throw new ValueError(`assign: cannot assign ${value.describe()} to ${this.describe()}`);
    }
    if (value.isDisposed) throw new DisposedError(`assign: value ${value.describe()} was disposed`);
    value.storage.refs++;
    unref(this.storage);
    this.storage = value.storage;
  }

  /** Reverse-mode autodiff from this tensor into `.grad` of every leaf with requiresGrad. */
  backward(seed?: Tensor): void {
    backward(this, seed);
  }

  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  // Method sugar over the functional ops.
  add(b: Tensor | number): Tensor { return ops.add(this, b); }
  sub(b: Tensor | number): Tensor { return ops.sub(this, b); }
  mul(b: Tensor | number): Tensor { return ops.mul(this, b); }
  div(b: Tensor | number): Tensor { return ops.div(this, b); }
  pow(b: Tensor | number): Tensor { return ops.pow(this, b); }
  maximum(b: Tensor | number): Tensor { return ops.maximum(this, b); }
  minimum(b: Tensor | number): Tensor { return ops.minimum(this, b); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  square(): Tensor { return ops.square(this); }
  tanh(): Tensor { return ops.tanh(this); }
  relu(): Tensor { return ops.relu(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  clamp(lo: number, hi: number): Tensor { return ops.clamp(this, lo, hi); }
  equal(b: Tensor | number): Tensor { return ops.equal(this, b); }
  greater(b: Tensor | number): Tensor { return ops.greater(this, b); }
  less(b: Tensor | number): Tensor { return ops.less(this, b); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  sum(axes?: number | number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  max(axes?: number | number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  min(axes?: number | number[], keepDims = false): Tensor { return ops.min(this, axes, keepDims); }
  argmax(axis = -1): Tensor { return ops.argmax(this, axis); }
  matmul(b: Tensor): Tensor { return ops.matmul(this, b); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startAxis = 1): Tensor { return ops.flatten(this, startAxis); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  toString(): string {
    return `Tensor(${this.describe()})`;
  }
}
