import type { CallName, Calls, RequestMessage, ResponseMessage } from '../protocol.js';

/** An error the engine's worker reported for a call (its name and message come across). */
export class EngineError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = kind;
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  progress?: (p: unknown) => void;
}

/**
 * The page's side of the protocol: `call` posts a request and returns a promise of its result,
 * passing progress messages to a callback on the way. Failures the worker cannot tie to a call
 * (an error outside any call) go to `onFatal`.
 */
export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  onFatal: (message: string) => void = () => {};

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<ResponseMessage>) => this.receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.failAll(`the engine stopped: ${e.message}`);
    };
  }

  call<K extends CallName>(call: K, args: Calls[K]['args'], onProgress?: (p: Calls[K]['progress']) => void, transfer: Transferable[] = []): Promise<Calls[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress: onProgress as ((p: unknown) => void) | undefined });
      const msg: RequestMessage<K> = { id, call, args };
      this.worker.postMessage(msg, transfer);
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.failAll('the engine was restarted', false);
  }

  private receive(msg: ResponseMessage): void {
    const p = this.pending.get(msg.id);
    if (!p) {
      if (msg.kind === 'error') this.onFatal(msg.error.message);
      return;
    }
    if (msg.kind === 'progress') p.progress?.(msg.data);
    else {
      this.pending.delete(msg.id);
      if (msg.kind === 'result') p.resolve(msg.data);
      else p.reject(new EngineError(msg.error.name, msg.error.message));
    }
  }

  private failAll(message: string, fatal = true): void {
    for (const p of this.pending.values()) p.reject(new EngineError('EngineStopped', message));
    this.pending.clear();
    if (fatal) this.onFatal(message);
  }
}
