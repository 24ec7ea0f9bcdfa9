import { KwtaError } from '@kwta/core';

/** A file or directory the project cannot read or write: names the whole path and the system's reason. */
export class FileError extends KwtaError {}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
};

/** `ECODE (what it means)` for a Node file-system error, else its message. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code && REASONS[code]) return `${code} (${REASONS[code]})`;
  return e instanceof Error ? e.message : String(e);
}
