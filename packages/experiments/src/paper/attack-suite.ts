import { ValueError } from '@kwta/core';
import { buildAttack, type Attack, type AttackSettings, type Classifier } from '@kwta/attacks';
import { bpdaSurrogate, type Module } from '@kwta/nn';

/** Every attack the studies can run, in report order: the paper's, the adaptive ones, AutoAttack. */
export const SUITE_ATTACKS = ['pgd', 'mim', 'cw', 'deepfool', 'transfer', 'eot', 'bpda', 'square', 'adaptive', 'autoattack'] as const;
/** The name of an attack of the suite. */
export type SuiteAttack = (typeof SUITE_ATTACKS)[number];

/** The quick Table 4 study's set (the paper's attacks, gradient estimation, BPDA, Square). */
export const CLASSIC_ATTACKS: readonly SuiteAttack[] = ['pgd', 'mim', 'cw', 'deepfool', 'transfer', 'eot', 'bpda', 'square'];

/** Which attacks are the standard white-box ones the paper reports, and which are adaptive (AutoAttack, an ensemble, is neither). */
export const STANDARD_ATTACKS: readonly SuiteAttack[] = ['pgd', 'mim', 'cw', 'deepfool'];
/** The attacks adapted to the defence (gradient estimation, BPDA, Square, the published k-WTA attack), as the suite names them. */
export const ADAPTIVE_ATTACKS: readonly SuiteAttack[] = ['eot', 'bpda', 'square', 'adaptive'];

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
  /** AutoAttack's APGD/FAB iterations and Square queries (undefined: the published 100 and 5000). */
  autoAttackSteps?: number;
  autoAttackQueries?: number;
  /** The published k-WTA attack (`kwtaAdaptive`): the fraction of its sample schedule and its iterations (published: 1 and 100). */
  adaptiveBudget: number;
  adaptiveSteps: number;
}

/** The paper's attack budget at radius eps. */
export const paperBudget = (eps: number): AttackBudget => ({
  steps: 20, stepSize: eps / 10, cwSearch: 5, cwSteps: 20, deepfoolSteps: 20, eotSteps: 100, eotSamples: [16, 256, 25], squareQueries: 5000,
  adaptiveBudget: 1, adaptiveSteps: 100,
});

/** A small attack budget at radius eps, for quick runs and tests. */
export const quickBudget = (eps: number): AttackBudget => ({
  steps: 20, stepSize: eps / 10, cwSearch: 2, cwSteps: 10, deepfoolSteps: 5, eotSteps: 10, eotSamples: [8, 16, 5], squareQueries: 100,
  autoAttackSteps: 10, autoAttackQueries: 100, adaptiveBudget: 0.001, adaptiveSteps: 20,
});

/**
 * Build the named attacks against `model` at L-inf radius `eps`, from @kwta/attacks' registry.
 * BPDA differentiates the model's own weights through a smooth k-WTA backward (for a model
 * without k-WTA layers it is plain PGD); `transfer` crafts PGD examples on `transferSource`,
 * which must then be given.
 */
export function buildSuite(names: readonly SuiteAttack[], model: Module, eps: number, b: AttackBudget, transferSource?: Classifier): Attack[] {
  const [initial, max, doubleEvery] = b.eotSamples;
  const settings: AttackSettings = {
    eps, norm: 'linf', steps: b.steps, stepSize: b.stepSize, queries: b.squareQueries,
    estimation: { steps: b.eotSteps, stepSize: eps / 8, samples: { initial, max, doubleEvery } },
  };
  return names.map((name) => {
    switch (name) {
      case 'cw': return buildAttack('cw', settings, { binarySearchSteps: b.cwSearch, steps: b.cwSteps });
      case 'deepfool': return buildAttack('deepfool', { ...settings, iterations: b.deepfoolSteps });
      case 'transfer':
        if (!transferSource) throw new ValueError('buildSuite: the transfer attack needs a transferSource model');
        return buildAttack('transfer', { ...settings, source: transferSource });
      case 'bpda': return buildAttack('bpda', { ...settings, surrogate: bpdaSurrogate(model) });
      case 'pgd': case 'mim': case 'eot': case 'square': return buildAttack(name, settings);
      case 'adaptive': return buildAttack('kwta-adaptive', { ...settings, iterations: b.adaptiveSteps, budget: b.adaptiveBudget });
      case 'autoattack': return buildAttack('autoattack', { ...settings, version: 'standard', iterations: b.autoAttackSteps, queries: b.autoAttackQueries });
      default: throw new ValueError(`buildSuite: unknown attack '${String(name)}' (expected ${SUITE_ATTACKS.join(', ')})`);
    }
  });
}
