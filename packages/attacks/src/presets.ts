import type { Attack } from './attack.js';
import { CarliniWagnerL2 } from './attacks/cw.js';
import { DeepFool } from './attacks/deepfool.js';
import { FGSM } from './attacks/fgsm.js';
import { MIM, PGD } from './attacks/pgd.js';

/** The paper's datasets and their L-inf radii (Sec. 4 and Appendix D.1, D.4). */
export const PAPER_EPS = { cifar10: 0.031, svhn: 0.047, mnist: 0.3 } as const;
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
