import { closeSync, fsyncSync, mkdirSync, openSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { removeStaleTemps } from './temps.js';
import { FileError, describeFsError } from './errors.js';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * Create `dir` level by level below its nearest existing ancestor, which must be a directory.
 * Never `mkdir -p`: Node's recursive mkdir spins forever under /proc (it retries on ENOENT).
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  let st = statOrNull(at);
  while (st === null && dirname(at) !== at) {
    missing.unshift(at);
    at = dirname(at);
    st = statOrNull(at);
  }
  if (st !== null && !st.isDirectory()) throw new FileError(`cannot create directory '${dir}': '${at}' is a file, not a directory`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statOrNull(d)?.isDirectory()) continue;
      throw new FileError(`cannot create directory '${dir}' (at '${d}'): ${describeFsError(e)}`);
    }
  }
}

/**
 * Make sure `dir` can take the outputs before any work starts: create it (safely, see
 * makeDirectory), prove it writable by writing, fsyncing and removing a probe file, and remove
 * stale temporary files of killed writers. A read-only mount, a path under /proc or a file in
 * the way fails here in milliseconds, not after an hour of training.
 */
export function prepareOutputDir(dir: string): void {
  makeDirectory(dir);
  if (!statOrNull(dir)?.isDirectory()) throw new FileError(`'${dir}' is not a directory`);
  const probe = join(dir, `.kwta-probe.tmp-${process.pid}-0`);
  try {
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'kwta');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (e) {
    throw new FileError(`cannot write into '${dir}': ${describeFsError(e)}`);
  }
  removeStaleTemps(dir);
}

/** Make sure a file can be written at `path` before any work: its directory prepared (prepareOutputDir), no directory in its place. */
export function prepareOutputFile(path: string): void {
  prepareOutputDir(dirname(path));
  if (statOrNull(path)?.isDirectory()) throw new FileError(`cannot write '${path}': it is a directory`);
}
