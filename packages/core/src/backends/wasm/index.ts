import type { Backend, DataId, KernelAttrs, KernelName, MemoryInfo, TensorInfo } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import { CpuBackend } from '../cpu/index.js';
import { convOutSize } from '../cpu/conv.js';
import { Arena } from './arena.js';
import { conv2dBackwardFilterWasm, conv2dBackwardInputWasm, conv2dWasm } from './conv.js';
import { PARALLEL_MIN_FLOPS, type WasmContext } from './gemm-host.js';
import { matmulShape, matmulWasm } from './matmul.js';
import { WasmRuntime } from './runtime.js';

export interface WasmBackendOptions {
  /** Threads including the calling one (default: every core). 1 = no workers. */
  threads?: number;
  /** Work (flops) below which a kernel stays on the calling thread (tests set 0 to force the pool). */
  minParallelFlops?: number;
}

/** Logical cores of this machine (Node or browser), at least 1. */
export function hardwareThreads(): number {
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
  };
  const os = g.process?.getBuiltinModule?.('node:os');
  return Math.max(1, os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1);
}

/** Is WebAssembly with fixed-width SIMD available here? */
export function wasmSimdSupported(): boolean {
  // (module (func (drop (v128.const i32x4 0 0 0 0)))) — validates only with SIMD.
  const probe = Uint8Array.of(
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 23, 1, 21, 0,
    253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 26, 11,
  );
  return typeof WebAssembly === 'object' && WebAssembly.validate(probe);
}

type Fast = (b: WasmBackend, inputs: readonly TensorInfo[], attrs: never) => TensorInfo[] | null;

/**
 * The fast CPU path: storage and every kernel of the pure-TypeScript CPU backend, except that
 * float32 matmul and the three convolutions run on WebAssembly SIMD kernels emitted at start-up,
 * spread over a worker pool sharing one wasm memory. Tensors stay host typed arrays, so the
 * delegated kernels need no copies; the accelerated ones copy their operands into wasm scratch
 * (linear cost next to their cubic work) and the result out. float64, int32 and bool run on the
 * TypeScript kernels.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  /** Storage and the reference kernels. */
  readonly cpu = new CpuBackend();
  private readonly ctx: WasmContext;

  constructor(opts: WasmBackendOptions = {}) {
    const rt = new WasmRuntime(opts.threads ?? hardwareThreads());
    this.ctx = { rt, arena: new Arena(rt), minParallelFlops: opts.minParallelFlops ?? PARALLEL_MIN_FLOPS };
  }

  /** Threads actually in use (1 where shared memory or blocking waits are unavailable). */
  get threads(): number {
    return this.ctx.rt.threads;
  }

  alloc(dtype: DType, size: number): DataId { return this.cpu.alloc(dtype, size); }
  write(dataId: DataId, values: TypedArray): void { this.cpu.write(dataId, values); }
  read(dataId: DataId): TypedArray { return this.cpu.read(dataId); }
  free(dataId: DataId): void { this.cpu.free(dataId); }
  memory(): MemoryInfo { return this.cpu.memory(); }

  run<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): TensorInfo[] {
    const fast = (FAST as Partial<Record<KernelName, Fast>>)[kernel];
    if (fast && inputs.every((t) => t.dtype === 'float32')) {
      const out = fast(this, inputs, attrs as never);
      if (out) return out;
    }
    return this.cpu.run(kernel, inputs, attrs);
  }

  /** Stop the worker threads (the backend keeps working on the calling thread). */
  dispose(): void {
    this.ctx.rt.dispose();
  }

  /** @internal */
  f32(t: TensorInfo): Float32Array {
    return this.cpu.view(t.dataId) as Float32Array;
  }

  /** @internal a zeroed float32 output and its info */
  output(shape: Shape): { info: TensorInfo; values: Float32Array } {
    const dataId = this.cpu.alloc('float32', sizeOf(shape));
    return { info: { dataId, shape, dtype: 'float32' }, values: this.cpu.view(dataId) as Float32Array };
  }

  /** @internal */
  get context(): WasmContext {
    return this.ctx;
  }
}

const FAST: { [K in KernelName]?: (b: WasmBackend, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]) => TensorInfo[] | null } = {
  matmul: (b, [x, y], attrs) => {
    const o = b.output(matmulShape(x.shape, y.shape, attrs));
    matmulWasm(b.context, b.f32(x), x.shape, b.f32(y), y.shape, attrs, o.values);
    return [o.info];
  },
  conv2d: (b, [x, w], attrs) => {
    const [N, , H, W] = x.shape, [F, , KH, KW] = w.shape;
    const OH = convOutSize(H, KH, attrs.stride[0], attrs.pad[0], attrs.dilation[0]);
    const OW = convOutSize(W, KW, attrs.stride[1], attrs.pad[1], attrs.dilation[1]);
    const o = b.output([N, F, OH, OW]);
    conv2dWasm(b.context, b.f32(x), x.shape, b.f32(w), w.shape, attrs, o.values);
    return [o.info];
  },
  conv2dBackwardInput: (b, [dy, w], attrs) => {
    const o = b.output([...attrs.inputShape]);
    conv2dBackwardInputWasm(b.context, b.f32(dy), b.f32(w), w.shape, attrs, o.values);
    return [o.info];
  },
  conv2dBackwardFilter: (b, [x, dy], attrs) => {
    const o = b.output([...attrs.filterShape]);
    conv2dBackwardFilterWasm(b.context, b.f32(x), x.shape, b.f32(dy), attrs, o.values);
    return [o.info];
  },
};

/** The CPU path the flag picks: WebAssembly SIMD kernels, or the pure-TypeScript reference. */
export function createCpuBackend(kernels: 'wasm' | 'js', opts: WasmBackendOptions = {}): Backend {
  return kernels === 'wasm' && wasmSimdSupported() ? new WasmBackend(opts) : new CpuBackend();
}
