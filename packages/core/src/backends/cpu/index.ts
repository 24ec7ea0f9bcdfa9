import type { Backend, DataId, KernelAttrs, KernelName, MemoryInfo, TensorInfo } from '../../backend.js';
import { bytesPerElement, makeArray, type DType, type TypedArray } from '../../dtype.js';
import { DisposedError, ValueError } from '../../errors.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './conv.js';
import { binary, cast, compare, unary, where } from './elementwise.js';
import { concat, gather, pad, scatterAdd, scatterAlong, slice, takeAlong, transpose } from './layout.js';
import { matmul } from './matmul.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { argReduce, reduce } from './reduce.js';
import { topk, topkMask } from './select.js';
import {
  nonzeros, sparseConv2d, sparseConv2dBackwardFilter, sparseConv2dBackwardInput, sparseLinear, sparseLinearInputGrad, sparseLinearWeightGrad, winners,
} from './sparse-kernels.js';
import { sgdUpdate } from './update.js';
import type { CpuArray, CpuKernelTable } from './types.js';

export type { CpuArray } from './types.js';

export const cpuKernels: CpuKernelTable = {
  unary, binary, compare, where, cast, reduce, argReduce, matmul,
  conv2d, conv2dBackwardInput, conv2dBackwardFilter,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  transpose, slice, pad, concat, gather, scatterAdd, takeAlong, scatterAlong, topk, topkMask,
  winners, nonzeros, sparseLinear, sparseLinearWeightGrad, sparseLinearInputGrad, sparseConv2d, sparseConv2dBackwardFilter, sparseConv2dBackwardInput,
  sgdUpdate,
};

/**
 * Run the CPU backend's kernel on host arrays: the reference every backend is checked against,
 * and the fallback of a backend without a fast kernel for some case.
 */
export function runReferenceKernel<K extends KernelName>(kernel: K, inputs: CpuArray[], attrs: KernelAttrs[K]): CpuArray[] {
  return cpuKernels[kernel](inputs, attrs);
}

/** CPU storage: the typed array itself, plus a flag so use-after-free is caught. */
class CpuData {
  constructor(public values: TypedArray | null, public readonly dtype: DType) {}
}

/**
 * The reference backend: plain TypeScript over typed arrays. Everything here is meant to be
 * obviously correct first; the hot kernels (GEMM, im2col convolution, quickselect) are also fast.
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  private live = 0;
  private liveBytes = 0;

  alloc(dtype: DType, size: number): DataId {
    return this.adopt(makeArray(dtype, size), dtype);
  }

  write(dataId: DataId, values: TypedArray): void {
    const d = this.data(dataId);
    if (values.length !== d.length) throw new ValueError(`write: expected ${d.length} values, got ${values.length}`);
    d.set(values);
  }

  read(dataId: DataId): TypedArray {
    return this.data(dataId).slice();
  }

  /** Zero-copy view for code that lives inside this backend (no ownership transfer). */
  view(dataId: DataId): TypedArray {
    return this.data(dataId);
  }

  free(dataId: DataId): void {
    const d = dataId as CpuData;
    if (d.values === null) return;
    this.live--;
    this.liveBytes -= d.values.length * bytesPerElement(d.dtype);
    d.values = null;
  }

  run<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): TensorInfo[] {
    const args: CpuArray[] = inputs.map((t) => ({ values: this.data(t.dataId), shape: t.shape, dtype: t.dtype }));
    return runReferenceKernel(kernel, args, attrs).map((o) => ({ dataId: this.adopt(o.values, o.dtype), shape: o.shape, dtype: o.dtype }));
  }

  /** Live tensors, buffers and bytes held by this backend. */
  memory(): MemoryInfo {
    return { numBuffers: this.live, numBytes: this.liveBytes };
  }

  private adopt(values: TypedArray, dtype: DType): DataId {
    this.live++;
    this.liveBytes += values.length * bytesPerElement(dtype);
    return new CpuData(values, dtype);
  }

  private data(dataId: DataId): TypedArray {
    const d = dataId as CpuData;
    if (!(d instanceof CpuData)) throw new DisposedError('cpu backend: this storage belongs to another backend');
    if (d.values === null) throw new DisposedError('cpu backend: storage was already freed (tensor disposed)');
    return d.values;
  }
}
