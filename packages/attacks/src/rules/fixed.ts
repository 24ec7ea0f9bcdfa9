import { L1_SPARSITY, ascentDirection } from '../blocks/direction.js';
import { projectRow } from '../blocks/project.js';
import type { Row, StepRule } from '../iterative.js';
import type { AttackState } from '../state.js';
import type { ThreatModel } from '../threat.js';

/** Options of the fixed-size step rule (PGD's, and MIM's with momentum). */
export interface FixedStepOptions {
  stepSize: number;
  /** MIM's decay mu: step along the accumulated L1-normalised gradients (Dong et al. 2018); null for PGD. */
  momentum?: number | null;
  l1Sparsity?: number;
}

/**
 * PGD's rule (Madry et al. 2018): x <- P(x + stepSize * d(g)), d the unit steepest-ascent
 * direction of the norm; with `momentum`, MIM's rule: g is first accumulated as
 * v <- mu v + g / ||g||_1 and d taken of v.
 */
export function fixedStep(state: AttackState, threat: ThreatModel, o: FixedStepOptions): StepRule {
  const len = state.rowLen;
  const dir = new Float64Array(len);
  const velocity = new Map<number, Float64Array>();
  const mu = o.momentum ?? null;
  return {
    begin() {
      velocity.clear();
    },
    advance(i: number, _t: number, cur: Row, grad: Float64Array) {
      let g: Float64Array = grad;
      if (mu !== null) {
        let l1 = 0;
        for (let j = 0; j < len; j++) l1 += Math.abs(grad[j]);
        const v = velocity.get(i) ?? new Float64Array(len);
        for (let j = 0; j < len; j++) v[j] = mu * v[j] + (l1 > 0 ? grad[j] / l1 : 0);
        velocity.set(i, v);
        g = v;
      }
      ascentDirection(g, 0, len, threat.norm, dir, o.l1Sparsity ?? L1_SPARSITY);
      const off = i * len;
      for (let j = 0; j < len; j++) cur[off + j] += o.stepSize * dir[j];
      projectRow(cur, state.x, i, len, threat);
    },
  };
}
