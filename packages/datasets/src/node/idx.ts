import { parseIdx, idxDataset, type IdxArray } from '../formats/idx.js';
import type { ImageDataset } from '../dataset.js';
import type { ReadLimits } from '../io/limits.js';
import { readMaybeGzip } from './files.js';

/** Reads and parses an IDX file, plain or gzipped. */
export function readIdx(file: string, howToGetIt: string, expectedRank?: number, limits: ReadLimits = {}): IdxArray {
  return parseIdx(readMaybeGzip(file, howToGetIt, limits), file, expectedRank);
}

/** Options of loading a dataset from an IDX images file and an IDX labels file. */
export interface IdxPairOptions extends ReadLimits {
  readonly name: string;
  readonly imagesFile: string;
  readonly labelsFile: string;
  readonly numClasses: number;
  readonly classNames?: readonly string[];
  /** Where the real files come from, quoted when one is missing. */
  readonly howToGetIt: string;
  /** Keep only the first `limit` examples (both files are still checked whole). */
  readonly limit?: number;
}

/** An image file (rank 3: N, rows, cols) and its label file (rank 1: N) as a 1-channel dataset. */
export function loadIdxPair(options: IdxPairOptions): ImageDataset {
  const { imagesFile, labelsFile, howToGetIt } = options;
  const images = readIdx(imagesFile, howToGetIt, 3, options);
  const labels = readIdx(labelsFile, howToGetIt, 1, options);
  return idxDataset(images, labels, { ...options, imagesSource: imagesFile, labelsSource: labelsFile });
}
