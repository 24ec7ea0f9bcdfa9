/** One attack's line in the report. */
export interface AttackSummary {
  name: string;
  kind: string;
  eps: number | null;
  norm: string;
  /** Fraction of the slice still classified correctly after this attack. */
  accuracy: number;
  /** Among the examples this attack broke, the mean perturbation norm. */
  meanNorm: number | null;
  meanForwards: number;
  meanGradients: number;
  seconds: number;
}

/** A gradient-masking check and whether it passed. */
export interface MaskingCheck {
  name: 'accuracy-falls-with-eps' | 'stronger-attack-not-weaker' | 'white-box-beats-black-box';
  passed: boolean;
  detail: string;
  /** The numbers behind the verdict (JSON-safe). */
  data: Record<string, number | string | null | (number | null)[]>;
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
  checks: MaskingCheck[];
  /** Human-readable warnings, one per failed check. */
  flags: string[];
}

export interface Progress {
  stage: 'clean' | 'attack' | 'check';
  /** The attack (or check) running. */
  name: string;
  done: number;
  total: number;
}

export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
