import { Generator, accuracy, tensor, type Tensor } from '@kwta/core';
import type { TopLevelSpec } from 'vega-lite';
import { markdownTable, pct } from '../output.js';
import { predict, type LabelledModel } from './common.js';

/** A seeded image transform (structurally @kwta/datasets' Transform: N*C*H*W float32 in [0, 1]). */
export interface ImageTransform {
  readonly name: string;
  /** The perturbed images, drawing randomness from `gen`. */
  apply(images: { readonly data: Float32Array; readonly shape: readonly [number, number, number, number] }, gen: Generator): { data: Float32Array; shape: readonly [number, number, number, number] };
}

/** Options of Table 5's accuracy under random perturbations. */
export interface PerturbationOptions {
  models: LabelledModel[];
  /** Test images N*C*H*W in [0, 1] and their labels. */
  images: Float32Array;
  shape: readonly [number, number, number, number];
  labels: Int32Array;
  /** Column name -> transform (the paper's: GN(0.05), GN(0.1), Translation, Rotation, ColorJitter). */
  perturbations: Record<string, ImageTransform>;
  seed: number;
}

/** Table 5: each model's accuracy on the clean test set and under each random perturbation. */
export interface PerturbationTable {
  columns: string[];
  rows: { label: string; training: string; accuracy: Record<string, number> }[];
  examples: number;
}

/**
 * The paper's Table 5: accuracy on the clean test set and on perturbed copies of it. Every
 * model sees the very same perturbed images (one draw per perturbation, from the seed).
 */
export function runPerturbationTable(o: PerturbationOptions): PerturbationTable {
  const sets: [string, Tensor][] = [['Clean', tensor(o.images, [...o.shape], 'float32').keep()]];
  Object.entries(o.perturbations).forEach(([name, t], i) => {
    const out = t.apply({ data: o.images, shape: o.shape }, new Generator(o.seed + 31 * (i + 1)));
    sets.push([name, tensor(out.data, [...out.shape], 'float32').keep()]);
  });
  const rows = o.models.map((m) => ({
    label: m.label, training: m.training,
    accuracy: Object.fromEntries(sets.map(([name, x]) => [name, accuracy(predict(m.model, x), o.labels)])),
  }));
  for (const [, x] of sets) x.dispose();
  return { columns: sets.map(([n]) => n), rows, examples: o.labels.length };
}

/** Table 5 as a Markdown table. */
export function perturbationMarkdown(t: PerturbationTable): string {
  return markdownTable(['model', ...t.columns], t.rows.map((r) => [r.label, ...t.columns.map((c) => pct(r.accuracy[c]))]));
}

/** Accuracy per perturbation, one line per model. */
export function perturbationSpec(t: PerturbationTable, title: string): TopLevelSpec {
  const values = t.rows.flatMap((r) => t.columns.map((c) => ({ model: r.label, perturbation: c, accuracy: r.accuracy[c] })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `${t.examples} test examples; every model sees the same perturbed images` },
    data: { values },
    mark: { type: 'line', point: { size: 60 } },
    encoding: {
      x: { field: 'perturbation', type: 'nominal', sort: t.columns, title: null, axis: { labelAngle: 0 } },
      y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' } },
      color: { field: 'model', type: 'nominal', sort: t.rows.map((r) => r.label), legend: { orient: 'right' } },
      strokeDash: { field: 'model', type: 'nominal', sort: t.rows.map((r) => r.label), legend: null },
    },
    width: 520,
    height: 300,
  } as TopLevelSpec;
}
