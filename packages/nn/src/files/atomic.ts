import { closeSync, fsyncSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileError, describeFsError } from './errors.js';
import { makeDirectory } from './directories.js';
import { removeQuietly, removeStaleTemps } from './temps.js';

/**
 * The one way the project writes a file (weights, checkpoints, configs, evaluations, reports,
 * experiment outputs): the bytes go to a temporary file beside the target, are fsynced, and the
 * temporary file is renamed over the target, then the directory is fsynced. A process killed at
 * any moment leaves the old file or the new one, never a torn one. Temporary files are named
 * `<name>.tmp-<pid>-<n>`; those of processes no longer running are removed before each write
 * and when an output directory is prepared.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  makeDirectory(dir);
  if (isDirectory(path)) throw new FileError(`cannot write '${path}': it is a directory`);
  removeStaleTemps(dir, basename(path));
  const tmp = join(dir, `${basename(path)}.tmp-${process.pid}-${++sequence}`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx');
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    removeQuietly(tmp);
    throw new FileError(`cannot write '${path}': ${describeFsError(e)}`);
  }
  syncDirectory(dir);
}

let sequence = 0;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Make the rename durable; some platforms cannot open a directory for fsync, which is then skipped. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some file systems refuse fsync on a directory: the rename is still atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
