/** AutoAttack's cumulative log: robust accuracy after each member, and its time. */
export interface EnsembleLogEntry {
  attack: string;
  /** Fraction of the slice still correct after this member and every one before it. */
  robustAccuracy: number;
  seconds: number;
}

/** AutoAttack's final check over the evaluated examples: the largest perturbation, bounds and NaN. */
export interface FinalCheck {
  maxPerturbation: number;
  eps: number | null;
  norm: string;
  passed: boolean;
}

/** One attack's line in the report. */
export interface AttackSummary {
  name: string;
  kind: string;
  eps: number | null;
  norm: string;
  /** The target choice of a targeted run ('random', 'least-likely', 'rank-1', ...), null if untargeted. */
  target: string | null;
  /** Fraction of the slice still classified correctly after this attack. */
  accuracy: number;
  /** Targeted runs: fraction of the slice the attack sent to its target. */
  targetRate: number | null;
  /** Among the examples this attack broke, the mean perturbation norm. */
  meanNorm: number | null;
  meanForwards: number;
  meanGradients: number;
  seconds: number;
  /** Ensembles (AutoAttack): the cumulative log and the final check. */
  log?: EnsembleLogEntry[];
  finalCheck?: FinalCheck;
}

/** The gradient-masking checks. */
export type MaskingCheckName = 'accuracy-falls-with-eps' | 'stronger-attack-not-weaker' | 'white-box-beats-black-box';

/** AutoAttack's sanity checks (its checks.py). */
export type SanityCheckName = 'deterministic-outputs' | 'logits-not-probabilities' | 'nonzero-gradients' | 'square-adds-little';

/** The name of any check a report can hold: a masking check or a sanity check. */
export type CheckName = MaskingCheckName | SanityCheckName;

/** A check and whether it passed. */
export interface Check<N extends CheckName = CheckName> {
  name: N;
  passed: boolean;
  detail: string;
  /** The numbers behind the verdict (JSON-safe). */
  data: Record<string, number | string | null | (number | null)[]>;
}

/** The verdict of one gradient-masking check. */
export type MaskingCheck = Check<MaskingCheckName>;
/** The verdict of one of AutoAttack's sanity checks. */
export type SanityCheck = Check<SanityCheckName>;

/** An attack that raised an error: the report holds the error and nothing else of it. */
export interface AttackFailure {
  attack: string;
  error: string;
}

/** Everything evaluate() found; plain data, JSON-serialisable (Infinity is written as null). */
export interface EvaluationReport {
  examples: number;
  cleanAccuracy: number;
  attacks: AttackSummary[];
  /** Correct on the clean input and on every attack's output: the per-example worst case. */
  robustAccuracy: number;
  /** The attack that broke the most examples. */
  strongestAttack: string | null;
  /** Per example: robust under every attack. */
  robust: boolean[];
  /** The masking checks, then the sanity checks that ran. */
  checks: Check[];
  /** Human-readable warnings, one per failed check and per failed attack. */
  flags: string[];
  failures: AttackFailure[];
}

/** How far an evaluation is: its stage, the attack or check running, and its examples done of total. */
export interface Progress {
  stage: 'clean' | 'attack' | 'check';
  /** The attack (or check) running. */
  name: string;
  done: number;
  total: number;
  /**
   * Within a batch: an ensemble member (AutoAttack's) has finished on the batch, and what it left
   * (for example "examples 101-200: APGD-T (2 of 4) leaves 88 of 100 unbroken, 6.1 min").
   */
  detail?: string;
  /**
   * Within a batch: where an iterative attack's loop has got, as a status for the bar rather than
   * a line of its own, since it comes every step (for example "examples 21-40: step 37 of 100,
   * 18 of 20 unbroken").
   */
  status?: string;
}

export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
