import { fmtShape, unravel, type KwtaError, type TypedArray } from '@kwta/core';

/** What weight loaders take besides names: refuse non-finite values (default true). */
export interface FiniteOptions {
  /**
   * Refuse a float tensor holding NaN or ±Infinity, naming it (default true): such weights give
   * finite-looking garbage downstream, e.g. a ReLU network still predicts a class.
   */
  checkFinite?: boolean;
}

/** Throw `error(...)` naming the tensor and the first non-finite element of `values`. */
export function checkFiniteValues(source: string, name: string, values: TypedArray, shape: readonly number[], error: (message: string) => KwtaError): void {
  if (!(values instanceof Float32Array || values instanceof Float64Array)) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw error(`${source}: tensor '${name}' ${fmtShape(shape)} holds ${values[i]} at index ${fmtShape(unravel(i, shape))}; pass { checkFinite: false } to load it anyway`);
    }
  }
}
