import { ascentDirection } from '../blocks/direction.js';
import { projectOnto, projectRow } from '../blocks/project.js';
import type { Row, StepRule } from '../iterative.js';
import type { AttackState } from '../state.js';
import type { ThreatModel } from '../threat.js';

/** Options of APGD's step rule: its iterations, oscillation threshold, momentum and L1 settings. */
export interface ApgdRuleOptions {
  steps: number;
  /** The oscillation threshold rho of the first halving condition (0.75). */
  rho: number;
  /** Weight of the new step against the previous move (AutoAttack's alpha = 0.75). */
  momentum: number;
  /**
   * L1 only: the run continues from a point found at a larger radius (AutoAttack's L1 schedule),
   * so the sparsity starts from that point's instead of 20%.
   */
  continued?: boolean;
}

/** Per-row memory of the adaptive schedule. */
interface RowMemory {
  eta: number;
  prev: Float64Array;
  best: Float64Array;
  gradBest: Float64Array;
  lossBest: number;
  lossBestAtCheck: number;
  reducedAtCheck: boolean;
  increases: number;
  lastLoss: number;
  /** L1: fraction of coordinates the sparse step moves, and the sparsity at the last check. */
  topk: number;
  spOld: number;
}

/**
 * The checkpoints of APGD's step-size schedule (Croce & Hein 2020, Sec. 3.2): the first after
 * 22% of the steps, each next window 3% shorter than the last, never below 6%.
 */
export function apgdCheckpoints(steps: number): number[] {
  let k = Math.max(Math.floor(0.22 * steps), 1);
  const min = Math.max(Math.floor(0.06 * steps), 1);
  const decr = Math.max(Math.floor(0.03 * steps), 1);
  const out: number[] = [];
  for (let t = k; t < steps; ) {
    out.push(t);
    k = Math.max(k - decr, min);
    t += k;
  }
  return out;
}

/** APGD's step rule, which also keeps each row's best point of the current run. */
export interface ApgdStepRule extends StepRule {
  /** Row i's best point (highest objective) of the current run. */
  best(i: number): Float64Array | undefined;
}

/**
 * APGD's step rule (Croce & Hein 2020). L-inf / L2: step size 2 eps, a momentum step
 * x' = P(x + a (P(x + eta d(g)) - x) + (1 - a)(x - x_prev)) with a = 0.75 after the first step;
 * at each checkpoint the step size halves (and the row restarts from its best point) if the
 * objective rose in at most rho of the window's steps, or if the step size was not cut at the
 * last checkpoint and the best objective has not improved since. L1 (Croce & Hein 2021): step
 * size eps along the sparse sign direction of the top `topk` fraction of |g| (20% at first), no
 * momentum; every 4% of the steps the sparsity follows the best point's, and the step resets
 * to eps (restarting from the best point) when that sparsity fell by 5%, or shrinks by 1.5.
 */
export function apgdRule(state: AttackState, threat: ThreatModel, o: ApgdRuleOptions): ApgdStepRule {
  const len = state.rowLen;
  const l1 = threat.norm === 'l1';
  const alphaEps = (l1 ? 1 : 2) * threat.eps;
  const checks = new Set(l1 ? [] : apgdCheckpoints(o.steps));
  const l1Every = Math.max(Math.floor(0.04 * o.steps), 1);
  const windows = new Map<number, number>();
  [...checks].reduce((last, t) => (windows.set(t, t - last), t), 0);
  const rows = new Map<number, RowMemory>();
  const dir = new Float64Array(len);
  const z = new Float64Array(len);
  const nonZero = (i: number, v: Float64Array) => v.reduce((n, d, j) => n + (d !== state.x[i * len + j] ? 1 : 0), 0);

  function init(i: number, cur: Row, grad: Float64Array, loss: number): RowMemory {
    const point = Float64Array.from(cur.subarray(i * len, (i + 1) * len));
    const sp = l1 && o.continued ? nonZero(i, point) : len;
    return {
      eta: alphaEps, prev: point.slice(), best: point, gradBest: grad.slice(), lossBest: loss, lossBestAtCheck: loss,
      reducedAtCheck: true, increases: 0, lastLoss: loss, topk: l1 && o.continued ? sp / len / 1.5 : 0.2, spOld: sp,
    };
  }

  /** A checkpoint: returns whether the row goes back to its best point. */
  function check(m: RowMemory, i: number, t: number): boolean {
    if (l1) {
      const sp = nonZero(i, m.best);
      const sparser = sp / m.spOld < 0.95;
      m.topk = sp / len / 1.5;
      m.eta = Math.min(alphaEps, Math.max(alphaEps / 10, sparser ? alphaEps : m.eta / 1.5));
      m.spOld = sp;
      return sparser;
    }
    const oscillating = m.increases <= o.rho * windows.get(t)!;
    const stalled = !m.reducedAtCheck && m.lossBestAtCheck >= m.lossBest;
    const reduce = oscillating || stalled;
    m.reducedAtCheck = reduce;
    m.lossBestAtCheck = m.lossBest;
    m.increases = 0;
    if (reduce) m.eta /= 2;
    return reduce;
  }

  return {
    begin() {
      rows.clear();
    },
    advance(i: number, t: number, cur: Row, grad: Float64Array, loss: number) {
      const off = i * len;
      let m = rows.get(i);
      let g = grad;
      if (!m || t === 0) {
        m = init(i, cur, grad, loss);
        rows.set(i, m);
      } else {
        if (loss > m.lastLoss) m.increases++;
        m.lastLoss = loss;
        if (loss > m.lossBest) {
          for (let j = 0; j < len; j++) m.best[j] = cur[off + j];
          m.gradBest.set(grad);
          m.lossBest = loss;
        }
        if ((l1 ? t % l1Every === 0 : checks.has(t)) && check(m, i, t)) {
          for (let j = 0; j < len; j++) cur[off + j] = m.best[j];
          g = m.gradBest;
        }
      }
      if (l1) {
        ascentDirection(g, 0, len, 'l1', dir, m.topk);
        for (let j = 0; j < len; j++) cur[off + j] += m.eta * dir[j];
        projectRow(cur, state.x, i, len, threat);
        return;
      }
      ascentDirection(g, 0, len, threat.norm, dir);
      for (let j = 0; j < len; j++) z[j] = cur[off + j] + m.eta * dir[j];
      projectOnto(z, state.x, i, len, threat);
      const a = t > 0 ? o.momentum : 1;
      for (let j = 0; j < len; j++) {
        const c = cur[off + j];
        z[j] = c + a * (z[j] - c) + (1 - a) * (c - m.prev[j]);
        m.prev[j] = c;
      }
      // z is inside the set in float64; projecting again after the store keeps it inside in float32 too.
      for (let j = 0; j < len; j++) cur[off + j] = z[j];
      projectRow(cur, state.x, i, len, threat);
    },
    best(i: number): Float64Array | undefined {
      return rows.get(i)?.best;
    },
  };
}
