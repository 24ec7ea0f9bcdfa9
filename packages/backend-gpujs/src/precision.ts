import {
  runReferenceKernel, type Backend, type DataId, type DType, type KernelAttrs, type KernelName, type MemoryInfo, type TensorInfo, type TypedArray,
} from '@kwta/core';

/** How far one kernel's results strayed from the CPU backend's on the same inputs. */
export interface KernelError {
  /** Kernel and op, e.g. "binary pow", "reduce sum", "cast int32", "matmul". */
  kernel: string;
  calls: number;
  /** Worst |got - cpu| / (1 + |cpu|) over float outputs (Infinity where they differ and one is NaN or infinite). */
  maxError: number;
  /** int32 / bool output elements that differ from the CPU backend's (exact kernels: must be 0). */
  mismatches: number;
  /** The probe's `label` (e.g. the test case) when the worst error or first mismatch was seen. */
  worstAt: string;
}

/** "binary add", "reduce max", "cast bool", "matmul": the kernel with the op or dtype that selects its code. */
export function kernelLabel(kernel: KernelName, attrs: unknown): string {
  const a = attrs as { op?: string; dtype?: string };
  return a.op ? `${kernel} ${a.op}` : kernel === 'cast' && a.dtype ? `cast ${a.dtype}` : kernel;
}

const isFloat = (d: DType) => d === 'float32' || d === 'float64';

/**
 * A Backend that runs everything on `target` and, after each kernel, runs the CPU backend's
 * kernel on the same input values (read back from `target`) and records how far each output is
 * from it. The error is the kernel's own: its inputs are the target's values, so nothing
 * accumulates along a chain of kernels. Slow (every operand is read back); for test suites and
 * for checking a new device (bench/real-gpu).
 */
export class KernelErrorProbe implements Backend {
  readonly name: string;
  /** Set by the caller to say what is running (a case name); reported with the worst error. */
  label = '';
  private readonly stats = new Map<string, KernelError>();

  constructor(readonly target: Backend) {
    this.name = target.name;
  }

  alloc(dtype: DType, size: number): DataId {
    return this.target.alloc(dtype, size);
  }

  write(dataId: DataId, values: TypedArray): void {
    this.target.write(dataId, values);
  }

  read(dataId: DataId): TypedArray {
    return this.target.read(dataId);
  }

  free(dataId: DataId): void {
    this.target.free(dataId);
  }

  /** Live tensors, buffers and bytes held by this backend. */
  memory(): MemoryInfo {
    return this.target.memory();
  }

  run<K extends KernelName>(kernel: K, inputs: readonly TensorInfo[], attrs: KernelAttrs[K]): TensorInfo[] {
    const outs = this.target.run(kernel, inputs, attrs);
    const host = inputs.map((t) => ({ values: this.target.read(t.dataId), shape: t.shape, dtype: t.dtype }));
    const want = runReferenceKernel(kernel, host, attrs);
    const key = kernelLabel(kernel, attrs);
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = { kernel: key, calls: 0, maxError: 0, mismatches: 0, worstAt: '' }));
    s.calls++;
    outs.forEach((o, i) => this.compare(s, this.target.read(o.dataId), want[i].values, o.dtype));
    return outs;
  }

  /** Every kernel seen, by name. */
  report(): KernelError[] {
    return [...this.stats.values()].sort((a, b) => a.kernel.localeCompare(b.kernel));
  }

  private compare(s: KernelError, got: TypedArray, want: TypedArray, dtype: DType): void {
    if (!isFloat(dtype)) {
      let bad = 0;
      for (let j = 0; j < want.length; j++) if (got[j] !== want[j]) bad++;
      if (bad && !s.mismatches) s.worstAt = this.label;
      s.mismatches += bad;
      return;
    }
    for (let j = 0; j < want.length; j++) {
      const g = got[j], w = want[j];
      if (Number.isNaN(g) && Number.isNaN(w)) continue;
      // Unequal where either is NaN or infinite counts as infinitely wrong.
      const err = g === w ? 0 : Number.isFinite(g) && Number.isFinite(w) ? Math.abs(g - w) / (1 + Math.abs(w)) : Infinity;
      if (err > s.maxError) {
        s.maxError = err;
        s.worstAt = this.label;
      }
    }
  }
}
