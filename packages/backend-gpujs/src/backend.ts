import {
  BackendError, DisposedError, ValueError, bytesPerElement, guardAllocation, makeArray, runReferenceKernel,
  type Backend, type DataId, type DType, type KernelAttrs, type KernelName, type MemoryInfo, type TensorInfo, type TypedArray,
} from '@kwta/core';
import { probeCapabilities, requireCapabilities, type Capabilities } from './capabilities.js';
import { Device } from './device.js';
import { ContextLostError } from './errors.js';
import { CPU_FAMILY, createGpu, type GpuJsMode, type WebGLContext } from './modes.js';
import { EXACT_INDEX_LIMIT, textureCapacity } from './split/capacity.js';
import type { Segment } from './split/paged.js';
import { Splitter } from './split/runner.js';
import { isHostKernel, type DeviceKernelName } from './kernels/host.js';
import { outputShapes } from './split/shapes.js';

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
  /**
   * Treat the texture side limit as at most this (the device's MAX_TEXTURE_SIZE otherwise). Tensors
   * and launches are cut to fit it; tests pass a small value to run everything through that path.
   */
  maxTextureSize?: number;
}

/** Storage of a device tensor: its pages, on the Device (WebGL context) they were made on. */
interface DeviceStorage {
  segs: Segment[];
  device: Device;
}

/**
 * Storage for one tensor. float32/int32/bool live on the device as float32 pages (int32 is exact
 * up to 2^24 in magnitude); float64 stays on the host, because every gpu.js mode computes in float32.
 */
class GpuData {
  constructor(
    readonly dtype: DType,
    readonly size: number,
    public stored: DeviceStorage | null,
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
 * and cached, run in pipeline mode so results stay on the device until `read`. Launches larger
 * than a texture are cut to fit (src/split/); a lost WebGL context raises ContextLostError and
 * `recover()` starts a new one.
 */
export class GpuJsBackend implements Backend {
  readonly name: string;
  /** The gpu.js mode actually running (checked against what gpu.js chose). */
  readonly mode: GpuJsMode;
  readonly selection: 'kernels' | 'host';
  /** What the device can do, measured at start (renderer, texture limits, precision, denormals). */
  readonly capabilities: Capabilities & { textureCapacity: number; denormals: 'kept' | 'flushed' };
  private device: Device;
  private splitter: Splitter;
  private readonly strict: boolean;
  private live = 0;
  private liveBytes = 0;
  private lostContexts = 0;

  constructor(options: GpuJsBackendOptions) {
    if (!options || !options.mode) throw new BackendError('gpujs backend: pass { mode } explicitly (cpu, webasm, headlessgl, webgl2, webgl)');
    const forced = options.maxTextureSize;
    if (forced !== undefined && !(Number.isInteger(forced) && forced >= 2)) {
      throw new ValueError(`gpujs backend: maxTextureSize must be an integer >= 2, got ${forced}`);
    }
    this.device = new Device(createGpu(options.mode), options.mode);
    this.mode = options.mode;
    this.name = `gpujs-${options.mode}`;
    this.strict = options.strict ?? false;
    const sel = options.selection ?? 'auto';
    this.selection = sel === 'auto' ? (CPU_FAMILY.includes(options.mode) ? 'host' : 'kernels') : sel;
    const caps = probeCapabilities(this.mode, this.device.context.gl);
    requireCapabilities(caps);
    const side = caps.maxTextureSize === null ? forced : Math.min(caps.maxTextureSize, forced ?? Infinity);
    const textureCapacityHere = side !== undefined ? textureCapacity(side) : this.mode === 'cpu' ? Infinity : EXACT_INDEX_LIMIT;
    this.splitter = new Splitter(this.device, textureCapacityHere);
    this.capabilities = { ...caps, textureCapacity: textureCapacityHere, denormals: this.probeDenormals() };
  }

  alloc(dtype: DType, size: number): DataId {
    if (dtype === 'float64') return this.adopt(dtype, size, null, makeArray('float64', size) as Float64Array);
    return this.adopt(dtype, size, this.upload(makeArray('float32', size) as Float32Array), null);
  }

  /** Writing also restores a tensor whose context was lost: its values go to the current context. */
  write(dataId: DataId, values: TypedArray): void {
    const d = this.data(dataId, { allowLost: true });
    if (values.length !== d.size) throw new ValueError(`gpujs backend: write expected ${d.size} values, got ${values.length}`);
    if (d.dtype === 'float64') d.host!.set(values);
    else {
      const fresh = this.upload(Float32Array.from(values));
      this.releaseStorage(d);
      d.stored = fresh;
    }
  }

  read(dataId: DataId): TypedArray {
    const d = this.data(dataId);
    if (d.dtype === 'float64') return d.host!.slice();
    const raw = this.download(d);
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
    this.releaseStorage(d);
    d.host = null;
  }

  run<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): TensorInfo[] {
    const datas = inputs.map((t) => this.data(t.dataId));
    const check = INDEX_OPERAND[kernel];
    if (check) this.checkIndices(kernel, inputs, datas[check.input], check.bound(inputs.map((t) => [...t.shape]), attrs as never));
    if (this.runsOnHost(kernel, inputs, attrs)) return this.runOnHost(kernel, inputs, attrs);
    this.device.checkAlive(`kernel ${kernel}`);
    this.checkMemoryLimit(kernel as DeviceKernelName, inputs, attrs as KernelAttrs[DeviceKernelName]);
    const paged = inputs.map((t, i) => ({ segs: datas[i].stored!.segs, shape: [...t.shape], dtype: t.dtype }));
    const outs = this.splitter.run(kernel as DeviceKernelName, paged, attrs as KernelAttrs[DeviceKernelName]);
    if (this.strict && this.device.fallbacks.length) {
      outs.forEach((o) => o.segs.forEach((s) => this.device.release(s.buf)));
      throw new BackendError(`gpujs backend: strict mode "${this.mode}", but gpu.js ran ${this.device.fallbacks.join(', ')} on another backend`);
    }
    return outs.map((o) => ({
      dataId: this.adopt(o.dtype, sizeOf(o.shape), { segs: o.segs, device: this.device }, null), shape: o.shape, dtype: o.dtype,
    }));
  }

  /** Live tensors, buffers and bytes held by this backend. */
  memory(): MemoryInfo {
    return { numBuffers: this.live, numBytes: this.liveBytes };
  }

  /** Live device buffers (textures in the GL modes) on the current context: must stay flat across training steps. */
  get liveTextures(): number {
    return this.device.liveTextures;
  }

  /** Kernels compiled so far on the current context (each op and shape once). */
  get compiledKernels(): number {
    return this.device.compiles;
  }

  /** Kernel launches so far that exceeded a texture and were cut into pieces (src/split/). */
  get cutLaunches(): number {
    return this.splitter.cutLaunches;
  }

  /** Names of kernels that gpu.js ran on a different backend than `mode`. */
  get fallbacks(): readonly string[] {
    return this.device.fallbacks;
  }

  /** The WebGL context kernels run on (null in cpu/webasm): for rendering, or to test loss handling. */
  get context(): WebGLContext | null {
    return this.device.context.gl;
  }

  /** True once the WebGL context is lost, until `recover()`. */
  get contextLost(): boolean {
    return this.device.context.isLost();
  }

  /** How many lost contexts `recover()` has replaced. */
  get recoveries(): number {
    return this.lostContexts;
  }

  /**
   * After a lost context: start a new one (new gpu.js instance, kernels recompiled on first use).
   * Tensors made before stay lost (ContextLostError when used) until written again, so restore
   * parameters from a host copy (a checkpoint, `tensor.assign(tensor(values))`). Returns false,
   * doing nothing, when the context is not lost.
   */
  recover(): boolean {
    if (!this.device.context.isLost()) return false;
    this.device.destroy();
    this.device = new Device(createGpu(this.mode), this.mode);
    const cut = this.splitter.cutLaunches;
    this.splitter = new Splitter(this.device, this.splitter.capacity);
    this.splitter.cutLaunches = cut;
    this.lostContexts++;
    return true;
  }

  /** Release gpu.js (compiled kernels and their textures). Tensors of this backend become unusable. */
  dispose(): void {
    this.device.destroy();
  }

  /**
   * float64 anywhere, empty tensors (gpu.js cannot launch zero threads), a cast of floats to
   * int32 (the CPU kernel refuses values int32 cannot hold; a shader cannot throw), the sparse
   * kernels (kernels/host.ts) and, in 'host' selection, top-k run through the CPU backend's
   * kernels on host copies.
   */
  private runsOnHost(kernel: KernelName, inputs: readonly TensorInfo[], attrs: unknown): boolean {
    if (inputs.some((t) => t.dtype === 'float64' || sizeOf(t.shape) === 0)) return true;
    if (kernel === 'cast' && (attrs as KernelAttrs['cast']).dtype === 'float64') return true;
    if (kernel === 'cast' && (attrs as KernelAttrs['cast']).dtype === 'int32' && inputs[0].dtype === 'float32') return true;
    if (isHostKernel(kernel)) return true;
    return (kernel === 'topk' || kernel === 'topkMask') && this.selection === 'host';
  }

  private runOnHost<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): TensorInfo[] {
    const args = inputs.map((t) => ({ values: this.read(t.dataId), shape: t.shape, dtype: t.dtype }));
    return runReferenceKernel(kernel, args, attrs).map((o) => {
      const size = o.values.length;
      const dataId = o.dtype === 'float64'
        ? this.adopt('float64', size, null, Float64Array.from(o.values))
        : this.adopt(o.dtype, size, this.upload(Float32Array.from(o.values)), null);
      return { dataId, shape: o.shape, dtype: o.dtype };
    });
  }

  /** Outputs are planned before launch, so the memory limit refuses them by shape before any texture exists (device pages hold float32). */
  private checkMemoryLimit<K extends DeviceKernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): void {
    const shapes = inputs.map((t) => [...t.shape]);
    for (const shape of (outputShapes[kernel] as (s: readonly number[][], a: KernelAttrs[K]) => number[][])(shapes, attrs)) {
      const n = sizeOf(shape);
      guardAllocation('float32', n, 4 * n, { op: kernel, backend: this, shape, inputs: shapes });
    }
  }

  private checkIndices(kernel: string, inputs: readonly TensorInfo[], idx: GpuData, bound: number): void {
    const values = idx.dtype === 'float64' ? idx.host! : this.download(idx);
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (!(v >= 0 && v < bound && Number.isInteger(v))) {
        throw new ValueError(`${kernel}: index ${v} at position ${j} of indices ${JSON.stringify(inputs[1].shape)} is out of range [0, ${bound})`);
      }
    }
  }

  /**
   * Do denormal floats survive a kernel here? GPUs may flush them to zero; k-WTA keys then tie
   * where the CPU orders them (README, Precision). One tiny kernel at start.
   */
  private probeDenormals(): 'kept' | 'flushed' {
    // Large and small denormals, down to the smallest (2^-149): some GPUs keep only part of the range.
    const values = Float32Array.of(1e-40, -3e-42, 2 ** -149, -(2 ** -148));
    const x = { segs: this.upload(values).segs, shape: [values.length], dtype: 'float32' as const };
    const [sum] = this.splitter.run('binary', [x, x], { op: 'add' });
    try {
      // Doubling a denormal is exact, so anything but 2x is a flush (to zero, at storage or in arithmetic).
      const v = this.splitter.download(sum);
      return values.every((u, i) => v[i] === 2 * u) ? 'kept' : 'flushed';
    } finally {
      [...x.segs, ...sum.segs].forEach((s) => this.device.release(s.buf));
    }
  }

  private upload(values: Float32Array): DeviceStorage {
    return { segs: this.device.uploadPages(values, this.splitter.capacity), device: this.device };
  }

  private download(d: GpuData): Float32Array {
    return this.splitter.download({ segs: d.stored!.segs, shape: [d.size], dtype: d.dtype });
  }

  /** Release a tensor's pages (those of a lost context are simply dropped). */
  private releaseStorage(d: GpuData): void {
    if (d.stored && d.stored.device === this.device) d.stored.segs.forEach((s) => this.device.release(s.buf));
    d.stored = null;
  }

  private adopt(dtype: DType, size: number, stored: DeviceStorage | null, host: Float64Array | null): GpuData {
    this.live++;
    this.liveBytes += size * bytesPerElement(dtype);
    return new GpuData(dtype, size, stored, host);
  }

  private data(dataId: DataId, opts: { allowLost?: boolean } = {}): GpuData {
    const d = dataId as GpuData;
    if (!(d instanceof GpuData)) throw new DisposedError(`${this.name} backend: this storage belongs to another backend`);
    if (d.freed) throw new DisposedError(`${this.name} backend: storage was already freed (tensor disposed)`);
    if (!opts.allowLost && d.stored && d.stored.device !== this.device) {
      throw new ContextLostError(
        `${this.name} backend: this tensor (${d.dtype}, ${d.size} elements) lived on a WebGL context that was lost; its values are gone. ` +
          'Write it again (e.g. tensor.assign(...) from a checkpoint) or re-create it',
      );
    }
    return d;
  }
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
