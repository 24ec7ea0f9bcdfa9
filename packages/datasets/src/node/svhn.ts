import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import type { ImageDataset } from '../dataset.js';
import { SVHN_SOURCE, svhnFromArrays, type SvhnReadOptions } from '../formats/svhn.js';
import { readMat5 } from './mat5.js';

/** A split of SVHN's cropped digits. */
export type SvhnSplit = 'train' | 'test' | 'extra';

/** Reads an SVHN cropped-digits file (X and y are the only variables decoded). */
export function readSvhnMat(file: string, options: SvhnReadOptions = {}): ImageDataset {
  const vars = readMat5(file, SVHN_SOURCE, { ...options, variables: ['X', 'y'] });
  return svhnFromArrays(vars.get('X'), vars.get('y'), file, options);
}

/** SVHN cropped digits (73,257 train / 26,032 test / 531,131 extra, 3x32x32) from `dir`. */
export function loadSvhn(options: SvhnReadOptions & { dir: string; split?: SvhnSplit }): ImageDataset {
  if (typeof options?.dir !== 'string') throw new ValueError('loadSvhn: options.dir (the directory of the *_32x32.mat files) is required');
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test' && split !== 'extra') {
    throw new ValueError(`loadSvhn: split must be 'train', 'test' or 'extra', got '${String(split)}'`);
  }
  return readSvhnMat(join(options.dir, `${split}_32x32.mat`), { ...options, name: options.name ?? `svhn-${split}` });
}
