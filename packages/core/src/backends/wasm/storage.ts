import type { DataId, MemoryInfo } from '../../backend.js';
import { bytesPerElement, makeArray, type DType, type TypedArray } from '../../dtype.js';
import { DisposedError } from '../../errors.js';
import { guardAllocation } from '../../memory-limit.js';
import type { Heap } from './heap.js';
import type { WasmRuntime } from './runtime.js';

/**
 * One tensor's storage: a typed array that is either a view into the wasm heap (addr >= 0) or a
 * host array (addr = -1). `rows`: on the rowPtr and indices of sparse rows the wasm `winners`
 * kernel made (and checked), the rowPtr they belong to and the row length, so the sparse kernels
 * can read them in place unchecked; `write` clears it.
 */
export class WasmData {
  rows: { rowPtr: WasmData; cols: number } | null = null;
  constructor(public values: TypedArray | null, readonly dtype: DType, readonly addr: number) {}
}

/** A float32 array with its wasm address (-1: host memory, copy it into scratch to use it in wasm). */
export interface Operand {
  values: Float32Array;
  addr: number;
}

/**
 * Tensor storage of the wasm backend. With a shared memory, float32 tensors live in the wasm
 * heap as Float32Array views (a shared memory's views survive `grow`), so wasm kernels read and
 * write them in place and TypeScript kernels use the same views with no copy. Everything else
 * (other dtypes, empty tensors, a heap that cannot grow, a non-shared memory whose views `grow`
 * would detach) is a host typed array.
 */
export class TensorStore {
  private live = 0;
  private liveBytes = 0;
  /** Storage allocated since `track()`, so a kernel that gives up can release its outputs. */
  private tracked: WasmData[] | null = null;

  constructor(private readonly rt: WasmRuntime, private readonly heap: Heap, readonly inHeap: boolean) {}

  /**
   * Storage for `size` elements; `capacity` elements are reserved behind a heap view (kernels may
   * write padding there). float32, bool (the k-WTA mask) and int32 (sparse rows' indices) go to
   * the heap; float64 only meets the TypeScript kernels and stays on the host.
   */
  alloc(dtype: DType, size: number, zero = true, capacity = size): WasmData {
    if (dtype !== 'float64' && this.inHeap && size > 0) {
      // The memory limit, as makeArray applies it on the host path.
      guardAllocation(dtype, size, size * bytesPerElement(dtype));
      const addr = this.heap.alloc(capacity * bytesPerElement(dtype));
      if (addr !== null) {
        const buffer = this.rt.memory.buffer;
        const view = dtype === 'bool' ? new Uint8Array(buffer, addr, size) : dtype === 'int32' ? new Int32Array(buffer, addr, size) : new Float32Array(buffer, addr, size);
        if (zero) view.fill(0);
        return this.adopt(view, dtype, addr);
      }
    }
    return this.adopt(makeArray(dtype, size), dtype, -1);
  }

  adopt(values: TypedArray, dtype: DType, addr = -1): WasmData {
    this.live++;
    this.liveBytes += values.length * bytesPerElement(dtype);
    const d = new WasmData(values, dtype, addr);
    this.tracked?.push(d);
    return d;
  }

  track(): void {
    this.tracked = [];
  }

  /** Stop tracking; with `release`, free everything allocated since `track()`. */
  untrack(release: boolean): void {
    const list = this.tracked ?? [];
    this.tracked = null;
    if (release) for (const d of list) this.free(d);
  }

  free(dataId: DataId): void {
    const d = dataId as WasmData;
    if (!(d instanceof WasmData) || d.values === null) return;
    this.live--;
    this.liveBytes -= d.values.length * bytesPerElement(d.dtype);
    d.values = null;
    if (d.addr >= 0) this.heap.release(d.addr);
  }

  record(dataId: DataId): WasmData & { values: TypedArray } {
    const d = dataId as WasmData;
    if (!(d instanceof WasmData)) throw new DisposedError('wasm backend: this storage belongs to another backend');
    if (d.values === null) throw new DisposedError('wasm backend: storage was already freed (tensor disposed)');
    return d as WasmData & { values: TypedArray };
  }

  values(dataId: DataId): TypedArray {
    return this.record(dataId).values;
  }

  /** A bool mask with its wasm address (-1: host). */
  mask(dataId: DataId): { values: Uint8Array; addr: number } {
    const d = this.record(dataId);
    return { values: d.values as Uint8Array, addr: d.addr };
  }

  operand(dataId: DataId): Operand {
    const d = this.record(dataId);
    return { values: d.values as Float32Array, addr: d.addr };
  }

  memory(): MemoryInfo {
    return { numBuffers: this.live, numBytes: this.liveBytes };
  }
}
