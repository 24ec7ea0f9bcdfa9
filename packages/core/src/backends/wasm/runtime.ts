import { BackendError } from '../../errors.js';
import { KERNEL_NAMES, MAX_PAGES, compileKernels, type KernelModule, type WasmKernelName } from './emit/module.js';
import { CLOSED, CTRL, WORKER_SOURCE } from './worker-source.js';
import { workerFactory, type PoolWorker } from './workers.js';

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
/** How long a Node dispatch waits for workers still starting before going on without them. */
const JOIN_TIMEOUT_MS = 5000;
/** A run whose remaining tasks make no progress for this long is abandoned (see `run`). */
const STALL_MS = 60_000;

/** Queue words a task takes: its offset and length, and per call its kernel, arg count, per-thread mask and args. */
function taskWords(task: Task): number {
  let words = 2;
  for (const c of task) words += 3 + c.args.length;
  return words;
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
 * memory. `run` hands a list of tasks to whichever threads claim them and returns when all are done.
 */
export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  /** Pool size including the calling thread (workers join as they start; see `ready`). */
  readonly threads: number;
  readonly kernels: KernelModule;
  /** Resolves once every worker has joined the pool, to the number of threads then running. */
  readonly ready: Promise<number>;
  private readonly fns: Record<WasmKernelName, (...args: number[]) => void>;
  private readonly workers: PoolWorker[] = [];
  /** A browser's main thread may not Atomics.wait: it spins instead. */
  private readonly blocking = canBlock();
  /**
   * Node workers start on their own, so the first dispatch may wait for them to join (the pool
   * is then in use from the first kernel on). A browser starts workers only when the creating
   * thread yields to its event loop, so there dispatches never wait: late workers join later.
   */
  private awaitJoin: boolean;
  /** After `dispose` every run stays on the calling thread. */
  private disposed = false;
  private ctrl: Int32Array;
  private workerError = '';
  private f32view: Float32Array;
  private i32view: Int32Array;

  /**
   * `useShared` false forces a plain memory (one thread, tensors on the host): the path of a
   * browser page without cross-origin isolation, selectable so Node tests can cover it.
   */
  constructor(requestedThreads: number, useShared = true, private readonly stallMs = STALL_MS) {
    const initialPages = ARENA_BASE / PAGE + 256;
    // Shared even for one thread: views into a shared memory survive `grow`, so tensors can live in it.
    const shared = useShared && typeof SharedArrayBuffer !== 'undefined' ? sharedMemory(initialPages) : null;
    const spawn = requestedThreads > 1 && shared ? workerFactory() : null;
    this.memory = shared ?? new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES });
    this.threads = spawn ? Math.min(requestedThreads, MAX_THREADS) : 1;
    this.kernels = compileKernels(shared !== null);
    const instance = new WebAssembly.Instance(this.kernels.module, { env: { memory: this.memory } });
    this.fns = instance.exports as unknown as Record<WasmKernelName, (...args: number[]) => void>;
    this.ctrl = new Int32Array(this.memory.buffer, 0, 16);
    Atomics.store(this.ctrl, CTRL.next, CLOSED);
    this.f32view = new Float32Array(this.memory.buffer);
    this.i32view = new Int32Array(this.memory.buffer);
    this.awaitJoin = spawn?.kind === 'node' && this.blocking;
    const joins: Promise<void>[] = [];
    for (let tid = 1; tid < this.threads && spawn; tid++) {
      let worker: PoolWorker;
      try {
        worker = spawn.spawn(WORKER_SOURCE);
      } catch {
        break; // e.g. a content security policy refusing blob: workers: fewer threads
      }
      joins.push(new Promise<void>((resolve) => {
        worker.onMessage((m) => {
          const msg = m as { ready?: number; error?: string };
          if (msg.error !== undefined) this.workerError = msg.error;
          resolve();
        });
        // A worker that never starts must not hold `ready` back; it simply never joins.
        worker.onError((e) => { this.workerError = e; resolve(); });
      }));
      worker.postMessage({ module: this.kernels.module, memory: this.memory, names: KERNEL_NAMES, queueWord: QUEUE_WORD, tid, spin: SPIN });
      this.workers.push(worker);
    }
    this.ready = Promise.all(joins).then(() => this.joinedThreads);
  }

  /** Threads currently taking tasks: the caller plus the workers that have joined. */
  get joinedThreads(): number {
    return 1 + Atomics.load(this.ctrl, CTRL.joined);
  }

  /** Tasks run by workers since start (the rest ran on the calling thread). */
  get workerTasks(): number {
    return Atomics.load(this.ctrl, CTRL.workerTasks);
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
   * the cores) delays only the task it holds, and a worker that is asleep or not started yet
   * delays nothing: the caller waits for the tasks, not for the workers. `threads` <= 1 keeps
   * the work on the caller; each thread's scratch sits `scratchStride` bytes after the previous
   * one's.
   */
  run(tasks: Task[], scratchStride = 0, threads = this.threads): void {
    if (tasks.length === 0) return;
    if (threads <= 1 || this.threads === 1 || tasks.length === 1 || this.disposed) {
      this.runHere(tasks);
      return;
    }
    // Back-pressure: the queue holds QUEUE_BYTES; a longer list runs in waves that each fit (the
    // tasks of one run are independent), and a task that alone does not fit runs on this thread
    // (its calls run in order either way).
    for (let start = 0; start < tasks.length;) {
      let end = start, words = 2;
      while (end < tasks.length && words + taskWords(tasks[end]) <= QUEUE_BYTES / 4) words += taskWords(tasks[end++]);
      if (end === start) this.runHere([tasks[end++]]);
      else if (end === start + 1) this.runHere(tasks.slice(start, end));
      else this.runWave(tasks.slice(start, end), scratchStride);
      start = end;
    }
  }

  /** Run tasks in order on the calling thread (scratch: thread 0's). */
  private runHere(tasks: Task[]): void {
    for (const task of tasks) for (const c of task) this.fns[c.fn](...c.args);
  }

  /** One dispatch of tasks that fit the queue to the pool. */
  private runWave(tasks: Task[], scratchStride: number): void {
    const c = this.ctrl, n = tasks.length;
    if (this.awaitJoin) {
      this.awaitJoin = false;
      const deadline = Date.now() + JOIN_TIMEOUT_MS;
      for (let j = Atomics.load(c, CTRL.joined); j < this.workers.length && Date.now() < deadline; j = Atomics.load(c, CTRL.joined)) {
        Atomics.wait(c, CTRL.joined, j, 50);
      }
    }
    // The counter is closed while the queue is written; opening it publishes the queue.
    this.writeQueue(tasks, scratchStride);
    Atomics.store(c, CTRL.done, 0);
    Atomics.store(c, CTRL.failed, 0);
    Atomics.store(c, CTRL.next, 0);
    Atomics.add(c, CTRL.generation, 1);
    Atomics.notify(c, CTRL.generation);
    let failure: unknown = null;
    for (let i = Atomics.add(c, CTRL.next, 1); i < n; i = Atomics.add(c, CTRL.next, 1)) {
      // After a failure the caller only drains (claims without running) so the run can end.
      if (failure === null) {
        try {
          for (const call of tasks[i]) this.fns[call.fn](...call.args);
        } catch (err) {
          failure = err;
        }
      }
      Atomics.add(c, CTRL.done, 1);
    }
    // Wait for the workers' tasks. A worker that makes no progress for STALL_MS (killed, or
    // stuck) must not hang the caller: the pool is given up and later runs use this thread.
    let seen = -1, since = 0;
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(c, CTRL.done);
      if (done >= n) break;
      if (spins > 1000) {
        if (this.blocking) Atomics.wait(c, CTRL.done, done, 50);
        if (done !== seen) {
          seen = done;
          since = Date.now();
        } else if (Date.now() - since > this.stallMs) {
          this.dispose();
          throw new BackendError(`wasm backend: a worker made no progress for ${this.stallMs / 1000} s (${n - done} of ${n} tasks unfinished); the pool is stopped and the backend continues on one thread`);
        }
      }
    }
    Atomics.store(c, CTRL.next, CLOSED);
    if (failure) throw new BackendError(`wasm backend: a kernel failed: ${String(failure)}`);
    if (Atomics.load(c, CTRL.failed) !== 0) throw new BackendError(`wasm backend: a worker failed: ${this.workerError}`);
  }

  /** Writes tasks that fit (see `run`): the overflow checks guard the layout, not the caller. */
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
    this.disposed = true;
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, CTRL.stop, 1);
    Atomics.add(this.ctrl, CTRL.generation, 1);
    Atomics.notify(this.ctrl, CTRL.generation);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
