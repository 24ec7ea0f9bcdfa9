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

/** A model's twin: the transfer attack's source. */
export const twinOf = (m: ModelKey): ModelKey => ({ ...m, twin: true });

const train = (model: ModelKey): Stage => ({ id: `train ${modelId(model)}`, kind: 'train', model });

/**
 * Training then evaluation of one model: clean + PGD on the PGD set (when it is larger), then the
 * expensive attacks on the first `strongExamples`. The transfer attack needs the model's twin
 * (trained just before the strong evaluation), and runs only for the activations in
 * `transferTwins`; the other models' strong set leaves it out.
 */
function modelStages(s: PaperScaleSettings, model: ModelKey, strong: readonly SuiteAttack[]): Stage[] {
  const pgdSet: Stage[] = s.pgdExamples > s.strongExamples ? [{ id: `eval ${modelId(model)} pgd`, kind: 'eval', model, set: 'pgd', examples: s.pgdExamples, attacks: ['pgd'] }] : [];
  const transfer = strong.includes('transfer') && s.transferTwins.includes(model.activation);
  return [
    train(model),
    ...pgdSet,
    ...(transfer ? [train(twinOf(model))] : []),
    { id: `eval ${modelId(model)} strong`, kind: 'eval', model, set: 'strong', examples: s.strongExamples, attacks: strong.filter((a) => a !== 'transfer' || transfer) },
  ];
}

/**
 * Every stage of the study in run order. The cheap, telling rows first: k-WTA and ReLU natural,
 * the width sweep's narrower networks, free AT (one pass of the data per m replays) for both,
 * k-WTA's AT and TRADES, and last ReLU's AT and TRADES (dense at the full width, about ten
 * forward-backward passes a step: the expensive part).
 */
export function planStages(s: PaperScaleSettings): Stage[] {
  const at = (activation: StudyActivation, method: Method): ModelKey => ({ activation, method, hidden: s.hidden });
  const main = (activation: StudyActivation, method: Method) => (s.methods.includes(method) ? modelStages(s, at(activation, method), s.strongAttacks) : []);
  const sweep = s.widths.filter((w) => w !== s.hidden || !s.methods.includes('natural'))
    .flatMap((hidden) => ACTIVATIONS.flatMap((activation) => modelStages(s, { activation, method: 'natural', hidden }, s.sweepAttacks)));
  return [
    ...(s.budgetSteps > 0 ? [{ id: 'budget', kind: 'budget' } as const] : []),
    ...main('kwta:0.1', 'natural'),
    ...main('relu', 'natural'),
    ...sweep,
    ...main('kwta:0.1', 'free'),
    ...main('relu', 'free'),
    ...main('kwta:0.1', 'at'),
    ...main('kwta:0.1', 'trades'),
    ...main('relu', 'at'),
    ...main('relu', 'trades'),
  ];
}
