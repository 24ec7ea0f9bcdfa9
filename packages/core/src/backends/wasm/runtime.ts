import { BackendError } from '../../errors.js';
import { KERNEL_NAMES, MAX_PAGES, compileKernels, type KernelModule, type WasmKernelName } from './emit/module.js';
import { WORKER_SOURCE } from './worker-source.js';

/**
 * One call of an exported kernel with its i32 arguments. Arguments listed in `perThread` are
 * scratch addresses for thread 0: the thread running the call adds tid * scratchStride.
 */
export interface Call {
  fn: WasmKernelName;
  args: number[];
  perThread?: number[];
}

/** A unit of work the pool hands to one thread: calls run in order. */
export type Task = Call[];

const PAGE = 65536;
/** Control words live at byte 0; the task queue in the 1 MiB after the first page. */
const QUEUE_BYTES = 1 << 20;
const QUEUE_WORD = PAGE / 4;
const MAX_THREADS = 16;
/** Scratch memory (the arena) starts after the control block and the queue. */
export const ARENA_BASE = PAGE + QUEUE_BYTES;
/** Worker busy-wait iterations before sleeping in Atomics.wait: dispatch latency vs idle burn. */
const SPIN = 20000;

interface NodeWorker {
  postMessage(v: unknown): void;
  on(ev: 'message' | 'error', f: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
type WorkerCtor = new (src: string, opts: { eval: true }) => NodeWorker;

/** worker_threads when running in Node (synchronously, without a static import), else null. */
function nodeWorkerCtor(): WorkerCtor | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor; isMainThread?: boolean } | undefined;
  return mod?.Worker ?? null;
}

/** Can this thread block in Atomics.wait? (Not a browser's main thread.) */
function canBlock(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

function sharedMemory(pages: number): WebAssembly.Memory | null {
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  } catch {
    return null;
  }
}

/**
 * The wasm side of the backend: one memory (shared when the platform allows it), the kernel
 * instance of the calling thread, and a pool of workers running the same kernels on the same
 * memory. `run` executes one command list per thread and returns when all are done.
 */
export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly threads: number;
  readonly kernels: KernelModule;
  private readonly fns: Record<WasmKernelName, (...args: number[]) => void>;
  private readonly workers: NodeWorker[] = [];
  private ctrl: Int32Array;
  private workerError = '';
  private f32view: Float32Array;
  private i32view: Int32Array;

  constructor(requestedThreads: number) {
    const initialPages = ARENA_BASE / PAGE + 256;
    const WorkerImpl = requestedThreads > 1 && canBlock() ? nodeWorkerCtor() : null;
    const shared = WorkerImpl ? sharedMemory(initialPages) : null;
    this.memory = shared ?? new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES });
    this.threads = shared ? Math.min(requestedThreads, MAX_THREADS) : 1;
    this.kernels = compileKernels(shared !== null);
    const instance = new WebAssembly.Instance(this.kernels.module, { env: { memory: this.memory } });
    this.fns = instance.exports as unknown as Record<WasmKernelName, (...args: number[]) => void>;
    this.ctrl = new Int32Array(this.memory.buffer, 0, 16);
    this.f32view = new Float32Array(this.memory.buffer);
    this.i32view = new Int32Array(this.memory.buffer);
    for (let w = 1; w < this.threads && WorkerImpl; w++) {
      const worker = new WorkerImpl(WORKER_SOURCE, { eval: true });
      worker.on('message', (m) => { this.workerError = String(m); });
      worker.on('error', (e) => { this.workerError = String(e); });
      worker.postMessage({
        module: this.kernels.module, memory: this.memory, names: KERNEL_NAMES,
        queueWord: QUEUE_WORD, tid: w, generation: Atomics.load(this.ctrl, 0), spin: SPIN,
      });
      // Idle workers must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Float32 view of the whole memory (refreshed after growth). */
  get f32(): Float32Array {
    if (this.f32view.buffer !== this.memory.buffer || this.f32view.length * 4 !== this.memory.buffer.byteLength) {
      this.f32view = new Float32Array(this.memory.buffer);
    }
    return this.f32view;
  }

  get i32(): Int32Array {
    if (this.i32view.buffer !== this.memory.buffer || this.i32view.length * 4 !== this.memory.buffer.byteLength) {
      this.i32view = new Int32Array(this.memory.buffer);
    }
    return this.i32view;
  }

  /** Make sure bytes [0, end) exist. */
  reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new BackendError(`wasm backend: a kernel needs ${(end / 2 ** 20).toFixed(0)} MiB of scratch, over the 4 GiB wasm32 limit`);
    }
    this.memory.grow(pages);
  }

  /**
   * Run `tasks` on the pool and return when all are done. Threads (the caller included) take
   * tasks from a shared atomic counter, so a thread the OS deschedules (other processes share
   * the cores) delays only the task it holds. `threads` <= 1 keeps the work on the caller; each thread's
   * scratch sits `scratchStride` bytes after the previous one's.
   */
  run(tasks: Task[], scratchStride = 0, threads = this.threads): void {
    if (tasks.length === 0) return;
    if (threads <= 1 || this.threads === 1 || tasks.length === 1) {
      for (const task of tasks) for (const c of task) this.fns[c.fn](...c.args);
      return;
    }
    this.writeQueue(tasks, scratchStride);
    Atomics.store(this.ctrl, 4, 0);
    Atomics.store(this.ctrl, 3, 0);
    Atomics.store(this.ctrl, 1, this.threads - 1);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    let failure: unknown = null;
    try {
      for (let i = Atomics.add(this.ctrl, 4, 1); i < tasks.length; i = Atomics.add(this.ctrl, 4, 1)) {
        for (const c of tasks[i]) this.fns[c.fn](...c.args);
      }
    } catch (err) {
      // Let the workers drain the queue before the next run may rewrite it.
      failure = err;
      Atomics.store(this.ctrl, 4, tasks.length);
    }
    for (let spins = 0; ; spins++) {
      const left = Atomics.load(this.ctrl, 1);
      if (left === 0) break;
      if (spins > 1000) Atomics.wait(this.ctrl, 1, left, 50);
    }
    if (failure) throw new BackendError(`wasm backend: a kernel failed: ${String(failure)}`);
    if (Atomics.load(this.ctrl, 3) !== 0) throw new BackendError(`wasm backend: a worker failed: ${this.workerError}`);
  }

  private writeQueue(tasks: Task[], scratchStride: number): void {
    const q = this.i32;
    const end = QUEUE_WORD + QUEUE_BYTES / 4;
    q[QUEUE_WORD] = tasks.length;
    q[QUEUE_WORD + 1] = scratchStride;
    let p = QUEUE_WORD + 2 + tasks.length;
    tasks.forEach((task, i) => {
      q[QUEUE_WORD + 2 + i] = p - QUEUE_WORD;
      if (p + 1 > end) throw new BackendError('wasm backend: task queue overflow');
      q[p++] = task.length;
      for (const c of task) {
        if (p + 3 + c.args.length > end) throw new BackendError('wasm backend: task queue overflow');
        q[p++] = KERNEL_NAMES.indexOf(c.fn);
        q[p++] = c.args.length;
        q[p++] = (c.perThread ?? []).reduce((m, a) => m | (1 << a), 0);
        for (const a of c.args) q[p++] = a;
      }
    });
  }

  /** Stop and release the workers. */
  dispose(): void {
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, 2, 1);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
