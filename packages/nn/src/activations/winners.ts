import { DEFAULT_SURROGATE_TEMPERATURE, ShapeError, ValueError, kwtaStraightThrough, noGrad, tidy, topkMask, where, type Tensor } from '@kwta/core';
import { Activation } from './activation.js';

/**
 * How a winner-take-all layer's gradient is computed. `'exact'`: the true gradient (it flows to
 * the winners only). `{ kind: 'sigmoid', temperature }`: the forward value is still exact, but
 * the backward pass is that of the smooth sigmoid-gated stand-in (core's `kwtaSmooth`): what BPDA
 * differentiates through.
 */
export type BackwardMode = 'exact' | { kind: 'sigmoid'; temperature: number };

/** The sigmoid-gated backward at `temperature` (default 0.25, relative to each row's std). */
export function smoothBackward(temperature = DEFAULT_SURROGATE_TEMPERATURE): BackwardMode {
  return checkBackwardMode('smoothBackward', { kind: 'sigmoid', temperature });
}

export function checkBackwardMode(where: string, mode: BackwardMode): BackwardMode {
  if (mode === 'exact') return mode;
  if (typeof mode !== 'object' || mode === null || mode.kind !== 'sigmoid') throw new ValueError(`${where}: backward mode must be 'exact' or { kind: 'sigmoid', temperature }, got ${JSON.stringify(mode)}`);
  if (!(mode.temperature > 0 && Number.isFinite(mode.temperature))) throw new ValueError(`${where}: the sigmoid backward's temperature must be a finite number > 0, got ${mode.temperature}`);
  return mode;
}

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
 * Where a layer picks its winners: `rows` is a [R, L] view of the input in which each row keeps
 * its `k` largest, and `restore` maps a tensor shaped like `rows` back to the input's layout.
 */
export interface Selection {
  rows: Tensor;
  k: number;
  /** Map a tensor shaped like `rows` back to the input's layout. */
  restore: (rowsShaped: Tensor) => Tensor;
}

/**
 * Base of the winner-take-all activations (k-WTA and LWTA). A subclass says where its winners
 * are picked (`selection`); this class keeps the k largest of every row, ties to the lower index,
 * with the gradient `backwardMode` asks for, and reports the winner set (`winnerMask`) for
 * pattern tools, which watch layers through forward hooks.
 */
export abstract class WinnerTakeAll extends Activation {
  private mode: BackwardMode = 'exact';

  /** The gradient this layer gives (default 'exact'); see `withBackwardMode` for a scoped change. */
  get backwardMode(): BackwardMode {
    return this.mode;
  }

  set backwardMode(mode: BackwardMode) {
    this.mode = checkBackwardMode(`${this.constructor.name}.backwardMode`, mode);
  }

  /** The rows and k of input x (validating x's shape against the layer's settings). */
  protected abstract selection(x: Tensor): Selection;

  forward(x: Tensor): Tensor {
    const { rows, k, restore } = this.selection(x);
    const kept = this.mode === 'exact' ? where(topkMask(rows, k), rows, 0) : kwtaStraightThrough(rows, k, { temperature: this.mode.temperature });
    return restore(kept);
  }

  /** Which features of x win in this layer, per sample (no gradient; x is not kept). */
  winnerMask(x: Tensor): WinnerMask {
    if (x.rank < 1) throw new ShapeError(`${this.constructor.name}: input needs a batch axis, got ${x.describe()}`);
    const batch = x.shape[0];
    const data = noGrad(() => tidy(() => {
      const { rows, k, restore } = this.selection(x);
      return restore(topkMask(rows, k)).dataSync();
    }));
    return { batch, numFeatures: batch ? x.size / batch : 0, mask: data instanceof Uint8Array ? data : Uint8Array.from(data) };
  }
}
