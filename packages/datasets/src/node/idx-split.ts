import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { DataNotFoundError } from '../errors.js';
import type { ImageDataset, Split } from '../dataset.js';
import { loadIdxPair } from './idx.js';
import type { ReadLimits } from '../io/limits.js';

/** Options of loading a split from a directory of the four IDX files. */
export interface IdxSplitOptions extends ReadLimits {
  /** Directory holding the four IDX files (plain or .gz). */
  readonly dir?: string;
  readonly split?: Split;
  /** Keep only the first `limit` examples. */
  readonly limit?: number;
}

/** The MNIST file-naming convention, shared by Fashion-MNIST. */
const FILE_STEM: Record<Split, string> = { train: 'train', test: 't10k' };

/** Finds `name` or `name.gz` in `dir`; a missing file names both and says where to get it. */
export function findIdxFile(dir: string, name: string, howToGetIt: string): string {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new DataNotFoundError(join(dir, `${name}(.gz)`), howToGetIt);
}

export interface IdxSourceSpec {
  readonly name: string;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly howToGetIt: string;
}

export function loadIdxSplit(spec: IdxSourceSpec, dir: string, options: IdxSplitOptions): ImageDataset {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new ValueError(`${spec.name}: split must be 'train' or 'test', got '${String(split)}'`);
  const stem = FILE_STEM[split];
  return loadIdxPair({
    ...options,
    name: `${spec.name}-${split}`,
    imagesFile: findIdxFile(dir, `${stem}-images-idx3-ubyte`, spec.howToGetIt),
    labelsFile: findIdxFile(dir, `${stem}-labels-idx1-ubyte`, spec.howToGetIt),
    numClasses: spec.numClasses,
    classNames: spec.classNames,
    howToGetIt: spec.howToGetIt,
  });
}
