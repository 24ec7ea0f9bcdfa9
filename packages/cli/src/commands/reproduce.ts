import { join } from 'node:path';
import { mainJob, runTrain, type MainJobOptions } from '@kwta/experiments/node';
import { DEFAULT_ATTACK_SETTINGS } from '../attacks.js';
import { progressBars } from '../progress.js';
import { runEval, type EvalSummary } from './eval.js';
import { formatEvalTable } from './eval-table.js';
import { runReport } from './report.js';

/** Options of `kwta reproduce`: the main job's options, and whether to print progress. */
export interface ReproduceOptions extends Omit<MainJobOptions, 'progress'> {
  quiet?: boolean;
}

/** `kwta reproduce`: the main job's recipe (@kwta/experiments' mainJob), trained, attacked and reported. */
export async function runReproduce(o: ReproduceOptions): Promise<{ summaries: EvalSummary[]; table: string; report: string }> {
  const started = Date.now();
  const job = mainJob({ ...o, progress: progressBars(o.quiet) });
  for (const r of job.runs) {
    const t = runTrain({ ...job.train, activation: r.activation, out: r.dir });
    log(o, `trained ${t.label}: test accuracy ${(100 * t.testAccuracy).toFixed(1)}% in ${t.seconds.toFixed(0)} s`);
  }
  const { eotSteps, queries, ...rest } = job.eval;
  const d = DEFAULT_ATTACK_SETTINGS;
  const settings = { ...d, queries, estimation: { ...d.estimation, steps: eotSteps ?? d.estimation?.steps } };
  const summaries = job.runs.map((r) => {
    const s = runEval({ ...rest, settings, run: r.dir, quiet: o.quiet }) as EvalSummary;
    log(o, `evaluated ${s.label} in ${s.seconds.toFixed(0)} s`);
    return s;
  });
  const table = formatEvalTable(summaries);
  const report = await runReport(job.runs.map((r) => join(r.dir, 'eval.json')), job.reportDir, job.reportTitle);
  log(o, `total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { summaries, table, report };
}

function log(o: ReproduceOptions, line: string): void {
  if (!o.quiet) process.stderr.write(`${line}\n`);
}
