import { ValueError } from './errors.js';

/**
 * How many predictions equal their labels: the one place the project counts hits (training
 * batches, test accuracy, attack evaluations and the experiments all call it).
 */
export function countCorrect(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) throw new ValueError(`countCorrect: ${predictions.length} predictions for ${labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct;
}

/** Fraction of predictions equal to their labels; NaN when there are none (no data, no claim). */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const correct = countCorrect(predictions, labels);
  return labels.length ? correct / labels.length : NaN;
}
