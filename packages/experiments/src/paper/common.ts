import { noGrad, tidy, type Tensor } from '@kwta/core';
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

/** A classifier as a plain forward function. */
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
