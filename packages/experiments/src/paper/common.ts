import { ValueError, noGrad, tidy, type Tensor } from '@kwta/core';
import type { Classifier } from '@kwta/attacks';

/** A trained model as the experiments see it: a label for tables and what it is. */
export interface LabelledModel {
  /** e.g. "k-WTA-0.1 (AT)". */
  label: string;
  /** "relu" or "kwta:<gamma>". */
  activation: string;
  /** "natural" or "at". */
  training: string;
  model: Classifier;
}

export const forwardFn = (m: Classifier) => (x: Tensor): Tensor => (typeof m === 'function' ? m(x) : m.forward(x));

/** Row-wise argmax of a model's logits over `x`, in batches, without gradients. */
export function predict(model: Classifier, x: Tensor, batchSize = 250): Int32Array {
  const n = x.shape[0];
  const out = new Int32Array(n);
  const f = forwardFn(model);
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const pred = noGrad(() => tidy(() => f(x.slice([s, ...x.shape.slice(1).map(() => 0)], [m, ...x.shape.slice(1)])).argmax(1).dataSync()));
    out.set(pred, s);
  }
  return out;
}

/** Fraction of rows whose prediction equals the label. */
export function accuracyOf(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (pred.length !== labels.length) throw new ValueError(`accuracyOf: ${pred.length} predictions for ${labels.length} labels`);
  let c = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) c++;
  return pred.length ? c / pred.length : NaN;
}

export const pct = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(1)}%`);

/** A markdown table from a header and rows of cells. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
