import { DOMAIN, runFigure1, target, type FitResult } from '@kwta/experiments';
import type { Figure1Curve, Figure1Request, Figure1View } from '../protocol.js';


const curveOf = (f: FitResult): Figure1Curve => ({
  curve: f.curve, discontinuities: f.discontinuities, patternChanges: f.patternChanges, trainMse: f.trainMse,
});

/**
 * The paper's Figure 1 on the user's points: experiments' runFigure1 fits a small k-WTA and a
 * ReLU network and finds every jump of the k-WTA fit by bisection. A 400-point grid keeps a
 * refit interactive.
 */
export function fitFigure1(req: Figure1Request, onProgress: (p: { model: string; step: number; steps: number; loss: number }) => void = () => {}): Figure1View {
  const t0 = performance.now();
  const r = runFigure1({ data: req.points, gamma: req.gamma, width: req.width, steps: req.steps, seed: req.seed, gridSize: 400, onProgress });
  return { points: r.points, target: r.target, kwta: curveOf(r.kwta), relu: curveOf(r.relu), seconds: (performance.now() - t0) / 1000 };
}

/** Where the page's points start: twelve evenly spaced samples of the paper's target function. */
export function figure1StartPoints(count = 12): { x: number; y: number }[] {
  const [lo, hi] = DOMAIN;
  return Array.from({ length: count }, (_, i) => {
    const x = lo + ((i + 0.5) / count) * (hi - lo);
    return { x, y: target(x) };
  });
}
