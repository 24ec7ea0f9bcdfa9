import { Generator, tensor } from '@kwta/core';
import { evaluate } from '@kwta/attacks';
import { take, type ImageDataset } from '@kwta/datasets';
import type { Module } from '@kwta/nn';
import { NETS, type Net, type ScoreboardProgress, type ScoreboardRequest, type ScoreboardView } from '../protocol.js';
import { attackChoice } from './attacks.js';

/**
 * Radii of the accuracy-vs-eps sweep: around the chosen eps, ending at 1, where the L-inf ball
 * covers the whole [0, 1] image (accuracy must reach ~0 there, or something is wrong).
 */
export function sweepRadii(eps: number): number[] {
  const r = [eps / 3, (2 * eps) / 3, (4 * eps) / 3, 2 * eps].filter((e) => e > 0 && e < 1).map((e) => Math.round(e * 1000) / 1000);
  return [...new Set([...r, 1])];
}

/**
 * Every chosen attack on the first `examples` test digits, for both networks, through the
 * attacks harness (`evaluate`): per-attack accuracy, the per-example worst case, and its
 * gradient-masking checks, with the eps sweep of the first check as the accuracy-vs-eps curve.
 */
export function scoreboard(
  models: Record<Net, Module>, test: ImageDataset, req: ScoreboardRequest,
  onProgress: (p: ScoreboardProgress) => void = () => {},
): ScoreboardView {
  const t0 = performance.now();
  const data = take(test, req.examples);
  const x = tensor(data.images, [...data.shape]);
  try {
    const reports = {} as ScoreboardView['reports'];
    for (const net of NETS) {
      const model = models[net].eval();
      const attacks = req.attacks.map((id) => attackChoice(id).make({ eps: req.eps, steps: req.steps }, model));
      reports[net] = evaluate(model, x, data.labels, {
        attacks, gen: new Generator(req.seed), batchSize: req.examples,
        checks: { epsValues: sweepRadii(req.eps) },
        onProgress: (p) => onProgress({ net, ...p }),
      });
    }
    return { reports, labels: Array.from(data.labels), seconds: (performance.now() - t0) / 1000 };
  } finally {
    x.dispose();
  }
}
