import { isFloat, type DType } from '../dtype.js';
import { engine } from '../engine.js';
import { DTypeError, DisposedError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { full } from './creation.js';
import { scalarValues } from './scalar.js';

/** A JS number joins a tensor op as a scalar of the tensor's dtype. */
export function asTensor(x: Tensor | number, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  return engine.fromValues(scalarValues(x, like.dtype), [], like.dtype);
}

export function checkAlive(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.isDisposed) throw new DisposedError(`${op}: tensor #${t.id} ${t.describe()} was disposed`);
  }
}

export function checkFloat(op: string, t: Tensor, arg = 'x'): void {
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: argument '${arg}' must be float32 or float64, got ${t.describe()}`);
}

export function checkNumeric(op: string, t: Tensor, arg = 'x'): void {
  if (t.dtype === 'bool') throw new DTypeError(`${op}: argument '${arg}' must be numeric, got a bool mask ${t.describe()} (cast it first)`);
}

export function checkDType(op: string, t: Tensor, dtype: DType, arg: string): void {
  if (t.dtype !== dtype) throw new DTypeError(`${op}: argument '${arg}' must be ${dtype}, got ${t.describe()}`);
}

export function checkSameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`${op}: dtypes differ: a is ${a.describe()}, b is ${b.describe()} (cast one explicitly)`);
  }
}

/** A scalar 0 of `like`'s dtype (the "no gradient here" branch of masks in backward rules). */
export function zeroScalar(like: Tensor): Tensor {
  return full([], 0, like.dtype);
}
