import { Generator, Tensor, ValueError, concat, noGrad, tidy } from '@kwta/core';
import type { Attack, Labels } from '../attack.js';
import { argmaxRows, forwardOf, type Classifier } from '../classifier.js';
import { runMaskingChecks, type CheckOptions } from './masking-checks.js';
import type { EvaluationReport, Progress } from './report.js';
import { rowsOf, runAttack, type AttackOutcome } from './run-attack.js';

export interface EvaluateOptions {
  attacks: Attack[];
  /** Forked once per attack and batch, in a fixed order: same seed, same report. */
  gen: Generator;
  /** Examples per attack call (default 100). */
  batchSize?: number;
  onProgress?: (p: Progress) => void;
  /** Gradient-masking checks; false to skip them. */
  checks?: CheckOptions | false;
}

function labelArray(y: Labels, n: number): Int32Array {
  const v = y instanceof Tensor ? y.dataSync() : y;
  if (v.length !== n) throw new ValueError(`evaluate: ${v.length} labels for ${n} inputs`);
  return Int32Array.from(v as ArrayLike<number>);
}

/**
 * Evaluate robustness honestly: clean accuracy, accuracy under each attack, and the worst case
 * per example (robust only if correct and no attack - including the stronger variants the
 * checks run - broke it), plus the standard gradient-masking checks. Run the model in eval mode.
 */
export function evaluate(model: Classifier, x: Tensor, y: Labels, opts: EvaluateOptions): EvaluationReport {
  if (opts.attacks.length === 0) throw new ValueError('evaluate: give at least one attack');
  if (!(opts.gen instanceof Generator)) throw new ValueError('evaluate: needs a Generator (opts.gen)');
  const n = x.shape[0];
  const labels = labelArray(y, n);
  const batchSize = opts.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`evaluate: batchSize must be an integer >= 1, got ${batchSize}`);
  const progress = opts.onProgress ?? (() => {});
  const forward = forwardOf(model);

  progress({ stage: 'clean', name: 'clean', done: 0, total: n });
  const preds = noGrad(() =>
    tidy(() => {
      const parts: Tensor[] = [];
      for (let s = 0; s < n; s += batchSize) parts.push(forward(rowsOf(x, s, Math.min(batchSize, n - s))));
      const logits = concat(parts, 0);
      return argmaxRows(logits.dataSync(), n, logits.shape[1]);
    }),
  );
  const correct = Array.from(preds, (p, i) => p === labels[i]);
  progress({ stage: 'clean', name: 'clean', done: n, total: n });

  const outcomes = opts.attacks.map((attack) =>
    runAttack(model, attack, x, labels, opts.gen.fork(), batchSize, (done) => progress({ stage: 'attack', name: attack.name, done, total: n })),
  );
  const checks =
    opts.checks === false
      ? { checks: [], extra: [] as AttackOutcome[] }
      : runMaskingChecks(model, x, labels, outcomes, opts.gen.fork(), batchSize, opts.checks ?? {}, progress);

  const all = [...outcomes, ...checks.extra];
  const robust = correct.map((c, i) => c && all.every((o) => !o.success[i]));
  const strongest = outcomes.reduce((a, b) => (b.summary.accuracy < a.summary.accuracy ? b : a));
  return {
    examples: n,
    cleanAccuracy: correct.filter(Boolean).length / n,
    attacks: all.map((o) => o.summary),
    robustAccuracy: robust.filter(Boolean).length / n,
    strongestAttack: strongest.attack.name,
    robust,
    checks: checks.checks,
    flags: checks.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`),
  };
}
