import type { TopLevelSpec } from 'vega-lite';
import type { DenseDiscontinuityCell, OverlapCell, TrainedBallCell } from './patterns.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Theorem 1: fraction of points whose pattern changed against the radius, one panel per gamma, one line per width. */
export function discontinuitySpec(cells: DenseDiscontinuityCell[], critical: { width: number; gamma: number; radius: number | null }[]): TopLevelSpec {
  const values = cells.map((c) => ({ ...c, widthLabel: `l = ${c.width}` }));
  const widths = [...new Set(cells.map((c) => c.width))].map((w) => `l = ${w}`);
  return {
    $schema: SCHEMA,
    title: { text: 'Theorem 1: a random k-WTA layer\'s winner set changes within ever smaller balls as the layer widens', subtitle: 'x: MNIST test points; x\' = x + d u, u a random unit vector perpendicular to x; W ~ N(0, 1/l)' },
    vconcat: [
      {
        data: { values },
        facet: { column: { field: 'gamma', type: 'ordinal', title: 'sparsity ratio gamma' } },
        spec: {
          width: 220, height: 200, mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'radius', type: 'quantitative', scale: { type: 'log' }, title: 'd(x, x\') / ||x||' },
            y: { field: 'changedFraction', type: 'quantitative', title: 'points whose A(x) changed', axis: { format: '%' }, scale: { domain: [0, 1] } },
            color: { field: 'widthLabel', type: 'nominal', sort: widths, title: 'layer width' },
          },
        },
      },
      {
        width: 300, height: 220, title: 'radius at which half the points change pattern',
        data: { values: critical.filter((c) => c.radius !== null) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'width', type: 'quantitative', scale: { type: 'log' }, title: 'layer width l' },
          y: { field: 'radius', type: 'quantitative', scale: { type: 'log' }, title: 'critical d / ||x||' },
          color: { field: 'gamma', type: 'ordinal', title: 'gamma', scale: { scheme: 'dark2' } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** Theorem 2: mean winner overlap of pairs of different points against width, with the random-subset baseline. */
export function overlapSpec(cells: OverlapCell[]): TopLevelSpec {
  const values = cells.flatMap((c) => [
    { width: c.width, k: `k = ${c.k}`, value: c.meanOverlap, what: 'mean overlap |A_i ∩ A_j| / k' },
    { width: c.width, k: `k = ${c.k}`, value: c.disjointFraction, what: 'pairs with disjoint winner sets' },
  ]);
  return {
    $schema: SCHEMA,
    title: { text: 'Theorem 2: with k fixed, winner sets of different training points become disjoint as the layer widens', subtitle: 'MNIST training points through a random k-WTA layer, W ~ N(0, 1/l), averaged over draws of W' },
    data: { values },
    facet: { column: { field: 'what', type: 'nominal', title: null } },
    spec: {
      width: 260, height: 220, mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'width', type: 'quantitative', scale: { type: 'log' }, title: 'layer width l' },
        y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: null },
        color: { field: 'k', type: 'nominal', title: 'winners', sort: [...new Set(cells.map((c) => c.k))].map((k) => `k = ${k}`) },
      },
    },
  } as TopLevelSpec;
}

/** Trained network: pattern changes in L-inf balls around test points, overall and per layer. */
export function trainedBallSpec(cells: TrainedBallCell[], title: string): TopLevelSpec {
  const overall = cells.map((c) => ({ radius: c.radius, value: c.changedFraction }));
  const layers = cells.flatMap((c) => Object.entries(c.swappedByLayer).map(([layer, v]) => ({ radius: c.radius, layer, value: v })));
  const x = { field: 'radius', type: 'quantitative', scale: { type: 'log' }, title: 'L-inf radius' };
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: 'random corners of the L-inf ball around each test point (x + r * random signs)' },
    hconcat: [
      { width: 260, height: 220, title: 'test points whose pattern changed (any layer)', data: { values: overall }, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'value', type: 'quantitative', axis: { format: '%' }, scale: { domain: [0, 1] }, title: null } } },
      { width: 260, height: 220, title: 'share of each layer\'s winners replaced', data: { values: layers }, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'value', type: 'quantitative', axis: { format: '%' }, title: null }, color: { field: 'layer', type: 'nominal', sort: Object.keys(cells[0]?.swappedByLayer ?? {}) } } },
    ],
  } as TopLevelSpec;
}
