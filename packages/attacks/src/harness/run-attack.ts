import type { Generator, Tensor } from '@kwta/core';
import { slice, tidy } from '@kwta/core';
import type { Attack } from '../attack.js';
import type { Classifier } from '../classifier.js';
import { finiteOrNull, type AttackSummary } from './report.js';

/** Per-example outcome of one attack over the whole slice. */
export interface AttackOutcome {
  attack: Attack;
  success: boolean[];
  summary: AttackSummary;
}

export function rowsOf(x: Tensor, start: number, count: number): Tensor {
  return slice(x, [start, ...x.shape.slice(1).map(() => 0)], [count, ...x.shape.slice(1)]);
}

/** Run one attack over the slice in batches. */
export function runAttack(model: Classifier, attack: Attack, x: Tensor, y: Int32Array, gen: Generator, batchSize: number, onBatch?: (done: number) => void): AttackOutcome {
  const n = x.shape[0];
  const success: boolean[] = [];
  const norms: number[] = [];
  let forwards = 0;
  let grads = 0;
  const t0 = performance.now();
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const batchGen = gen.fork();
    tidy(() => {
      const r = attack.run(model, rowsOf(x, start, count), y.subarray(start, start + count), { gen: batchGen });
      success.push(...r.success);
      norms.push(...r.norms);
      forwards += r.forwardCount.reduce((a, b) => a + b, 0);
      grads += r.gradCount.reduce((a, b) => a + b, 0);
    });
    onBatch?.(start + count);
  }
  const broken = norms.filter((_, i) => success[i]);
  return {
    attack,
    success,
    summary: {
      name: attack.name,
      kind: attack.kind,
      eps: finiteOrNull(attack.eps),
      norm: attack.norm,
      accuracy: success.filter((s) => !s).length / n,
      meanNorm: broken.length > 0 ? broken.reduce((a, b) => a + b, 0) / broken.length : null,
      meanForwards: forwards / n,
      meanGradients: grads / n,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
