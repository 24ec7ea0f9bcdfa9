import { Generator, type Tensor } from '@kwta/core';
import { evaluate, type Classifier, type Progress } from '@kwta/attacks';
import type { Module } from '@kwta/nn';
import type { TopLevelSpec } from 'vega-lite';
import { ADAPTIVE_ATTACKS, STANDARD_ATTACKS, buildSuite, type AttackBudget, type SuiteAttack } from './attack-suite.js';
import { markdownTable, pct } from '../output.js';

/** One model of the robustness table, with the model its transfer attack crafts examples on. */
export interface RobustnessEntry {
  label: string;
  activation: string;
  training: string;
  model: Module;
  transferSource?: Classifier;
}

/** Options of Table 4's robustness evaluation: the models, test data, radius, budget and attacks. */
export interface RobustnessOptions {
  entries: RobustnessEntry[];
  images: Tensor;
  labels: Tensor;
  eps: number;
  budget: AttackBudget;
  attacks: readonly SuiteAttack[];
  seed: number;
  batchSize?: number;
  /** Called as each model's evaluation advances. */
  onProgress?: (label: string, p: Progress) => void;
}

/** One row of Table 4: a model, its clean accuracy, its accuracy under each attack, the worst case. */
export interface RobustnessRow {
  label: string;
  activation: string;
  training: string;
  clean: number;
  /** Accuracy under each attack, by suite name. */
  accuracy: Partial<Record<SuiteAttack, number>>;
  attackNames: Partial<Record<SuiteAttack, string>>;
  /** The paper's A_rob: accuracy under PGD. */
  paperRobust: number | null;
  /** Lowest accuracy among the standard white-box attacks (PGD, MIM, C&W, DeepFool). */
  standardWorst: number | null;
  /** Per example, robust only if no attack at all broke it. */
  worstCase: number;
  /** True when the worst case is within `SURVIVAL_SLACK` of the standard white-box number. */
  survivesAdaptive: boolean;
  seconds: number;
}

/** Table 4: the radius, budget and attacks, and one row per model. */
export interface RobustnessResult {
  eps: number;
  examples: number;
  budget: AttackBudget;
  attacks: SuiteAttack[];
  rows: RobustnessRow[];
}

/** A drop larger than this from standard white-box to worst case means the robustness did not survive. */
export const SURVIVAL_SLACK = 0.05;

/** The Table 4 study: clean accuracy, accuracy under each attack, per-example worst case. */
export function runRobustnessTable(o: RobustnessOptions): RobustnessResult {
  const n = o.images.shape[0];
  const rows = o.entries.map((e, idx) => {
    const started = Date.now();
    const names = o.attacks.filter((a) => a !== 'transfer' || e.transferSource);
    const attacks = buildSuite(names, e.model, o.eps, o.budget, e.transferSource);
    const report = evaluate(e.model, o.images, o.labels, {
      attacks, gen: new Generator(o.seed + 1000 * idx), batchSize: o.batchSize ?? 100, checks: false,
      onProgress: (p) => o.onProgress?.(e.label, p),
    });
    const accuracy: RobustnessRow['accuracy'] = {};
    const attackNames: RobustnessRow['attackNames'] = {};
    names.forEach((name, i) => {
      accuracy[name] = report.attacks[i].accuracy;
      attackNames[name] = report.attacks[i].name;
    });
    const standard = STANDARD_ATTACKS.filter((a) => accuracy[a] !== undefined).map((a) => accuracy[a]!);
    const standardWorst = standard.length ? Math.min(...standard) : null;
    return {
      label: e.label, activation: e.activation, training: e.training, clean: report.cleanAccuracy, accuracy, attackNames,
      paperRobust: accuracy.pgd ?? null, standardWorst, worstCase: report.robustAccuracy,
      survivesAdaptive: standardWorst === null || standardWorst - report.robustAccuracy <= SURVIVAL_SLACK,
      seconds: (Date.now() - started) / 1000,
    };
  });
  return { eps: o.eps, examples: n, budget: o.budget, attacks: [...o.attacks], rows };
}

/** Each suite attack's column title in the reports. */
export const ATTACK_TITLES: Record<SuiteAttack, string> = {
  pgd: 'PGD', mim: 'MIM', cw: 'C&W', deepfool: 'DeepFool', transfer: 'Transfer', eot: 'EOT (est. grad.)', bpda: 'BPDA', square: 'Square',
  adaptive: 'k-WTA adaptive', autoattack: 'AutoAttack',
};

/** Table 4 as a Markdown table. */
export function robustnessMarkdown(r: RobustnessResult): string {
  const header = ['model', 'training', 'clean', ...r.attacks.map((a) => ATTACK_TITLES[a]), 'worst case', 'survives adaptive?'];
  const rows = r.rows.map((row) => [
    row.label, row.training, pct(row.clean), ...r.attacks.map((a) => pct(row.accuracy[a])), `**${pct(row.worstCase)}**`, row.survivesAdaptive ? 'yes' : '**no**',
  ]);
  return markdownTable(header, rows);
}

/** Below this accuracy under the standard attacks there is no robustness to speak of. */
export const NO_ROBUSTNESS = 0.1;

/** Plain sentences: for each model, does its standard white-box robustness survive the adaptive attacks? */
export function robustnessVerdicts(r: RobustnessResult): string[] {
  return r.rows.map((row) => {
    const adaptive = ADAPTIVE_ATTACKS.filter((a) => row.accuracy[a] !== undefined);
    const worstAdaptive = adaptive.reduce<{ name: SuiteAttack; acc: number } | null>((best, a) => (!best || row.accuracy[a]! < best.acc ? { name: a, acc: row.accuracy[a]! } : best), null);
    const name = row.training === 'natural' ? `${row.label} (natural)` : row.label;
    const head = `${name}: PGD leaves ${pct(row.paperRobust)}, the standard white-box attacks at best ${pct(row.standardWorst)}`;
    const adaptivePart = worstAdaptive ? `, the strongest adaptive attack (${ATTACK_TITLES[worstAdaptive.name]}) ${pct(worstAdaptive.acc)}` : '';
    const verdict = !row.survivesAdaptive
      ? `the robustness does NOT survive: ${pct((row.standardWorst ?? 0) - row.worstCase)} of it was gradient masking`
      : (row.standardWorst ?? 0) < NO_ROBUSTNESS
        ? 'the standard attacks already break it, so there is little robustness to survive'
        : 'the robustness survives the adaptive attacks';
    return `${head}${adaptivePart}, worst case ${pct(row.worstCase)}: ${verdict}.`;
  });
}

/** k-WTA against the ReLU model of the same training: by PGD alone (the paper's measure) and by the worst case. */
export interface KwtaVsRelu {
  kwta: string;
  training: string;
  pgd: { kwta: number; relu: number };
  worstCase: { kwta: number; relu: number };
}

/** Each k-WTA row against the ReLU row of the same training, by PGD and by the worst case. */
export function kwtaVsRelu(r: RobustnessResult): KwtaVsRelu[] {
  return r.rows.filter((row) => row.activation !== 'relu').flatMap((row) => {
    const relu = r.rows.find((x) => x.activation === 'relu' && x.training === row.training);
    if (!relu || row.paperRobust === null || relu.paperRobust === null) return [];
    return [{ kwta: row.label, training: row.training, pgd: { kwta: row.paperRobust, relu: relu.paperRobust }, worstCase: { kwta: row.worstCase, relu: relu.worstCase } }];
  });
}

/** Grouped bars: per model, clean / each attack / worst case. */
export function robustnessSpec(r: RobustnessResult, title: string): TopLevelSpec {
  const bars = ['clean', ...r.attacks.map((a) => ATTACK_TITLES[a]), 'worst case'];
  const name = (row: RobustnessRow) => (row.training === 'natural' ? `${row.label} (natural)` : row.label);
  const values = r.rows.flatMap((row) => [
    { model: name(row), measure: 'clean', accuracy: row.clean },
    ...r.attacks.filter((a) => row.accuracy[a] !== undefined).map((a) => ({ model: name(row), measure: ATTACK_TITLES[a], accuracy: row.accuracy[a]! })),
    { model: name(row), measure: 'worst case', accuracy: row.worstCase },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `${r.examples} test examples, L-inf eps ${r.eps}; worst case = robust to every attack` },
    data: { values },
    mark: 'bar',
    encoding: {
      row: { field: 'model', type: 'nominal', title: null, sort: r.rows.map(name), header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } },
      y: { field: 'measure', type: 'nominal', sort: bars, title: null },
      x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' } },
      color: { field: 'measure', type: 'nominal', sort: bars, legend: null, scale: { scheme: 'tableau10' } },
    },
    width: 360,
    height: { step: 11 },
  } as TopLevelSpec;
}
