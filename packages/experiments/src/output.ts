import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What every report of the project prints and writes, defined once: the CLI's tables and
 * reports and the experiments' READMEs and result files use these.
 */

/** A fraction as a percentage with one decimal ('42.0%'); '-' for a missing or non-finite value. */
export const pct = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(1)}%`);

/** A markdown table from a header and rows of cells (first column left-aligned, the rest right). */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** Write `value` as indented JSON with a final newline, creating directories as needed. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}
