/**
 * Starting pool workers on either platform: `node:worker_threads` in Node (found through
 * `process.getBuiltinModule`, so nothing Node-only is imported statically) or Web Workers in a
 * browser (the source goes in as a Blob URL, so no separate file has to be served). Both run the
 * same worker source, which detects where it is.
 */
export interface PoolWorker {
  postMessage(v: unknown): void;
  /** Messages the worker posts back (its "ready" note, or a failure report). */
  onMessage(f: (v: unknown) => void): void;
  onError(f: (message: string) => void): void;
  terminate(): void;
}

export interface WorkerFactory {
  /** 'node': workers start on their own; 'browser': only once the creating thread yields. */
  kind: 'node' | 'browser';
  spawn(source: string): PoolWorker;
}

interface NodeWorker {
  postMessage(v: unknown): void;
  on(ev: 'message' | 'error', f: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (src: string, opts: { eval: true }) => NodeWorker;

function nodeFactory(): WorkerFactory | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: NodeWorkerCtor } | undefined;
  const Ctor = mod?.Worker;
  if (!Ctor) return null;
  const spawn = (source: string): PoolWorker => {
    const w = new Ctor(source, { eval: true });
    // An idle worker must not keep the process alive, but a starting one must (or a script
    // awaiting `ready` would exit first): unref() once it has reported in. The listeners are
    // attached here, once, because in Node 20 adding a 'message' listener re-refs a worker.
    let onMessage: (v: unknown) => void = () => {};
    let onError: (message: string) => void = () => {};
    w.on('message', (v) => { w.unref(); onMessage(v); });
    w.on('error', (e) => { w.unref(); onError(String(e)); });
    return {
      postMessage: (v) => w.postMessage(v),
      onMessage: (f) => { onMessage = f; },
      onError: (f) => { onError = f; },
      terminate: () => void w.terminate(),
    };
  };
  return { kind: 'node', spawn };
}

interface WebWorker {
  postMessage(v: unknown): void;
  addEventListener(ev: 'message' | 'error', f: (e: { data?: unknown; message?: string }) => void): void;
  terminate(): void;
}
type WebWorkerCtor = new (url: string, opts?: { name?: string }) => WebWorker;

function browserFactory(): WorkerFactory | null {
  const g = globalThis as { Worker?: WebWorkerCtor; Blob?: typeof Blob; URL?: typeof URL };
  const Ctor = g.Worker;
  if (typeof Ctor !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') return null;
  const spawn = (source: string): PoolWorker => {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const w = new Ctor(url, { name: 'kwta-wasm-pool' });
    return {
      postMessage: (v) => w.postMessage(v),
      onMessage: (f) => w.addEventListener('message', (e) => f(e.data)),
      onError: (f) => w.addEventListener('error', (e) => f(e.message ?? 'worker error')),
      terminate: () => {
        w.terminate();
        URL.revokeObjectURL(url);
      },
    };
  };
  return { kind: 'browser', spawn };
}

/** How this platform starts threads, or null where it cannot. */
export function workerFactory(): WorkerFactory | null {
  return nodeFactory() ?? browserFactory();
}
