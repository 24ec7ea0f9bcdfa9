import { join } from 'node:path';
import { Generator, tidy } from '@kwta/core';
import { evaluate, type CheckOptions, type EvaluationReport } from '@kwta/attacks';
import { batchToTensors, gatherBatch, take } from '@kwta/datasets';
import { pct } from '@kwta/experiments';
import { loadDataset, loadRun, writeJson, type RunConfig } from '@kwta/experiments/node';
import { activationLabel, parseActivation } from '@kwta/nn';
import { buildAttacks, type AttackSettings } from '../attacks.js';
import { progressBar, type Bar } from '../progress.js';
import { CliError } from '../spec.js';
import { loadWeights, type WeightsSpec } from '../weights.js';

export interface EvalCommandOptions extends AttackSettings {
  /** A run directory written by `kwta train`, or (instead) weights trained elsewhere. */
  run?: string;
  weights?: WeightsSpec;
  attacks: string[];
  examples: number;
  batchSize: number;
  seed: number;
  /** Gradient-masking checks: false to skip, or their options. */
  checks: CheckOptions | false;
  out?: string;
  quiet?: boolean;
}

export interface EvalSummary {
  run: string;
  label: string;
  config: RunConfig;
  settings: AttackSettings & { attacks: string[]; examples: number };
  report: EvaluationReport;
  seconds: number;
}

/** `kwta eval`: clean accuracy, accuracy under each attack, worst case, masking checks. */
export function runEval(o: EvalCommandOptions): EvalSummary {
  const started = Date.now();
  if (!o.weights && !o.run) throw new CliError('eval needs a run directory or weights');
  const { config, model } = o.weights ? loadWeights(o.weights, (n) => { if (!o.quiet) console.error(`note: ${n}`); }) : loadRun(o.run!);
  const source = o.weights?.path ?? o.run!;
  const label = `${config.model} ${activationLabel(parseActivation(config.activation))} ${config.method}`;
  const slice = take(loadDataset(config.dataset, 'test'), o.examples);
  const attacks = buildAttacks(o.attacks, model, o);
  const { images, labels } = batchToTensors(gatherBatch(slice, Int32Array.from({ length: slice.labels.length }, (_, i) => i)));
  let bar: Bar | null = null, current = '';
  const report = tidy(() => evaluate(model, images, labels, {
    attacks, gen: new Generator(o.seed), batchSize: o.batchSize, checks: o.checks,
    onProgress: (p) => {
      const key = `${p.stage}:${p.name}`;
      if (key !== current) {
        bar?.stop();
        current = key;
        bar = progressBar(`${label}: ${p.stage === 'check' ? 'check ' : ''}${p.name}`.slice(0, 60), p.total, { quiet: o.quiet });
      }
      bar!.update(p.done);
    },
  }));
  (bar as Bar | null)?.stop();
  images.dispose();
  labels.dispose();
  const { attacks: names, examples, eps, steps, stepSize, eotSteps, eotSamples, queries } = o;
  const summary: EvalSummary = {
    run: source, label, config, settings: { attacks: names, examples, eps, steps, stepSize, eotSteps, eotSamples, queries },
    report, seconds: (Date.now() - started) / 1000,
  };
  writeJson(o.out ?? (o.weights ? `${o.weights.path}.eval.json` : join(source, 'eval.json')), summary);
  model.dispose();
  return summary;
}

/**
 * The result table, one row per attack (names carry their settings, so rows suit them better
 * than columns) and one column per model: clean, each attack, the worst case; then the verdicts
 * of the gradient-masking checks.
 */
export function formatEvalTable(summaries: EvalSummary[]): string {
  const names = [...new Set(summaries.flatMap((s) => s.report.attacks.map((a) => a.name)))];
  const rows: string[][] = [
    ['accuracy', ...summaries.map((s) => s.label)],
    ['clean', ...summaries.map((s) => pct(s.report.cleanAccuracy))],
    ...names.map((n) => [n, ...summaries.map((s) => {
      const a = s.report.attacks.find((x) => x.name === n);
      return a ? pct(a.accuracy) : '-';
    })]),
    ['worst case (robust to every attack)', ...summaries.map((s) => pct(s.report.robustAccuracy))],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  for (const s of summaries) {
    for (const c of s.report.checks) out.push(`${c.passed ? 'ok  ' : 'FLAG'} ${s.label}: ${c.name}: ${c.detail}`);
  }
  return out.join('\n');
}
