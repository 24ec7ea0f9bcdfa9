import { ValueError, type Generator } from '@kwta/core';
import type { Attack } from '../attack.js';
import { BaseAttack, type ThreatOptions } from '../base.js';
import { hyperplaneProjection } from '../blocks/hyperplane.js';
import { projectRow } from '../blocks/project.js';
import { predsFromLogits, type ForwardFn } from '../classifier.js';
import { marginGradients } from '../gradient.js';
import { checkIterative } from '../iterative.js';
import type { AttackState } from '../state.js';
import { DUAL_NORM, normOf, type Norm } from '../threat.js';
import { rankedTargets, targetCount } from './target-ranks.js';

/** Options of FAB (minimum-norm attack by linearised boundary projections). */
export interface FabConfig extends Partial<ThreatOptions> {
  /** Radius that counts as success (default Infinity: the minimum-norm adversarial, no ball). */
  eps?: number;
  /** Iterations per run (default 100). */
  steps?: number;
  /** Runs per target (default 1); runs after the first start at a random point at radius eps / 2. */
  restarts?: number;
  /** Largest weight of the original point in the step (default 0.1). */
  alphaMax?: number;
  /** Overshoot past the linearised boundary (default 1.05). */
  eta?: number;
  /** Pull-back towards the original point after each adversarial iterate (default 0.9). */
  beta?: number;
  name?: string;
}

interface ResolvedFab {
  steps: number;
  restarts: number;
  alphaMax: number;
  eta: number;
  beta: number;
}

/** Which class difference a row linearises: a fixed target, or the closest boundary among all classes. */
type Linearisation = { kind: 'target'; target: (i: number) => number } | { kind: 'closest' };

/**
 * FAB (Croce & Hein 2020b): a minimum-norm attack. At each step it linearises the model at the
 * current point, projects both the current point and the original one onto the linearised
 * decision boundary inside the box (blocks/hyperplane.ts, for L-inf, L2 and L1), and moves to a
 * convex combination of the two projections (weight at most alphaMax on the original's),
 * overshooting by eta; every adversarial iterate is pulled back towards the original by beta,
 * and the smallest adversarial found is kept. Untargeted FAB linearises the closest of all class
 * boundaries (one backward per class); with `targets`, the target's boundary. An example counts
 * as broken when the smallest adversarial has norm <= eps; it stops early then (with a finite eps).
 */
export class FAB extends BaseAttack<FabConfig & ThreatOptions> {
  readonly kind = 'white-box' as const;
  readonly name: string;
  readonly config: ResolvedFab;

  constructor(config: FabConfig = {}, op = 'FAB', detail = '') {
    super(op, { ...config, eps: config.eps ?? Infinity }, { allowInfinite: true });
    this.config = { steps: config.steps ?? 100, restarts: config.restarts ?? 1, alphaMax: config.alphaMax ?? 0.1, eta: config.eta ?? 1.05, beta: config.beta ?? 0.9 };
    const c = this.config;
    checkIterative(op, c);
    if (!(c.alphaMax >= 0 && c.alphaMax <= 1)) throw new ValueError(`${op}: alphaMax must be in [0, 1], got ${c.alphaMax}`);
    if (!(c.eta >= 1) || !Number.isFinite(c.eta)) throw new ValueError(`${op}: eta must be a finite number >= 1, got ${c.eta}`);
    if (!(c.beta > 0 && c.beta <= 1)) throw new ValueError(`${op}: beta must be in (0, 1], got ${c.beta}`);
    this.name = config.name ?? `${op}(${this.threat.norm}, eps=${this.threat.eps}, ${c.steps}x${c.restarts}${detail ? `, ${detail}` : ''})`;
  }

  protected make(c: FabConfig): Attack {
    return new FAB(c);
  }

  protected override usesRandomness(): boolean {
    return this.config.restarts > 1;
  }

  /** The same attack with a larger budget (the masking checks' "a stronger attack is not weaker"). */
  stronger(): Attack {
    return this.make({ ...this.options, steps: this.config.steps * 2, restarts: this.config.restarts + 2, name: undefined });
  }

  protected perturb(state: AttackState, forward: ForwardFn): void {
    const lin: Linearisation = state.targeted ? { kind: 'target', target: (i) => state.goal(i) } : { kind: 'closest' };
    this.restarts(state, forward, lin);
  }

  /** The restarts on one linearisation, each on the examples still unbroken; all but the first start at a random point. */
  protected restarts(state: AttackState, forward: ForwardFn, lin: Linearisation): void {
    for (let r = 0; r < this.config.restarts && state.active().length > 0; r++) state.inLoop('restart', r + 1, this.config.restarts, () => this.once(state, forward, lin, r > 0));
  }

  /** One FAB run on the examples still unbroken; the ones it breaks within eps get their smallest adversarial. */
  protected once(state: AttackState, forward: ForwardFn, lin: Linearisation, randomStart: boolean): void {
    const { steps, alphaMax, eta, beta } = this.config;
    const norm = this.threat.norm;
    const [lo, hi] = this.threat.bounds;
    const len = state.rowLen;
    const rows = state.active();
    const x1 = new Map<number, Float64Array>();
    const best = new Map<number, { point: Float64Array; norm: number }>();
    for (const i of rows) x1.set(i, this.startPoint(state, i, randomStart ? state.rowGen(i) : null));
    const d1 = new Float64Array(len);
    const d2 = new Float64Array(len);
    let active = rows;
    for (let t = 0; t < steps && active.length > 0; t++) {
      const classes = state.classes;
      const count = lin.kind === 'target' ? 1 : classes;
      const other = lin.kind === 'target' ? (i: number) => lin.target(i) : (i: number, j: number) => j;
      const packed = new Float64Array(active.length * len);
      active.forEach((i, r) => packed.set(x1.get(i)!, r * len));
      const { logits, grads } = marginGradients(state, forward, active, packed, other, count);
      active.forEach((i, r) => {
        const x0 = state.x.subarray(i * len, (i + 1) * len);
        const cur = x1.get(i)!;
        // The boundary to aim at: z_k - z_y linearised at cur, k the target or the closest class.
        const y = state.labels[i];
        let bestJ = -1;
        let bestDist = Infinity;
        for (let j = 0; j < count; j++) {
          const k = other(i, j);
          if (k === y) continue;
          const f = logits[r * classes + k] - logits[r * classes + y];
          const dist = Math.abs(f) / (1e-12 + normOf(grads[j], r * len, len, DUAL_NORM[norm]));
          if (dist < bestDist) [bestDist, bestJ] = [dist, j];
        }
        if (bestJ < 0) return;
        const w = grads[bestJ].subarray(r * len, (r + 1) * len);
        const f = logits[r * classes + other(i, bestJ)] - logits[r * classes + y];
        let b = -f;
        for (let j = 0; j < len; j++) b += w[j] * cur[j];
        hyperplaneProjection(cur, w, b, lo, hi, norm, d1);
        hyperplaneProjection(x0, w, b, lo, hi, norm, d2);
        const a1 = Math.max(normOf(d1, 0, len, norm), 1e-8);
        const a2 = Math.max(normOf(d2, 0, len, norm), 1e-8);
        const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), alphaMax);
        for (let j = 0; j < len; j++) cur[j] = Math.min(hi, Math.max(lo, (cur[j] + eta * d1[j]) * (1 - alpha) + (x0[j] + eta * d2[j]) * alpha));
      });
      const packedNext = new Float64Array(active.length * len);
      active.forEach((i, r) => packedNext.set(x1.get(i)!, r * len));
      const preds = predsFromLogits(state.logitsOfPacked(forward, active, packedNext), active.length);
      const still: number[] = [];
      active.forEach((i, r) => {
        const cur = x1.get(i)!;
        if (state.isSuccess(i, preds[r])) {
          const d = normOf(Float64Array.from(cur, (v, j) => v - state.x[i * len + j]), 0, len, norm);
          const b0 = best.get(i);
          if (!b0 || d < b0.norm) best.set(i, { point: cur.slice(), norm: d });
          for (let j = 0; j < len; j++) cur[j] = state.x[i * len + j] + beta * (cur[j] - state.x[i * len + j]);
        }
        // With a finite radius, an example found inside it is done: further steps only shrink the norm.
        const found = best.get(i);
        if (!(found && Number.isFinite(this.threat.eps) && found.norm <= this.threat.eps)) still.push(i);
      });
      active = still;
      state.reportStep({ unit: 'step', step: t + 1, steps, active: active.length, n: state.n });
    }
    for (const [i, b] of best) {
      if (!(b.norm <= this.threat.eps)) continue;
      state.adv.set(b.point, i * len);
      projectRow(state.adv, state.x, i, len, this.threat);
      state.success[i] = true;
    }
  }

  /** x itself, or (restarts after the first) a random point at radius eps / 2 (capped at the best norm found), in the bounds. */
  private startPoint(state: AttackState, i: number, gen: Generator | null): Float64Array {
    const len = state.rowLen;
    const x0 = Float64Array.from(state.x.subarray(i * len, (i + 1) * len));
    if (!gen || !Number.isFinite(this.threat.eps)) return x0;
    const norm: Norm = this.threat.norm;
    const t = Float64Array.from({ length: len }, () => (norm === 'linf' ? 2 * gen.uniform() - 1 : gen.normal()));
    const scale = this.threat.eps / 2 / (normOf(t, 0, len, norm) || 1);
    const [lo, hi] = this.threat.bounds;
    return Float64Array.from(x0, (v, j) => Math.min(hi, Math.max(lo, v + scale * t[j])));
  }
}

/** Options of targeted FAB (FAB-T): FAB's options and how many target classes to try. */
export interface FabTargetedConfig extends FabConfig {
  /** How many of the most likely other classes to aim at, in order (default 9). */
  targetClasses?: number;
}

/**
 * FAB-T (AutoAttack's 'fab-t'): FAB aimed at each of the `targetClasses` classes (at most all the others) the model ranks
 * highest after the label, one after another, on the examples still unbroken; one backward per
 * step instead of one per class. Success is any misclassification within eps.
 */
export class FABT extends FAB {
  readonly targetClasses: number;

  constructor(config: FabTargetedConfig = {}) {
    const targets = targetCount('FAB-T', config.targetClasses);
    super(config, 'FAB-T', `${targets} targets`);
    this.targetClasses = targets;
  }

  override get supportsTargets(): boolean {
    return false;
  }

  protected override make(c: FabTargetedConfig): Attack {
    return new FABT({ ...c, targetClasses: this.targetClasses });
  }

  protected override perturb(state: AttackState, forward: ForwardFn): void {
    const targets = rankedTargets(state, this.targetClasses);
    targets.forEach((target, k) => state.inLoop('target', k + 1, targets.length, () => this.restarts(state, forward, { kind: 'target', target })));
  }
}
