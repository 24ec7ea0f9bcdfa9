import { ValueError } from '@kwta/core';
import type { Attack } from './attack.js';
import { CarliniWagnerL2 } from './attacks/cw.js';
import { DeepFool } from './attacks/deepfool.js';
import { EstimatedGradientPGD } from './attacks/estimated-gradient.js';
import { FGSM } from './attacks/fgsm.js';
import { MIM, PGD } from './attacks/pgd.js';

/** The paper's datasets and their L-inf radii (Sec. 4 and Appendix D.1, D.4). */
export const PAPER_EPS = { cifar10: 0.031, svhn: 0.047, mnist: 0.3 } as const;
/** A dataset of the paper's experiments ('cifar10', 'svhn', 'mnist'). */
export type PaperDataset = keyof typeof PAPER_EPS;

/** PGD as the paper ran it: CIFAR/SVHN 40 steps of 0.003, MNIST 20 steps of 0.03; random start. */
export function paperPGD(dataset: PaperDataset): PGD {
  const eps = PAPER_EPS[dataset];
  return dataset === 'mnist'
    ? new PGD({ eps, steps: 20, stepSize: 0.03, randomStart: true, name: `PGD-paper-mnist(eps=${eps})` })
    : new PGD({ eps, steps: 40, stepSize: 0.003, randomStart: true, name: `PGD-paper-${dataset}(eps=${eps})` });
}

/**
 * Every attack of the paper's Table 1 with its Appendix D.1 settings, inside the L-inf ball:
 * FGSM, PGD, C&W-L2 (5 x 20, lr 0.01, c0 0.01; result clipped into the ball as Foolbox does),
 * the C&W L-inf form (PGD on the margin loss), DeepFool (20 steps, 10 candidates) and MIM
 * (20 steps of 0.003; for MNIST the step is scaled to 0.03 like PGD's).
 */
export function paperAttacks(dataset: PaperDataset): Attack[] {
  const eps = PAPER_EPS[dataset];
  const mnist = dataset === 'mnist';
  return [
    new FGSM({ eps }),
    paperPGD(dataset),
    new CarliniWagnerL2({ eps, norm: 'linf' }),
    new PGD({ eps, steps: mnist ? 20 : 40, stepSize: mnist ? 0.03 : 0.003, loss: 'margin', name: `CW-Linf(eps=${eps})` }),
    new DeepFool({ eps, norm: 'linf', steps: 20, candidates: 10 }),
    new MIM({ eps, steps: 20, stepSize: mnist ? 0.03 : 0.003 }),
  ];
}

/** The radius Tramèr et al. (2020) attacked k-WTA at (CIFAR-10, L-inf 8/255); the preset's sigma and step scale from it. */
export const KWTA_ADAPTIVE_REFERENCE_EPS = 8 / 255;

/** Options of {@link kwtaAdaptive}: the radius and how much of the published budget to spend. */
export interface KwtaAdaptiveConfig {
  eps: number;
  /** Fraction of the published sample schedule to spend, in (0, 1] (default 1); below 1 the name says so. */
  budget?: number;
  /** Iterations (default 100, the published count). */
  steps?: number;
  bounds?: readonly [number, number];
  name?: string;
}

/**
 * The published adaptive attack on k-WTA (Tramèr, Carlini, Brendel & Madry 2020, Sec. on
 * k-WTA), as a preset of EstimatedGradientPGD: minimise the margin z_y - max_{j != y} z_j
 * with antithetic Gaussian gradient estimates, signed steps, no random start, per-example early
 * stopping, 100 iterations using 100 noise samples (each evaluated at x + sigma u and x - sigma u,
 * two forwards) for iterations 0-19, 1000 for 20-39 and 20,000 after. At CIFAR's eps = 8/255 they
 * used sigma = 8/255 and steps of 0.01; for another eps both scale by eps / (8/255), i.e. sigma =
 * eps and step = 0.31875 eps (MNIST's eps 0.3: sigma 0.3, step 0.0956). `budget` scales every
 * sample count (at least 1) for quick runs. Forward passes per example are in the result's counts.
 */
export function kwtaAdaptive(c: KwtaAdaptiveConfig): EstimatedGradientPGD {
  const budget = c.budget ?? 1;
  if (!(budget > 0 && budget <= 1)) throw new ValueError(`kwtaAdaptive: budget must be in (0, 1], got ${budget}`);
  const scale = c.eps / KWTA_ADAPTIVE_REFERENCE_EPS;
  const samples = (n: number) => Math.max(1, Math.round(n * budget));
  const steps = c.steps ?? 100;
  const parts = [steps !== 100 ? `${steps} steps` : '', budget < 1 ? `budget ${budget}` : ''].filter(Boolean);
  return new EstimatedGradientPGD({
    eps: c.eps,
    norm: 'linf',
    bounds: c.bounds,
    steps,
    stepSize: 0.01 * scale,
    sigmaFraction: 1,
    randomStart: false,
    samples: { stages: [{ from: 0, samples: samples(100) }, { from: 20, samples: samples(1000) }, { from: 40, samples: samples(20000) }] },
    name: c.name ?? `kWTA-adaptive(linf, eps=${c.eps}${parts.map((p) => `, ${p}`).join('')})`,
  });
}
