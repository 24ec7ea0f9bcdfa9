import type { Method } from '@kwta/train';
import type { SuiteAttack } from '../paper/attack-suite.js';
import { ACTIVATIONS, type PaperScaleSettings, type StudyActivation } from './settings.js';

/** One trained model of the study. */
export interface ModelKey {
  activation: StudyActivation;
  method: Method;
  hidden: number;
  /** An independently trained copy (the same recipe, seed + 1): the transfer attack's source model. */
  twin?: true;
}

/** The run directory name of a model (under `<out>/models/`). */
export const modelId = (m: ModelKey): string => `${m.activation.replace(':', '-')}-${m.method}-h${m.hidden}${m.twin ? '-twin' : ''}`;

/** One resumable unit of the study: training a model, or evaluating one with a set of attacks (or the budget measurement). */
export type Stage =
  | { id: string; kind: 'budget' }
  | { id: string; kind: 'train'; model: ModelKey }
  | { id: string; kind: 'eval'; model: ModelKey; set: 'pgd' | 'strong'; examples: number; attacks: SuiteAttack[] };

/** An evaluation stage. */
export type EvalStage = Extract<Stage, { kind: 'eval' }>;

/** A model's twin: the transfer attack's source. */
export const twinOf = (m: ModelKey): ModelKey => ({ ...m, twin: true });

const train = (model: ModelKey): Stage => ({ id: `train ${modelId(model)}`, kind: 'train', model });

/**
 * Whether clean accuracy and PGD get a stage of their own on a PGD set larger than the strong
 * set; otherwise the strong evaluation's clean and PGD numbers serve as the PGD set's.
 */
export const hasPgdStage = (s: PaperScaleSettings): boolean => s.pgdExamples > s.strongExamples;

/** Whether the study times steps first to plan its stages (the main job's preset does not). */
export const hasBudgetStage = (s: PaperScaleSettings): boolean => s.budgetSteps > 0;

/** A model's cheap stages: its training, then clean + PGD on the PGD set (when it has a stage of its own). */
function firstStages(s: PaperScaleSettings, model: ModelKey): Stage[] {
  const pgdSet: Stage[] = hasPgdStage(s) ? [{ id: `eval ${modelId(model)} pgd`, kind: 'eval', model, set: 'pgd', examples: s.pgdExamples, attacks: ['pgd'] }] : [];
  return [train(model), ...pgdSet];
}

/**
 * A model's expensive stage: the `strong` attacks on the first `strongExamples`. The transfer
 * attack needs the model's twin (trained just before), and runs only for the activations in
 * `transferTwins`; the other models' strong set leaves it out.
 */
function strongStages(s: PaperScaleSettings, model: ModelKey, strong: readonly SuiteAttack[]): Stage[] {
  const transfer = strong.includes('transfer') && s.transferTwins.includes(model.activation);
  return [
    ...(transfer ? [train(twinOf(model))] : []),
    { id: `eval ${modelId(model)} strong`, kind: 'eval', model, set: 'strong', examples: s.strongExamples, attacks: strong.filter((a) => a !== 'transfer' || transfer) },
  ];
}

/**
 * Every stage of the study in run order, the cheap and telling first: k-WTA natural at every
 * width trained and PGD-evaluated (the sweep's PGD curve, the Theorem 1 prediction, in about an
 * hour), then k-WTA's strong evaluation at the main width (the headline row), ReLU natural, the
 * sweep's ReLU models and the sweep's strong evaluations; then free AT (one pass of the data per
 * m replays) for both activations, k-WTA's AT and TRADES, and last ReLU's AT and TRADES (dense at
 * the full width, about ten forward-backward passes a step: the expensive part).
 */
export function planStages(s: PaperScaleSettings): Stage[] {
  const model = (activation: StudyActivation, method: Method, hidden = s.hidden): ModelKey => ({ activation, method, hidden });
  const main = (activation: StudyActivation, method: Method) =>
    (s.methods.includes(method) ? [...firstStages(s, model(activation, method)), ...strongStages(s, model(activation, method), s.strongAttacks)] : []);
  const kwtaNatural = s.methods.includes('natural') ? [model('kwta:0.1', 'natural')] : [];
  // The sweep's own models: its widths other than the main table's natural models.
  const sweep = (activation: StudyActivation) => s.widths.filter((w) => w !== s.hidden || !s.methods.includes('natural')).map((w) => model(activation, 'natural', w));
  return [
    ...(hasBudgetStage(s) ? [{ id: 'budget', kind: 'budget' } as const] : []),
    ...[...kwtaNatural, ...sweep('kwta:0.1')].flatMap((m) => firstStages(s, m)),
    ...kwtaNatural.flatMap((m) => strongStages(s, m, s.strongAttacks)),
    ...main('relu', 'natural'),
    ...sweep('relu').flatMap((m) => firstStages(s, m)),
    ...ACTIVATIONS.flatMap((a) => sweep(a).flatMap((m) => strongStages(s, m, s.sweepAttacks))),
    ...main('kwta:0.1', 'free'),
    ...main('relu', 'free'),
    ...main('kwta:0.1', 'at'),
    ...main('kwta:0.1', 'trades'),
    ...main('relu', 'at'),
    ...main('relu', 'trades'),
  ];
}
