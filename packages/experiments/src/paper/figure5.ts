import { Generator, ValueError, add, clamp, concat, mul, noGrad, sign, tensor, tidy, valueAndGrad, type Tensor } from '@kwta/core';
import { crossEntropyRows, type Classifier } from '@kwta/attacks';
import type { TopLevelSpec } from 'vega-lite';
import { forwardFn } from './common.js';

/** Options of Figure 5's loss landscape. */
export interface LandscapeOptions {
  /** The grid spans [-eps, eps] in both directions (paper, CIFAR: 0.04; here the threat radius). */
  eps?: number;
  /** Points per side (paper: 50). */
  size?: number;
  /** Draws the random direction. */
  gen: Generator;
  batchSize?: number;
}

/**
 * Figure 5: the attack loss over a 2-D slice of input space around an example (gradient and random
 * directions).
 */
export interface Landscape {
  /** The coordinates of each side, from -eps to eps. */
  axis: number[];
  /** loss[i][j]: attack loss (cross-entropy of the label) at x + axis[i] * g + axis[j] * r. */
  loss: number[][];
  label: number;
  /** Mean |second difference| of the loss over the grid, divided by the loss range: 0 for a plane. */
  roughness: number;
  /** Fraction of neighbouring grid points whose losses differ by more than 10% of the range. */
  jumpFraction: number;
  range: [number, number];
}

/**
 * The paper's Figure 5: the attacker's loss on the plane x + e1 * g + e2 * r, g = sign of the loss
 * gradient at x, r a random sign vector, e1, e2 on a `size` x `size` grid over [-eps, eps]
 * (points clipped into [0, 1]). `x` is one example [1, C, H, W].
 */
export function lossLandscape(model: Classifier, x: Tensor, label: number, opts: LandscapeOptions): Landscape {
  const eps = opts.eps ?? 0.3, size = opts.size ?? 50, batch = opts.batchSize ?? 250;
  if (x.shape[0] !== 1) throw new ValueError(`lossLandscape: x must be one example [1, ...], got ${x.describe()}`);
  if (!(eps > 0) || !Number.isInteger(size) || size < 3) throw new ValueError(`lossLandscape: need eps > 0 and an integer size >= 3, got eps=${eps}, size=${size}`);
  const f = forwardFn(model);
  const y = Int32Array.of(label);
  const axis = Array.from({ length: size }, (_, i) => -eps + (2 * eps * i) / (size - 1));
  const g = tidy(() => sign(valueAndGrad((xi: Tensor) => crossEntropyRows(f(xi), y).sum())(x).grads[0]).keep());
  const r = tensor(Float32Array.from({ length: x.size }, () => (opts.gen.uniform() < 0.5 ? -1 : 1)), x.shape, x.dtype as 'float32').keep();
  const coords = axis.flatMap((e1) => axis.map((e2) => [e1, e2] as const));
  const flat: number[] = [];
  for (let s = 0; s < coords.length; s += batch) {
    const part = coords.slice(s, s + batch);
    const losses = noGrad(() => tidy(() => {
      const pts = concat(part.map(([e1, e2]) => clamp(add(add(x, mul(g, e1)), mul(r, e2)), 0, 1)), 0);
      return crossEntropyRows(f(pts), new Int32Array(part.length).fill(label)).dataSync();
    }));
    flat.push(...Array.from(losses as ArrayLike<number>));
  }
  g.dispose();
  r.dispose();
  const loss = axis.map((_, i) => flat.slice(i * size, (i + 1) * size));
  return { axis, loss, label, ...smoothness(loss) };
}

/** Roughness statistics of a grid of values (see Landscape). */
export function smoothness(grid: number[][]): { roughness: number; jumpFraction: number; range: [number, number] } {
  const all = grid.flat();
  const lo = Math.min(...all), hi = Math.max(...all);
  const span = hi - lo || 1;
  let second = 0, count = 0, jumps = 0, pairs = 0;
  const n = grid.length, m = grid[0].length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (i > 0 && i < n - 1) { second += Math.abs(grid[i - 1][j] - 2 * grid[i][j] + grid[i + 1][j]); count++; }
      if (j > 0 && j < m - 1) { second += Math.abs(grid[i][j - 1] - 2 * grid[i][j] + grid[i][j + 1]); count++; }
      if (i + 1 < n) { pairs++; if (Math.abs(grid[i + 1][j] - grid[i][j]) > 0.1 * span) jumps++; }
      if (j + 1 < m) { pairs++; if (Math.abs(grid[i][j + 1] - grid[i][j]) > 0.1 * span) jumps++; }
    }
  }
  return { roughness: second / count / span, jumpFraction: jumps / pairs, range: [lo, hi] };
}

/** Heatmaps side by side, each with its own colour scale (loss ranges differ by orders of magnitude). */
export function landscapeSpec(panels: { title: string; landscape: Landscape }[], title: string): TopLevelSpec {
  const panel = ({ title: t, landscape: l }: { title: string; landscape: Landscape }) => ({
    title: { text: t, subtitle: `loss ${l.range[0].toFixed(2)} .. ${l.range[1].toFixed(2)}; roughness ${l.roughness.toFixed(3)}` },
    // A whole number of pixels per cell keeps the SVG paths short.
    width: 5 * l.axis.length,
    height: 5 * l.axis.length,
    data: { values: l.axis.flatMap((e1, i) => l.axis.map((e2, j) => ({ e1, e2, loss: l.loss[i][j] }))) },
    mark: { type: 'rect', aria: false },
    encoding: {
      x: { field: 'e1', type: 'ordinal', title: 'e1 (gradient sign direction)', axis: { values: [l.axis[0], l.axis[Math.floor(l.axis.length / 2)], l.axis[l.axis.length - 1]], format: '.1f', labelAngle: 0 }, sort: 'ascending' },
      y: { field: 'e2', type: 'ordinal', title: 'e2 (random direction)', axis: { values: [l.axis[0], l.axis[Math.floor(l.axis.length / 2)], l.axis[l.axis.length - 1]], format: '.1f' }, sort: 'descending' },
      color: { field: 'loss', type: 'quantitative', scale: { scheme: 'viridis' }, legend: { title: 'loss', orient: 'bottom', gradientLength: 200 } },
    },
  });
  const rows: ReturnType<typeof panel>[][] = [];
  panels.map(panel).forEach((p, i) => (i % 2 === 0 ? rows.push([p]) : rows[rows.length - 1].push(p)));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: 'attack loss (cross-entropy of the label) at x + e1 g + e2 r' },
    vconcat: rows.map((r) => ({ hconcat: r, resolve: { scale: { color: 'independent' } } })),
    resolve: { scale: { color: 'independent' } },
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}
