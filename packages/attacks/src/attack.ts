import type { Generator, Tensor } from '@kwta/core';
import type { Classifier } from './classifier.js';
import type { Norm } from './threat.js';

/** Class labels: an int32 tensor [N] or plain numbers. */
export type Labels = Tensor | ArrayLike<number>;

/**
 * What kind of access an attack uses; the harness compares kinds in its masking checks. An
 * 'ensemble' (AutoAttack) mixes kinds and carries its own checks.
 */
export type AttackKind = 'white-box' | 'adaptive' | 'gradient-free' | 'transfer' | 'ensemble';

export interface RunOptions {
  /** Target labels: present means a targeted attack (success = the model predicts the target). */
  targets?: Labels;
  /**
   * Source of every random choice (random starts, sampling); required by randomised attacks.
   * One seed is drawn per example, in row order, unless `seeds` gives them.
   */
  gen?: Generator;
  /**
   * One seed per example: example i draws every random number from its own stream, so its
   * result does not depend on the batch it ran in (the harness derives these from its seed
   * and each example's index: sharded runs reproduce a single run exactly).
   */
  seeds?: ArrayLike<number>;
  /**
   * Bytes of live tensors one model call may hold (default DEFAULT_MEMORY_BUDGET, 512 MiB):
   * forwards and gradients on more rows (many noise samples per example, large batches) run in
   * chunks that fit, with the same results.
   */
  memoryBudget?: number;
  /**
   * Called by an ensemble (AutoAttack) as each member finishes on the batch: one batch of a
   * strong ensemble on a robust model can run for an hour, and this says how far it has got.
   */
  onMember?: (m: MemberProgress) => void;
  /**
   * Called after every step of an attack's loop (every query of Square's, every Adam step of
   * C&W's, every DeepFool step): one batch of a query-hungry attack can run for twenty minutes,
   * and this says how far it has got. It only observes; the results are the same with or without it.
   */
  onStep?: (s: StepProgress) => void;
}

/** An iterative attack has taken a step (or a query-based one a query) on the batch. */
export interface StepProgress {
  /** 'step' for gradient, estimated-gradient, C&W and DeepFool loops, 'query' for Square's. */
  unit: 'step' | 'query';
  /**
   * Steps taken in the loop under way (1-based) and the most it takes. An attack that runs its
   * loop more than once (restarts, APGD-T's and FAB-T's targets, C&W's binary search) counts
   * again from 1 each time; `loops` says which pass it is in.
   */
  step: number;
  steps: number;
  /** Rows of the batch this loop still works on (not yet broken), of `n`. */
  active: number;
  n: number;
  /** The outer loops the step lies in, outermost first; only loops of more than one pass are listed. */
  loops?: LoopPosition[];
  /** Inside an ensemble: the member taking the step. */
  member?: string;
}

/** Which pass of an outer loop an attack is in: restart 2 of 5, target 3 of 9, search step 1 of 5. */
export interface LoopPosition {
  /** 'restart' (a fresh start), 'target' (a target class of APGD-T or FAB-T), 'search' (C&W's binary search on c), 'stage' (APGD-L1's shrinking radii). */
  name: 'restart' | 'target' | 'search' | 'stage';
  /** The pass under way, 1-based, of `count`. */
  index: number;
  count: number;
}

/** An ensemble member has finished on the batch: what it left unbroken, and its time. */
export interface MemberProgress {
  /** The member's name and its place in the ensemble (0-based, of `members`). */
  member: string;
  index: number;
  members: number;
  /** Examples of the batch not broken by this member or the ones before it (nor wrong from the start). */
  unbroken: number;
  /** Examples in the batch. */
  n: number;
  /** The member's own seconds on this batch. */
  seconds: number;
}

/** An ensemble's record of which member broke each example (AutoAttack's cumulative log). */
export interface EnsembleTrace {
  /** Member attacks in the order they ran. */
  members: string[];
  /** Per example: index of the member whose result broke it, -1 if none (or already wrong clean: -2). */
  brokenBy: number[];
  /** Seconds each member took. */
  seconds: number[];
}

/**
 * Per-example outcome. `success[i]` is computed from one final forward pass of the attacked
 * model on `xAdv` (untargeted: prediction != label; targeted: prediction == target), so it always
 * agrees with the model. Examples the model already gets wrong count as successes with norm 0.
 * `forwardCount[i]` counts every forward pass example i took part in (including the forward
 * half of each gradient evaluation); `gradCount[i]` counts input-gradient (backward) passes.
 */
export interface AttackResult {
  xAdv: Tensor;
  success: boolean[];
  norms: number[];
  forwardCount: number[];
  gradCount: number[];
  /** Set by ensembles (AutoAttack). */
  trace?: EnsembleTrace;
}

/** The one interface every attack implements. */
export interface Attack {
  readonly name: string;
  readonly kind: AttackKind;
  readonly eps: number;
  readonly norm: Norm;
  /**
   * Whether run() accepts `targets` (absent: it does). DeepFool and the target-sweeping APGD-T,
   * FAB-T and AutoAttack do not.
   */
  readonly supportsTargets?: boolean;
  /**
   * Attack `x` (labels `y`) against `model`; returns the adversarial examples and what the attack recorded
   * about them.
   */
  run(model: Classifier, x: Tensor, y: Labels, opts?: RunOptions): AttackResult;
  /** The same attack at another radius (the harness's epsilon sweep). */
  withEps(eps: number): Attack;
  /** A strictly stronger variant (more steps, restarts or queries), if the attack has one. */
  stronger?(): Attack;
}
