import { paperBudget, quickBudget, type AttackBudget } from '../paper/attack-suite.js';

/** How big everything is: the default fits a 2-core machine in minutes, `full` is paper-like. */
export interface Scale {
  hidden: number;
  natural: { trainLimit: number; epochs: number };
  /**
   * PGD adversarial training, fine-tuning the naturally trained model (from scratch, a short AT
   * run at MNIST's eps 0.3 collapses to a constant prediction): one epoch on `trainLimit` images
   * per entry of `ramp`, at that fraction of eps.
   */
  at: { trainLimit: number; ramp: number[]; attackSteps: number };
  /** Examples attacked per model (Table 4, Figure 4) and used for transfer (Table 3). */
  examples: number;
  transferExamples: number;
  perturbationExamples: number;
  /** The attack budget at radius eps. */
  budget: (eps: number) => AttackBudget;
  gammas: number[];
  fineTune: { trainLimit: number; epochs: number };
}

export const DEFAULT_SCALE: Scale = {
  hidden: 128,
  natural: { trainLimit: 3000, epochs: 1 },
  at: { trainLimit: 1000, ramp: [0.5, 1], attackSteps: 2 },
  examples: 50,
  transferExamples: 100,
  perturbationExamples: 500,
  budget: quickBudget,
  gammas: [0.2, 0.1, 0.05, 0.03, 0.02],
  fineTune: { trainLimit: 1000, epochs: 1 },
};

export const FULL_SCALE: Scale = {
  hidden: 20000,
  natural: { trainLimit: 8000, epochs: 20 },
  at: { trainLimit: 8000, ramp: [0.25, 0.5, 0.75, ...Array<number>(17).fill(1)], attackSteps: 8 },
  examples: 1000,
  transferExamples: 1000,
  perturbationExamples: 2000,
  budget: paperBudget,
  gammas: [0.2, 0.15, 0.1, 0.08, 0.06, 0.04, 0.03, 0.02],
  fineTune: { trainLimit: 8000, epochs: 2 },
};

/** The threat radius per dataset: the paper's 0.3 for MNIST, the usual 0.1 for Fashion-MNIST. */
export const EPS: Record<string, number> = { mnist: 0.3, 'fashion-mnist': 0.1 };
/** Each dataset's name as the reports print it. */
export const DATASET_NAMES: Record<string, string> = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' };
