import type { TopLevelSpec } from 'vega-lite';
import { wilson } from '../stats.js';
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
