import { ValueError, div, greater, logsumexp, max, mul, neg, oneHot, reshape, slice, sub, sum, tensor, topk, where, type Tensor } from '@kwta/core';

/** Attack objectives (all maximised by the attacker). */
export type AttackLoss = 'ce' | 'margin' | 'dlr';

/** Every loss an attack can push: cross-entropy, the C&W margin, the DLR loss. */
export const ATTACK_LOSSES: readonly AttackLoss[] = ['ce', 'margin', 'dlr'];

export function checkLoss(op: string, loss: unknown): asserts loss is AttackLoss {
  if (!ATTACK_LOSSES.includes(loss as AttackLoss)) throw new ValueError(`${op}: loss must be ${ATTACK_LOSSES.map((l) => `'${l}'`).join(', ')}, got '${String(loss)}'`);
}

function goalMask(logits: Tensor, goal: Int32Array): { hot: Tensor; mask: Tensor } {
  const hot = oneHot(tensor(goal, [goal.length], 'int32'), logits.shape[1], logits.dtype as 'float32' | 'float64');
  return { hot, mask: greater(hot, 0.5) };
}

/** z[i, goal[i]] and max_{j != goal[i]} z[i, j], both [N]. */
export function goalAndBestOther(logits: Tensor, goal: Int32Array): { zGoal: Tensor; zOther: Tensor } {
  const { hot, mask } = goalMask(logits, goal);
  return { zGoal: sum(mul(logits, hot), 1), zOther: max(where(mask, -Infinity, logits), 1) };
}

/** Per-example cross-entropy -log softmax(z)[label]. */
export function crossEntropyRows(logits: Tensor, labels: Int32Array): Tensor {
  const { hot } = goalMask(logits, labels);
  return sub(logsumexp(logits, 1), sum(mul(logits, hot), 1));
}

/**
 * The attacker's objective per example, [N]. `goal` holds the true labels (untargeted: push
 * away) or the targets (targeted: pull towards).
 * - ce: cross-entropy of the label (targeted: minus cross-entropy of the target);
 * - margin (C&W f6): max_{j != y} z_j - z_y (targeted: z_t - max_{j != t} z_j); > 0 means success;
 * - dlr (Croce & Hein 2020): the margin divided by z_pi1 - z_pi3 (targeted: by
 *   z_pi1 - (z_pi3 + z_pi4)/2), invariant to shifting and scaling the logits.
 */
export function attackObjective(logits: Tensor, goal: Int32Array, targeted: boolean, loss: AttackLoss, labels?: Int32Array): Tensor {
  const classes = logits.shape[1];
  if (loss === 'ce') {
    const ce = crossEntropyRows(logits, goal);
    return targeted ? neg(ce) : ce;
  }
  if (loss === 'margin') {
    const { zGoal, zOther } = goalAndBestOther(logits, goal);
    return targeted ? sub(zGoal, zOther) : sub(zOther, zGoal);
  }
  if (loss !== 'dlr') throw new ValueError(`attackObjective: unknown loss '${String(loss)}'`);
  const need = targeted ? 4 : 3;
  if (classes < need) throw new ValueError(`attackObjective: the DLR loss needs at least ${need} classes, the model has ${classes}`);
  const sorted = topk(logits, need).values;
  const col = (j: number) => reshape(slice(sorted, [0, j], [goal.length, 1]), [goal.length]);
  if (!targeted) {
    const { zGoal, zOther } = goalAndBestOther(logits, goal);
    return div(sub(zOther, zGoal), sub(col(0), col(2)).add(1e-12));
  }
  if (!labels) throw new ValueError('attackObjective: targeted DLR needs the true labels');
  const { zGoal: zTarget } = goalAndBestOther(logits, goal);
  const { zGoal: zLabel } = goalAndBestOther(logits, labels);
  const denom = sub(col(0), mul(col(2).add(col(3)), 0.5)).add(1e-12);
  return div(sub(zTarget, zLabel), denom);
}
