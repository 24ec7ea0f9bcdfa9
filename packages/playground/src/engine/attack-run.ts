import { Generator, noGrad, tensor, tidy } from '@kwta/core';
import type { Module } from '@kwta/nn';
import type { AttackView, Net, PathPoint } from '../protocol.js';
import { activationLayers } from './activation-tap.js';
import { recordPath } from './attack-path.js';
import { attackChoice, type AttackSettings } from './attacks.js';

/** Logits of `model` (eval mode) for one digit of 784 values. */
export function logitsOf(model: Module, pixels: ArrayLike<number>): number[] {
  model.eval();
  return noGrad(() => tidy(() => Array.from(model.forward(tensor(Float32Array.from(pixels), [1, 1, 28, 28])).dataSync() as ArrayLike<number>)));
}

export const argmax = (v: readonly number[]): number => v.indexOf(Math.max(...v));

/**
 * Attack one digit on one network with a registered attack, recording its path (logits and
 * activation-pattern changes at every point, streamed to `onPoint`). The seed drives the
 * attack's random choices, so a run is repeatable.
 */
export function attackDigit(
  model: Module, net: Net, pixels: ArrayLike<number>, label: number, attackId: string, settings: AttackSettings, seed: number,
  onPoint: (p: PathPoint) => void = () => {},
): AttackView {
  const choice = attackChoice(attackId);
  model.eval();
  const attack = choice.make(settings, model);
  const clean = Float32Array.from(pixels);
  const recorder = recordPath(model, net, label, choice.path, onPoint);
  const t0 = performance.now();
  let result;
  try {
    result = tidy(() => {
      const { xAdv, ...r } = attack.run(recorder, tensor(clean, [1, 1, 28, 28]), Int32Array.of(label), { gen: new Generator(seed) });
      return { ...r, adversarial: Float32Array.from(xAdv.dataSync() as Float32Array) };
    });
  } finally {
    recorder.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cleanPrediction = argmax(logitsOf(model, clean));
  const prediction = argmax(logitsOf(model, result.adversarial));
  return {
    net, label, cleanPrediction, prediction,
    success: result.success[0],
    norm: result.norms[0],
    adversarial: Array.from(result.adversarial),
    perturbation: Array.from(result.adversarial, (v, i) => v - clean[i]),
    layers: activationLayers(model).map(([name]) => name),
    path: recorder.points,
    forwards: result.forwardCount[0],
    gradients: result.gradCount[0],
    seconds,
  };
}
