import { Generator, ValueError, accuracy as accuracyOf, type Tensor } from '@kwta/core';
import { PGD } from '@kwta/attacks';
import type { TopLevelSpec } from 'vega-lite';
import { markdownTable, pct } from '../output.js';
import { predict, type LabelledModel } from './common.js';

/** Options of Table 3's transfer matrix. */
export interface TransferMatrixOptions {
  /** Target models (rows); column j crafts its examples on sources[j]. */
  targets: LabelledModel[];
  /** Source models, one per column, in the same order as targets. */
  sources: LabelledModel[];
  /**
   * Diagonal sources: an independently trained copy of each target (Papernot et al.'s strongest
   * black-box setting, the paper's diagonal). Without it the diagonal is the white-box PGD.
   */
  twins?: LabelledModel[];
  images: Tensor;
  labels: Tensor;
  eps: number;
  steps: number;
  stepSize: number;
  seed: number;
}

/** Table 3: accuracy of each target model on adversarial examples made on each source model. */
export interface TransferMatrix {
  rows: string[];
  columns: string[];
  /** accuracy[i][j]: target i's accuracy on examples crafted on column j's source. */
  accuracy: number[][];
  /** Clean accuracy of each target, and each source's own (white-box) accuracy on its examples. */
  clean: number[];
  sourceWhiteBox: number[];
  diagonal: 'independent copies' | 'white-box';
  examples: number;
}

/**
 * The paper's Table 3: PGD examples crafted on each source model, judged on each target model.
 * Each source's examples are made once (PGD with random start, run for every step) and reused
 * for every target.
 */
export function runTransferMatrix(o: TransferMatrixOptions): TransferMatrix {
  if (o.targets.length !== o.sources.length) throw new ValueError(`runTransferMatrix: ${o.targets.length} targets but ${o.sources.length} sources`);
  if (o.twins && o.twins.length !== o.targets.length) throw new ValueError(`runTransferMatrix: ${o.twins.length} twins for ${o.targets.length} targets`);
  const labels = o.labels.dataSync() as Int32Array;
  const craft = (m: LabelledModel, i: number): Tensor => {
    const pgd = new PGD({ eps: o.eps, steps: o.steps, stepSize: o.stepSize, randomStart: true, earlyStop: false });
    return pgd.run(m.model, o.images, labels, { gen: new Generator(o.seed + 17 * i) }).xAdv.keep();
  };
  const crafted = o.sources.map(craft);
  const twinCrafted = o.twins?.map((t, i) => craft(t, 100 + i));
  const sourceWhiteBox = o.sources.map((s, j) => accuracyOf(predict(s.model, crafted[j]), labels));
  const accuracy = o.targets.map((t, i) => o.sources.map((_, j) => {
    const adv = i === j && twinCrafted ? twinCrafted[i] : crafted[j];
    return accuracyOf(predict(t.model, adv), labels);
  }));
  const clean = o.targets.map((t) => accuracyOf(predict(t.model, o.images), labels));
  for (const t of [...crafted, ...(twinCrafted ?? [])]) t.dispose();
  return {
    rows: o.targets.map((t) => t.label), columns: o.sources.map((s) => s.label), accuracy, clean, sourceWhiteBox,
    diagonal: twinCrafted ? 'independent copies' : 'white-box', examples: labels.length,
  };
}

/** Table 3 as a Markdown table. */
export function transferMarkdown(m: TransferMatrix): string {
  return markdownTable(
    ['target \\ source', ...m.columns, 'clean'],
    m.rows.map((r, i) => [r, ...m.accuracy[i].map(pct), pct(m.clean[i])]),
  );
}

/** A heatmap of the matrix with the accuracies written in. */
export function transferSpec(m: TransferMatrix, title: string): TopLevelSpec {
  const values = m.rows.flatMap((r, i) => m.columns.map((c, j) => ({ target: r, source: c, accuracy: m.accuracy[i][j], text: pct(m.accuracy[i][j]) })));
  const enc = {
    x: { field: 'source', type: 'nominal', sort: m.columns, title: 'source model (examples crafted on)', axis: { labelAngle: 0 } },
    y: { field: 'target', type: 'nominal', sort: m.rows, title: 'target model (attacked)' },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `target accuracy on transferred PGD examples (${m.examples} test examples); diagonal: ${m.diagonal}` },
    data: { values },
    width: 520,
    height: 260,
    layer: [
      { mark: 'rect', encoding: { ...enc, color: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1], scheme: 'blues' }, legend: { format: '%' } } } },
      { mark: { type: 'text', fontSize: 14 }, encoding: { ...enc, text: { field: 'text' }, color: { condition: { test: 'datum.accuracy > 0.6', value: 'white' }, value: 'black' } } },
    ],
  } as TopLevelSpec;
}
