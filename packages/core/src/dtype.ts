import { ValueError } from './errors.js';
import { asOutOfMemory, currentSite, guardAllocation, type AllocationSite } from './memory-limit.js';

/** Element types a tensor can hold. `bool` is the result of comparisons (masks). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** A typed array holding a tensor's values (bool as Uint8Array). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The typed array that holds values of dtype D. */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/** Every dtype. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** Whether `dtype` is a floating-point dtype (float32 or float64). */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Bytes one element of `dtype` takes. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

/**
 * A fresh zero-filled typed array of the right kind: every kernel and creation op allocates
 * through here, so the memory limit applies (memory-limit.ts) to `site`, by default the kernel
 * the engine is running, and a RangeError of the JavaScript engine becomes an OutOfMemoryError.
 */
export function makeArray(dtype: DType, size: number, site: AllocationSite | null = currentSite()): TypedArray {
  const bytes = size * bytesPerElement(dtype);
  guardAllocation(dtype, size, bytes, site);
  try {
    switch (dtype) {
      case 'float32':
        return new Float32Array(size);
      case 'float64':
        return new Float64Array(size);
      case 'int32':
        return new Int32Array(size);
      case 'bool':
        return new Uint8Array(size);
    }
  } catch (e) {
    throw asOutOfMemory(e, site, dtype, size, bytes);
  }
}

/** The dtype a typed array naturally holds (Uint8Array is read as bool). */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** The least value an int32 tensor holds. */
export const INT32_MIN = -(2 ** 31);
/** The greatest value an int32 tensor holds. */
export const INT32_MAX = 2 ** 31 - 1;

/**
 * Refuse numbers an int32 cannot hold (NaN, ±Infinity, anything outside [-2^31, 2^31 - 1] after
 * truncation toward zero): an Int32Array would silently wrap them (3e9 becomes -1294967296).
 */
export function checkFitsInt32(op: string, values: ArrayLike<number>, indexed = true): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v > INT32_MIN - 1 && v < INT32_MAX + 1)) {
      throw new ValueError(`${op}: ${v}${indexed ? ` at index ${i}` : ''} does not fit int32 [${INT32_MIN}, ${INT32_MAX}]`);
    }
  }
}
