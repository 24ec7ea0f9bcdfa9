import { join } from 'node:path';
import { STUDY_PRESETS, runStudy, type StudyPreset } from '@kwta/experiments/node';
import { progressBars } from '../progress.js';
import { CliError } from '../spec.js';

export interface PaperScaleOptions {
  preset: string;
  out: string;
  reportDir?: string;
  maxStages?: number;
  reportOnly?: boolean;
  /** A report directory to seed the empty `out` from (a study whose directory was lost). */
  restoreFrom?: string;
  quiet?: boolean;
}

/**
 * `kwta paper-scale`: the paper's MNIST experiment at its own scale, as resumable stages (train,
 * evaluate, width sweep, report). Run it again after a kill, or in several sittings: finished
 * stages are skipped, a stage in progress continues from its checkpoint or evaluation state.
 */
export async function runPaperScale(o: PaperScaleOptions): Promise<string> {
  if (!(o.preset in STUDY_PRESETS)) throw new CliError(`--preset must be one of ${Object.keys(STUDY_PRESETS).join(', ')}, got '${o.preset}'`);
  const settings = STUDY_PRESETS[o.preset as StudyPreset]();
  // The command that continues the study (the state lives in --out; a report copy elsewhere is regenerated with --report-only).
  const command = `node packages/cli/dist/main.js paper-scale --preset ${o.preset} --out ${o.out}`;
  const log = (line: string) => {
    if (!o.quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  const { readme } = await runStudy({
    out: o.out, settings, command, reportDir: o.reportDir, maxStages: o.maxStages, reportOnly: o.reportOnly, restoreFrom: o.restoreFrom, progress: progressBars(o.quiet), log,
  });
  log(`report: ${join(o.reportDir ?? join(o.out, 'report'), 'README.md')}`);
  return readme;
}
