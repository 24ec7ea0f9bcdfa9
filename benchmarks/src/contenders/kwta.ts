import { setBackend, setSparsePath, tidy, type SparsePathMode, type Tensor } from '@kwta/core';
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
  /**
   * When the layers after a k-WTA use its winners (core's setSparsePath; default 'auto'): 'off'
   * measures the dense path in the same run.
   */
  sparsePath?: SparsePathMode;
}

/**
 * A @kwta/core contender. Its outputs are already in the canonical (PyTorch) layout. The
 * workload is built with its backend and sparse-path mode active, and both are set again
 * (untimed) before every run, since tensors belong to the backend that made them.
 */
export function kwtaContender(build: () => KwtaWorkload, opts: KwtaContenderOptions = {}): Contender {
  const kind = opts.backend ?? 'default';
  const mode = opts.sparsePath ?? 'auto';
  return {
    name: opts.name ?? 'kwta',
    async prepare(): Promise<Prepared> {
      const backend = kwtaBackend(kind);
      const activate = () => {
        setBackend(backend);
        setSparsePath(mode);
      };
      activate();
      const w = build();
      return {
        activate,
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
          activate();
          for (const t of w.inputs) t.dispose();
          w.dispose?.();
        },
      };
    },
  };
}
