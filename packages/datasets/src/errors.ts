import { KwtaError, ValueError } from '@kwta/core';

/**
 * A data file whose contents do not match its format (bad magic number, dimensions that disagree
 * with the file size, labels out of range, corrupt compression). The message names the file.
 * It is a ValueError so callers that catch bad input generically still catch it.
 */
export class DataFormatError extends ValueError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A data file that is not where the loader looked; the message says where to get it. */
export class DataNotFoundError extends KwtaError {
  constructor(
    readonly file: string,
    howToGetIt: string,
  ) {
    super(`${file}: file not found. ${howToGetIt}`);
  }
}
