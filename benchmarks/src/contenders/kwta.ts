import { tidy, type Tensor } from '@kwta/core';
import type { Contender, Prepared } from '../harness/types.js';

export interface KwtaWorkload {
  /** The timed work; everything it creates is freed by a `tidy` around it. */
  run(): Tensor | Tensor[];
  inputs: Tensor[];
}

/** The @kwta/core CPU backend. Its outputs are already in the canonical (PyTorch) layout. */
export function kwtaContender(build: () => KwtaWorkload): Contender {
  return {
    name: 'kwta',
    async prepare(): Promise<Prepared> {
      const w = build();
      return {
        run() {
          tidy(() => {
            w.run();
          });
        },
        outputs() {
          return tidy(() => {
            const r = w.run();
            return (Array.isArray(r) ? r : [r]).map((t) => Float32Array.from(t.dataSync()));
          });
        },
        dispose() {
          for (const t of w.inputs) t.dispose();
        },
      };
    },
  };
}
