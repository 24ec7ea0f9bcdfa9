import path from 'node:path';
import { writeFileAtomic } from '@kwta/nn/node';
import type { CaseResult, RatioResult, SuiteResult } from './run.js';

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function fmtRatio(r: RatioResult | undefined): string {
  if (!r) return '';
  const v = `${r.value >= 10 ? r.value.toFixed(1) : r.value.toFixed(2)}x`;
  if (r.met === null) return v;
  const bound = [r.target?.min !== undefined ? `≥${r.target.min}` : '', r.target?.max !== undefined ? `≤${r.target.max}` : ''].join(' ').trim();
  return r.met ? `${v} ✓` : `${v} ✗ (target ${bound})`;
}

function worstError(c: CaseResult): string {
  let worst = 0;
  for (const [name, r] of Object.entries(c.contenders)) {
    if (name === c.reference) continue;
    worst = r.maxRelError === null ? Infinity : Math.max(worst, r.maxRelError);
  }
  const s = Number.isFinite(worst) ? worst.toExponential(1) : 'NaN/shape';
  return c.agrees ? s : `${s} FAIL`;
}

/**
 * A Markdown table, one row per case: each contender's median time and GFLOP/s, the ratios
 * (✓/✗ against their targets) and the worst disagreement with the reference contender.
 */
export function formatTable(result: SuiteResult): string {
  const names: string[] = [];
  const ratios: string[] = [];
  for (const c of result.cases) {
    for (const n of Object.keys(c.contenders)) if (!names.includes(n)) names.push(n);
    for (const r of c.ratios) if (!ratios.includes(r.label)) ratios.push(r.label);
  }
  const header = ['case', ...names.map((n) => `${n} ms (GFLOP/s)`), ...ratios, `max rel err`];
  const rows = result.cases.map((c) => [
    c.id,
    ...names.map((n) => {
      const r = c.contenders[n];
      if (!r) return '';
      return r.gflops === null ? fmtMs(r.medianMs) : `${fmtMs(r.medianMs)} (${r.gflops.toFixed(2)})`;
    }),
    ...ratios.map((label) => fmtRatio(c.ratios.find((r) => r.label === label))),
    worstError(c),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function formatMachine(result: SuiteResult): string {
  const m = result.machine;
  return `${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGiB} GiB, Node ${m.node} (${m.platform}/${m.arch}), load average ${m.loadAverage.join(' ')}, ${result.date}`;
}

/** Write results/<suite>.json (pretty, stable key order, trailing newline); returns the path. */
export function writeResult(result: SuiteResult, dir: string): string {
  const file = path.join(dir, `${result.suite}.json`);
  writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`); // never a half-written results file
  return file;
}
