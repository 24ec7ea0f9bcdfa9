import type { Tensor } from '../tensor.js';
import { normalizeAxis } from '../shape.js';
import { div, exp, sub } from './elementwise.js';
import { logsumexp, max, sum } from './reduce.js';
import { checkFloat } from './util.js';

/** Softmax along `axis`, shifted by the row max for stability. */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkFloat('softmax', x);
  const a = normalizeAxis('softmax', axis, x.rank);
  const e = exp(sub(x, max(x, a, true).detach()));
  return div(e, sum(e, a, true));
}

/** log(softmax(x)) computed as x - logsumexp(x): no overflow, no log(0). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkFloat('logSoftmax', x);
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  return sub(x, logsumexp(x, a, true));
}
