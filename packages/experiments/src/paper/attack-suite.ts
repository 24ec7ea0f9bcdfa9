import { ValueError } from '@kwta/core';
import {
  BPDA, CarliniWagnerL2, DeepFool, EstimatedGradientPGD, MIM, PGD, SquareAttack, TransferAttack, type Attack, type Classifier,
} from '@kwta/attacks';
import { bpdaSurrogate, type Module } from '@kwta/nn';

/** The attacks of the Table 4 study, in report order. */
export const SUITE_ATTACKS = ['pgd', 'mim', 'cw', 'deepfool', 'transfer', 'eot', 'bpda', 'square'] as const;
export type SuiteAttack = (typeof SUITE_ATTACKS)[number];

/** Which attacks are the standard white-box ones the paper reports, and which are adaptive. */
export const STANDARD_ATTACKS: readonly SuiteAttack[] = ['pgd', 'mim', 'cw', 'deepfool'];
export const ADAPTIVE_ATTACKS: readonly SuiteAttack[] = ['eot', 'bpda', 'square'];

/** Iteration and query budgets; `paperBudget` is App. D.1's, `quickBudget` fits a 2-core machine. */
export interface AttackBudget {
  /** PGD, MIM, BPDA and the transfer source attack: steps of `stepSize`. */
  steps: number;
  stepSize: number;
  cwSearch: number;
  cwSteps: number;
  deepfoolSteps: number;
  eotSteps: number;
  /** Gradient-estimation samples: initial, max, doubleEvery. */
  eotSamples: [number, number, number];
  squareQueries: number;
}

export const paperBudget = (eps: number): AttackBudget => ({
  steps: 20, stepSize: eps / 10, cwSearch: 5, cwSteps: 20, deepfoolSteps: 20, eotSteps: 100, eotSamples: [16, 256, 25], squareQueries: 5000,
});

export const quickBudget = (eps: number): AttackBudget => ({
  steps: 20, stepSize: eps / 10, cwSearch: 2, cwSteps: 10, deepfoolSteps: 5, eotSteps: 10, eotSamples: [8, 16, 5], squareQueries: 100,
});

/**
 * Build the named attacks against `model` at L-inf radius `eps`. BPDA differentiates the model's
 * own weights through a smooth k-WTA backward (for a model without k-WTA layers it is plain
 * PGD); `transfer` crafts PGD examples on `transferSource`, which must then be given.
 */
export function buildSuite(names: readonly SuiteAttack[], model: Module, eps: number, b: AttackBudget, transferSource?: Classifier): Attack[] {
  const { steps, stepSize } = b;
  return names.map((name) => {
    switch (name) {
      case 'pgd': return new PGD({ eps, steps, stepSize, randomStart: true, name: `PGD-${steps}` });
      case 'mim': return new MIM({ eps, steps, stepSize, name: `MIM-${steps}` });
      case 'cw': return new CarliniWagnerL2({ eps, norm: 'linf', binarySearchSteps: b.cwSearch, steps: b.cwSteps });
      case 'deepfool': return new DeepFool({ eps, norm: 'linf', steps: b.deepfoolSteps, candidates: 10 });
      case 'transfer':
        if (!transferSource) throw new ValueError('buildSuite: the transfer attack needs a transferSource model');
        return new TransferAttack(transferSource, new PGD({ eps, steps, stepSize, randomStart: true }), `Transfer(PGD-${steps})`);
      case 'eot': {
        const [initial, max, doubleEvery] = b.eotSamples;
        return new EstimatedGradientPGD({ eps, steps: b.eotSteps, stepSize: eps / 8, samples: { initial, max, doubleEvery } });
      }
      case 'bpda': return new BPDA({ eps, steps, stepSize, randomStart: true, surrogate: bpdaSurrogate(model) });
      case 'square': return new SquareAttack({ eps, queries: b.squareQueries });
      default: throw new ValueError(`buildSuite: unknown attack '${String(name)}' (expected ${SUITE_ATTACKS.join(', ')})`);
    }
  });
}
