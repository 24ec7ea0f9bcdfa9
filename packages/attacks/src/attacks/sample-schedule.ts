import { ValueError } from '@kwta/core';

/**
 * How many noise samples step t of a gradient-estimation attack uses: doubling
 * (initial * 2^floor(t / doubleEvery), capped at max) or piecewise constant (`stages`, each from
 * its step on; Tramèr et al.'s k-WTA attack: 100, then 1000 from step 20, 20,000 from step 40).
 */
export type SampleSchedule = { initial: number; max: number; doubleEvery: number } | { stages: readonly { from: number; samples: number }[] };

/** The number of noise samples schedule `s` gives step `step`. */
export function samplesAt(s: SampleSchedule, step: number): number {
  if ('stages' in s) {
    let n = s.stages[0].samples;
    for (const g of s.stages) if (step >= g.from) n = g.samples;
    return n;
  }
  return Math.min(s.max, s.initial * 2 ** Math.floor(step / s.doubleEvery));
}

export function checkSampleSchedule(op: string, s: SampleSchedule): void {
  if ('stages' in s) {
    const ok = s.stages.length > 0 && s.stages[0].from === 0 && s.stages.every((g, k) => Number.isInteger(g.samples) && g.samples >= 1 && Number.isInteger(g.from) && (k === 0 || g.from > s.stages[k - 1].from));
    if (!ok) throw new ValueError(`${op}: samples.stages needs integer samples >= 1 at increasing integer steps, the first from 0, got ${JSON.stringify(s.stages)}`);
    return;
  }
  if (!Number.isInteger(s.initial) || s.initial < 1 || !Number.isInteger(s.max) || s.max < s.initial || !(s.doubleEvery >= 1)) {
    throw new ValueError(`${op}: samples needs integers 1 <= initial <= max and doubleEvery >= 1, got ${JSON.stringify(s)}`);
  }
}
