import { ValueError } from '@kwta/core';
import type { AttackState } from '../state.js';

/** How many target classes a target-sweeping attack (APGD-T, FAB-T) tries: default 9, an integer >= 1. */
export function targetCount(op: string, wanted: number | undefined): number {
  const n = wanted ?? 9;
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`${op}: targetClasses must be an integer >= 1, got ${n}`);
  return n;
}

/**
 * The goals of a target sweep, in order: for rank r = 1, 2, ... the class the model ranks r-th
 * after the first at each example's clean input (the runner-up first), as many as `count` and
 * at most every other class.
 */
export function rankedTargets(state: AttackState, count: number): ((i: number) => number)[] {
  return Array.from({ length: Math.min(count, state.classes - 1) }, (_, k) => (i: number) => state.classesByCleanLogit(i)[k + 1]);
}
