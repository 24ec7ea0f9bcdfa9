import { setBackend, tidy, type Tensor } from '@kwta/core';
import type { Contender, Prepared } from '../harness/types.js';
import { kwtaBackend, type KwtaBackendKind } from './backends.js';

export interface KwtaWorkload {
  /** The timed work; everything it creates is freed by a `tidy` around it. */
  run(): Tensor | Tensor[] | void;
  inputs: Tensor[];
  /**
   * Untimed outputs for the agreement check when they are not simply `run()`'s result (a
   * training step reports its losses); by default `run()`'s tensors, read back.
   */
  outputs?(): Float32Array[];
  /** Frees what `inputs` does not list (a model's parameters). */
  dispose?(): void;
}

export interface KwtaContenderOptions {
  /** Name in tables and JSON (default 'kwta'). */
  name?: string;
  /** Backend the workload is built and run on (default: the engine's default backend). */
  backend?: KwtaBackendKind;
}

/**
 * A @kwta/core contender. Its outputs are already in the canonical (PyTorch) layout. The
 * workload is built with its backend active, and the backend is made active (untimed) before
 * every run, since tensors belong to the backend that made them.
 */
export function kwtaContender(build: () => KwtaWorkload, opts: KwtaContenderOptions = {}): Contender {
  const kind = opts.backend ?? 'default';
  return {
    name: opts.name ?? 'kwta',
    async prepare(): Promise<Prepared> {
      const backend = kwtaBackend(kind);
      setBackend(backend);
      const w = build();
      return {
        activate: () => setBackend(backend),
        run() {
          tidy(() => {
            w.run();
          });
        },
        outputs() {
          if (w.outputs) return w.outputs();
          return tidy(() => {
            const r = w.run();
            if (!r) throw new Error('kwtaContender: a workload whose run() returns nothing must define outputs()');
            return (Array.isArray(r) ? r : [r]).map((t) => Float32Array.from(t.dataSync()));
          });
        },
        dispose() {
          setBackend(backend);
          for (const t of w.inputs) t.dispose();
          w.dispose?.();
        },
      };
    },
  };
}
