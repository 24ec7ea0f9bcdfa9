import { ShapeError, reshape, topkMask, where, type Tensor } from '@kwta/core';
import { Activation } from './activation.js';

/**
 * The winner set A(x) one WTA layer chose for a batch: `mask[s * numFeatures + j]` is 1 when
 * feature j (flattened C*H*W order) of sample s was kept.
 */
export interface WinnerMask {
  batch: number;
  numFeatures: number;
  mask: Uint8Array;
}

/**
 * Base of the winner-take-all activations (k-WTA and LWTA). While `recordWinners` is on, each
 * forward stores the bool mask of winners, which the activation-pattern tools read.
 */
export abstract class WinnerTakeAll extends Activation {
  recordWinners = false;
  lastWinners: WinnerMask | null = null;

  protected remember(x: Tensor, mask: Tensor): void {
    if (!this.recordWinners) return;
    if (x.rank < 1) throw new ShapeError(`${this.constructor.name}: input needs a batch axis, got ${x.describe()}`);
    const batch = x.shape[0];
    const data = mask.dataSync();
    this.lastWinners = { batch, numFeatures: batch ? x.size / batch : 0, mask: data instanceof Uint8Array ? data : Uint8Array.from(data) };
  }

  /** Keep the k largest of each row of `rows` (a view of x; ties to the lower index), zero the rest. */
  protected keepTopK(x: Tensor, rows: Tensor, k: number): Tensor {
    const mask = topkMask(rows, k);
    this.remember(x, mask);
    return reshape(where(mask, rows, 0), x.shape);
  }
}
