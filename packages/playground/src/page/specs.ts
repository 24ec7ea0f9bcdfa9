/**
 * The page's Vega-Lite charts. Live charts read named data sets (`series`, `points`, ...) that
 * the page replaces as numbers arrive, so a chart is compiled once and only its data changes.
 */
import type { TopLevelSpec } from 'vega-lite';
import { NET_LABEL, type Net } from '../protocol.js';

export const NET_COLORS: Record<Net, string> = { relu: '#c2410c', kwta: '#1d4ed8' };
const netScale = { domain: [NET_LABEL.relu, NET_LABEL.kwta], range: [NET_COLORS.relu, NET_COLORS.kwta] };
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const base = { $schema: SCHEMA, width: 'container' as const, height: 220, autosize: { type: 'fit' as const, contains: 'padding' as const } };

/** Loss (or accuracy) against the training step, one line per network; test accuracy as dots. */
export function trainingSpec(field: 'loss' | 'accuracy', description: string): TopLevelSpec {
  const y = { field: 'value', type: 'quantitative' as const, title: field, ...(field === 'accuracy' ? { scale: { domain: [0, 1] }, axis: { format: '%' } } : {}) };
  const color = { field: 'net', type: 'nominal' as const, title: 'network', scale: netScale };
  return {
    ...base,
    description,
    layer: [
      { data: { name: 'series' }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x: { field: 'step', type: 'quantitative', title: 'training step' }, y, color } },
      ...(field === 'accuracy'
        ? [{ data: { name: 'epochs' }, mark: { type: 'point' as const, filled: true, size: 70, shape: 'diamond' }, encoding: { x: { field: 'step', type: 'quantitative' as const }, y, color } }]
        : []),
    ],
  } as TopLevelSpec;
}

const pathAxis = { field: 'step', type: 'quantitative' as const, title: 'point on the attack path', scale: { nice: false }, axis: { tickMinStep: 1, format: 'd' } };

/** The ten logits along an attack's path (the paper's Figure 3): one line per class, the true one thick. */
export function logitPathSpec(net: Net, label: number): TopLevelSpec {
  const y = { field: 'logit', type: 'quantitative' as const, title: 'logit (score)' };
  const color = { field: 'class', type: 'nominal' as const, title: 'digit', scale: { scheme: 'category10' }, sort: Array.from({ length: 10 }, (_, c) => String(c)) };
  return {
    ...base,
    height: 200,
    description: `${NET_LABEL[net]} network: the ten logits at each point of the attack's path; the true class is ${label}`,
    data: { name: 'path' },
    layer: [
      { mark: { type: 'line', strokeWidth: 1.3 }, encoding: { x: pathAxis, y, color } },
      { transform: [{ filter: `datum.class === '${label}'` }], mark: { type: 'line', strokeWidth: 3.5 }, encoding: { x: pathAxis, y, color } },
    ],
  } as TopLevelSpec;
}

/** Per activation layer, how many units changed between consecutive points of the path. */
export function changesSpec(net: Net): TopLevelSpec {
  const what = net === 'kwta' ? 'winners replaced' : 'units switched';
  return {
    ...base,
    height: 160,
    description: `${NET_LABEL[net]} network: ${net === 'kwta' ? 'winners replaced' : 'units switched on or off'} in each activation layer at each point of the attack's path`,
    data: { name: 'changes' },
    mark: { type: 'line', strokeWidth: 1.5, point: true },
    encoding: {
      x: pathAxis,
      y: { field: 'changed', type: 'quantitative', title: what },
      color: { field: 'layer', type: 'nominal', title: 'activation', scale: { scheme: 'dark2' }, sort: null },
    },
  } as TopLevelSpec;
}

/** Accuracy against eps for both networks (the masking check's sweep). */
export function sweepSpec(): TopLevelSpec {
  return {
    ...base,
    description: 'Accuracy of both networks under PGD as the perturbation budget eps grows',
    data: { name: 'sweep' },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'eps', type: 'quantitative', title: 'ε (eps)' },
      y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] }, axis: { format: '%' } },
      color: { field: 'net', type: 'nominal', title: 'network', scale: netScale },
    },
  } as TopLevelSpec;
}

/**
 * Figure 1: the target (dashed), both fits (the k-WTA fit drawn piece by piece, so its jumps are
 * gaps), the jumps as rules, and the draggable training points on top.
 */
export function figure1Spec(): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative' as const, scale: { domain: [-1, 1] }, title: 'x' };
  const y = { field: 'y', type: 'quantitative' as const, scale: { domain: [-2.2, 2.2] }, title: 'f(x)' };
  return {
    ...base,
    height: 320,
    description: 'Figure 1: a k-WTA and a ReLU network fitted to the red points; the k-WTA fit jumps where its winners change',
    layer: [
      { data: { name: 'target' }, mark: { type: 'line', color: '#2da44e', strokeDash: [5, 4], strokeWidth: 1.5 }, encoding: { x, y } },
      { data: { name: 'jumps' }, mark: { type: 'rule', color: '#8c959f', strokeDash: [2, 2] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
      {
        data: { name: 'fits' },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x, y, color: { field: 'net', type: 'nominal', title: 'network', scale: netScale }, detail: { field: 'piece', type: 'nominal' } },
      },
      { data: { name: 'points' }, mark: { type: 'point', filled: true, size: 140, color: '#cf222e', cursor: 'grab' }, encoding: { x, y } },
    ],
  } as TopLevelSpec;
}
