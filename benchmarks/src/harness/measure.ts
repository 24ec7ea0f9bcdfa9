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
  /** After each forced collection, wait for V8's helper threads to finish before timing (see `settle`). */
  settleAfterGc: boolean;
}

// `node --expose-gc` makes this a function; collecting before each timed run keeps one
// contender's garbage from being charged to the next.
const collectGarbage = (globalThis as { gc?: () => void }).gc;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Process CPU time (all threads) in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * A forced collection leaves V8's helper threads sweeping and unmapping for 1-3 ms afterwards
 * (measured: 0.6-3 ms of extra CPU time on this 2-core machine). Timing a run in that window
 * charges the collection to the run, and only to contenders that use the second core (a
 * single-threaded one leaves it to the helpers): kwta's 2-thread matmul 256 took 0.94 ms right
 * after gc() and 0.62 ms once the helpers were done. So wait, in 1 ms sleeps, until the process
 * has been idle for two of them in a row (at most 50 ms).
 */
export async function settle(): Promise<void> {
  for (let quiet = 0, step = 0; quiet < 2 && step < 50; step++) {
    const c0 = cpuMs();
    await sleep(1);
    quiet = cpuMs() - c0 < 0.25 ? quiet + 1 : 0;
  }
}

async function timeOne(p: Prepared, o: MeasureOptions): Promise<number> {
  await p.activate?.();
  if (collectGarbage) {
    collectGarbage();
    if (o.settleAfterGc) await settle();
  }
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
    for (let i = 0; i < contenders.length; i++) warm[i] = await timeOne(contenders[i], opts);
  }
  const quotas = warm.map((ms) => quota(ms, opts));
  const samples = warm.map((ms) => (ms > opts.slowRunMs ? [ms] : []));
  for (let r = 0; samples.some((s, i) => s.length < quotas[i]); r++) {
    for (let i = 0; i < contenders.length; i++) {
      if (samples[i].length < quotas[i]) samples[i].push(await timeOne(contenders[i], opts));
    }
  }
  return samples;
}
