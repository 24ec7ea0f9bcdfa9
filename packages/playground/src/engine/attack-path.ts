import type { Tensor } from '@kwta/core';
import type { Module } from '@kwta/nn';
import type { Net, PathPoint } from '../protocol.js';
import { tapActivations } from './activation-tap.js';
import type { PathMode } from './attacks.js';

/**
 * An attack's path through input space, read off the points it asks the model about: the model
 * is wrapped so that every forward pass of a single digit is seen, with its ten logits and each
 * activation layer's on/off pattern. Attacks stay black boxes; this is only an observer.
 *
 * - 'iterates' (PGD, BPDA, gradient estimation, APGD): every single-digit query is the current
 *   iterate (the gradient estimator's noisy probes come in batches, so they are not counted).
 * - 'best-so-far' (Square, AutoAttack): a query joins the path only when it lowers the margin
 *   of the true class over the best other one, which is exactly when Square keeps its random
 *   proposal (AutoAttack's members query many points; the path keeps its progress).
 *
 * Consecutive identical points (an attack re-checking where it stands) are counted once.
 */
export interface PathRecorder {
  /** The model as the attack should see it. */
  forward(x: Tensor): Tensor;
  readonly points: PathPoint[];
  /** Stop listening to the model's activation layers. */
  stop(): void;
}

export function recordPath(model: Module, net: Net, label: number, mode: PathMode, onPoint: (p: PathPoint) => void): PathRecorder {
  let capturing = false;
  let masks: Uint8Array[] = [];
  const tap = tapActivations(model, (layer, mask) => {
    if (capturing) masks[layer] = mask().mask;
  });
  let lastInput: Float32Array | null = null;
  let lastMasks: Uint8Array[] | null = null;
  let bestMargin = Infinity;
  const points: PathPoint[] = [];
  const record = (x: Tensor, logits: Tensor): void => {
    const input = x.dataSync() as Float32Array;
    if (lastInput && sameValues(input, lastInput)) return;
    const z = Array.from(logits.dataSync() as ArrayLike<number>);
    if (mode === 'best-so-far') {
      const m = margin(z, label);
      if (points.length > 0 && !(m < bestMargin)) return;
      bestMargin = m;
    }
    const changed = masks.map((mask, i) => (lastMasks ? flips(mask, lastMasks[i]) / (net === 'kwta' ? 2 : 1) : 0));
    const p: PathPoint = { net, step: points.length, logits: z, changed };
    points.push(p);
    lastInput = input.slice();
    lastMasks = masks;
    onPoint(p);
  };
  return {
    points,
    forward(x: Tensor): Tensor {
      capturing = x.shape[0] === 1;
      masks = [];
      try {
        const y = model.forward(x);
        if (capturing) record(x, y);
        return y;
      } finally {
        capturing = false;
      }
    },
    stop: () => tap.remove(),
  };
}

/** The true class's logit minus the largest other one (negative: misclassified). */
export function margin(z: readonly number[], label: number): number {
  let other = -Infinity;
  z.forEach((v, c) => {
    if (c !== label && v > other) other = v;
  });
  return z[label] - other;
}

function flips(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
