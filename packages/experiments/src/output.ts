import { newcombeDifference, wilson } from './stats.js';

/**
 * What every report of the project prints, defined once: the CLI's tables and reports and the
 * experiments' READMEs and result files use these (writing them is `files.ts`, Node only).
 */

/** A fraction as a percentage with one decimal ('42.0%'); '-' for a missing or non-finite value. */
export const pct = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(1)}%`);

/**
 * A count of `successes` out of `n` as a percentage with its Wilson 95% interval:
 * '97.0% [95.1, 98.2]'; '-' when n is 0 (nothing measured).
 */
export function pctCi(successes: number, n: number): string {
  if (n === 0) return '-';
  const { low, high } = wilson(successes, n);
  return `${pct(successes / n)} [${(100 * low).toFixed(1)}, ${(100 * high).toFixed(1)}]`;
}

/**
 * The difference of two counts' proportions in percentage points, with its Newcombe 95% interval:
 * '-70.8 [-75.0, -66.0]', '+1.2 [-0.4, 2.9]'; '-' when either n is 0.
 */
export function pointsCi(k1: number, n1: number, k2: number, n2: number): string {
  if (n1 === 0 || n2 === 0) return '-';
  const { low, high } = newcombeDifference(k1, n1, k2, n2);
  const points = (v: number) => (100 * v).toFixed(1).replace(/^-(0\.0)$/, '$1');
  const d = points(k1 / n1 - k2 / n2);
  return `${k1 / n1 > k2 / n2 && d !== '0.0' ? '+' : ''}${d} [${points(low)}, ${points(high)}]`;
}

/** A markdown table from a header and rows of cells (first column left-aligned, the rest right). */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
