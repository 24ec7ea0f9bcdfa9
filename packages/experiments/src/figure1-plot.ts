import type { TopLevelSpec } from 'vega-lite';
import type { FitResult, Figure1Result } from './figure1.js';

/** Vega-Lite spec: k-WTA fit (left) and ReLU fit (right) over the target and the points. */
export function figure1Spec(r: Figure1Result): TopLevelSpec {
  const panel = (fit: FitResult, title: string) => ({
    title: { text: title, subtitle: `${fit.discontinuities.length} jumps > 1e-3 among ${fit.patternChanges} pattern changes; train MSE ${fit.trainMse.toExponential(1)}` },
    width: 420,
    height: 300,
    layer: [
      {
        data: { values: r.target },
        mark: { type: 'line' as const, color: '#2ca02c', strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const, title: 'f(x)' } },
      },
      {
        data: { values: fit.curve },
        mark: { type: 'line' as const, color: '#1f77b4', strokeWidth: 1.5 },
        // One line per continuous piece, so jumps are drawn as gaps, not vertical strokes.
        encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const }, detail: { field: 'piece', type: 'nominal' as const } },
      },
      {
        data: { values: r.points },
        mark: { type: 'point' as const, color: '#d62728', filled: true, size: 60 },
        encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const } },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Figure 1: fitting a 1-D function from 12 points', subtitle: 'green dotted: target; red: training points; blue: fitted network' },
    hconcat: [panel(r.kwta, `k-WTA network (gamma = ${r.options.gamma})`), panel(r.relu, 'ReLU network (same size, same training)')],
    config: { view: { stroke: '#ddd' } },
  } as TopLevelSpec;
}
