import { BackendError } from '@kwta/core';
import type { GPU, IKernelRunShortcut, Texture } from 'gpu.js';
import { ContextLostError } from './errors.js';
import { kernelClass, type GpuJsMode, type GlContext } from './modes.js';
import type { Segment } from './split/paged.js';

/**
 * What lives "on the device": a gpu.js Texture in the GL modes, a Float32Array in cpu/webasm
 * (gpu.js pipeline mode hands plain arrays there, there being no device memory).
 */
export type DeviceBuffer = Texture | Float32Array;

export function isTexture(b: DeviceBuffer): b is Texture {
  return !(b instanceof Float32Array);
}

/** Elements a buffer holds (gpu.js compiles a kernel for fixed argument sizes, so this is part of its key). */
export function lengthOf(b: DeviceBuffer): number {
  return isTexture(b) ? (b as unknown as { output: number[] }).output.reduce((p, d) => p * d, 1) : b.length;
}

const KERNEL_SETTINGS = { pipeline: true, immutable: true, precision: 'single', tactic: 'precision' } as const;

/**
 * Compiles generated kernel sources once (keyed by source text, which bakes in every shape) and
 * runs them in pipeline mode, so results stay on the device. Every buffer it hands out is counted
 * until `release`d: that count is what the leak test watches.
 *
 * In the GL modes every call first checks the WebGL context: once it is lost, nothing is
 * compiled, run or read back (a lost context silently returns zeros), a ContextLostError is
 * raised instead, and buffers of this device are gone for good (the backend makes a new Device
 * in `recover()`).
 */
export class Device {
  private readonly cache = new Map<string, IKernelRunShortcut>();
  private readonly uploaders = new Map<number, IKernelRunShortcut>();
  liveTextures = 0;
  compiles = 0;
  /** Kernels that gpu.js compiled for a different backend than asked (webasm degrades to cpu). */
  readonly fallbacks: string[] = [];
  readonly gpu: GPU;

  constructor(readonly context: GlContext, readonly mode: GpuJsMode) {
    this.gpu = context.gpu;
  }

  get usesTextures(): boolean {
    return this.mode !== 'cpu' && this.mode !== 'webasm';
  }

  /** Raise ContextLostError if the WebGL context behind this device is gone. */
  checkAlive(what: string): void {
    if (this.context.isLost()) throw new ContextLostError(this.context.lostMessage(what));
  }

  /**
   * Run kernel `source` (a `function (a0, a1, ..., ofs0, ofs1, ...) {...}` string) over `outSize`
   * threads; `scalars` are the trailing number arguments (operand offsets).
   */
  run(name: string, source: string, outSize: number, args: readonly DeviceBuffer[], scalars: readonly number[] = []): DeviceBuffer {
    this.checkAlive(`kernel "${name}"`);
    // gpu.js fixes output and argument sizes at compile time, so they are part of the key.
    const key = `${outSize}|${args.map(lengthOf).join(',')}|${source}`;
    let kernel = this.cache.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(source, { ...KERNEL_SETTINGS, output: [outSize], strictIntegers: false });
      this.cache.set(key, kernel);
      this.compiles++;
    }
    let out: DeviceBuffer;
    try {
      out = (kernel as unknown as (...a: unknown[]) => DeviceBuffer)(...args, ...scalars);
    } catch (e) {
      this.checkAlive(`kernel "${name}"`);
      throw new BackendError(`gpujs backend (${this.mode}): kernel "${name}" failed: ${(e as Error).message}\n${source}`);
    }
    this.noteFallback(name, kernel);
    this.liveTextures++;
    // A context lost during the launch leaves a texture of garbage behind: refuse it.
    if (this.context.isLost()) {
      this.release(out);
      this.checkAlive(`kernel "${name}"`);
    }
    return out;
  }

  /** Host values to one device buffer (a texture through a copy kernel in the GL modes). */
  upload(values: Float32Array): DeviceBuffer {
    this.checkAlive('upload');
    this.liveTextures++;
    const n = values.length;
    if (!this.usesTextures || n === 0) return values;
    let up = this.uploaders.get(n);
    if (!up) {
      up = this.gpu.createKernel('function (a) { return a[this.thread.x]; }', { ...KERNEL_SETTINGS, output: [n] });
      this.uploaders.set(n, up);
      this.compiles++;
    }
    return (up as unknown as (a: Float32Array) => Texture)(values);
  }

  /** Host values to pages of at most `capacity` elements. */
  uploadPages(values: Float32Array, capacity: number): Segment[] {
    if (values.length <= capacity) return [{ buf: this.upload(values), offset: 0, size: values.length }];
    const segs: Segment[] = [];
    for (let at = 0; at < values.length; at += capacity) {
      const part = values.subarray(at, Math.min(values.length, at + capacity));
      segs.push({ buf: this.upload(part.slice()), offset: 0, size: part.length });
    }
    return segs;
  }

  /** Every element of one buffer, back on the host (checked against a lost context, which reads zeros). */
  download(buf: DeviceBuffer): Float32Array {
    if (!isTexture(buf)) return buf;
    this.checkAlive('read');
    const arr = buf.toArray() as unknown as Float32Array;
    this.checkAlive('read');
    return arr instanceof Float32Array ? arr : Float32Array.from(arr as ArrayLike<number>);
  }

  release(buf: DeviceBuffer): void {
    this.liveTextures--;
    // Textures of a lost context are gone already; deleting them would only raise GL errors.
    if (isTexture(buf) && !this.context.isLost()) buf.delete();
  }

  /** Drop every compiled kernel (and the textures gpu.js keeps inside them). */
  destroy(): void {
    if (!this.context.isLost()) this.gpu.destroy();
    this.cache.clear();
    this.uploaders.clear();
  }

  get cachedKernels(): number {
    return this.cache.size + this.uploaders.size;
  }

  private noteFallback(name: string, kernel: IKernelRunShortcut): void {
    const inner = (kernel as unknown as { kernel?: { constructor: unknown } }).kernel;
    if (inner && inner.constructor !== kernelClass(this.mode) && !this.fallbacks.includes(name)) this.fallbacks.push(name);
  }
}
