import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { prepareOutputDir } from '@kwta/nn/node';
import { Context, EXPERIMENTS, type ExperimentName, type ExperimentOptions } from './context.js';
import { figure1, figure3, figure4, figure5 } from './figures.js';
import { patterns } from './patterns.js';
import { DATASET_NAMES, EPS, type Scale } from './scales.js';
import { table3, table4, table5 } from './tables.js';
import { refuseTracked } from './tracked.js';

export { EXPERIMENTS, EPS, DATASET_NAMES, type ExperimentName, type ExperimentOptions, type Scale };

const RUNNERS: Record<ExperimentName, (ctx: Context) => Promise<string>> = { figure1, patterns, figure3, figure5, table5, table3, figure4, table4 };

/** Run one experiment, or all of them (`all`), in an order that trains each shared model once. */
export async function runExperiment(name: string, o: ExperimentOptions): Promise<string[]> {
  const names = name === 'all' ? [...EXPERIMENTS] : [name];
  for (const n of names) if (!(EXPERIMENTS as readonly string[]).includes(n)) throw new ValueError(`unknown experiment '${n}' (expected ${EXPERIMENTS.join(', ')} or all)`);
  // Before any work: the outputs can be written, and would not silently replace committed files.
  for (const n of names) refuseTracked(join(o.out, n), o.force ?? false);
  prepareOutputDir(o.out);
  prepareOutputDir(o.cache);
  const ctx = new Context(o);
  const dirs: string[] = [];
  for (const n of names as ExperimentName[]) {
    ctx.log(`experiment ${n}${o.full ? ' (full)' : ''}`);
    dirs.push(await RUNNERS[n](ctx));
  }
  return dirs;
}
