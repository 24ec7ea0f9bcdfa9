import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { writeFileAtomic } from '@kwta/nn/node';
import { writeJson, writeSvg } from '../files.js';
import { DATASET_NAMES } from '../jobs/scales.js';
import { computePlan } from './budget.js';
import type { Ledger } from './ledger.js';
import { readBudget } from './paths.js';
import { accuracyBarsSpec, gapSpec, widthSpec, type GapPoint, type PlotNote, type PlotPoint } from './plots.js';
import { copyStatesUnderWay, retrainsAhead, STATE_DIR } from './restore.js';
import { collectResults, type ModelResult } from './results.js';
import {
  DATASET_TEXT, METHOD_TITLES, UNDER_WAY_NOTE, attackCell, attackTitle, ci, autoAttackLogs, budgetSection, checksTable, costLines, deviations, failureLines, mnistCnnBytes, onlyBrokenByTable, mainTable, modelLabel, restoreLines, retrainList, settingsList, stagesTable, sweepTable, bothCounts, trainingTable, versusRelu, versusReluTable, upTo, type VersusRelu,
} from './sections.js';
import type { PaperScaleSettings } from './settings.js';
import { hasBudgetStage, type Stage } from './stages.js';

/** What writeStudyReport reads: the study's saved state and where the report goes. */
export interface StudyReportInput {
  /** The study's directory (models, evaluation states, the ledger). */
  out: string;
  /** Where README.md, results.json and the figures go. */
  reportDir: string;
  /** The study's settings. */
  settings: PaperScaleSettings;
  /** Every stage of the study, done or not. */
  stages: readonly Stage[];
  /** The ledger: which stages are done, and their wall time. */
  ledger: Ledger;
  /** The one command that continues the study. */
  command: string;
}

/**
 * A hand-written note kept beside the committed report (not generated: it needs PyTorch, which the
 * study does not): the PGD numbers recomputed outside the engine on the same weights and digits.
 * The report links it when it is there.
 */
const CROSSCHECK_NOTE = 'crosscheck-pytorch.md';

/**
 * A hand-written log beside the committed report: the engine changes that landed while the study
 * ran (it spans many sittings), the stages each reached and why the numbers can or cannot differ.
 */
const ENGINE_CHANGES_NOTE = 'engine-changes.md';

/**
 * Whether `path` is `dir` or lies under it. A path that merely starts with two dots (a folder named
 * `..x` inside `dir`) is inside; only `..` itself or `../...` climbs out.
 */
export function liesWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * How to continue after the study's directory is lost. A report inside `--out` (the default) is
 * lost with it, so the sentence says to keep a copy and restore from that, not from a path that an
 * empty `--out` no longer holds.
 */
function restoreSentence(o: StudyReportInput, underWay: boolean): string {
  const lost = liesWithin(o.out, o.reportDir);
  const keeps = `results.json keeps every finished stage's results${underWay ? ` and \`${STATE_DIR}/\` the per-example state of the evaluation under way` : ''}; the models still needed are retrained from their seeds and checked against their recorded training.`;
  return lost
    ? `This report lies inside the study's directory and is lost with it (a new machine): keep a copy of \`${o.reportDir}\` elsewhere, and \`${o.command} --restore <the copy>\` into an empty \`--out\` continues from it: ${keeps}`
    : `If the study's directory is lost (a new machine), \`${o.command} --restore ${o.reportDir}\` into an empty \`--out\` continues from this report: ${keeps}`;
}

/**
 * The comparison with ReLU trained the same way, with what its numbers mean. The two models of a
 * pair are attacked on the same examples, but the report keeps counts, not per-example results,
 * so the interval is the one for independent samples.
 */
function versusReluSection(pairs: VersusRelu[], items: string, plotted: boolean): string[] {
  const table = versusReluTable(pairs);
  return table
    ? [
        '### k-WTA against ReLU trained the same way',
        '',
        `Each cell: k-WTA's accuracy minus ReLU's, in percentage points, with Newcombe's 95% interval for the difference of two proportions; negative means k-WTA keeps fewer ${items}. Both models of a pair meet the same ${items}; the interval treats them as independent samples (the report keeps counts, not which ${items} fell), which makes it wider than a paired interval when the two models find the same ${items} hard.`,
        '',
        table,
        '',
        ...(plotted ? ['![k-WTA minus ReLU](versus-relu.svg)', ''] : []),
      ]
    : [];
}

/** One sentence per model with strong results (finished, or under way and saying so): PGD's number against the worst case. */
function verdicts(rows: ModelResult[], s: PaperScaleSettings): string[] {
  const { items } = DATASET_TEXT[s.dataset];
  return rows.filter((r) => r.strong).map((r) => {
    const st = r.strong!;
    const found = `${attackTitle('pgd', s)} leaves ${attackCell(st, 'pgd')}, AutoAttack ${attackCell(st, 'autoattack')}, the adaptive attack ${attackCell(st, 'adaptive')}`;
    return st.pending.length
      ? `- ${modelLabel(r.model)} (${METHOD_TITLES[r.model.method]}, hidden ${r.model.hidden}), evaluation under way: ${found}; the worst case so far is at most ${ci(st.worstCase)} of ${s.strongExamples} ${items}, with ${st.pending.map((a) => attackTitle(a, s)).join(', ')} still to finish.`
      : `- ${modelLabel(r.model)} (${METHOD_TITLES[r.model.method]}, hidden ${r.model.hidden}): ${found}; per-example worst case ${upTo(st) ? 'at most ' : ''}${ci(st.worstCase)} of ${s.strongExamples} ${items}.`;
  });
}

/**
 * Write the study's report from its saved state only (the ledger, train.json files, evaluation
 * states and reports, the budget): README.md, results.json and the figures. Stages not finished
 * show as pending, and the README says which remain and the command that continues.
 */
export async function writeStudyReport(o: StudyReportInput): Promise<string> {
  const s = o.settings;
  const results = collectResults(o.out, s, o.stages, o.ledger);
  const { item, items } = DATASET_TEXT[s.dataset], title = DATASET_NAMES[s.dataset];
  const main = results.filter((r) => r.model.hidden === s.hidden && !r.model.twin);
  const sweep = s.widths.length ? results.filter((r) => r.model.method === 'natural' && !r.model.twin && s.widths.includes(r.model.hidden)).sort((a, b) => a.model.hidden - b.model.hidden || a.model.activation.localeCompare(b.model.activation)) : [];
  const budget = readBudget(o.out);
  const plan = budget ? computePlan(o.stages, s, budget) : [];
  const retrains = retrainsAhead(o.out, o.stages, o.ledger);
  const done = o.stages.filter((st) => o.ledger.stages[st.id]?.done);
  const remaining = o.stages.filter((st) => !o.ledger.stages[st.id]?.done);

  const barMeasures = ['clean', ...s.strongAttacks.map((a) => attackTitle(a, s)), 'worst case'];
  // Per finished model, a bar for each measure with a number and a note for each without one (an
  // attack not in its set, one that failed, the worst case that leaves a failed one out, which is
  // only an upper bound), so that no missing bar reads as 0%.
  const bars: PlotPoint[] = [], barNotes: PlotNote[] = [];
  for (const r of main) {
    const st = r.strong;
    if (!st || st.pending.length) continue;
    const group = `${modelLabel(r.model)} (${METHOD_TITLES[r.model.method]})`;
    bars.push({ group, measure: 'clean', count: st.clean });
    for (const a of s.strongAttacks) {
      const measure = attackTitle(a, s), count = st.attacks[a];
      if (count) bars.push({ group, measure, count });
      else barNotes.push({ group, measure, note: st.failed?.[a] !== undefined ? 'failed' : 'not run' });
    }
    if (upTo(st)) barNotes.push({ group, measure: 'worst case', note: 'an upper bound only: an attack failed' });
    else bars.push({ group, measure: 'worst case', count: st.worstCase });
  }
  if (bars.length) await writeSvg(join(o.reportDir, 'accuracy.svg'), accuracyBarsSpec(bars, barMeasures, `MNIST CNN${s.dataset === 'mnist' ? '' : ` on ${title}`}, hidden ${s.hidden}: accuracy under attack`, `${s.strongExamples} held-out ${items}, L-inf eps ${s.eps}; worst case = robust to every attack`, barNotes));
  const widthPoints: PlotPoint[] = sweep.flatMap((r) => [
    ...(r.pgdSet ? [{ group: modelLabel(r.model), measure: attackTitle('pgd', s), x: r.model.hidden, count: r.pgdSet.pgd }] : []),
    ...(r.strong && !upTo(r.strong, s.sweepAttacks) ? [{ group: modelLabel(r.model), measure: 'worst case', x: r.model.hidden, count: r.strong.sweepWorstCase }] : []),
  ]);
  if (widthPoints.length) await writeSvg(join(o.reportDir, 'width.svg'), widthSpec(widthPoints, 'Robust accuracy against hidden width (natural training)', `${attackTitle('pgd', s)} on ${s.pgdExamples} ${items}; worst case over ${s.sweepAttacks.map((a) => attackTitle(a, s)).join(', ')} on ${s.strongExamples}; Wilson 95% bars`));

  const pairs = versusRelu(main, s);
  const gaps: GapPoint[] = [], gapNotes: PlotNote[] = [];
  for (const p of pairs) {
    for (const m of p.measures) {
      const both = bothCounts(m);
      if (typeof both === 'string') gapNotes.push({ group: p.training, measure: m.name, note: both });
      else gaps.push({ group: p.training, measure: m.name, a: both[0], b: both[1] });
    }
  }
  if (gaps.length) await writeSvg(join(o.reportDir, 'versus-relu.svg'), gapSpec(gaps, pairs.map((p) => p.training), pairs[0].measures.map((m) => m.name), `${pairs[0].model} minus ReLU trained the same way${s.dataset === 'mnist' ? '' : ` on ${title}`} (hidden ${s.hidden})`, `accuracy difference, L-inf eps ${s.eps}; clean and ${attackTitle('pgd', s)} on ${s.pgdExamples} held-out ${items}, the rest on ${s.strongExamples}`, gapNotes));
  // A hand-written note beside the report gets a sentence linking it, when it is there.
  const noteLine = (file: string, sentence: (link: string) => string): string[] => (existsSync(join(o.reportDir, file)) ? [sentence(`[${file}](${file})`), ''] : []);
  const lines = [
    `# The paper's MNIST experiment ${s.dataset === 'mnist' ? 'at scale' : `on ${title}, at scale`} (hidden ${s.hidden}): what survives AutoAttack and the adaptive attack`,
    '',
    `**Status: ${done.length} of ${o.stages.length} stages done.** ${remaining.length ? `Remaining: ${remaining.map((st) => `\`${st.id}\``).join(', ')}.` : 'Every stage is done.'}` +
      (retrains.length ? ` Before them, the restored study retrains from ${retrains.length === 1 ? 'its seed' : 'their seeds'} ${retrainList(retrains)}.` : ''),
    '',
    `Continue (resumes mid-training and mid-evaluation; the report regenerates after every stage): \`${o.command}\``,
    '',
    restoreSentence(o, remaining.length > 0),
    '',
    `Every percentage carries its Wilson 95% confidence interval in brackets. Weights are not committed${s.model === 'mnist-cnn' ? ` (hidden ${s.hidden} is ${Math.round(mnistCnnBytes(s.hidden) / 1e6)} MB a model)` : ''}: the command above retrains them from the seed.`,
    '',
    `## Table 4${s.dataset === 'mnist' ? '' : `'s models on ${title}`} at hidden width ${s.hidden}`,
    '',
    mainTable(main, s),
    '',
    ...(main.some((r) => r.strong?.pending.length) ? [UNDER_WAY_NOTE, ''] : []),
    ...failureLines(main, s),
    ...(bars.length ? ['![accuracy under attack](accuracy.svg)', ''] : []),
    ...verdicts(main, s),
    '',
    `The worst case counts as robust only the ${items} classified correctly that no attack of the strong set (nor a check's stronger variant) broke.`,
    '',
    ...versusReluSection(pairs, items, gaps.length > 0),
    ...noteLine(CROSSCHECK_NOTE, (link) => `Outside the engine: ${link} recomputes PGD-20 in PyTorch on the same weights and ${items}.`),
    '### AutoAttack, member by member',
    '',
    ...(autoAttackLogs(main).length ? ['Robust accuracy after each member in turn (each attacks only what the members before it left unbroken), and in parentheses that member\'s own compute time.', '', ...autoAttackLogs(main)] : ['_pending_']),
    '',
    '### Gradient-masking and sanity checks',
    '',
    checksTable(main),
    '',
    `### ${items[0].toUpperCase()}${items.slice(1)} only one attack broke (of ${s.strongExamples})`,
    '',
    `Each cell counts the ${items} that attack broke and no other attack of the set did: without it, the worst case would be that many ${items} higher. A 0 means the verdict does not rest on that attack.`,
    '',
    onlyBrokenByTable(main, s),
    '',
    `### What each attack cost (${s.strongExamples} ${items})`,
    '',
    `Each cell: compute time over every sitting, on the study's shared machine (its load is in the stages table below; a batch cut off by a kill and redone counts once) · model calls per ${item}, forwards + input gradients, which say what a rerun costs anywhere. Attacks stop on the ${items} they break, so a robust model costs more.`,
    '',
    ...costLines([...main, ...sweep.filter((r) => r.model.hidden !== s.hidden)], s),
    '',
    ...(s.widths.length ? ['## Width sweep (Theorem 1: discontinuities grow denser with width)', '', sweepTable(sweep, s), '', ...(sweep.some((r) => r.strong?.pending.some((a) => s.sweepAttacks.includes(a))) ? [UNDER_WAY_NOTE, ''] : []), ...failureLines(sweep.filter((r) => r.model.hidden !== s.hidden), s), ...(widthPoints.length ? ['![width sweep](width.svg)', ''] : [])] : []),
    '## Training',
    '',
    trainingTable(results, o.ledger),
    '',
    '## Settings',
    '',
    ...settingsList(s),
    '',
    '## Deviations from the paper',
    '',
    ...deviations(s),
    '',
    '## Stages and wall time',
    '',
    ...noteLine(ENGINE_CHANGES_NOTE, (link) => `The engine changed while the study ran: ${link} says which stages each change reached and what it can change in the numbers.`),
    ...restoreLines(o.ledger, retrains),
    stagesTable(o.stages, o.ledger, plan),
    '',
    // A preset without a budget stage (the main job) plans nothing: no section to say so.
    ...(hasBudgetStage(s) ? ['## Compute plan', '', ...budgetSection(budget, plan, o.ledger, retrains), ''] : []),
  ];
  const readme = lines.join('\n');
  writeFileAtomic(join(o.reportDir, 'README.md'), readme);
  writeJson(join(o.reportDir, 'results.json'), {
    settings: s,
    stages: o.stages.map((st) => ({ id: st.id, ...(o.ledger.stages[st.id] ?? { done: false }) })),
    plan,
    budget,
    models: results,
    restores: o.ledger.restores ?? [],
  });
  copyStatesUnderWay(o.out, o.reportDir, o.stages, o.ledger);
  return readme;
}
