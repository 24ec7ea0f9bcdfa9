import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Temporary files of writeFileAtomic (and the legacy `<name>.tmp-<pid>` of checkpoints). */
const TEMP = /^(.*)\.tmp-(\d+)(?:-\d+)?$/;

/**
 * Remove temporary files in `dir` (only those for `name` when given) left by processes that are
 * no longer running; returns their paths. Another live process's file is left alone.
 */
export function removeStaleTemps(dir: string, name?: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const m = TEMP.exec(entry);
    if (!m || (name !== undefined && m[1] !== name)) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || isRunning(pid)) continue;
    if (removeQuietly(join(dir, entry))) removed.push(join(dir, entry));
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function removeQuietly(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
