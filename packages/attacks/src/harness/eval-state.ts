import { ValueError } from '@kwta/core';

/** Which part of the examples a run evaluates: shard `index` of `count` equal contiguous slices. */
export interface Shard {
  index: number;
  count: number;
}

/** Per-example results of one unit (an attack, possibly with a target choice, or a check's extra run). */
export interface UnitRecord {
  /** Stable identity within the plan (also seeds its examples' random streams). */
  key: string;
  name: string;
  kind: string;
  eps: number | null;
  norm: string;
  target: string | null;
  /** 'attack': asked for; 'stronger': a check's stronger variant (counts in the worst case); 'sweep': a check's other radius (does not). */
  role: 'attack' | 'stronger' | 'sweep';
  /** Checks' units: the key of the attack unit they vary. */
  base?: string;
  /** Examples of the slice finished, in order. */
  done: number;
  success: boolean[];
  /** Perturbation norm per example (null for infinity). */
  norms: (number | null)[];
  forwards: number[];
  grads: number[];
  seconds: number;
  /** Ensembles: members, the member that broke each example (-1 none, -2 wrong from the start), seconds per member. */
  members?: string[];
  brokenBy?: number[];
  memberSeconds?: number[];
  /** Set when the attack raised: then nothing else of the unit is reported. */
  error?: string;
}

/** The clean pass: predictions, targets per target choice, and AutoAttack's sanity flags per example. */
export interface CleanRecord {
  correct: boolean[];
  targets: Record<string, number[]>;
  /** Outputs differ between two forwards of the same input (a randomised model). */
  varies: boolean[];
  /** Outputs look like probabilities (in [0, 1], summing to 1). */
  probabilityLike: boolean[];
  /** The cross-entropy gradient at the clean input is exactly zero. */
  zeroGradient: boolean[];
}

/**
 * Everything an evaluation has done so far, as plain JSON: written after every batch, it lets a
 * killed evaluation resume where it stopped, and shards of one evaluation merge into the state a
 * single run would have produced (same per-example numbers, in order).
 */
export interface EvaluationState {
  format: 'kwta-evaluation-state';
  version: 1;
  /** What must match for a state to resume or merge: the data, the seed, the plan. */
  fingerprint: {
    examples: number;
    inputHash: number;
    labelHash: number;
    seed: number;
    batchSize: number;
    units: string[];
    /** The check settings (false: no checks). */
    checks: { tolerance: number | null; maxAccuracyAtLargeEps: number; stronger: boolean; sanity: boolean } | false;
    /** Examples per call of each unit, present only where some differ from `batchSize`. */
    unitBatchSizes?: number[];
  };
  /** The examples this state covers: [start, end) of the full set (the whole set after a merge). */
  slice: { start: number; end: number };
  clean: CleanRecord | null;
  units: UnitRecord[];
}

/** Rows [start, end) of shard i of n over `examples` examples: equal contiguous slices. */
export function shardRange(examples: number, shard: Shard | undefined): { start: number; end: number } {
  if (!shard) return { start: 0, end: examples };
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1) throw new ValueError(`evaluate: shard count must be an integer >= 1, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new ValueError(`evaluate: shard index must be an integer in [0, ${count}), got ${index}`);
  if (count > examples) throw new ValueError(`evaluate: ${count} shards for ${examples} examples leaves some empty`);
  return { start: Math.floor((index * examples) / count), end: Math.floor(((index + 1) * examples) / count) };
}

/** Parse "i/n" (a SLURM array index and count, say) into a Shard. */
export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new ValueError(`parseShard: expected 'i/n' (shard i of n, 0-based), got '${spec}'`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** Refuse a state made for another evaluation (other data, seed, attacks or batch size). */
export function checkResumable(state: EvaluationState, expected: EvaluationState['fingerprint'], slice: { start: number; end: number }, what = 'evaluate'): void {
  if (state?.format !== 'kwta-evaluation-state' || state.version !== 1) throw new ValueError(`${what}: not a kwta evaluation state (format ${String(state?.format)}, version ${String(state?.version)})`);
  const a = JSON.stringify(state.fingerprint);
  const b = JSON.stringify(expected);
  if (a !== b) throw new ValueError(`${what}: the state was made for another evaluation (its fingerprint ${a} differs from this run's ${b})`);
  if (state.slice.start !== slice.start || state.slice.end !== slice.end) {
    throw new ValueError(`${what}: the state covers examples [${state.slice.start}, ${state.slice.end}), this run [${slice.start}, ${slice.end})`);
  }
}

/**
 * Merge the states of shards of one evaluation into the state of the whole: fingerprints must
 * agree, slices must tile [0, examples) and every shard must be finished. Per-example arrays are
 * concatenated in example order and times summed, so the merged report is the single run's.
 */
export function mergeStates(states: readonly EvaluationState[]): EvaluationState {
  if (states.length === 0) throw new ValueError('mergeStates: no states to merge');
  const sorted = [...states].sort((a, b) => a.slice.start - b.slice.start);
  const first = sorted[0];
  const fp = JSON.stringify(first.fingerprint);
  let at = 0;
  for (const s of sorted) {
    if (s.format !== 'kwta-evaluation-state' || s.version !== 1) throw new ValueError('mergeStates: not a kwta evaluation state');
    if (JSON.stringify(s.fingerprint) !== fp) throw new ValueError(`mergeStates: shards come from different evaluations (fingerprints ${fp} and ${JSON.stringify(s.fingerprint)})`);
    if (s.slice.start !== at) throw new ValueError(`mergeStates: examples [${at}, ${s.slice.start}) are in no shard (or shards overlap)`);
    if (!s.clean || s.units.some((u) => !u.error && u.done !== s.slice.end - s.slice.start)) throw new ValueError(`mergeStates: the shard of examples [${s.slice.start}, ${s.slice.end}) is not finished`);
    at = s.slice.end;
  }
  if (at !== first.fingerprint.examples) throw new ValueError(`mergeStates: the shards cover [0, ${at}) of ${first.fingerprint.examples} examples`);
  const cat = <T>(get: (s: EvaluationState) => T[]) => sorted.flatMap(get);
  const clean: CleanRecord = {
    correct: cat((s) => s.clean!.correct),
    targets: Object.fromEntries(Object.keys(first.clean!.targets).map((k) => [k, cat((s) => s.clean!.targets[k])])),
    varies: cat((s) => s.clean!.varies),
    probabilityLike: cat((s) => s.clean!.probabilityLike),
    zeroGradient: cat((s) => s.clean!.zeroGradient),
  };
  const units = first.units.map((u, k) => {
    const parts = sorted.map((s) => s.units[k]);
    const error = parts.find((p) => p.error)?.error;
    const merged: UnitRecord = {
      ...u,
      done: parts.reduce((n, p) => n + p.done, 0),
      success: parts.flatMap((p) => p.success),
      norms: parts.flatMap((p) => p.norms),
      forwards: parts.flatMap((p) => p.forwards),
      grads: parts.flatMap((p) => p.grads),
      seconds: parts.reduce((n, p) => n + p.seconds, 0),
    };
    if (u.brokenBy) merged.brokenBy = parts.flatMap((p) => p.brokenBy ?? []);
    if (u.memberSeconds) merged.memberSeconds = u.memberSeconds.map((_, m) => parts.reduce((n, p) => n + (p.memberSeconds?.[m] ?? 0), 0));
    if (error) merged.error = error;
    else delete merged.error;
    return merged;
  });
  return { ...first, slice: { start: 0, end: at }, clean, units };
}
