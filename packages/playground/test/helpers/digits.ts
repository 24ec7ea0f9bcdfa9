import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mnistDigitPixels } from '@kwta/datasets';
import { digitSets, type DigitSets } from '../../src/engine/data.js';

/** The embedded digits as the worker builds them, from the same JSON files (read from disk here). */
export function nodeDigitSets(): DigitSets {
  const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  return digitSets(Array.from({ length: 10 }, (_, d) => {
    const file = join(root, 'src', 'digits', `${d}.json`);
    return mnistDigitPixels((JSON.parse(readFileSync(file, 'utf8')) as { data: unknown }).data, file);
  }));
}
