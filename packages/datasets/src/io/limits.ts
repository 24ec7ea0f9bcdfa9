/** Largest file or decompressed stream read by default: Node reads at most 2 GiB into one buffer. */
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/** Size limits on what a reader accepts. */
export interface ReadLimits {
  /** Refuse files (and decompressed streams) larger than this many bytes. */
  maxBytes?: number;
}

/**
 * Decompresses a zlib stream (a MAT-file's compressed elements) with a bound on the output,
 * throwing DataFormatError naming `file` on corrupt or oversized data. Parsers that meet
 * compressed data take one as an option, so they stay free of Node's zlib: in Node pass
 * `inflateBounded` from `@kwta/datasets/node`.
 */
export type Inflate = (bytes: Uint8Array, file: string, limits: ReadLimits) => Uint8Array;

/** Whether `bytes` start with gzip's magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
