import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { prepareOutputDir } from '@kwta/nn/node';
import { differences, type RunDefinition } from './definition.js';
import { CONFIG_FILE, RUN_FILES, readRunConfig } from './run-dir.js';

/**
 * How a training run treats its directory: 'auto' (default) starts fresh in an empty directory
 * and resumes one that holds the same definition; 'resume' continues the recorded run (the
 * definition must match, except that epochs may grow); 'overwrite' removes the run's files and
 * starts over.
 */
export type RunMode = 'auto' | 'resume' | 'overwrite';

/**
 * Get `out` ready for the run `def` before any work: created, proven writable, stale temporary
 * files removed, and what it already holds checked against `def` as `mode` says. Returns whether
 * the run continues a recorded one (its checkpoint, if any, is then resumed).
 */
export function openRun(out: string, def: RunDefinition, mode: RunMode = 'auto'): { resumes: boolean } {
  prepareOutputDir(out);
  if (mode === 'overwrite') {
    for (const f of RUN_FILES) rmSync(join(out, f), { force: true });
    return { resumes: false };
  }
  const recorded = readRunConfig(out);
  if (!recorded) {
    if (mode === 'resume') throw new ValueError(`--resume: '${out}' holds no run to resume (no ${CONFIG_FILE})`);
    const stray = RUN_FILES.filter((f) => existsSync(join(out, f)));
    if (stray.length) throw new ValueError(`'${out}' holds ${stray.join(', ')} but no ${CONFIG_FILE}: pass --overwrite to start over there`);
    return { resumes: false };
  }
  const given = recorded as Partial<RunDefinition>;
  if (mode === 'resume') {
    // More epochs continue from the last checkpoint; fewer would not be the recorded run.
    const grows = def.epochs >= (given.epochs ?? 0);
    const diff = differences(given, { ...def, epochs: grows ? given.epochs : def.epochs }, { verb: true });
    if (diff.length) throw new ValueError(`--resume continues the recorded run, but ${diff.join(', ')}: drop those options, or pass --overwrite to start over with them`);
    return { resumes: true };
  }
  const diff = differences(given, def);
  if (diff.length) {
    throw new ValueError(
      `'${out}' holds a different run: ${diff.join(', ')}. ` +
        'Pass --resume to continue the recorded run as it was defined, or --overwrite to start over with these options',
    );
  }
  return { resumes: true };
}
