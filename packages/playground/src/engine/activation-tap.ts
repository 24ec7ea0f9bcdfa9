import type { Tensor } from '@kwta/core';
import { Conv2d, KWTA, Linear, ReLU, type Module } from '@kwta/nn';

/**
 * Which units of each activation layer are on, for every forward pass of a model: a ReLU unit is
 * on when its output is positive, a k-WTA unit when it is among the winners. The attack panel
 * counts how many change from one point of an attack's path to the next.
 */
export interface LayerMask {
  batch: number;
  /** mask[s * features + j] = 1 when unit j of sample s is on. */
  mask: Uint8Array;
}

type Listener = (mask: LayerMask) => void;

/** ReLU that reports its on/off pattern to a listener while one is attached. */
export class TappedReLU extends ReLU {
  listener: Listener | null = null;

  override forward(x: Tensor): Tensor {
    const y = super.forward(x);
    if (this.listener) {
      const v = y.dataSync();
      this.listener({ batch: y.shape[0], mask: Uint8Array.from(v, (e) => (e > 0 ? 1 : 0)) });
    }
    return y;
  }
}

/** k-WTA that reports its winner sets (recorded by the layer itself) while a listener is attached. */
export class TappedKWTA extends KWTA {
  listener: Listener | null = null;

  override forward(x: Tensor): Tensor {
    this.recordWinners = this.listener !== null;
    const y = super.forward(x);
    if (this.listener && this.lastWinners) this.listener({ batch: this.lastWinners.batch, mask: this.lastWinners.mask });
    return y;
  }
}

type Tapped = TappedReLU | TappedKWTA;

/**
 * The model's activation layers in forward order, each named after the layer it follows
 * ("after conv 2", "after linear 1"), as the charts label them.
 */
export function activationLayers(model: Module): [string, Tapped][] {
  const seen = { conv: 0, linear: 0 };
  let last = 'the input';
  const out: [string, Tapped][] = [];
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d) last = `conv ${++seen.conv}`;
    else if (m instanceof Linear) last = `linear ${++seen.linear}`;
    else if (m instanceof TappedReLU || m instanceof TappedKWTA) out.push([`after ${last}`, m]);
  }
  return out;
}

/** Report every activation layer's mask on each forward until `remove()`; layer index in forward order. */
export function tapActivations(model: Module, onMask: (layer: number, mask: LayerMask) => void): { remove(): void } {
  const layers = activationLayers(model).map(([, m]) => m);
  layers.forEach((m, i) => (m.listener = (mask) => onMask(i, mask)));
  return {
    remove() {
      for (const m of layers) {
        m.listener = null;
        if (m instanceof TappedKWTA) m.recordWinners = false;
      }
    },
  };
}
