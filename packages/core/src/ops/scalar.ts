import { makeArray, type DType, type TypedArray } from '../dtype.js';

export function scalarValues(v: number, dtype: DType): TypedArray {
  const a = makeArray(dtype, 1);
  a[0] = v;
  return a;
}
