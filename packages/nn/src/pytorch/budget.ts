import { CheckpointError } from './errors.js';

/** Limits on what reading a checkpoint may allocate. */
export interface CheckpointLimits {
  /**
   * Most bytes the reader may allocate for inflated zip members and decoded tensors together
   * (default: 4 x the file size; float16 doubles to float32, and deflated members inflate).
   * Stored members and the pickle are read in place and do not count.
   */
  maxBytes?: number;
}

export const DEFAULT_BYTES_PER_FILE_BYTE = 4;

/**
 * Every allocation whose size comes from the file goes through `take`, which refuses it before
 * the memory is requested when the running total would pass the limit.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly source: string, readonly limit: number) {}

  static forFile(source: string, fileBytes: number, limits: CheckpointLimits = {}): ByteBudget {
    const limit = limits.maxBytes ?? DEFAULT_BYTES_PER_FILE_BYTE * fileBytes;
    if (!(limit >= 0)) throw new CheckpointError(`${source}: limits.maxBytes must be a number >= 0, got ${limits.maxBytes}`);
    return new ByteBudget(source, limit);
  }

  /** Account for `bytes` about to be allocated for `what`; throws instead when over the limit. */
  take(bytes: number, what: string): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0 || this.used + bytes > this.limit) {
      throw new CheckpointError(
        `${this.source}: ${what} needs ${bytes} bytes, over the reader's limit (${this.used} of ${this.limit} bytes already used; raise limits.maxBytes if the file is trusted)`,
      );
    }
    this.used += bytes;
  }

  /** Bytes accounted so far (the high-water mark of what the reader allocated from file sizes). */
  get allocated(): number {
    return this.used;
  }
}
