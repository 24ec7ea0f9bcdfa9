import { ValueError, add, concat, mul, noGrad, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import { crossEntropyRows, projectToThreat, steepestStep, type Classifier } from '@kwta/attacks';
import type { TopLevelSpec } from 'vega-lite';
import { forwardFn } from './common.js';

/** Options of the logit path of Figure 3. */
export interface LogitPathOptions {
  /** Largest perturbation size reached at the last step (default 0.3). */
  eps?: number;
  /** PGD iterations (paper: 100). Step t may move at most t * eps / steps from x. */
  steps?: number;
  /** Points evaluated on each segment between consecutive iterates, so jumps show between them. */
  substeps?: number;
}

/** Figure 3: the logits along a PGD path from a test input, sampled finely between iterates. */
export interface LogitPath {
  /** Perturbation size along the path (iterate t at t * eps / steps), one per sample point. */
  eps: number[];
  /** logits[i][c]: class c's logit at point i. */
  logits: number[][];
  label: number;
  /** Prediction at the end of the path. */
  finalPrediction: number;
  /** Largest change of any logit between consecutive points, and its median over the path. */
  maxJump: number;
  medianJump: number;
}

/**
 * The paper's Figure 3 (a, b): untargeted PGD with a radius that grows with the iteration
 * (step t is projected into the L-inf ball of radius t * eps / steps), recording the 10 logits at
 * the iterates and at `substeps` points on each segment between them. A ReLU network's logits
 * change continuously along the path; a k-WTA network's jump wherever a winner set changes.
 * `x` is one example [1, C, H, W] with its label.
 */
export function logitsAlongPgdPath(model: Classifier, x: Tensor, label: number, opts: LogitPathOptions = {}): LogitPath {
  const eps = opts.eps ?? 0.3, steps = opts.steps ?? 100, substeps = opts.substeps ?? 4;
  if (x.shape[0] !== 1) throw new ValueError(`logitsAlongPgdPath: x must be one example [1, ...], got ${x.describe()}`);
  if (!(eps > 0) || !Number.isInteger(steps) || steps < 1 || !Number.isInteger(substeps) || substeps < 1) {
    throw new ValueError(`logitsAlongPgdPath: need eps > 0 and integer steps, substeps >= 1; got eps=${eps}, steps=${steps}, substeps=${substeps}`);
  }
  const f = forwardFn(model);
  const y = Int32Array.of(label);
  const alpha = eps / steps;
  const lossGrad = valueAndGrad((xi: Tensor) => crossEntropyRows(f(xi), y).sum());
  const logitsAt = (pts: Tensor) => noGrad(() => tidy(() => f(pts).dataSync()));
  const out: LogitPath = { eps: [], logits: [], label, finalPrediction: -1, maxJump: 0, medianJump: 0 };
  const classes = logitsAt(x).length;
  const record = (flat: ArrayLike<number>, e: number[]) => {
    e.forEach((v, i) => {
      out.eps.push(v);
      out.logits.push(Array.from({ length: classes }, (_, c) => flat[i * classes + c]));
    });
  };
  let cur = x.detach().keep();
  record(logitsAt(cur), [0]);
  for (let t = 1; t <= steps; t++) {
    const next = tidy(() => {
      const g = lossGrad(cur).grads[0];
      // A signed step, projected into the ball of radius t * alpha around x and into [0, 1].
      return projectToThreat(steepestStep(cur, g, 'linf', alpha), x, { eps: t * alpha, norm: 'linf', bounds: [0, 1] });
    }).keep();
    // Points on the segment cur -> next (excluding cur, including next).
    const fr = Array.from({ length: substeps }, (_, s) => (s + 1) / substeps);
    const flat = tidy(() => {
      const pts = fr.map((a) => add(mul(cur, 1 - a), mul(next, a)));
      return logitsAt(concat(pts, 0));
    });
    record(flat, fr.map((a) => (t - 1 + a) * alpha));
    cur.dispose();
    cur = next;
  }
  const last = out.logits[out.logits.length - 1];
  out.finalPrediction = last.indexOf(Math.max(...last));
  cur.dispose();
  const jumps = out.logits.slice(1).map((l, i) => Math.max(...l.map((v, c) => Math.abs(v - out.logits[i][c]))));
  out.maxJump = Math.max(...jumps);
  out.medianJump = [...jumps].sort((a, b) => a - b)[Math.floor(jumps.length / 2)];
  return out;
}

/** Two (or more) panels of 10 colour-coded logits against the perturbation size. */
export function logitPathSpec(panels: { title: string; path: LogitPath }[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: 'untargeted PGD, radius growing with the iteration; one line per class logit' },
    hconcat: panels.map(({ title: t, path }) => ({
      title: { text: t, subtitle: [`label ${path.label}, prediction at the end ${path.finalPrediction}`, `largest logit jump between neighbouring points ${path.maxJump.toFixed(2)}`] },
      width: 380,
      height: 280,
      data: { values: path.logits.flatMap((l, i) => l.map((v, c) => ({ eps: path.eps[i], logit: v, cls: String(c) }))) },
      mark: { type: 'line', strokeWidth: 1.4 },
      encoding: {
        x: { field: 'eps', type: 'quantitative', title: 'perturbation size eps' },
        y: { field: 'logit', type: 'quantitative', title: 'logit' },
        color: { field: 'cls', type: 'nominal', title: 'class', scale: { scheme: 'category10' }, sort: Array.from({ length: 10 }, (_, c) => String(c)) },
      },
    })),
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
