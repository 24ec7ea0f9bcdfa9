import { ShapeError, ValueError, reshape, topkMask, transpose, where, type Tensor } from '@kwta/core';
import { WinnerTakeAll } from './winners.js';

export interface LWTAOptions {
  /** Units per competing group (the paper compares LWTA with groupSize = 1/γ). */
  groupSize: number;
}

/**
 * Local winner-take-all (Srivastava et al. 2013): units are split into groups of `groupSize`
 * consecutive units and only the largest of each group passes (ties to the lower index).
 * On [N, F] inputs the groups run along F; on [N, C, H, W] inputs they run along the channels
 * at each spatial position (channel c belongs to group floor(c / groupSize)).
 */
export class LWTA extends WinnerTakeAll {
  readonly groupSize: number;

  constructor(opts: LWTAOptions) {
    super();
    if (!Number.isInteger(opts?.groupSize) || opts.groupSize < 1) throw new ValueError(`LWTA: groupSize must be a positive integer, got ${opts?.groupSize}`);
    this.groupSize = opts.groupSize;
  }

  forward(x: Tensor): Tensor {
    const g = this.groupSize;
    if (x.rank === 2) {
      if (x.shape[1] % g !== 0) throw new ValueError(`LWTA: ${x.shape[1]} features of ${x.describe()} do not split into groups of ${g}`);
      return this.keepTopK(x, reshape(x, [x.shape[0], x.shape[1] / g, g]), 1);
    }
    if (x.rank !== 4) throw new ShapeError(`LWTA: input must be [N, F] or [N, C, H, W], got ${x.describe()}`);
    const [n, c, h, w] = x.shape;
    if (c % g !== 0) throw new ValueError(`LWTA: ${c} channels of ${x.describe()} do not split into groups of ${g}`);
    // Channels last, then [.., C/g, g] rows: each row is one group at one position.
    const rows = reshape(transpose(x, [0, 2, 3, 1]), [n, h, w, c / g, g]);
    const mask = topkMask(rows, 1);
    const y = where(mask, rows, 0);
    const back = (t: Tensor) => transpose(reshape(t, [n, h, w, c]), [0, 3, 1, 2]);
    if (this.recordWinners) this.remember(x, back(mask));
    return back(y);
  }

  override toString(): string {
    return `LWTA(groupSize=${this.groupSize})`;
  }
}
