import { parseMat5, type Mat5Options, type MatArray } from '../formats/mat5.js';
import { inflateBounded, readFileBounded } from './files.js';

/** Reads a MAT v5 file's numeric variables, inflating compressed elements with Node's zlib. */
export function readMat5(file: string, howToGetIt: string, options: Mat5Options = {}): Map<string, MatArray> {
  return parseMat5(readFileBounded(file, howToGetIt, options), file, { inflate: inflateBounded, ...options });
}
