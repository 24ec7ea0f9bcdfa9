import type { AttackSummary } from '@kwta/attacks';
import { pct } from '@kwta/experiments';
import type { EvalSummary } from './eval.js';

/** A report row's key: the attack's name, and its target choice in a targeted run. */
export const rowName = (a: AttackSummary): string => (a.target === null ? a.name : `${a.name} @${a.target}`);

const count = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
}

/**
 * The result table, one row per attack (and target choice; names carry their settings, so rows
 * suit them better than columns) and one column per model: clean, each attack (a targeted row
 * adds the share sent to the target), AutoAttack's cumulative log under its row, the worst case.
 * Then per model: forward and gradient passes per example, AutoAttack's final check, the verdicts
 * of the masking and sanity checks, and the attacks that failed.
 */
export function formatEvalTable(summaries: EvalSummary[]): string {
  const find = (s: EvalSummary, key: string) => s.report.attacks.find((a) => rowName(a) === key);
  const keys = [...new Set(summaries.flatMap((s) => s.report.attacks.map(rowName)))];
  const rows: string[][] = [['accuracy', ...summaries.map((s) => s.label)], ['clean', ...summaries.map((s) => pct(s.report.cleanAccuracy))]];
  for (const key of keys) {
    rows.push([key, ...summaries.map((s) => {
      const a = find(s, key);
      return !a ? '-' : a.targetRate === null ? pct(a.accuracy) : `${pct(a.accuracy)} (to target ${pct(a.targetRate)})`;
    })]);
    const members = [...new Set(summaries.flatMap((s) => find(s, key)?.log?.map((l) => l.attack) ?? []))];
    for (const m of members) rows.push([`  after ${m}`, ...summaries.map((s) => pct(find(s, key)?.log?.find((l) => l.attack === m)?.robustAccuracy))]);
  }
  rows.push(['worst case (robust to every attack)', ...summaries.map((s) => pct(s.report.robustAccuracy))]);
  const out = table(rows);
  out.push('', 'per example (mean): forward passes / input gradients');
  for (const s of summaries) for (const a of s.report.attacks) out.push(`  ${s.label}: ${rowName(a)}: ${count(a.meanForwards)} / ${count(a.meanGradients)}`);
  for (const s of summaries) {
    for (const a of s.report.attacks) {
      const f = a.finalCheck;
      if (f) out.push(`${f.passed ? 'ok  ' : 'FAIL'} ${s.label}: final check of ${rowName(a)}: largest ${f.norm} perturbation ${f.maxPerturbation} (eps ${f.eps ?? 'unbounded'})`);
    }
    for (const c of s.report.checks) out.push(`${c.passed ? 'ok  ' : 'FLAG'} ${s.label}: ${c.name}: ${c.detail}`);
    for (const f of s.report.failures) out.push(`FAIL ${s.label}: attack failed: ${f.attack}: ${f.error}`);
  }
  return out.join('\n');
}
