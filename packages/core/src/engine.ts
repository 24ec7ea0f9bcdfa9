import { checkFiniteOutputs } from './anomaly.js';
import type { Backend, KernelAttrs, KernelName, TensorInfo } from './backend.js';
import { CpuBackend } from './backends/cpu/index.js';
import type { DType, TypedArray } from './dtype.js';
import { BackendError, DisposedError, ValueError } from './errors.js';
import { atSite, backendMemoryLimit, setBackendMemoryLimit } from './memory-limit.js';
import type { Shape } from './shape.js';
import { Tensor, type Storage } from './tensor.js';

/**
 * When the layers after a k-WTA use its winners (docs/sparse.md): 'auto' when the backend's cost
 * model says the sparse kernel is faster (a backend without `sparseRates` never), 'off' never
 * (the dense kernels only), 'always' wherever the structure allows, whatever the cost (tests).
 */
export type SparsePathMode = 'auto' | 'off' | 'always';

/**
 * The engine holds the active backend, the stack of memory scopes and the grad-mode flag.
 * Backends that hold external memory (gpu.js textures) need explicit release, so every tensor
 * made inside `tidy` is disposed when the scope ends unless it is returned or `keep`-ed, and the
 * live counts are exposed so a test can prove they stay flat.
 */
class Engine {
  private active: Backend | null = null;
  gradEnabled = true;
  sparsePath: SparsePathMode = 'auto';
  liveTensors = 0;
  /** Anomaly mode (`detectAnomaly`): every kernel's float outputs are checked for NaN and ±Infinity. */
  detectAnomaly = false;
  /** The op whose gradient rule is running (backward pass), for anomaly reports. */
  backwardOf: string | null = null;
  /** Most tensor bytes a backend held after any kernel or tensor creation (`peakMemory`). */
  peakBytes = 0;
  /** Set by `profileKernels` while it runs: every kernel call reports here. */
  kernelObserver: ((kernel: KernelName, attrs: unknown, inputs: readonly TensorInfo[], ms: number) => void) | null = null;
  private scopes: Set<Tensor>[] = [];
  private nextId = 1;

  /**
   * The backend new tensors go to: the CPU backend until `setBackend`. Made on first use, not
   * while the modules load (the op definitions the CPU kernels read import the engine).
   */
  get backend(): Backend {
    return (this.active ??= new CpuBackend());
  }

  set backend(backend: Backend) {
    this.active = backend;
  }

  notePeak(backend: Backend): void {
    const bytes = backend.memory().numBytes;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
  }

  newId(): number {
    return this.nextId++;
  }

  track(t: Tensor): void {
    this.liveTensors++;
    this.scopes[this.scopes.length - 1]?.add(t);
  }

  untrack(t: Tensor): void {
    this.scopes[this.scopes.length - 1]?.delete(t);
  }

  /** Forget `t` in every open scope so it survives them all. */
  keep(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }

  startScope(): void {
    this.scopes.push(new Set());
  }

  endScope(result: unknown): void {
    const scope = this.scopes.pop();
    if (!scope) return;
    const survivors = new Set<Tensor>();
    collectTensors(result, survivors);
    for (const t of scope) {
      if (survivors.has(t)) this.scopes[this.scopes.length - 1]?.add(t);
      else t.dispose();
    }
  }

  /** Wrap storage into a tensor tracked by the current scope. */
  makeTensor(storage: Storage, shape: Shape, dtype: DType): Tensor {
    const t = new Tensor(storage, shape, dtype, this.newId());
    this.track(t);
    return t;
  }

  /** A tensor of `values` on the active backend; `op` names the creation op in allocation errors. */
  fromValues(values: TypedArray, shape: Shape, dtype: DType, op = 'tensor'): Tensor {
    const backend = this.backend;
    const dataId = atSite({ op, backend, shape }, () => backend.alloc(dtype, values.length));
    backend.write(dataId, values);
    this.notePeak(backend);
    return this.makeTensor({ dataId, backend, refs: 1 }, shape, dtype);
  }

  /**
   * Run a kernel on tensors, returning new tensors (no autodiff here: ops record it). An output
   * the backend wrote into a `donated` input (backend.ts) is a new tensor on that input's storage.
   */
  runKernel<K extends KernelName>(kernel: K, inputs: readonly Tensor[], attrs: KernelAttrs[K], donated: readonly number[] = []): Tensor[] {
    const backend = inputs.length > 0 ? inputs[0].storage.backend : this.backend;
    const infos: TensorInfo[] = inputs.map((t) => {
      if (t.isDisposed) throw new DisposedError(`${kernel}: input tensor #${t.id} ${t.describe()} was disposed`);
      if (t.storage.backend !== backend) {
        throw new BackendError(`${kernel}: inputs live on different backends (${backend.name} and ${t.storage.backend.name})`);
      }
      return { dataId: t.storage.dataId, shape: t.shape, dtype: t.dtype };
    });
    const observer = this.kernelObserver;
    // Allocations inside the kernel are checked against the memory limit as this kernel's.
    const site = { op: kernel, backend, inputs: infos.map((t) => t.shape) };
    let outs: TensorInfo[];
    const give = donated.length > 0 ? donated : undefined;
    if (observer) {
      const t0 = performance.now();
      outs = atSite(site, () => backend.run(kernel, infos, attrs, give));
      observer(kernel, attrs, infos, performance.now() - t0);
    } else {
      outs = atSite(site, () => backend.run(kernel, infos, attrs, give));
    }
    if (this.detectAnomaly) checkFiniteOutputs(kernel, attrs, backend, infos, outs, this.backwardOf);
    this.notePeak(backend);
    return outs.map((o) => {
      const reused = donated.map((i) => inputs[i].storage).find((s) => s.dataId === o.dataId);
      if (!reused) return this.makeTensor({ dataId: o.dataId, backend, refs: 1 }, o.shape, o.dtype);
      reused.refs++;
      return this.makeTensor(reused, o.shape, o.dtype);
    });
  }
}

function collectTensors(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (value instanceof Tensor) into.add(value);
  else if (depth < 4 && Array.isArray(value)) for (const v of value) collectTensors(v, into, depth + 1);
  else if (depth < 4 && value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  }
}

export const engine = new Engine();

/** Run `fn` with one engine setting changed (grad mode, anomaly mode, the rule running), restored after, also on throw. */
export function withSetting<K extends 'gradEnabled' | 'detectAnomaly' | 'backwardOf', T>(key: K, value: Engine[K], fn: () => T): T {
  const prev = engine[key];
  engine[key] = value;
  try {
    return fn();
  } finally {
    engine[key] = prev;
  }
}

const BACKEND_METHODS = ['alloc', 'write', 'read', 'free', 'run', 'memory'] as const;

/** Use `backend` for tensors created from now on. */
export function setBackend(backend: Backend): void {
  if (typeof backend === 'string') {
    throw new BackendError(`setBackend: pass a backend object, e.g. setBackend(createCpuBackend('${backend}')) or setBackend(new CpuBackend()), not the name '${backend}'`);
  }
  const missing = BACKEND_METHODS.filter((m) => typeof (backend as unknown as Record<string, unknown> | null)?.[m] !== 'function');
  if (missing.length) throw new BackendError(`setBackend: ${String((backend as { name?: unknown } | null)?.name ?? backend)} has no ${missing.join(', ')}: pass an object implementing Backend (CpuBackend, WasmBackend, GpuJsBackend)`);
  engine.backend = backend;
}

/** The active backend (the CPU backend until {@link setBackend} is called). */
export function getBackend(): Backend {
  return engine.backend;
}

/**
 * Run `fn` in a memory scope: every tensor created inside is disposed at the end, except those
 * in the returned value (a tensor, or arrays/plain objects of tensors) and those `keep`-ed.
 */
export function tidy<T>(fn: () => T): T {
  engine.startScope();
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) throw new BackendError('tidy: the function must be synchronous');
    return result;
  } finally {
    engine.endScope(result);
  }
}

/** Keep a tensor alive past every enclosing `tidy` scope. */
export function keep<T extends Tensor>(t: T): T {
  engine.keep(t);
  return t;
}

/** Counts for leak tests: live tensors (core) and live buffers/bytes (backend). */
export function memory(): { numTensors: number; numBuffers: number; numBytes: number } {
  const m = engine.backend.memory();
  return { numTensors: engine.liveTensors, numBuffers: m.numBuffers, numBytes: m.numBytes };
}

/**
 * The most tensor bytes a backend held at once since start or `resetPeakMemory()` (checked after
 * every kernel and tensor creation; as torch.cuda.max_memory_allocated): what a job needs.
 */
export function peakMemory(): number {
  return engine.peakBytes;
}

/** Start measuring `peakMemory()` again from what is held now. */
export function resetPeakMemory(): void {
  engine.peakBytes = engine.backend.memory().numBytes;
}

/**
 * Cap the live tensor bytes of `backend` (default: the active one); `null` restores the default,
 * half of physical memory. A request past it is refused with an OutOfMemoryError before anything
 * is allocated. `Infinity` removes the cap (the JavaScript engine's own failures stay typed).
 */
export function setMemoryLimit(bytes: number | null, backend: Backend = engine.backend): void {
  if (bytes !== null && !(bytes > 0)) throw new ValueError(`setMemoryLimit: bytes must be a positive number, Infinity or null (the default), got ${bytes}`);
  setBackendMemoryLimit(backend, bytes);
}

/** The live tensor bytes `backend` (default: the active one) may hold. */
export function memoryLimit(backend: Backend = engine.backend): number {
  return backendMemoryLimit(backend);
}

/**
 * What `backend` (default: the active one) may still allocate before its limit: for code that
 * sizes its work to fit, e.g. an attack evaluating many samples per example in chunks.
 */
export function memoryBudget(backend: Backend = engine.backend): { limit: number; inUse: number; available: number } {
  const limit = backendMemoryLimit(backend), inUse = backend.memory().numBytes;
  return { limit, inUse, available: Math.max(0, limit - inUse) };
}

/**
 * Anomaly mode for everything from now on (as torch.autograd.set_detect_anomaly): every kernel's
 * float outputs are read back and the first NaN or ±Infinity raises an AnomalyError naming the
 * op, the element and the shapes (and, in a backward pass, the op whose rule ran). Slow: debug only.
 */
export function setDetectAnomaly(enabled: boolean): void {
  engine.detectAnomaly = enabled;
}

/** Run `fn` in anomaly mode (as torch.autograd.detect_anomaly), restoring the previous mode after. */
export function detectAnomaly<T>(fn: () => T): T {
  return withSetting('detectAnomaly', true, fn);
}

/** Run `fn` without recording anything for autodiff. */
export function noGrad<T>(fn: () => T): T {
  return withSetting('gradEnabled', false, fn);
}

/** Run `fn` with autodiff recording on, even inside `noGrad` (attacks need input gradients there). */
export function enableGrad<T>(fn: () => T): T {
  return withSetting('gradEnabled', true, fn);
}

/** Whether ops are being recorded for autodiff (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return engine.gradEnabled;
}

const SPARSE_PATH_MODES: readonly SparsePathMode[] = ['auto', 'off', 'always'];

/**
 * Choose when linear and conv layers use a k-WTA input's winners (default 'auto': where the
 * backend's cost model says it pays). 'off' forces the dense kernels, e.g. to measure the
 * difference; the values differ only by float32 summation order.
 */
export function setSparsePath(mode: SparsePathMode): void {
  if (!SPARSE_PATH_MODES.includes(mode)) throw new ValueError(`setSparsePath: mode must be one of ${SPARSE_PATH_MODES.join(', ')}, got ${String(mode)}`);
  engine.sparsePath = mode;
}

/** The sparse path's mode set by {@link setSparsePath} ('auto' by default). */
export function getSparsePath(): SparsePathMode {
  return engine.sparsePath;
}

/** Run `fn` with the sparse path set to `mode`, restoring the previous mode after (even on throw). */
export function withSparsePath<T>(mode: SparsePathMode, fn: () => T): T {
  const prev = engine.sparsePath;
  setSparsePath(mode);
  try {
    return fn();
  } finally {
    engine.sparsePath = prev;
  }
}
