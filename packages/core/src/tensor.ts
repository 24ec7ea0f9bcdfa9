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
  /** Free what the structure holds (called once, when the storage is freed). */
  release(): void;
}

/** Drop one reference; the last one frees the storage and what its structure holds. */
function unref(s: Storage): void {
  if (--s.refs > 0) return;
  s.backend.free(s.dataId);
  s.structure?.release();
}

/** Nested arrays of numbers or booleans, as `tensor()` takes and `toArray()` returns them. */
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

  /** A short description for messages: the tensor's name if it has one, its shape and dtype. */
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

  /**
   * Free this tensor now (reading it afterwards throws a DisposedError; disposing twice does nothing); `tidy`
   * does this for the tensors it did not keep.
   */
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

  /** Drop the gradient accumulated in `grad` (before the next backward pass). */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  // Method sugar over the functional ops.
  /** The `add` op: this + b. */
  add(b: Tensor | number): Tensor { return ops.add(this, b); }
  /** The `sub` op: this - b. */
  sub(b: Tensor | number): Tensor { return ops.sub(this, b); }
  /** The `mul` op: this * b. */
  mul(b: Tensor | number): Tensor { return ops.mul(this, b); }
  /** The `div` op: this / b. */
  div(b: Tensor | number): Tensor { return ops.div(this, b); }
  /** The `pow` op: this ^ b. */
  pow(b: Tensor | number): Tensor { return ops.pow(this, b); }
  /** The `maximum` op: the larger of this and b, elementwise. */
  maximum(b: Tensor | number): Tensor { return ops.maximum(this, b); }
  /** The `minimum` op: the smaller of this and b, elementwise. */
  minimum(b: Tensor | number): Tensor { return ops.minimum(this, b); }
  /** Elementwise `neg` of this tensor (the `neg` op). */
  neg(): Tensor { return ops.neg(this); }
  /** Elementwise `exp` of this tensor (the `exp` op). */
  exp(): Tensor { return ops.exp(this); }
  /** Elementwise `log` of this tensor (the `log` op). */
  log(): Tensor { return ops.log(this); }
  /** Elementwise `sqrt` of this tensor (the `sqrt` op). */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** Elementwise `abs` of this tensor (the `abs` op). */
  abs(): Tensor { return ops.abs(this); }
  /** Elementwise `sign` of this tensor (the `sign` op). */
  sign(): Tensor { return ops.sign(this); }
  /** Elementwise `square` of this tensor (the `square` op). */
  square(): Tensor { return ops.square(this); }
  /** Elementwise `tanh` of this tensor (the `tanh` op). */
  tanh(): Tensor { return ops.tanh(this); }
  /** Elementwise `relu` of this tensor (the `relu` op). */
  relu(): Tensor { return ops.relu(this); }
  /** Elementwise `sigmoid` of this tensor (the `sigmoid` op). */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** The `clamp` op: this tensor clipped into [lo, hi]. */
  clamp(lo: number, hi: number): Tensor { return ops.clamp(this, lo, hi); }
  /** The `equal` op: the bool mask this == b. */
  equal(b: Tensor | number): Tensor { return ops.equal(this, b); }
  /** The `greater` op: the bool mask this > b. */
  greater(b: Tensor | number): Tensor { return ops.greater(this, b); }
  /** The `less` op: the bool mask this < b. */
  less(b: Tensor | number): Tensor { return ops.less(this, b); }
  /** The `cast` op: this tensor converted to `dtype`. */
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  /** The `sum` of this tensor over `axes` (all by default), keeping them as size 1 if `keepDims`. */
  sum(axes?: number | number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  /** The `mean` of this tensor over `axes` (all by default), keeping them as size 1 if `keepDims`. */
  mean(axes?: number | number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  /** The `max` of this tensor over `axes` (all by default), keeping them as size 1 if `keepDims`. */
  max(axes?: number | number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  /** The `min` of this tensor over `axes` (all by default), keeping them as size 1 if `keepDims`. */
  min(axes?: number | number[], keepDims = false): Tensor { return ops.min(this, axes, keepDims); }
  /** The `argmax` op of this tensor along `axis`. */
  argmax(axis = -1): Tensor { return ops.argmax(this, axis); }
  /** The `matmul` op: this @ b. */
  matmul(b: Tensor): Tensor { return ops.matmul(this, b); }
  /** The `reshape` op: a view of this tensor with another shape of the same size. */
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  /** The `flatten` op: this tensor with its axes from `startAxis` on merged into one. */
  flatten(startAxis = 1): Tensor { return ops.flatten(this, startAxis); }
  /** The `transpose` op: this tensor with its axes permuted (reversed by default). */
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  /** The `slice` op: the block of this tensor from `begin`, of `size`. */
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  /** The `softmax` op of this tensor along `axis`. */
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  /** The `logSoftmax` op of this tensor along `axis`. */
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  /** `Tensor(<description>)`: name, shape and dtype (not the values). */
  toString(): string {
    return `Tensor(${this.describe()})`;
  }
}
