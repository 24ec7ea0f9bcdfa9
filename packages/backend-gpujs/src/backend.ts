import {
  BackendError, DisposedError, ValueError, bytesPerElement, makeArray, runReferenceKernel,
  type Backend, type DataId, type DType, type KernelAttrs, type KernelName, type MemoryInfo, type TensorInfo, type TypedArray,
} from '@kwta/core';
import { Device, type DeviceBuffer } from './device.js';
import { deviceKernels } from './kernels/index.js';
import type { DevTensor } from './kernels/types.js';
import { CPU_FAMILY, createGpu, type GpuJsMode } from './modes.js';

export interface GpuJsBackendOptions {
  /** The gpu.js mode; required, because gpu.js's own default depends on whether a display exists. */
  mode: GpuJsMode;
  /**
   * Where top-k / k-WTA selection runs. 'kernels': the radix-select gpu.js pipeline. 'host': read
   * the row back and run the CPU backend's quickselect. 'auto' (default): host in the CPU-family
   * modes (cpu, webasm), where it is several times faster (docs/benchmarks.md), kernels elsewhere.
   */
  selection?: 'auto' | 'kernels' | 'host';
  /** Throw if gpu.js compiles any kernel for a different backend than `mode` (webasm can degrade to cpu). */
  strict?: boolean;
}

/**
 * Storage for one tensor. float32/int32/bool live on the device as float32 (int32 is exact up to
 * 2^24 in magnitude); float64 stays on the host, because every gpu.js mode computes in float32.
 */
class GpuData {
  constructor(
    readonly dtype: DType,
    readonly size: number,
    public device: DeviceBuffer | null,
    public host: Float64Array | null,
    public freed = false,
  ) {}
}

/** Kernels whose index operand must be validated on the host (a shader cannot throw). */
const INDEX_OPERAND: Partial<Record<KernelName, { input: number; bound: (shape: readonly number[][], attrs: never) => number }>> = {
  gather: { input: 1, bound: (s, a: KernelAttrs['gather']) => s[0][a.axis] },
  takeAlong: { input: 1, bound: (s) => s[0][s[0].length - 1] },
  scatterAdd: { input: 1, bound: (_s, a: KernelAttrs['scatterAdd']) => a.size },
  scatterAlong: { input: 1, bound: (_s, a: KernelAttrs['scatterAlong']) => a.size },
};

/**
 * A @kwta/core backend whose kernels are gpu.js kernels, generated per op and shape, compiled once
 * and cached, run in pipeline mode so results stay on the device until `read`.
 */
export class GpuJsBackend implements Backend {
  readonly name: string;
  /** The gpu.js mode actually running (checked against what gpu.js chose). */
  readonly mode: GpuJsMode;
  readonly selection: 'kernels' | 'host';
  private readonly device: Device;
  private readonly strict: boolean;
  private live = 0;
  private liveBytes = 0;

  constructor(options: GpuJsBackendOptions) {
    if (!options || !options.mode) throw new BackendError('gpujs backend: pass { mode } explicitly (cpu, webasm, headlessgl, webgl2, webgl)');
    this.device = new Device(createGpu(options.mode), options.mode);
    this.mode = options.mode;
    this.name = `gpujs-${options.mode}`;
    this.strict = options.strict ?? false;
    const sel = options.selection ?? 'auto';
    this.selection = sel === 'auto' ? (CPU_FAMILY.includes(options.mode) ? 'host' : 'kernels') : sel;
  }

  alloc(dtype: DType, size: number): DataId {
    return this.adopt(dtype, size, dtype === 'float64' ? null : this.device.upload(new Float32Array(size)), dtype === 'float64' ? new Float64Array(size) : null);
  }

  write(dataId: DataId, values: TypedArray): void {
    const d = this.data(dataId);
    if (values.length !== d.size) throw new ValueError(`gpujs backend: write expected ${d.size} values, got ${values.length}`);
    if (d.dtype === 'float64') d.host!.set(values);
    else {
      this.device.release(d.device!);
      d.device = this.device.upload(Float32Array.from(values));
    }
  }

  read(dataId: DataId): TypedArray {
    const d = this.data(dataId);
    if (d.dtype === 'float64') return d.host!.slice();
    const raw = this.device.download(d.device!, d.size);
    const out = makeArray(d.dtype, d.size);
    if (d.dtype === 'float32') out.set(raw);
    else for (let i = 0; i < d.size; i++) out[i] = Math.round(raw[i]);
    return out;
  }

  free(dataId: DataId): void {
    const d = dataId as GpuData;
    if (d.freed) return;
    d.freed = true;
    this.live--;
    this.liveBytes -= d.size * bytesPerElement(d.dtype);
    if (d.device) this.device.release(d.device);
    d.device = null;
    d.host = null;
  }

  run<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): TensorInfo[] {
    const datas = inputs.map((t) => this.data(t.dataId));
    const check = INDEX_OPERAND[kernel];
    if (check) this.checkIndices(kernel, inputs, datas[check.input], check.bound(inputs.map((t) => [...t.shape]), attrs as never));
    if (this.runsOnHost(kernel, inputs, attrs)) return this.runOnHost(kernel, inputs, attrs);
    const args: DevTensor[] = inputs.map((t, i) => ({ buf: datas[i].device!, shape: [...t.shape], dtype: t.dtype }));
    const impl = deviceKernels[kernel] as (d: Device, i: DevTensor[], a: KernelAttrs[K]) => DevTensor[];
    const outs = impl(this.device, args, attrs);
    if (this.strict && this.device.fallbacks.length) {
      throw new BackendError(`gpujs backend: strict mode "${this.mode}", but gpu.js ran ${this.device.fallbacks.join(', ')} on another backend`);
    }
    return outs.map((o) => ({ dataId: this.adopt(o.dtype, sizeOf(o.shape), o.buf, null), shape: o.shape, dtype: o.dtype }));
  }

  memory(): MemoryInfo {
    return { numBuffers: this.live, numBytes: this.liveBytes };
  }

  /** Live device buffers (textures in the GL modes): must stay flat across training steps. */
  get liveTextures(): number {
    return this.device.liveTextures;
  }

  /** Kernels compiled so far (each op and shape once). */
  get compiledKernels(): number {
    return this.device.compiles;
  }

  /** Names of kernels that gpu.js ran on a different backend than `mode`. */
  get fallbacks(): readonly string[] {
    return this.device.fallbacks;
  }

  /** Release gpu.js (compiled kernels and their textures). Tensors of this backend become unusable. */
  dispose(): void {
    this.device.destroy();
  }

  /**
   * float64 anywhere, empty tensors (gpu.js cannot launch zero threads) and, in 'host' selection,
   * top-k run through the CPU backend's kernels on host copies.
   */
  private runsOnHost(kernel: KernelName, inputs: readonly TensorInfo[], attrs: unknown): boolean {
    if (inputs.some((t) => t.dtype === 'float64' || sizeOf(t.shape) === 0)) return true;
    if (kernel === 'cast' && (attrs as KernelAttrs['cast']).dtype === 'float64') return true;
    return (kernel === 'topk' || kernel === 'topkMask') && this.selection === 'host';
  }

  private runOnHost<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): TensorInfo[] {
    const args = inputs.map((t) => ({ values: this.read(t.dataId), shape: t.shape, dtype: t.dtype }));
    return runReferenceKernel(kernel, args, attrs).map((o) => {
      const size = o.values.length;
      const dataId = o.dtype === 'float64'
        ? this.adopt('float64', size, null, Float64Array.from(o.values))
        : this.adopt(o.dtype, size, this.device.upload(Float32Array.from(o.values)), null);
      return { dataId, shape: o.shape, dtype: o.dtype };
    });
  }

  private checkIndices(kernel: string, inputs: readonly TensorInfo[], idx: GpuData, bound: number): void {
    const values = idx.dtype === 'float64' ? idx.host! : this.device.download(idx.device!, idx.size);
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (!(v >= 0 && v < bound && Number.isInteger(v))) {
        throw new ValueError(`${kernel}: index ${v} at position ${j} of indices ${JSON.stringify(inputs[1].shape)} is out of range [0, ${bound})`);
      }
    }
  }

  private adopt(dtype: DType, size: number, device: DeviceBuffer | null, host: Float64Array | null): GpuData {
    this.live++;
    this.liveBytes += size * bytesPerElement(dtype);
    return new GpuData(dtype, size, device, host);
  }

  private data(dataId: DataId): GpuData {
    const d = dataId as GpuData;
    if (!(d instanceof GpuData)) throw new DisposedError(`${this.name} backend: this storage belongs to another backend`);
    if (d.freed) throw new DisposedError(`${this.name} backend: storage was already freed (tensor disposed)`);
    return d;
  }
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
