import { readFileSync, statSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';
import { DataFormatError, DataNotFoundError } from '../errors.js';
import { DEFAULT_MAX_BYTES, isGzip, type ReadLimits } from '../io/limits.js';

/**
 * Reads a whole file after checking it exists, is a regular file and is within the size limit,
 * so an oversized or missing file is refused before anything is allocated for it.
 */
export function readFileBounded(file: string, howToGetIt: string, limits: ReadLimits = {}): Uint8Array {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new DataFormatError(file, 'is not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DataNotFoundError(file, howToGetIt);
    throw new DataFormatError(file, `cannot be read (${(e as Error).message})`);
  }
  if (size > maxBytes) {
    throw new DataFormatError(file, `is ${size} bytes, more than the limit of ${maxBytes} (raise maxBytes to read it)`);
  }
  const buf = readFileSync(file);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Gunzips with a bound on the output: the trailer's declared size is checked first, and zlib
 * stops at maxBytes, so a gzip bomb or a lying trailer cannot exhaust memory.
 */
export function gunzipBounded(bytes: Uint8Array, file: string, limits: ReadLimits = {}): Uint8Array {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length < 18) throw new DataFormatError(file, `gzip stream of ${bytes.length} bytes is truncated (a gzip member is at least 18)`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  if (declared > maxBytes) {
    throw new DataFormatError(file, `gzip trailer declares ${declared} bytes, more than the limit of ${maxBytes}`);
  }
  return zlibCall(() => gunzipSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }), file, 'gzip');
}

/** Inflates a zlib stream (as in MAT-file compressed elements) with a bound on the output: an `Inflate`. */
export function inflateBounded(bytes: Uint8Array, file: string, limits: ReadLimits = {}): Uint8Array {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  return zlibCall(() => inflateSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }), file, 'zlib');
}

/** Reads a file that may be gzip-compressed (decided by its magic bytes, not its name). */
export function readMaybeGzip(file: string, howToGetIt: string, limits: ReadLimits = {}): Uint8Array {
  const raw = readFileBounded(file, howToGetIt, limits);
  return isGzip(raw) ? gunzipBounded(raw, file, limits) : raw;
}

function zlibCall(run: () => Buffer, file: string, what: string): Uint8Array {
  let out: Buffer;
  try {
    out = run();
  } catch (e) {
    throw new DataFormatError(file, `corrupt or oversized ${what} data (${(e as Error).message})`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
