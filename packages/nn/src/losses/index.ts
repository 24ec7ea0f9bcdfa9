import {
  DTypeError, ShapeError, ValueError, equal, expandDims, arange, exp, isFloat, logSoftmax, max, mean, minimum, mul, neg, reshape, sub, sum, takeAlong, topk, where, div, add, type Tensor,
} from '@kwta/core';

/** How a loss reduces over the batch: its mean, its sum, or one value per example. */
export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, perSample: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'mean':
      return mean(perSample);
    case 'sum':
      return sum(perSample);
    case 'none':
      return perSample;
    default:
      throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/** Check logits [N, C] (float) and labels [N] (int32 in [0, C)). */
function checkLogitsLabels(op: string, logits: Tensor, labels: Tensor, minClasses = 1): void {
  if (logits.rank !== 2) throw new ShapeError(`${op}: logits must be [N, C], got ${logits.describe()}`);
  if (!isFloat(logits.dtype)) throw new DTypeError(`${op}: logits must be float, got ${logits.describe()}`);
  if (labels.dtype !== 'int32') throw new DTypeError(`${op}: labels must be int32 class indices, got ${labels.describe()}`);
  if (labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`${op}: labels must be [${logits.shape[0]}] to match logits ${logits.describe()}, got ${labels.describe()}`);
  }
  const c = logits.shape[1];
  if (c < minClasses) throw new ShapeError(`${op}: needs at least ${minClasses} classes, logits are ${logits.describe()}`);
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= c) throw new ValueError(`${op}: label ${values[i]} of sample ${i} is outside [0, ${c})`);
  }
}

/** Logit of the true class per sample: [N]. */
function trueLogit(logits: Tensor, labels: Tensor): Tensor {
  return reshape(takeAlong(logits, reshape(labels, [labels.shape[0], 1])), [labels.shape[0]]);
}

/** Largest logit among the wrong classes per sample: [N]. */
function bestOtherLogit(logits: Tensor, labels: Tensor): Tensor {
  const isTrue = equal(expandDims(labels, 1), arange(0, logits.shape[1], 1, 'int32'));
  return max(where(isTrue, -Infinity, logits), 1);
}

/** Cross-entropy of logits [N, C] against int32 labels [N]: -log softmax(logits)[label]. */
export function crossEntropy(logits: Tensor, labels: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkLogitsLabels('crossEntropy', logits, labels);
  return reduce('crossEntropy', neg(trueLogit(logSoftmax(logits, 1), labels)), opts.reduction ?? 'mean');
}

/**
 * TRADES' robust term: KL(softmax(natural) ‖ softmax(adversarial)) per sample, i.e. PyTorch's
 * KLDivLoss(log_softmax(adv), softmax(nat)) summed over classes. The default reduction
 * 'batchmean' (sum over everything / N) is TRADES' (1/batch) · KLDivLoss(size_average=False).
 * Computed from log-probabilities on both sides, so a vanishing probability gives 0, not NaN.
 */
export function klDivergence(adversarialLogits: Tensor, naturalLogits: Tensor, opts: { reduction?: Reduction | 'batchmean' } = {}): Tensor {
  for (const [name, t] of [['adversarialLogits', adversarialLogits], ['naturalLogits', naturalLogits]] as const) {
    if (t.rank !== 2 || !isFloat(t.dtype)) throw new ShapeError(`klDivergence: ${name} must be float [N, C], got ${t.describe()}`);
  }
  if (adversarialLogits.shape.join() !== naturalLogits.shape.join()) {
    throw new ShapeError(`klDivergence: adversarialLogits ${adversarialLogits.describe()} and naturalLogits ${naturalLogits.describe()} differ in shape`);
  }
  const logP = logSoftmax(naturalLogits, 1);
  const logQ = logSoftmax(adversarialLogits, 1);
  const perSample = sum(mul(exp(logP), sub(logP, logQ)), 1);
  const reduction = opts.reduction ?? 'batchmean';
  return reduction === 'batchmean' ? mean(perSample) : reduce('klDivergence', perSample, reduction);
}

/**
 * The C&W margin (untargeted), as an attacker maximizes it: max_{j≠y} z_j − z_y, capped at
 * `kappa` (default: no cap). This is −f of Carlini & Wagner's f(x) = max(z_y − max_{j≠y} z_j, −κ).
 */
export function cwLoss(logits: Tensor, labels: Tensor, opts: { kappa?: number; reduction?: Reduction } = {}): Tensor {
  checkLogitsLabels('cwLoss', logits, labels, 2);
  const kappa = opts.kappa ?? Infinity;
  if (!(kappa >= 0)) throw new ValueError(`cwLoss: kappa must be >= 0, got ${kappa}`);
  let margin = sub(bestOtherLogit(logits, labels), trueLogit(logits, labels));
  if (Number.isFinite(kappa)) margin = minimum(margin, kappa);
  return reduce('cwLoss', margin, opts.reduction ?? 'mean');
}

/**
 * The Difference-of-Logits-Ratio loss of Croce & Hein (2020), untargeted, as AutoAttack's APGD
 * maximizes it: −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 1e-12), with z_π the sorted logits.
 * Scale-invariant in the logits; needs at least 3 classes.
 */
export function dlrLoss(logits: Tensor, labels: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkLogitsLabels('dlrLoss', logits, labels, 3);
  const sorted = topk(logits, 3).values;
  const n = logits.shape[0];
  const first = reshape(sorted.slice([0, 0], [n, 1]), [n]);
  const third = reshape(sorted.slice([0, 2], [n, 1]), [n]);
  const numerator = sub(trueLogit(logits, labels), bestOtherLogit(logits, labels));
  return reduce('dlrLoss', neg(div(numerator, add(sub(first, third), 1e-12))), opts.reduction ?? 'mean');
}
