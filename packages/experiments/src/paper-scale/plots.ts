import type { TopLevelSpec } from 'vega-lite';
import { newcombeDifference, wilson } from '../stats.js';
import type { Count } from './results.js';

/** One bar or point: a measured count with its Wilson interval. */
export interface PlotPoint {
  group: string;
  measure: string;
  x?: number;
  count: Count;
}

/** A bar that has no number (an attack not run on that model, or failed): the chart says why instead. */
export interface PlotNote {
  group: string;
  measure: string;
  note: string;
}

const row = (p: PlotPoint) => {
  const ci = wilson(p.count.correct, p.count.n);
  return { group: p.group, measure: p.measure, x: p.x, accuracy: p.count.correct / p.count.n, low: ci.low, high: ci.high };
};

/** Bars per model (clean, each attack, worst case) with Wilson 95% error bars; `notes` label the bars that have no number, so none reads as 0%. */
export function accuracyBarsSpec(points: PlotPoint[], measures: string[], title: string, subtitle: string, notes: PlotNote[] = []): TopLevelSpec {
  const groups = [...new Set(points.map((p) => p.group))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle },
    data: { values: [...points.map(row), ...notes] },
    facet: { row: { field: 'group', type: 'nominal', title: null, sort: groups, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } } },
    spec: {
      width: 380,
      height: { step: 14 },
      encoding: {
        y: { field: 'measure', type: 'nominal', sort: measures, title: null },
      },
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: 'accuracy (bars: Wilson 95%)' },
            color: { field: 'measure', type: 'nominal', sort: measures, legend: null, scale: { scheme: 'tableau10' } },
          },
        },
        { mark: { type: 'rule', color: 'black' }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
        {
          transform: [{ filter: 'isValid(datum.note)' }],
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, fontStyle: 'italic', color: '#666' },
          encoding: { x: { datum: 0, type: 'quantitative' }, text: { field: 'note', type: 'nominal' } },
        },
      ],
    },
  } as TopLevelSpec;
}

/** Accuracy against hidden width (log scale), a line per activation and measure, with Wilson 95% error bars. */
export function widthSpec(points: PlotPoint[], title: string, subtitle: string): TopLevelSpec {
  const enc = {
    x: { field: 'x', type: 'quantitative', scale: { type: 'log' }, title: 'hidden width' },
    color: { field: 'group', type: 'nominal', title: 'activation' },
    strokeDash: { field: 'measure', type: 'nominal', title: 'measure' },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle },
    data: { values: points.map(row) },
    width: 420,
    height: 260,
    layer: [
      { mark: { type: 'line', point: true }, encoding: { ...enc, y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: 'accuracy' } } },
      { mark: 'rule', encoding: { x: enc.x, color: enc.color, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
    ],
  } as TopLevelSpec;
}

/** One difference to plot: a group's (a training method's) measure, two counts compared. */
export interface GapPoint {
  group: string;
  measure: string;
  a: Count;
  b: Count;
}

/**
 * Differences of accuracy (a minus b) as points with Newcombe 95% error bars, a row per group (in
 * the order of `groups`, whether it has points or only notes) and a colour per measure, with a
 * rule at 0: where PGD's gap and the worst case's part, the chart shows it at a glance. `notes`
 * label the measures that have no difference yet ('under way').
 */
export function gapSpec(points: GapPoint[], groups: string[], measures: string[], title: string, subtitle: string, notes: PlotNote[] = []): TopLevelSpec {
  const values = points.map((p) => {
    const ci = newcombeDifference(p.a.correct, p.a.n, p.b.correct, p.b.n);
    return { group: p.group, measure: p.measure, difference: p.a.correct / p.a.n - p.b.correct / p.b.n, low: ci.low, high: ci.high };
  });
  const color = { field: 'measure', type: 'nominal', sort: measures, legend: null, scale: { scheme: 'tableau10' } };
  const y = { field: 'measure', type: 'nominal', sort: measures, title: null };
  const x = { type: 'quantitative', scale: { domain: [-1, 0.25] }, axis: { format: '+%' }, title: 'accuracy difference (bars: Newcombe 95%)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle },
    data: { values: [...values, ...notes] },
    facet: { row: { field: 'group', type: 'nominal', title: null, sort: groups, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } } },
    spec: {
      width: 380,
      height: { step: 14 },
      layer: [
        // The zero line spans the panel: no y of its own.
        { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { datum: 0, ...x } } },
        { mark: 'rule', encoding: { y, color, x: { field: 'low', ...x }, x2: { field: 'high' } } },
        { mark: { type: 'point', filled: true, size: 40 }, encoding: { y, color, x: { field: 'difference', ...x } } },
        {
          transform: [{ filter: 'isValid(datum.note)' }],
          mark: { type: 'text', align: 'right', dx: -6, fontSize: 10, fontStyle: 'italic', color: '#666' },
          encoding: { y, x: { datum: 0, ...x }, text: { field: 'note', type: 'nominal' } },
        },
      ],
    },
  } as TopLevelSpec;
}
