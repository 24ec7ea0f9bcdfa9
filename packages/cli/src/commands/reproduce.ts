import { mainJob, runStudy, type MainJobOptions } from '@kwta/experiments/node';
import { progressBars } from '../progress.js';

/** `kwta reproduce`'s options: the main job's, a report to restore a lost run from, and whether to print progress. */
export interface ReproduceOptions extends MainJobOptions {
  /** A report directory to seed the empty `out` from (`--restore`; the command each report prints). */
  restoreFrom?: string;
  quiet?: boolean;
}

/**
 * `kwta reproduce`: the main job (@kwta/experiments' mainJob: the paper-scale study's main
 * preset), trained, attacked and reported; rerun after a kill to continue where it stopped.
 * Returns the report's main table and the report.
 */
export async function runReproduce(o: ReproduceOptions): Promise<{ table: string; readme: string; seconds: number }> {
  const started = Date.now();
  const job = mainJob(o);
  const log = (line: string) => {
    if (!o.quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  const { readme } = await runStudy({
    out: job.out, settings: job.settings, reportDir: job.reportDir, restoreFrom: o.restoreFrom, progress: progressBars(o.quiet), log,
    command: `node packages/cli/dist/main.js reproduce${o.full ? ' --full' : ''} --out ${job.out}${o.seed !== 1 ? ` --seed ${o.seed}` : ''}`,
  });
  const seconds = (Date.now() - started) / 1000;
  log(`total ${seconds.toFixed(0)} s`);
  const from = readme.indexOf('## Table 4');
  const table = readme.slice(from, readme.indexOf('\n### ', from)).trim();
  return { table, readme, seconds };
}
