import { ShapeError, ValueError, reshape, transpose, type Tensor } from '@kwta/core';
import { WinnerTakeAll, type Selection } from './winners.js';

/** Options of an LWTA layer: its group size. */
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

  protected selection(x: Tensor): Selection {
    const g = this.groupSize;
    if (x.rank === 2) {
      if (x.shape[1] % g !== 0) throw new ValueError(`LWTA: ${x.shape[1]} features of ${x.describe()} do not split into groups of ${g}`);
      return { rows: reshape(x, [x.size / g, g]), k: 1, restore: (t) => reshape(t, x.shape) };
    }
    if (x.rank !== 4) throw new ShapeError(`LWTA: input must be [N, F] or [N, C, H, W], got ${x.describe()}`);
    const [n, c, h, w] = x.shape;
    if (c % g !== 0) throw new ValueError(`LWTA: ${c} channels of ${x.describe()} do not split into groups of ${g}`);
    // Channels last, then rows of g: each row is one group at one position.
    const rows = reshape(transpose(x, [0, 2, 3, 1]), [x.size / g, g]);
    return { rows, k: 1, restore: (t) => transpose(reshape(t, [n, h, w, c]), [0, 3, 1, 2]) };
  }

  override toString(): string {
    return `LWTA(groupSize=${this.groupSize})`;
  }
}
