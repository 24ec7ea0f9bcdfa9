import type { Backend, DataId, KernelAttrs, KernelName, MemoryInfo, TensorInfo } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { ValueError } from '../../errors.js';
import { convOutSize } from '../../shape.js';
import { CpuBackend, runReferenceKernel } from '../cpu/index.js';
import type { CpuArray } from '../cpu/types.js';
import { Arena, ScratchFullError } from './arena.js';
import { PARALLEL_MIN_FLOPS, output, type WasmContext } from './context.js';
import { conv2dBackwardFilterWasm, conv2dBackwardInputWasm, conv2dWasm } from './conv.js';
import { binaryWasm, unaryWasm } from './elementwise.js';
import { Heap, type HeapStats } from './heap.js';
import { compareWasm, whereWasm } from './mask.js';
import { matmulWasm } from './matmul.js';
import { reduceWasm } from './reduce.js';
import { ARENA_BASE, WasmRuntime } from './runtime.js';
import { topkMaskWasm } from './select.js';
import { TensorStore, type Operand } from './storage.js';
import { SPARSE_FAST, type FastKernel } from './sparse-kernels.js';
import { WASM_SPARSE_RATES, type SparseRates } from '../sparse-cost.js';
import { sgdUpdateWasm } from './update.js';

/** Options of the WebAssembly backend: threads, when to use them, which kernels run on wasm. */
export interface WasmBackendOptions {
  /** Threads including the calling one (default: every core). 1 = no workers. */
  threads?: number;
  /** Work (flops) below which a kernel stays on the calling thread (tests set 0 to force the pool). */
  minParallelFlops?: number;
  /**
   * Which kernels run on wasm: 'all' (default), or 'gemm' for matmul and the convolutions only
   * with tensors on the host — the backend as it was before the heap and the elementwise kernels,
   * kept so benchmarks can measure the difference side by side.
   */
  accelerate?: 'all' | 'gemm';
  /**
   * Use a shared WebAssembly memory where the platform has one (default true). false gives the
   * fallback of a page without cross-origin isolation: one thread, tensors as host arrays
   * copied in and out of wasm memory by each kernel.
   */
  sharedMemory?: boolean;
  /** Highest wasm address the heap may use (default: the 4 GiB wasm32 limit; tests set less to exercise the host fallback). */
  heapLimitBytes?: number;
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

/**
 * The fast CPU path. float32 matmul, the three convolutions, the common elementwise ops,
 * sums and the k-WTA selection run on WebAssembly SIMD kernels emitted at start-up, spread over
 * a worker pool sharing one wasm memory; every other kernel (and float64/int32 everywhere) runs
 * the pure-TypeScript CPU kernels. With a shared memory, float32 and bool tensors live in a heap
 * inside that memory, so wasm kernels read and write them in place and the TypeScript kernels
 * see them as ordinary typed arrays (views).
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  /** The cost model's rates (docs/sparse.md); none in the GEMM-only mode, whose sparse kernels are the TypeScript ones. */
  readonly sparseRates?: SparseRates;
  private readonly ctx: WasmContext;
  private readonly gemmOnly: boolean;

  constructor(opts: WasmBackendOptions = {}) {
    const rt = new WasmRuntime(opts.threads ?? hardwareThreads(), opts.sharedMemory ?? true);
    const heap = new Heap(rt, ARENA_BASE, opts.heapLimitBytes);
    // Views into a non-shared memory are detached by `grow`: tensors then stay on the host.
    const shared = typeof SharedArrayBuffer !== 'undefined' && rt.memory.buffer instanceof SharedArrayBuffer;
    this.gemmOnly = opts.accelerate === 'gemm';
    if (!this.gemmOnly) this.sparseRates = WASM_SPARSE_RATES;
    const inHeap = shared && !this.gemmOnly;
    this.ctx = {
      rt, heap, arena: new Arena(rt, heap), store: new TensorStore(rt, heap, inHeap),
      minParallelFlops: opts.minParallelFlops ?? PARALLEL_MIN_FLOPS,
    };
    contexts.set(this, this.ctx);
  }

  /** Pool size including the calling thread (1 without shared memory or workers; see `ready`). */
  get threads(): number {
    return this.ctx.rt.threads;
  }

  /** Resolves once every pool worker has joined, to the number of threads then running. */
  get ready(): Promise<number> {
    return this.ctx.rt.ready;
  }

  /** Whether float32 tensors live in wasm memory (a shared memory) rather than host arrays. */
  get tensorsInWasm(): boolean {
    return this.ctx.store.inHeap;
  }

  alloc(dtype: DType, size: number): DataId {
    return this.ctx.store.alloc(dtype, size);
  }

  write(dataId: DataId, values: TypedArray): void {
    const rec = this.ctx.store.record(dataId);
    if (values.length !== rec.values.length) throw new ValueError(`write: expected ${rec.values.length} values, got ${values.length}`);
    rec.values.set(values);
    rec.rows = null; // no longer what the winners kernel checked
  }

  read(dataId: DataId): TypedArray {
    return this.ctx.store.values(dataId).slice();
  }

  free(dataId: DataId): void {
    this.ctx.store.free(dataId);
  }

  /** Live tensors, buffers and bytes held by this backend. */
  memory(): MemoryInfo {
    return this.ctx.store.memory();
  }

  /** Blocks and bytes of the wasm heap (tensors plus kernel scratch). */
  heapStats(): HeapStats & { scratchBytes: number } {
    return { ...this.ctx.heap.stats(), scratchBytes: this.ctx.arena.bytes };
  }

  run<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K], donated: readonly number[] = []): TensorInfo[] {
    const fast = (FAST as Partial<Record<KernelName, Fast>>)[kernel];
    // Fast kernels take float32 data; masks and sparse rows' int32 arrays are the inputs NOT_DATA names.
    const notData: readonly number[] = NOT_DATA[kernel] ?? [];
    const typed = inputs.every((t, i) => t.dtype === (notData.includes(i) ? (t.dtype === 'bool' ? 'bool' : 'int32') : 'float32'));
    if (fast && typed && !(this.gemmOnly && !GEMM_KERNELS.has(kernel))) {
      const store = this.ctx.store;
      store.track();
      try {
        const out = fast(this.ctx, inputs, attrs as never, donated);
        store.untrack(false);
        if (out) return out;
      } catch (err) {
        store.untrack(true);
        // A heap filled with tensors leaves no room for scratch: use the TypeScript kernel.
        if (!(err instanceof ScratchFullError)) throw err;
      }
    }
    // The TypeScript kernels run on the storage itself (heap views or host arrays); their
    // outputs are host arrays.
    const args: CpuArray[] = inputs.map((t) => ({ values: this.ctx.store.values(t.dataId), shape: t.shape, dtype: t.dtype }));
    return runReferenceKernel(kernel, args, attrs).map((o) => ({ dataId: this.ctx.store.adopt(o.values, o.dtype), shape: o.shape, dtype: o.dtype }));
  }

  /** Stop the worker threads (the backend keeps working on the calling thread). */
  dispose(): void {
    this.ctx.rt.dispose();
  }
}

const contexts = new WeakMap<WasmBackend, WasmContext>();

/** A wasm backend's runtime, heap, scratch arena and tensor store (tests and benchmarks: @kwta/core/internal). */
export function wasmContext(backend: WasmBackend): WasmContext {
  return contexts.get(backend)!;
}

const operand = (ctx: WasmContext, t: TensorInfo): Operand => ctx.store.operand(t.dataId);

const GEMM_KERNELS = new Set<KernelName>(['matmul', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardFilter']);
type Fast = (ctx: WasmContext, inputs: readonly TensorInfo[], attrs: never, donated: readonly number[]) => TensorInfo[] | null;
const one = (t: TensorInfo | null): TensorInfo[] | null => (t ? [t] : null);

/** Inputs of a fast kernel that are not float32 data: bool masks and sparse rows' int32 rowPtr and indices. */
const NOT_DATA: { [K in KernelName]?: readonly number[] } = {
  where: [0], winners: [1],
  sparseLinear: [2, 3], sparseLinearWeightGrad: [0, 1, 3, 4], sparseLinearInputGrad: [0, 1, 4, 5],
  sparseConv2d: [2, 3], sparseConv2dBackwardFilter: [0, 1], sparseConv2dBackwardInput: [2, 3],
};

const FAST: { [K in KernelName]?: FastKernel<K> } = {
  ...SPARSE_FAST,
  sgdUpdate: (ctx, inputs, attrs, donated) => sgdUpdateWasm(ctx, inputs, attrs, donated),
  matmul: (ctx, [x, y], attrs) => [matmulWasm(ctx, operand(ctx, x), x.shape, operand(ctx, y), y.shape, attrs)],
  conv2d: (ctx, [x, w], attrs) => {
    const [N, , H, W] = x.shape, [F, , KH, KW] = w.shape;
    const OH = convOutSize(H, KH, attrs.stride[0], attrs.pad[0], attrs.dilation[0]);
    const OW = convOutSize(W, KW, attrs.stride[1], attrs.pad[1], attrs.dilation[1]);
    const o = output(ctx, [N, F, OH, OW], false);
    conv2dWasm(ctx, operand(ctx, x), x.shape, operand(ctx, w), w.shape, attrs, o.out);
    return [o.info];
  },
  conv2dBackwardInput: (ctx, [dy, w], attrs) => {
    const o = output(ctx, [...attrs.inputShape]);
    conv2dBackwardInputWasm(ctx, operand(ctx, dy), operand(ctx, w), w.shape, attrs, o.out);
    return [o.info];
  },
  conv2dBackwardFilter: (ctx, [x, dy], attrs) => {
    const o = output(ctx, [...attrs.filterShape]);
    conv2dBackwardFilterWasm(ctx, operand(ctx, x), x.shape, operand(ctx, dy), attrs, o.out);
    return [o.info];
  },
  binary: (ctx, [x, y], { op }) => one(binaryWasm(ctx, op, operand(ctx, x), x.shape, operand(ctx, y), y.shape)),
  unary: (ctx, [x], { op }) => one(unaryWasm(ctx, op, operand(ctx, x), x.shape)),
  reduce: (ctx, [x], attrs) => one(reduceWasm(ctx, operand(ctx, x), x.shape, attrs)),
  topkMask: (ctx, [x], { k }) => one(topkMaskWasm(ctx, operand(ctx, x), x.shape, k)),
  compare: (ctx, [x, y], { op }) => one(compareWasm(ctx, op, operand(ctx, x), x.shape, operand(ctx, y), y.shape)),
  where: (ctx, [c, x, y]) => (c.dtype === 'bool'
    ? one(whereWasm(ctx, ctx.store.mask(c.dataId), c.shape, operand(ctx, x), x.shape, operand(ctx, y), y.shape))
    : null),
};

/** The CPU path the flag picks: WebAssembly SIMD kernels, or the pure-TypeScript reference. */
export function createCpuBackend(kernels: 'wasm' | 'js', opts: WasmBackendOptions = {}): Backend {
  return kernels === 'wasm' && wasmSimdSupported() ? new WasmBackend(opts) : new CpuBackend();
}
