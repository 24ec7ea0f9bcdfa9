import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeStates, reportOf } from '@kwta/attacks';
import { pct } from '@kwta/experiments';
import { writeSvg } from '@kwta/experiments/node';
import { prepareOutputDir, writeFileAtomic } from '@kwta/nn/node';
import type { TopLevelSpec } from 'vega-lite';
import { CliError } from '../spec.js';
import { isShard, type EvalSummary, type ShardSummary } from './eval.js';
import { formatEvalTable, rowName } from './eval-table.js';

/** Read an eval.json (or a shard's file) written by `kwta eval` (a CliError naming the file if it is missing or malformed). */
export function readEval(path: string): EvalSummary | ShardSummary {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CliError(`cannot read evaluation '${path}': ${(e as Error).message}`);
  }
  const read = value as (Partial<EvalSummary & ShardSummary> & { format?: string }) | null;
  if (read?.format === 'kwta-evaluation-state') throw new CliError(`'${path}' is the state file of an evaluation still running (or killed): run its kwta eval again to finish it`);
  if (read?.shard !== undefined && read.state) {
    if (!read.label || !read.settings) throw new CliError(`'${path}' is not an evaluation written by kwta eval: a shard without its label or settings`);
    return read as ShardSummary;
  }
  const why = notAnEvaluation(value);
  if (why) throw new CliError(`'${path}' is not an evaluation written by kwta eval: ${why}`);
  return value as EvalSummary;
}

/**
 * Whole evaluations from what `kwta eval` wrote: summaries as they are, and the shards of each
 * sharded evaluation (same run and settings) merged into the report one machine would have made.
 */
export function joinShards(read: (EvalSummary | ShardSummary)[]): EvalSummary[] {
  const groups = new Map<string, ShardSummary[]>();
  const out: (EvalSummary | ShardSummary[])[] = [];
  for (const s of read) {
    if (!isShard(s)) {
      out.push(s);
      continue;
    }
    const key = JSON.stringify([s.run, s.settings]);
    let g = groups.get(key);
    if (!g) {
      groups.set(key, (g = []));
      out.push(g);
    }
    g.push(s);
  }
  return out.map((g) => {
    if (!Array.isArray(g)) return g;
    const count = Number(g[0].shard.split('/')[1]);
    if (g.length !== count) throw new CliError(`${g[0].label} (${g[0].run}): ${g.length} of ${count} shards given (${g.map((s) => s.shard).join(', ')}); give every shard`);
    const { shard: _, state: __, ...head } = g[0];
    return { ...head, report: reportOf(mergeStates(g.map((s) => s.state))), seconds: g.reduce((t, s) => t + s.seconds, 0) };
  });
}

/** What is missing for `v` to be an EvalSummary, or null. */
function notAnEvaluation(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `expected a JSON object, got ${JSON.stringify(v)}`;
  const s = v as Partial<EvalSummary>;
  if (typeof s.report !== 'object' || s.report === null) return 'no report';
  if (!Array.isArray(s.report.attacks)) return 'report.attacks must be a list';
  if (!Array.isArray(s.report.checks)) return 'report.checks must be a list';
  for (const k of ['cleanAccuracy', 'robustAccuracy'] as const) if (typeof s.report[k] !== 'number') return `report.${k} must be a number`;
  if (typeof s.label !== 'string') return 'label must be a string';
  if (typeof s.settings !== 'object' || s.settings === null || typeof s.config !== 'object' || s.config === null) return 'settings and config must be objects';
  return null;
}

/**
 * What survives, in words: k-WTA's white-box robustness against its worst case over all
 * attacks. The numbers come from the report; the verdict is the harness's own
 * white-box-beats-black-box check (its tolerance, its words), never a second rule here.
 */
export function verdicts(summaries: EvalSummary[]): string[] {
  return summaries.map((s) => {
    const r = s.report;
    const white = r.attacks.filter((a) => a.kind === 'white-box');
    const bestWhite = white.length ? Math.min(...white.map((a) => a.accuracy)) : r.cleanAccuracy;
    const strongest = r.attacks.reduce((a, b) => (b.accuracy < a.accuracy ? b : a), r.attacks[0]);
    const head = `${s.label}: clean ${pct(r.cleanAccuracy)}, best standard white-box attack leaves ${pct(bestWhite)}, worst case over all attacks ${pct(r.robustAccuracy)}${strongest ? ` (strongest: ${strongest.name}, ${strongest.kind})` : ''}.`;
    const check = r.checks.find((c) => c.name === 'white-box-beats-black-box');
    const others = r.checks.filter((c) => c !== check && !c.passed).map((c) => c.name);
    const also = others.length ? ` Also flagged: ${others.join(', ')}.` : '';
    if (!check) return `${head} There is no verdict: the gradient-masking check did not run (it needs checks on and both a standard white-box attack and another kind).${also}`;
    if (!check.passed) return `${head} The white-box number does NOT hold: ${check.detail}.${also}`;
    return `${head} The white-box number holds against the adaptive attacks tried here: ${check.detail}.${also}`;
  });
}

function accuracySpec(summaries: EvalSummary[]): TopLevelSpec {
  // Short attack names on the axis (settings are in the table); one bar per model and attack.
  const short = (name: string) => name.replace(/\(.*\)/, '');
  const rows = summaries.flatMap((s) => [
    { model: s.label, attack: 'clean', accuracy: s.report.cleanAccuracy, order: 0 },
    ...s.report.attacks.map((a, i) => ({ model: s.label, attack: short(rowName(a)), accuracy: a.accuracy, order: i + 1 })),
    { model: s.label, attack: 'worst case', accuracy: s.report.robustAccuracy, order: 999 },
  ]);
  const order = [...new Set(rows.sort((a, b) => a.order - b.order).map((r) => r.attack))];
  const encoding = {
    y: { field: 'attack', type: 'nominal', sort: order, title: null, axis: { labelLimit: 260 } },
    yOffset: { field: 'model', type: 'nominal' },
    x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: 'accuracy' },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Accuracy under attack', subtitle: `${summaries[0]?.settings.examples ?? 0} test examples, L-inf eps ${summaries[0]?.settings.eps}; worst case = robust to every attack` },
    data: { values: rows },
    width: 460,
    height: { step: 14 * Math.max(1, summaries.length) },
    layer: [
      { mark: 'bar', encoding: { ...encoding, color: { field: 'model', type: 'nominal', legend: { orient: 'bottom', labelLimit: 400, title: null } } } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { ...encoding, text: { field: 'accuracy', type: 'quantitative', format: '.0%' } } },
    ],
  } as TopLevelSpec;
}

function epsSweepSpec(summaries: EvalSummary[]): TopLevelSpec | null {
  const rows = summaries.flatMap((s) => {
    const c = s.report.checks.find((x) => x.name === 'accuracy-falls-with-eps');
    const eps = c?.data.eps, acc = c?.data.accuracy;
    if (!Array.isArray(eps) || !Array.isArray(acc)) return [];
    return eps.map((e, i) => ({ model: s.label, eps: e, accuracy: acc[i] }));
  });
  if (rows.length === 0) return null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Gradient-masking check: accuracy as eps grows', subtitle: 'must fall towards 0 for a sound evaluation' },
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'eps', type: 'quantitative', title: 'L-inf eps' },
      y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' } },
      color: { field: 'model', type: 'nominal', legend: { orient: 'bottom', labelLimit: 400, title: null } },
    },
    width: 420,
    height: 260,
  } as TopLevelSpec;
}

/** `kwta report`: table, verdicts and plots from evaluation files, into `out`. */
export async function runReport(evalPaths: string[], out: string, title = 'kwta evaluation report'): Promise<string> {
  if (evalPaths.length === 0) throw new CliError('report: give at least one eval.json (or run directory)');
  const summaries = joinShards(evalPaths.map((p) => readEval(p.endsWith('.json') ? p : join(p, 'eval.json'))));
  prepareOutputDir(out);
  await writeSvg(join(out, 'accuracy.svg'), accuracySpec(summaries));
  const sweep = epsSweepSpec(summaries);
  if (sweep) await writeSvg(join(out, 'eps-sweep.svg'), sweep);
  const table = formatEvalTable(summaries);
  const md = [
    `# ${title}`,
    '',
    ...verdicts(summaries).map((v) => `- ${v}`),
    '',
    '```',
    table,
    '```',
    '',
    '![accuracy under attack](accuracy.svg)',
    sweep ? '\n![accuracy as eps grows](eps-sweep.svg)' : '',
    '',
    '## Settings',
    '',
    ...summaries.map((s) => `- ${s.label}: ${JSON.stringify({ ...s.settings, train: { epochs: s.config.epochs, hidden: s.config.hidden, dataset: s.config.dataset } })}`),
    '',
  ].join('\n');
  writeFileAtomic(join(out, 'report.md'), md);
  writeFileAtomic(join(out, 'report.json'), JSON.stringify(summaries.map((s) => ({ label: s.label, settings: s.settings, report: { ...s.report, robust: undefined } })), null, 2) + '\n');
  return md;
}
