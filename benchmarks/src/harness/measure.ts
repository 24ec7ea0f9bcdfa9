import type { Prepared } from './types.js';

export interface MeasureOptions {
  /** Untimed rounds before measuring (JIT warm-up, backend caches, first-touch allocations). */
  warmupRounds: number;
  /** Samples per contender, unless a single run is slower than `slowRunMs`. */
  minRounds: number;
  maxRounds: number;
  /** Rough wall-clock budget per contender for the measured runs of one case, in milliseconds. */
  budgetMs: number;
  /**
   * A contender whose warm-up run took longer than this is sampled only to fill the budget (at
   * least once), and its last warm-up run counts as a sample: a run that long is past any JIT
   * warm-up, and repeating it only costs minutes (tfjs-cpu's conv backward takes ~25 s).
   */
  slowRunMs: number;
}

// `node --expose-gc` makes this a function; collecting before each timed run keeps one
// contender's garbage from being charged to the next.
const collectGarbage = (globalThis as { gc?: () => void }).gc;

async function timeOne(p: Prepared): Promise<number> {
  await p.activate?.();
  collectGarbage?.();
  const t0 = performance.now();
  await p.run();
  return performance.now() - t0;
}

function quota(warmMs: number, o: MeasureOptions): number {
  const fit = warmMs > 0 ? Math.floor(o.budgetMs / warmMs) : o.maxRounds;
  if (warmMs > o.slowRunMs) return Math.max(1, Math.min(o.maxRounds, fit));
  return Math.max(o.minRounds, Math.min(o.maxRounds, fit));
}

/**
 * Time the contenders in interleaved rounds (A, B, C, A, B, C, ...) so that slow drifts of the
 * machine (thermal state, other processes) hit every contender alike. Each contender's number of
 * samples is chosen from its warm-up time to fit the budget; a contender that has its samples
 * drops out of the later rounds. Returns the samples in milliseconds, one array per contender.
 */
export async function measureInterleaved(contenders: readonly Prepared[], opts: MeasureOptions): Promise<number[][]> {
  const warm = contenders.map(() => 0);
  for (let r = 0; r < Math.max(1, opts.warmupRounds); r++) {
    for (let i = 0; i < contenders.length; i++) warm[i] = await timeOne(contenders[i]);
  }
  const quotas = warm.map((ms) => quota(ms, opts));
  const samples = warm.map((ms) => (ms > opts.slowRunMs ? [ms] : []));
  for (let r = 0; samples.some((s, i) => s.length < quotas[i]); r++) {
    for (let i = 0; i < contenders.length; i++) {
      if (samples[i].length < quotas[i]) samples[i].push(await timeOne(contenders[i]));
    }
  }
  return samples;
}
