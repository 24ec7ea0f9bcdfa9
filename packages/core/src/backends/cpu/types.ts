import type { KernelAttrs, KernelName } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';

/** A kernel input or output on the CPU backend: the values themselves, row-major. */
export interface CpuArray {
  values: TypedArray;
  shape: Shape;
  dtype: DType;
}

export type CpuKernel<K extends KernelName> = (inputs: CpuArray[], attrs: KernelAttrs[K]) => CpuArray[];

/** One implementation per kernel; forgetting one is a type error. */
export type CpuKernelTable = { [K in KernelName]: CpuKernel<K> };

export type FloatArray = Float32Array | Float64Array;
