import { ValueError, noGrad, tidy, type Tensor } from '@kwta/core';
import type { Module } from '../module.js';
import { WinnerTakeAll, type WinnerMask } from './winners.js';

/** The winner set A(x) of one WTA layer for a batch, with the layer's dotted path. */
export interface LayerPattern extends WinnerMask {
  layer: string;
}

/**
 * Run `model` on `x` (no gradients) and capture, per winner-take-all layer in order of
 * registration, which features won for each sample: the activation pattern A(x) of the paper's
 * Sec. 3. Each layer is watched through a forward hook, removed afterwards. The model's
 * train/eval mode is left as the caller set it.
 */
export function captureActivationPatterns(model: Module, x: Tensor): LayerPattern[] {
  const layers = model.namedModules().filter((e): e is [string, WinnerTakeAll] => e[1] instanceof WinnerTakeAll);
  if (layers.length === 0) throw new ValueError(`captureActivationPatterns: ${model.constructor.name} has no winner-take-all layers`);
  const seen = new Map<WinnerTakeAll, WinnerMask>();
  const handles = layers.map(([, l]) => l.registerForwardHook((_, input) => void seen.set(l, l.winnerMask(input))));
  try {
    noGrad(() => tidy(() => void model.call(x)));
  } finally {
    for (const h of handles) h.remove();
  }
  return layers.map(([path, l]) => {
    const winners = seen.get(l);
    if (!winners) throw new ValueError(`captureActivationPatterns: layer '${path}' did not run in forward`);
    return { layer: path, ...winners };
  });
}

/**
 * How the k-WTA winner sets changed between inputs x and x': per layer and sample, per sample, and whether at
 * all.
 */
export interface PatternChanges {
  /** perLayer[l][s]: features whose membership in A changed, |A(x) Δ A(x')|, layer l, sample s. */
  perLayer: number[][];
  /** Per sample, summed over layers. */
  total: number[];
  /** Per sample: did any layer's winner set change? */
  changed: boolean[];
}

/** Compare the patterns of x and x' (same model, same batch size): the paper's Theorems 1-2 measure. */
export function countPatternChanges(a: readonly LayerPattern[], b: readonly LayerPattern[]): PatternChanges {
  if (a.length !== b.length) throw new ValueError(`countPatternChanges: ${a.length} layers versus ${b.length}`);
  const batch = a[0]?.batch ?? 0;
  const perLayer = a.map((pa, l) => {
    const pb = b[l];
    if (pa.layer !== pb.layer || pa.batch !== pb.batch || pa.numFeatures !== pb.numFeatures) {
      throw new ValueError(`countPatternChanges: layer ${l} differs: '${pa.layer}' [${pa.batch} x ${pa.numFeatures}] versus '${pb.layer}' [${pb.batch} x ${pb.numFeatures}]`);
    }
    if (pa.batch !== batch) throw new ValueError(`countPatternChanges: layer '${pa.layer}' has batch ${pa.batch}, expected ${batch}`);
    const counts: number[] = [];
    for (let s = 0; s < batch; s++) {
      let d = 0;
      const off = s * pa.numFeatures;
      for (let j = 0; j < pa.numFeatures; j++) if (pa.mask[off + j] !== pb.mask[off + j]) d++;
      counts.push(d);
    }
    return counts;
  });
  const total = Array.from({ length: batch }, (_, s) => perLayer.reduce((sum, c) => sum + c[s], 0));
  return { perLayer, total, changed: total.map((t) => t > 0) };
}
