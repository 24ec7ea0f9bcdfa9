import { enableGrad, gradients, noGrad, tidy, type Tensor } from '@kwta/core';
import type { ForwardFn } from '../classifier.js';
import { crossEntropyRows } from '../losses.js';
import type { EvaluationState } from './eval-state.js';
import type { SanityCheck } from './report.js';

/** Per-example sanity flags of one batch (AutoAttack's checks.py, per example so shards merge). */
export interface SanityFlags {
  varies: boolean[];
  probabilityLike: boolean[];
  zeroGradient: boolean[];
}

/**
 * AutoAttack's sanity checks on a batch whose logits are known: a second forward must give the
 * same (L2-normalised) outputs, the outputs should not look like probabilities, and the
 * cross-entropy gradient at the input should not be exactly zero. One forward and one backward.
 */
export function sanityFlags(forward: ForwardFn, x: Tensor, labels: Int32Array, logits: Float64Array): SanityFlags {
  const rows = labels.length;
  const classes = logits.length / rows;
  const again = tidy(() => noGrad(() => Float64Array.from(forward(x).dataSync())));
  const grad = enableGrad(() =>
    tidy(() => {
      const leaf = x.detach().requireGrad();
      const total = crossEntropyRows(forward(leaf), labels).sum();
      return total.requiresGrad ? Float64Array.from(gradients(total, [leaf])[0].dataSync()) : new Float64Array(leaf.size);
    }),
  );
  const len = grad.length / rows;
  const unitDiff = (r: number) => {
    let na = 0;
    let nb = 0;
    for (let c = 0; c < classes; c++) {
      na += logits[r * classes + c] ** 2;
      nb += again[r * classes + c] ** 2;
    }
    let d = 0;
    for (let c = 0; c < classes; c++) d += (logits[r * classes + c] / (Math.sqrt(na) + 1e-10) - again[r * classes + c] / (Math.sqrt(nb) + 1e-10)) ** 2;
    return Math.sqrt(d);
  };
  return {
    varies: Array.from({ length: rows }, (_, r) => unitDiff(r) > 1e-4),
    probabilityLike: Array.from({ length: rows }, (_, r) => {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const v = logits[r * classes + c];
        if (v > 1 + 1e-5 || v < -1e-5) return false;
        sum += v;
      }
      return Math.abs(sum - 1) < 1e-5;
    }),
    zeroGradient: Array.from({ length: rows }, (_, r) => grad.subarray(r * len, (r + 1) * len).every((v) => v === 0)),
  };
}

/**
 * The sanity checks' verdicts over the whole slice (when asked for: `checks.sanity`), plus
 * AutoAttack's Square check for each ensemble that ran Square (whenever checks are on).
 */
export function sanityChecks(state: EvaluationState): SanityCheck[] {
  const clean = state.clean;
  const settings = state.fingerprint.checks;
  if (!clean || settings === false) return [];
  const n = clean.correct.length;
  const count = (v: boolean[]) => v.filter(Boolean).length;
  const varies = count(clean.varies);
  const probs = count(clean.probabilityLike);
  const zero = count(clean.zeroGradient);
  const checks: SanityCheck[] = !settings.sanity ? [] : [
    {
      name: 'deterministic-outputs',
      passed: varies === 0,
      detail: varies === 0 ? 'two forwards of each input agree' : `outputs differ between two forwards on ${varies} of ${n} examples: a randomised model; evaluate it with AutoAttack's 'rand' version (EOT)`,
      data: { examplesThatVary: varies },
    },
    {
      name: 'logits-not-probabilities',
      passed: probs < n,
      detail: probs < n ? 'the outputs are not probability distributions' : 'every output looks like a probability distribution: attacks need the logits (drop the softmax)',
      data: { probabilityLikeOutputs: probs },
    },
    {
      name: 'nonzero-gradients',
      passed: zero === 0,
      detail: zero === 0 ? 'the loss gradient is nonzero at every input' : `the cross-entropy gradient is exactly zero at ${zero} of ${n} inputs: gradient attacks learn nothing there`,
      data: { zeroGradientExamples: zero },
    },
  ];
  for (const u of state.units) {
    if (u.error || !u.members || !u.brokenBy) continue;
    const k = u.members.findIndex((m) => m.startsWith('Square('));
    if (k < 0) continue;
    const bySquare = u.brokenBy.filter((b) => b === k).length;
    const passed = bySquare <= 0.002 * n;
    checks.push({
      name: 'square-adds-little',
      passed,
      detail: passed
        ? `${u.name}: Square broke ${bySquare} examples the gradient attacks before it did not`
        : `${u.name}: Square broke ${bySquare} of ${n} examples (${((100 * bySquare) / n).toFixed(1)}%) that the gradient attacks could not: the gradients mislead; try more Square queries or an adaptive attack`,
      data: { attack: u.name, brokenBySquare: bySquare },
    });
  }
  return checks;
}
