import { makeArray, sizeOf, stridesOf, type DType, type TypedArray } from '@kwta/core';

/**
 * Element types of tensors in files (safetensors' names; PyTorch's storages map onto the same
 * set), their byte widths and the engine dtype each becomes. The conversions: F16 and BF16 to
 * float32 (exact), I64/I32/I16/I8/U8 to int32 (exact; an I64 value outside int32 is refused),
 * BOOL to bool (any non-zero byte is true).
 */
export const FILE_DTYPES = {
  F64: { bytes: 8, dtype: 'float64' },
  F32: { bytes: 4, dtype: 'float32' },
  F16: { bytes: 2, dtype: 'float32' },
  BF16: { bytes: 2, dtype: 'float32' },
  I64: { bytes: 8, dtype: 'int32' },
  I32: { bytes: 4, dtype: 'int32' },
  I16: { bytes: 2, dtype: 'int32' },
  I8: { bytes: 1, dtype: 'int32' },
  U8: { bytes: 1, dtype: 'int32' },
  BOOL: { bytes: 1, dtype: 'bool' },
} as const satisfies Record<string, { bytes: number; dtype: DType }>;

/** An element type a checkpoint file can hold. */
export type FileDType = keyof typeof FILE_DTYPES;

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const bf16 = new DataView(new ArrayBuffer(4));

/** One element at byte offset `o`; I64 is returned as a (possibly inexact) number, range-checked by the caller. */
type Reader = (v: DataView, o: number, le: boolean) => number;

const READERS: Record<FileDType, Reader> = {
  F64: (v, o, le) => v.getFloat64(o, le),
  F32: (v, o, le) => v.getFloat32(o, le),
  F16: (v, o, le) => halfToFloat(v.getUint16(o, le)),
  BF16: (v, o, le) => {
    bf16.setUint32(0, v.getUint16(o, le) << 16);
    return bf16.getFloat32(0);
  },
  I64: (v, o, le) => (le ? v.getInt32(o + 4, true) * 2 ** 32 + v.getUint32(o, true) : v.getInt32(o, false) * 2 ** 32 + v.getUint32(o + 4, false)),
  I32: (v, o, le) => v.getInt32(o, le),
  I16: (v, o, le) => v.getInt16(o, le),
  I8: (v, o) => v.getInt8(o),
  U8: (v, o) => v.getUint8(o),
  BOOL: (v, o) => (v.getUint8(o) ? 1 : 0),
};

/** Where a tensor's elements sit in its bytes, in elements: PyTorch's (size, stride, storage offset). */
export interface ElementLayout {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/**
 * Decode a tensor's elements from `bytes` (laid out as `layout` says; the caller has checked
 * that every addressed element lies inside `bytes`) into an array of `target`, in row-major
 * order. Contiguous, aligned, little-endian float32 comes back as a view into `bytes` (no copy:
 * the caller's `tensor()` copies it); everything else in a fresh array. `fail` builds the error
 * for an I64 value that does not fit int32.
 */
export function decodeElements(bytes: Uint8Array, type: FileDType, target: DType, layout: ElementLayout, littleEndian: boolean, fail: (message: string) => Error): TypedArray {
  const { shape, strides, offset } = layout;
  const n = sizeOf(shape);
  const width = FILE_DTYPES[type].bytes;
  const dense = stridesOf(shape);
  const contiguous = shape.every((d, i) => d === 1 || strides[i] === dense[i]);
  // Fast path: little-endian float32 in place, as a typed-array view (the engine is little-endian).
  if (n > 0 && contiguous && type === 'F32' && target === 'float32' && littleEndian && (bytes.byteOffset + offset * 4) % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset + offset * 4, n);
  }
  const out = makeArray(target, n);
  if (n === 0) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = READERS[type];
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    const v = read(view, src * width, littleEndian);
    if (type === 'I64' && target === 'int32' && (v < -(2 ** 31) || v >= 2 ** 31)) {
      throw fail(`element ${i} = ${v} (int64) does not fit int32`);
    }
    out[i] = v;
    // Odometer over the shape: step the last axis, carry into earlier ones.
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) {
        src += strides[a];
        break;
      }
      index[a] = 0;
      src -= (shape[a] - 1) * strides[a];
    }
  }
  return out;
}
