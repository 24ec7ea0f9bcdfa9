import {
  BPDA, CarliniWagnerL2, DeepFool, EstimatedGradientPGD, FGSM, MIM, PGD, SquareAttack, TransferAttack, type Attack, type Classifier,
} from '@kwta/attacks';
import { loadRun } from '@kwta/experiments/node';
import { bpdaSurrogate, type Module } from '@kwta/nn';
import { CliError } from './spec.js';

export const ATTACK_NAMES = ['fgsm', 'pgd', 'mim', 'cw', 'cw-linf', 'deepfool', 'eot', 'bpda', 'square', 'transfer:<runDir>'] as const;

export interface AttackSettings {
  eps: number;
  /** Steps of the iterative white-box attacks (paper MNIST: 20) and their size (paper: 0.03). */
  steps: number;
  stepSize: number;
  /** Gradient-estimation PGD: steps and the sample schedule (initial, max, doubleEvery). */
  eotSteps: number;
  eotSamples: [number, number, number];
  /** Square attack query budget. */
  queries: number;
}

/** Paper settings for MNIST (App. D.1) and adaptive budgets sized for this 2-core machine. */
export const DEFAULT_ATTACK_SETTINGS: AttackSettings = {
  eps: 0.3, steps: 20, stepSize: 0.03, eotSteps: 40, eotSamples: [16, 128, 10], queries: 1000,
};

/** Build attacks by name against `model` (the BPDA surrogate is derived from it). */
export function buildAttacks(names: string[], model: Module, s: AttackSettings): Attack[] {
  return names.map((raw) => {
    const name = raw.trim();
    const { eps, steps, stepSize } = s;
    switch (name) {
      case 'fgsm': return new FGSM({ eps });
      case 'pgd': return new PGD({ eps, steps, stepSize, randomStart: true, name: `PGD-${steps}` });
      case 'mim': return new MIM({ eps, steps, stepSize });
      case 'cw': return new CarliniWagnerL2({ eps, norm: 'linf' });
      case 'cw-linf': return new PGD({ eps, steps, stepSize, loss: 'margin', name: `CW-Linf-${steps}` });
      case 'deepfool': return new DeepFool({ eps, norm: 'linf', steps: 20, candidates: 10 });
      case 'eot': {
        const [initial, max, doubleEvery] = s.eotSamples;
        return new EstimatedGradientPGD({ eps, steps: s.eotSteps, stepSize: eps / 8, samples: { initial, max, doubleEvery } });
      }
      case 'bpda': return new BPDA({ eps, steps, stepSize, randomStart: true, surrogate: bpdaSurrogate(model) });
      case 'square': return new SquareAttack({ eps, queries: s.queries });
      default:
        if (name.startsWith('transfer:')) {
          const source: Classifier = loadRun(name.slice('transfer:'.length)).model;
          return new TransferAttack(source, new PGD({ eps, steps, stepSize, randomStart: true }), `transfer(${name.slice(9)})`);
        }
        throw new CliError(`unknown attack '${name}' (expected ${ATTACK_NAMES.join(', ')})`);
    }
  });
}
