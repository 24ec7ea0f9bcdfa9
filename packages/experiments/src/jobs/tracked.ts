import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ValueError } from '@kwta/core';

/**
 * Files under `dir` that git tracks (none where git or a repository is missing): outputs written
 * there would silently change the project's own files (docs/experiments is the committed copy).
 */
export function trackedFiles(dir: string): string[] {
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--full-name', '--', resolve(dir)], { cwd: at, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.toString('utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Refuse to write into `dir` when git tracks files there, unless `force`. */
export function refuseTracked(dir: string, force: boolean): void {
  if (force) return;
  const tracked = trackedFiles(dir);
  if (tracked.length === 0) return;
  const shown = tracked.slice(0, 3).join(', ') + (tracked.length > 3 ? `, ... (${tracked.length} files)` : '');
  throw new ValueError(`'${dir}' holds files tracked by git (${shown}): pass --force to overwrite them, or choose another --out`);
}
