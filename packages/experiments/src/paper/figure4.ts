import { Generator, ValueError, type Tensor } from '@kwta/core';
import { evaluate } from '@kwta/attacks';
import { setSparsity, type Module } from '@kwta/nn';
import type { TopLevelSpec } from 'vega-lite';
import { buildSuite, type AttackBudget, type SuiteAttack } from './attack-suite.js';

/** Options of Figure 4's sweep over the sparsity ratio. */
export interface SparsitySweepOptions {
  /** A trained k-WTA model (gamma = gammas[0]); it is fine-tuned in place. */
  model: Module;
  /** Decreasing sparsity ratios, e.g. 0.2 down to 0.02. */
  gammas: number[];
  /** Incremental fine-tuning: train `model` at the sparsity just set (the caller owns the data and optimizer). */
  fineTune: (model: Module, gamma: number, index: number) => void;
  images: Tensor;
  labels: Tensor;
  eps: number;
  budget: AttackBudget;
  /** Attacks whose accuracy is recorded at each gamma (paper: PGD only). */
  attacks: readonly SuiteAttack[];
  seed: number;
  /** Called with each point as it is measured. */
  onStep?: (p: SparsityPoint) => void;
}

/** One point of Figure 4: a sparsity ratio gamma, the clean and per-attack accuracies at it, and its time. */
export interface SparsityPoint {
  gamma: number;
  clean: number;
  accuracy: Partial<Record<SuiteAttack, number>>;
  worstCase: number;
  seconds: number;
}

/**
 * The paper's Figure 4: starting from a model trained at gammas[0], lower gamma step by step,
 * fine-tuning after each step (incremental fine-tuning), and record clean accuracy and robust
 * accuracy at every gamma. Besides the paper's PGD we record adaptive attacks, so a rise of the
 * PGD curve can be told apart from a rise of robustness.
 */
export function runSparsitySweep(o: SparsitySweepOptions): SparsityPoint[] {
  if (o.gammas.length === 0) throw new ValueError('runSparsitySweep: give at least one gamma');
  for (let i = 1; i < o.gammas.length; i++) {
    if (!(o.gammas[i] < o.gammas[i - 1])) throw new ValueError(`runSparsitySweep: gammas must decrease, got ${o.gammas.join(', ')}`);
  }
  return o.gammas.map((gamma, i) => {
    const started = Date.now();
    setSparsity(o.model, gamma);
    if (i > 0) o.fineTune(o.model, gamma, i);
    o.model.eval();
    const report = evaluate(o.model, o.images, o.labels, {
      attacks: buildSuite(o.attacks, o.model, o.eps, o.budget), gen: new Generator(o.seed + i), checks: false,
    });
    const accuracy: SparsityPoint['accuracy'] = {};
    o.attacks.forEach((a, j) => (accuracy[a] = report.attacks[j].accuracy));
    const point = { gamma, clean: report.cleanAccuracy, accuracy, worstCase: report.robustAccuracy, seconds: (Date.now() - started) / 1000 };
    o.onStep?.(point);
    return point;
  });
}

const TITLES: Record<string, string> = { pgd: 'PGD (paper\'s A_rob)', bpda: 'BPDA', eot: 'EOT (est. gradient)', square: 'Square', mim: 'MIM', cw: 'C&W', deepfool: 'DeepFool', transfer: 'Transfer' };

/** Left: clean accuracy against gamma; right: robust accuracy per attack and the worst case. */
export function sparsitySpec(points: SparsityPoint[], title: string): TopLevelSpec {
  const clean = points.map((p) => ({ gamma: p.gamma, accuracy: p.clean }));
  const robust = points.flatMap((p) => [
    ...Object.entries(p.accuracy).map(([a, acc]) => ({ gamma: p.gamma, accuracy: acc, attack: TITLES[a] ?? a })),
    { gamma: p.gamma, accuracy: p.worstCase, attack: 'worst case' },
  ]);
  const gs = points.map((p) => p.gamma);
  // Log scale, reversed (gamma falls left to right), padded so the end points are not clipped.
  const x = {
    field: 'gamma', type: 'quantitative', title: 'sparsity ratio gamma (log scale)',
    scale: { type: 'log', reverse: true, nice: false, domain: [Math.min(...gs) / 1.15, Math.max(...gs) * 1.15] }, axis: { values: gs },
  };
  const y = { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: 'gamma falls left to right; each point is fine-tuned from the previous one' },
    hconcat: [
      { title: 'standard (clean) accuracy', width: 300, height: 240, data: { values: clean }, mark: { type: 'line', point: true }, encoding: { x, y } },
      {
        title: 'robust accuracy', width: 300, height: 240, data: { values: robust }, mark: { type: 'line', point: true },
        encoding: { x, y, color: { field: 'attack', type: 'nominal', title: 'attack', legend: { orient: 'right' } } },
      },
    ],
  } as TopLevelSpec;
}
