import { Generator, Tensor, ValueError, noGrad, tidy } from '@kwta/core';
import type { Attack, Labels, LoopPosition, MemberProgress, StepProgress } from '../attack.js';
import { argmaxRows, forwardOf, type Classifier } from '../classifier.js';
import { checkMemoryBudget } from '../memory.js';
import { checkResumable, shardRange, type CleanRecord, type EvaluationState, type Shard } from './eval-state.js';
import { planUnits, type CheckOptions } from './plan.js';
import type { EvaluationReport, Progress } from './report.js';
import { reportOf } from './report-of.js';
import { newRecord, rowsOf, runUnit } from './run-unit.js';
import { sanityFlags } from './sanity.js';
import { checkTargetSpecs, chooseTargets, targetName, type TargetSpec } from './targets.js';

/** Options of {@link evaluate}: the attacks, the seed, batch size, checks, targets and progress reports. */
export interface EvaluateOptions {
  attacks: Attack[];
  /** One number is drawn from it: the seed every example's random streams derive from. Same seed, same report. */
  gen: Generator;
  /** Examples per attack call (default 100). */
  batchSize?: number;
  /**
   * Examples per call of one attack where it should differ from `batchSize` (undefined: the
   * default). A sample-based attack fills every forward with one example's noise samples, so it
   * loses no speed in small batches, and a kill loses less of it; the state records each run's size.
   */
  batchSizeOf?: (attack: Attack) => number | undefined;
  /** Called as the evaluation advances (attack by attack, batch by batch). */
  onProgress?: (p: Progress) => void;
  /** Gradient-masking and sanity checks; false to skip them. */
  checks?: CheckOptions | false;
  /** A targeted evaluation: every attack runs once per target choice (success = the target is predicted). */
  targets?: TargetSpec[];
  /** Evaluate only shard `index` of `count` (contiguous slices); mergeStates + reportOf join the shards. */
  shard?: Shard;
  /** Resume from this state (same data, seed, attacks, batch size and shard). */
  resume?: EvaluationState;
  /** Called with the state after the clean pass and after every batch (write it to survive a kill). */
  onState?: (state: EvaluationState) => void;
  /** Bytes of live tensors one model call of an attack may hold (see RunOptions.memoryBudget); results do not depend on it. */
  memoryBudget?: number;
}

function labelArray(y: Labels, n: number): Int32Array {
  const v = y instanceof Tensor ? y.dataSync() : y;
  if (v.length !== n) throw new ValueError(`evaluate: ${v.length} labels for ${n} inputs`);
  const out = Int32Array.from(v as ArrayLike<number>);
  out.forEach((c, i) => {
    if (!Number.isInteger(v[i]) || c < 0) throw new ValueError(`evaluate: labels[${i}] must be a class index >= 0, got ${v[i]}`);
  });
  return out;
}

/** FNV-1a over the bits of every value: a state file is only resumed on the same inputs. */
function hashValues(values: ArrayLike<number>): number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    h = Math.imul(h ^ u[0], 0x01000193) >>> 0;
    h = Math.imul(h ^ u[1], 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Run an evaluation (or one shard of it) and return its state: clean pass with the sanity
 * checks, then every planned run (the attacks, per target choice, and the checks' extra runs),
 * batch by batch, each example with its own random streams. With `resume`, runs continue where
 * the state stopped; `onState` sees the state after every batch.
 */
export function runEvaluation(model: Classifier, x: Tensor, y: Labels, opts: EvaluateOptions): EvaluationState {
  if (!Array.isArray(opts.attacks) || opts.attacks.length === 0) throw new ValueError('evaluate: give at least one attack');
  if (!(opts.gen instanceof Generator)) throw new ValueError('evaluate: needs a Generator (opts.gen)');
  if (!(x instanceof Tensor) || x.rank < 2 || x.shape[0] === 0) throw new ValueError('evaluate: x must be a non-empty batch tensor [N, ...features]');
  const n = x.shape[0];
  const labels = labelArray(y, n);
  const batchSize = opts.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`evaluate: batchSize must be an integer >= 1, got ${batchSize}`);
  const targets = opts.targets ?? [];
  checkTargetSpecs(targets);
  if (opts.memoryBudget !== undefined) checkMemoryBudget('evaluate', opts.memoryBudget);
  const { start, end } = shardRange(n, opts.shard);
  const count = end - start;
  const checks = opts.checks ?? {};
  const plan = planUnits(opts.attacks, targets, checks, x.size / n);
  const unitBatchSizes = plan.map((u) => {
    const size = opts.batchSizeOf?.(u.attack) ?? batchSize;
    if (!Number.isInteger(size) || size < 1) throw new ValueError(`evaluate: batchSizeOf(${u.attack.name}) must be an integer >= 1, got ${size}`);
    return size;
  });
  const seed = opts.gen.nextUint32();
  const fingerprint: EvaluationState['fingerprint'] = {
    examples: n,
    inputHash: hashValues(x.dataSync()),
    labelHash: hashValues(labels),
    seed,
    batchSize,
    units: plan.map((u) => u.key),
    checks: checks === false ? false : { tolerance: checks.tolerance ?? null, maxAccuracyAtLargeEps: checks.maxAccuracyAtLargeEps ?? 0.1, stronger: checks.stronger ?? true, sanity: checks.sanity ?? false },
    // Only where some run's batches differ from batchSize: states made before this field resume unchanged.
    ...(unitBatchSizes.some((b) => b !== batchSize) ? { unitBatchSizes } : {}),
  };
  const state: EvaluationState = opts.resume ?? { format: 'kwta-evaluation-state', version: 1, fingerprint, slice: { start, end }, clean: null, units: plan.map(newRecord) };
  if (opts.resume) checkResumable(opts.resume, fingerprint, { start, end });
  const progress = opts.onProgress ?? (() => {});
  const save = () => opts.onState?.(state);
  const forward = forwardOf(model);

  if (!state.clean) {
    progress({ stage: 'clean', name: 'clean', done: 0, total: count });
    state.clean = cleanPass(forward, x, labels, start, count, batchSize, targets, seed, checks !== false && (checks.sanity ?? false));
    progress({ stage: 'clean', name: 'clean', done: count, total: count });
    save();
  }
  const context = { model, x, labels, first: start, count, seed, batchSize, targets: state.clean.targets, memoryBudget: opts.memoryBudget };
  plan.forEach((unit, k) => {
    const record = state.units[k];
    const stage = unit.role === 'attack' ? 'attack' : 'check';
    // Say which run starts before its first batch: one batch of a strong attack on a robust model can take an hour.
    if (record.done < count && !record.error) progress({ stage, name: record.name, done: record.done, total: count });
    runUnit(unit, record, {
      ...context,
      batchSize: unitBatchSizes[k],
      onBatch: (done) => {
        save();
        progress({ stage, name: record.name, done, total: count });
      },
      onMember: (m, from) => progress({ stage, name: record.name, done: record.done, total: count, detail: memberDetail(m, from, start) }),
      onStep: (st, from, n) => progress({ stage, name: record.name, done: record.done, total: count, status: stepStatus(st, from, n, start) }),
    });
    if (record.error) save();
  });
  return state;
}

/** One line on a finished ensemble member, examples numbered from 1 over the whole input. */
function memberDetail(m: MemberProgress, from: number, first: number): string {
  const minutes = m.seconds / 60;
  const time = minutes < 1 ? `${m.seconds.toFixed(0)} s` : `${minutes.toFixed(1)} min`;
  return `examples ${first + from + 1}-${first + from + m.n}: ${m.member.split('(')[0]} (${m.index + 1} of ${m.members}) leaves ${m.unbroken} of ${m.n} unbroken, ${time}`;
}

/** How a status names each outer loop's pass. */
const LOOP_WORDS: Record<LoopPosition['name'], string> = { restart: 'restart', target: 'target', search: 'search step', stage: 'stage' };

/** Where a batch has got, for the progress bar's status: "examples 21-40: APGD-T target 3 of 9, step 37 of 100, 18 of 20 unbroken". */
function stepStatus(st: StepProgress, from: number, n: number, first: number): string {
  const where = [...(st.loops ?? []).map((l) => `${LOOP_WORDS[l.name]} ${l.index} of ${l.count}`), `${st.unit} ${st.step} of ${st.steps}`].join(', ');
  return `examples ${first + from + 1}-${first + from + n}: ${st.member ? `${st.member.split('(')[0]} ` : ''}${where}, ${st.active} of ${st.n} unbroken`;
}

/** The clean pass over the slice: predictions, each target choice's targets, and the sanity flags. */
function cleanPass(forward: (t: Tensor) => Tensor, x: Tensor, labels: Int32Array, first: number, count: number, batchSize: number, targets: TargetSpec[], seed: number, sanity: boolean): CleanRecord {
  const rec: CleanRecord = { correct: [], targets: Object.fromEntries(targets.map((t) => [targetName(t), [] as number[]])), varies: [], probabilityLike: [], zeroGradient: [] };
  for (let s = 0; s < count; s += batchSize) {
    const m = Math.min(batchSize, count - s);
    const g = first + s;
    tidy(() => {
      const xb = rowsOf(x, g, m);
      const yb = labels.subarray(g, g + m);
      const logits = noGrad(() => Float64Array.from(forward(xb).dataSync()));
      const classes = logits.length / m;
      logits.forEach((v, k) => {
        if (!Number.isFinite(v)) throw new ValueError(`evaluate: the model returned a non-finite logit (${v}) for clean example ${g + Math.floor(k / classes)}`);
      });
      yb.forEach((c, r) => {
        if (c >= classes) throw new ValueError(`evaluate: labels[${g + r}] = ${c} but the model has ${classes} classes`);
      });
      const preds = argmaxRows(logits, m, classes);
      rec.correct.push(...Array.from(preds, (p, r) => p === yb[r]));
      for (const t of targets) rec.targets[targetName(t)].push(...chooseTargets(t, logits, yb, classes, seed, g));
      const flags = sanity ? sanityFlags(forward, xb, yb, logits) : null;
      rec.varies.push(...(flags?.varies ?? new Array<boolean>(m).fill(false)));
      rec.probabilityLike.push(...(flags?.probabilityLike ?? new Array<boolean>(m).fill(false)));
      rec.zeroGradient.push(...(flags?.zeroGradient ?? new Array<boolean>(m).fill(false)));
    });
  }
  return rec;
}

/**
 * Evaluate robustness honestly: clean accuracy, accuracy under each attack, and the worst case
 * per example (robust only if correct and no attack - including the stronger variants the
 * checks run - broke it), the gradient-masking checks and AutoAttack's sanity checks. Run the
 * model in eval mode. For shards and resumable runs see runEvaluation, mergeStates and reportOf.
 */
export function evaluate(model: Classifier, x: Tensor, y: Labels, opts: EvaluateOptions): EvaluationReport {
  return reportOf(runEvaluation(model, x, y, opts));
}
