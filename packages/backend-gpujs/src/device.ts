import { BackendError } from '@kwta/core';
import type { GPU, IKernelRunShortcut, Texture } from 'gpu.js';
import { kernelClass, type GpuJsMode } from './modes.js';

/**
 * What lives "on the device": a gpu.js Texture in the GL modes, a Float32Array in cpu/webasm
 * (gpu.js pipeline mode hands plain arrays there, there being no device memory).
 */
export type DeviceBuffer = Texture | Float32Array;

export function isTexture(b: DeviceBuffer): b is Texture {
  return !(b instanceof Float32Array);
}

/** One flat float32 kernel argument: the buffer and its element count. */
export interface Arg {
  buf: DeviceBuffer;
  size: number;
}

/**
 * Compiles generated kernel sources once (keyed by source text, which bakes in every shape) and
 * runs them in pipeline mode, so results stay on the device. Every buffer it hands out is counted
 * until `release`d: that count is what the leak test watches.
 */
export class Device {
  private readonly cache = new Map<string, IKernelRunShortcut>();
  private readonly uploaders = new Map<number, IKernelRunShortcut>();
  liveTextures = 0;
  compiles = 0;
  /** Kernels that gpu.js compiled for a different backend than asked (webasm degrades to cpu). */
  readonly fallbacks: string[] = [];

  constructor(readonly gpu: GPU, readonly mode: GpuJsMode) {}

  get usesTextures(): boolean {
    return this.mode !== 'cpu' && this.mode !== 'webasm';
  }

  /** Run kernel `source` (a `function (a0, a1, ...) {...}` string) over `outSize` threads. */
  run(name: string, source: string, outSize: number, args: readonly Arg[]): DeviceBuffer {
    // gpu.js fixes output and argument sizes at compile time, so they are part of the key.
    const key = `${outSize}|${args.map((a) => a.size).join(',')}|${source}`;
    let kernel = this.cache.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(source, {
        output: [outSize],
        pipeline: true,
        immutable: true,
        precision: 'single',
        tactic: 'precision',
        strictIntegers: false,
      });
      this.cache.set(key, kernel);
      this.compiles++;
    }
    let out: DeviceBuffer;
    try {
      out = (kernel as unknown as (...a: unknown[]) => DeviceBuffer)(...args.map((a) => a.buf));
    } catch (e) {
      throw new BackendError(`gpujs backend (${this.mode}): kernel "${name}" failed: ${(e as Error).message}\n${source}`);
    }
    this.noteFallback(name, kernel);
    this.liveTextures++;
    return out;
  }

  /** Host values to a device buffer (a texture through a copy kernel in the GL modes). */
  upload(values: Float32Array): DeviceBuffer {
    this.liveTextures++;
    const n = values.length;
    if (!this.usesTextures || n === 0) return values;
    let up = this.uploaders.get(n);
    if (!up) {
      up = this.gpu.createKernel('function (a) { return a[this.thread.x]; }', {
        output: [n], pipeline: true, immutable: true, precision: 'single', tactic: 'precision',
      });
      this.uploaders.set(n, up);
      this.compiles++;
    }
    return (up as unknown as (a: Float32Array) => Texture)(values);
  }

  download(buf: DeviceBuffer, size: number): Float32Array {
    if (!isTexture(buf)) return buf;
    const arr = buf.toArray() as unknown as Float32Array;
    return arr.length === size ? arr : Float32Array.from(arr as ArrayLike<number>).subarray(0, size);
  }

  release(buf: DeviceBuffer): void {
    this.liveTextures--;
    if (isTexture(buf)) buf.delete();
  }

  /** Drop every compiled kernel (and the textures gpu.js keeps inside them). */
  destroy(): void {
    this.gpu.destroy();
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
