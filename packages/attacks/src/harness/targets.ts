import { Generator, ValueError } from '@kwta/core';
import { mixSeed } from '../seeds.js';

/**
 * How a targeted evaluation picks each example's target among the classes other than its label:
 * 'random' (uniform, from the example's own stream), 'least-likely' (lowest clean logit), or
 * { rank: r } (the r-th most likely other class at the clean input; rank 1 is the runner-up).
 */
export type TargetSpec = 'random' | 'least-likely' | { rank: number };

/** The top-k target choices: ranks 1..k. */
export const topTargets = (k: number): TargetSpec[] => Array.from({ length: k }, (_, r) => ({ rank: r + 1 }));

/** The name a report gives a target choice ('random', 'least-likely', 'rank-2', ...). */
export function targetName(t: TargetSpec): string {
  return typeof t === 'string' ? t : `rank-${t.rank}`;
}

export function checkTargetSpecs(specs: readonly TargetSpec[]): void {
  const seen = new Set<string>();
  for (const t of specs) {
    const ok = t === 'random' || t === 'least-likely' || (typeof t === 'object' && t !== null && Number.isInteger(t.rank) && t.rank >= 1);
    if (!ok) throw new ValueError(`evaluate: a target choice must be 'random', 'least-likely' or { rank: r } with an integer r >= 1, got ${JSON.stringify(t)}`);
    if (seen.has(targetName(t))) throw new ValueError(`evaluate: target choice '${targetName(t)}' is given twice`);
    seen.add(targetName(t));
  }
}

/**
 * The target of each example (row r of the logits, global index first + r) under a choice. The
 * random choice uses a stream seeded by (seed, example index), so shards agree with one run.
 */
export function chooseTargets(spec: TargetSpec, logits: Float64Array, labels: Int32Array, classes: number, seed: number, first: number): number[] {
  if (typeof spec === 'object' && spec.rank > classes - 1) throw new ValueError(`evaluate: target rank ${spec.rank} needs at least ${spec.rank + 1} classes; the model has ${classes}`);
  return Array.from(labels, (y, r) => {
    const others = [...Array(classes).keys()].filter((c) => c !== y);
    if (spec === 'random') return others[new Generator(mixSeed(seed, 0x7a7a, first + r)).int(others.length)];
    others.sort((a, b) => logits[r * classes + b] - logits[r * classes + a] || a - b);
    return spec === 'least-likely' ? others[others.length - 1] : others[spec.rank - 1];
  });
}
