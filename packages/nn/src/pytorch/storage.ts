import { bytesPerElement, fmtShape, tensor, type DType, type Tensor } from '@kwta/core';
import { FILE_DTYPES, decodeElements, type FileDType } from '../elements.js';
import type { ByteBudget } from './budget.js';
import { CheckpointError } from './errors.js';

/**
 * PyTorch's storage classes (the globals its pickles name, e.g. `torch.FloatStorage`), the
 * element type of their bytes and the torch dtype they hold. Each element type becomes an engine
 * dtype as `FILE_DTYPES` states (float16/bfloat16 → float32, int64/int16/int8/uint8 → int32).
 */
export const STORAGE_TYPES = {
  DoubleStorage: { type: 'F64', dtype: 'float64' },
  FloatStorage: { type: 'F32', dtype: 'float32' },
  HalfStorage: { type: 'F16', dtype: 'float16' },
  BFloat16Storage: { type: 'BF16', dtype: 'bfloat16' },
  LongStorage: { type: 'I64', dtype: 'int64' },
  IntStorage: { type: 'I32', dtype: 'int32' },
  ShortStorage: { type: 'I16', dtype: 'int16' },
  CharStorage: { type: 'I8', dtype: 'int8' },
  ByteStorage: { type: 'U8', dtype: 'uint8' },
  BoolStorage: { type: 'BOOL', dtype: 'bool' },
} as const satisfies Record<string, { type: FileDType; dtype: string }>;

export type StorageTypeName = keyof typeof STORAGE_TYPES;

/**
 * One storage of the file: `numel` elements of one type, whose bytes are found (and checked
 * to be exactly numel x width) only when a tensor is decoded. Tensors that share a storage in
 * PyTorch share one StorageRef here.
 */
export class StorageRef {
  private cached: Uint8Array | null = null;

  constructor(
    readonly source: string,
    readonly key: string,
    readonly typeName: StorageTypeName,
    readonly numel: number,
    readonly littleEndian: boolean,
    private readonly load: () => Uint8Array,
  ) {}

  get type(): FileDType {
    return STORAGE_TYPES[this.typeName].type;
  }

  get nbytes(): number {
    return this.numel * FILE_DTYPES[this.type].bytes;
  }

  bytes(): Uint8Array {
    if (!this.cached) {
      const b = this.load();
      if (b.length !== this.nbytes) {
        throw new CheckpointError(`${this.source}: storage '${this.key}' should hold ${this.numel} ${STORAGE_TYPES[this.typeName].dtype} elements (${this.nbytes} bytes) but its record has ${b.length} bytes`);
      }
      this.cached = b;
    }
    return this.cached;
  }

  /** The storage for error messages: key, type and element count. */
  describe(): string {
    return `storage '${this.key}' (${this.typeName}, ${this.numel} elements)`;
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * A tensor as `torch._utils._rebuild_tensor_v2` would rebuild it: a view (shape, strides,
 * offset, all in elements) into a storage. The view is checked against the storage's size when
 * it is made, before any byte is read or allocated.
 */
export class TorchTensor {
  readonly numel: number;

  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly requiresGrad: boolean,
  ) {
    const where = `${storage.source}: tensor on ${storage.describe()}`;
    if (!isCount(offset)) throw new CheckpointError(`${where}: storage offset ${offset} is not a non-negative integer`);
    if (!shape.every(isCount)) throw new CheckpointError(`${where}: size ${fmtShape(shape)} is not a list of non-negative integers`);
    if (strides.length !== shape.length || !strides.every(isCount)) {
      throw new CheckpointError(`${where}: stride ${fmtShape(strides)} does not fit size ${fmtShape(shape)} (one non-negative integer per dimension)`);
    }
    let numel = 1, last = offset;
    for (let i = 0; i < shape.length; i++) {
      numel *= shape[i];
      last += (shape[i] - 1) * strides[i];
    }
    if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(last)) throw new CheckpointError(`${where}: size ${fmtShape(shape)} with stride ${fmtShape(strides)} overflows`);
    if (numel > 0 && last >= storage.numel) {
      throw new CheckpointError(`${where}: view (size ${fmtShape(shape)}, stride ${fmtShape(strides)}, offset ${offset}) reaches element ${last}, past the storage's ${storage.numel}`);
    }
    this.numel = numel;
  }

  /** PyTorch's dtype name (float32, float16, int64, ...). */
  get torchDType(): string {
    return STORAGE_TYPES[this.storage.typeName].dtype;
  }

  /** The engine dtype this tensor becomes by default. */
  get dtype(): DType {
    return FILE_DTYPES[this.storage.type].dtype;
  }

  /** The tensor for error messages: PyTorch dtype and shape. */
  describe(): string {
    return `tensor ${this.torchDType} ${fmtShape(this.shape)}`;
  }

  /**
   * Decode into an engine tensor of `target` (default: `dtype`). The output's size is charged
   * to `budget` before it is allocated; an int64 value outside int32 is refused.
   */
  materialize(name: string, budget: ByteBudget, target: DType = this.dtype): Tensor {
    budget.take(this.numel * bytesPerElement(target), `tensor '${name}' (${this.describe()} as ${target})`);
    const values = decodeElements(this.storage.bytes(), this.storage.type, target, this, this.storage.littleEndian, (m) => new CheckpointError(`${this.storage.source}: tensor '${name}': ${m}`));
    return tensor(values, [...this.shape], target);
  }
}
