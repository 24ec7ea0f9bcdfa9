import type { Tensor } from '@kwta/core';
import type { Module } from '../module.js';
import { WinnerTakeAll, checkBackwardMode, smoothBackward, type BackwardMode } from './winners.js';

/**
 * Run `fn` with every winner-take-all layer of `model` in backward mode `mode`, then put each
 * layer's previous mode back, also when `fn` throws. Forward values do not change; gradients
 * taken through a forward run inside `fn` use `mode`.
 */
export function withBackwardMode<T>(model: Module, mode: BackwardMode, fn: () => T): T {
  checkBackwardMode('withBackwardMode', mode);
  const layers = model.modules().filter((m): m is WinnerTakeAll => m instanceof WinnerTakeAll);
  const previous = layers.map((l) => l.backwardMode);
  for (const l of layers) l.backwardMode = mode;
  try {
    return fn();
  } finally {
    layers.forEach((l, i) => (l.backwardMode = previous[i]));
  }
}

/**
 * BPDA's surrogate of `model`: the same module and weights, whose forward runs with the smooth
 * backward (default: sigmoid gate at temperature 0.25). Values are the model's own; gradients
 * through it are the smooth ones. A model without winner-take-all layers is its own surrogate,
 * so BPDA against it is plain PGD.
 */
export function bpdaSurrogate(
  model: Module,
  mode: BackwardMode = smoothBackward(),
): {
  /** The model's forward, recorded with the smooth backward. */
  forward(x: Tensor): Tensor;
} {
  checkBackwardMode('bpdaSurrogate', mode);
  return { forward: (x) => withBackwardMode(model, mode, () => model.forward(x)) };
}
