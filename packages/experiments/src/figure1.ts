import { Generator, ValueError, mean, noGrad, square, sub, tensor, tidy } from '@kwta/core';
import { Linear, Sequential, activationFactory, type ActivationSpec } from '@kwta/nn';
import { Adam } from '@kwta/optim';

/** 1 -> width -> width -> 1, float64 so the bisection below can resolve jumps finely. */
function buildMlp(width: number, activation: ActivationSpec, gen: Generator): Sequential {
  const act = activationFactory(activation);
  const init = { gen, dtype: 'float64' as const };
  return new Sequential(new Linear(1, width, init), act(), new Linear(width, width, init), act(), new Linear(width, 1, init));
}

/**
 * The paper's Figure 1: fit a 1-D function from a handful of points with a small k-WTA network.
 * The fit is piecewise linear like a ReLU network's, but its pieces are disconnected: wherever
 * the activation pattern changes, the function jumps. We locate every pattern change on a dense
 * grid by bisection and measure the jump there, for the k-WTA fit and for a ReLU fit alike.
 */
export interface Figure1Options {
  seed?: number;
  points?: number;
  width?: number;
  gamma?: number;
  steps?: number;
  lr?: number;
  gridSize?: number;
  /** Fit these points (e.g. moved by a user) instead of `points` drawn from the target. */
  data?: readonly { x: number; y: number }[];
  /** Called as each network trains, with its step and loss. */
  onProgress?: (info: { model: string; step: number; steps: number; loss: number }) => void;
}

/** The 1-D function Figure 1's networks fit. */
export const target = (x: number): number => Math.sin(3 * x) + 0.5 * Math.cos(7 * x) * x;
/** The interval Figure 1's target function is fitted on. */
export const DOMAIN: [number, number] = [-1, 1];

/** One network's fit: its training error, its curve on the grid, and where that curve jumps. */
export interface FitResult {
  activation: ActivationSpec;
  trainMse: number;
  /** x, y of the fitted curve on the grid; `piece` increments at every discontinuity. */
  curve: { x: number; y: number; piece: number }[];
  patternChanges: number;
  discontinuities: { x: number; jump: number }[];
  maxJump: number;
}

/** Figure 1: the points fitted, the target curve, and the k-WTA and ReLU networks' fits. */
export interface Figure1Result {
  options: Required<Omit<Figure1Options, 'onProgress' | 'data'>>;
  points: { x: number; y: number }[];
  target: { x: number; y: number }[];
  kwta: FitResult;
  relu: FitResult;
}

/** A jump counts as a discontinuity when it exceeds this (the curve's range is about 3). */
export const JUMP_THRESHOLD = 1e-3;

/**
 * Fit the same points with a k-WTA and a ReLU network (the paper's Figure 1) and find the k-WTA curve's
 * discontinuities.
 */
export function runFigure1(opts: Figure1Options = {}): Figure1Result {
  const o = { seed: 1, points: 12, width: 128, gamma: 0.1, steps: 3000, lr: 5e-3, gridSize: 2000, ...opts };
  const gen = new Generator(o.seed);
  const points = opts.data ? checkData(opts.data) : Array.from({ length: o.points }, (_, i) => {
    const x = DOMAIN[0] + ((i + 0.2 + 0.6 * gen.uniform()) / o.points) * (DOMAIN[1] - DOMAIN[0]);
    return { x, y: target(x) };
  });
  const xs = points.map((p) => p.x);
  const grid = Array.from({ length: o.gridSize }, (_, i) => DOMAIN[0] + (i / (o.gridSize - 1)) * (DOMAIN[1] - DOMAIN[0]));
  const fit = (activation: ActivationSpec, name: string): FitResult => {
    const model = buildMlp(o.width, activation, new Generator(o.seed + 1));
    const opt = new Adam(model.parameters(), { lr: o.lr });
    const X = tensor(Float64Array.from(xs), [xs.length, 1], 'float64').keep();
    const Y = tensor(Float64Array.from(points.map((p) => p.y)), [xs.length, 1], 'float64').keep();
    let loss = NaN;
    for (let step = 1; step <= o.steps; step++) {
      loss = tidy(() => {
        const l = mean(square(sub(model.forward(X), Y)));
        opt.zeroGrad();
        l.backward();
        opt.step();
        return l.item();
      });
      if (step % 250 === 0 || step === o.steps) opts.onProgress?.({ model: name, step, steps: o.steps, loss });
    }
    return analyse(model, activation, grid, loss);
  };
  return {
    options: { seed: o.seed, points: points.length, width: o.width, gamma: o.gamma, steps: o.steps, lr: o.lr, gridSize: o.gridSize },
    points,
    target: grid.map((x) => ({ x, y: target(x) })),
    kwta: fit({ kind: 'kwta', gamma: o.gamma }, `k-WTA (gamma ${o.gamma})`),
    relu: fit({ kind: 'relu' }, 'ReLU'),
  };
}

function checkData(data: readonly { x: number; y: number }[]): { x: number; y: number }[] {
  if (data.length < 1) throw new ValueError('runFigure1: data needs at least one point');
  return data.map((p, i) => {
    if (!Number.isFinite(p?.x) || !Number.isFinite(p?.y)) throw new ValueError(`runFigure1: data[${i}] must be finite { x, y }, got ${JSON.stringify(p)}`);
    return { x: p.x, y: p.y };
  });
}

/**
 * Evaluate the model at many x at once, and its activation pattern there: which hidden units
 * are non-zero after each activation (the winners for k-WTA, the positive units for ReLU).
 */
function evaluate(model: Sequential, xs: number[]): { y: number[]; pattern: string[] } {
  return noGrad(() => tidy(() => {
    let h = tensor(Float64Array.from(xs), [xs.length, 1], 'float64');
    const masks: string[][] = xs.map(() => []);
    for (let i = 0; i < model.length; i++) {
      const layer = model.at(i);
      h = layer.forward(h);
      if (layer instanceof Linear) continue;
      const v = h.dataSync(), width = h.shape[1];
      xs.forEach((_, r) => {
        let bits = '';
        for (let j = 0; j < width; j++) bits += v[r * width + j] !== 0 ? '1' : '0';
        masks[r].push(bits);
      });
    }
    return { y: Array.from(h.dataSync()), pattern: masks.map((m) => m.join('|')) };
  }));
}

function analyse(model: Sequential, activation: ActivationSpec, grid: number[], trainMse: number): FitResult {
  const { y, pattern } = evaluate(model, grid);
  const discontinuities: { x: number; jump: number }[] = [];
  let patternChanges = 0;
  const breaks = new Set<number>();
  for (let i = 0; i + 1 < grid.length; i++) {
    if (pattern[i] === pattern[i + 1]) continue;
    patternChanges++;
    // Bisect to the switch point, then compare the function just left and right of it.
    let lo = grid[i], hi = grid[i + 1];
    const left = pattern[i];
    for (let it = 0; it < 40; it++) {
      const mid = (lo + hi) / 2;
      if (evaluate(model, [mid]).pattern[0] === left) lo = mid;
      else hi = mid;
    }
    const [yl, yr] = evaluate(model, [lo, hi]).y;
    const jump = Math.abs(yr - yl);
    if (jump > JUMP_THRESHOLD) {
      discontinuities.push({ x: (lo + hi) / 2, jump });
      breaks.add(i);
    }
  }
  let piece = 0;
  const curve = grid.map((x, i) => {
    const point = { x, y: y[i], piece };
    if (breaks.has(i)) piece++;
    return point;
  });
  return {
    activation,
    trainMse,
    curve,
    patternChanges,
    discontinuities,
    maxJump: discontinuities.reduce((m, d) => Math.max(m, d.jump), 0),
  };
}
