import type { Tensor } from '@kwta/core';
import { Activation, Conv2d, Linear, WinnerTakeAll, type Module } from '@kwta/nn';

/**
 * Which units of each activation layer are on, for forward passes of a model: a k-WTA unit
 * when it is among the winners (the layer's own `winnerMask`), any other activation's unit when
 * its output is positive (ReLU). Read through forward hooks, so the model is not changed; the
 * attack panel counts how many change from one point of an attack's path to the next.
 */
export interface LayerMask {
  batch: number;
  /** mask[s * features + j] = 1 when unit j of sample s is on. */
  mask: Uint8Array;
}

function maskOf(layer: Module, input: Tensor, output: Tensor): LayerMask {
  if (layer instanceof WinnerTakeAll) {
    const w = layer.winnerMask(input);
    return { batch: w.batch, mask: w.mask };
  }
  return { batch: output.shape[0], mask: Uint8Array.from(output.dataSync(), (v) => (v > 0 ? 1 : 0)) };
}

/**
 * The model's activation layers in forward order, each named after the layer it follows
 * ("after conv 2", "after linear 1"), as the charts label them.
 */
export function activationLayers(model: Module): [string, Activation][] {
  const seen = { conv: 0, linear: 0 };
  let last = 'the input';
  const out: [string, Activation][] = [];
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d) last = `conv ${++seen.conv}`;
    else if (m instanceof Linear) last = `linear ${++seen.linear}`;
    else if (m instanceof Activation) out.push([`after ${last}`, m]);
  }
  return out;
}

/**
 * Call `onLayer(i, mask)` after every forward of activation layer i (forward order) until
 * `remove()`. The mask is computed only when the listener asks for it (`mask()`), so forward
 * passes nobody records cost nothing extra.
 */
export function tapActivations(model: Module, onLayer: (layer: number, mask: () => LayerMask) => void): { remove(): void } {
  const handles = activationLayers(model).map(([, m], i) => m.registerForwardHook((layer, input, output) => void onLayer(i, () => maskOf(layer, input, output))));
  return { remove: () => handles.forEach((h) => h.remove()) };
}
