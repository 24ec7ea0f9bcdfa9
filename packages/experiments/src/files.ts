import { readFileSync } from 'node:fs';
import { ValueError } from '@kwta/core';
import { writeFileAtomic } from '@kwta/nn/node';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './plot.js';

/** Write `value` as indented JSON with a final newline, atomically, creating directories as needed. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Render and write `path` atomically (directories created as needed). */
export async function writeSvg(path: string, spec: TopLevelSpec): Promise<void> {
  writeFileAtomic(path, await renderSvg(spec));
}

/** Read a JSON file written by writeJson; a missing or broken file is a ValueError naming it. */
export function readJsonFile<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new ValueError(`${path}: cannot be read as JSON (${(e as Error).message})`);
  }
}
