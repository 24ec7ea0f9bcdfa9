import { ValueError } from '@kwta/core';
import { buildAttack, type Attack } from '@kwta/attacks';
import { bpdaSurrogate, type Module } from '@kwta/nn';

export interface AttackSettings {
  eps: number;
  /** Steps of the gradient attacks (APGD's and AutoAttack's iterations); Square gets 50 queries per step. */
  steps: number;
}

/** How the attack panel reads an attack's path off the points it queries (see attack-path.ts). */
export type PathMode = 'iterates' | 'best-so-far';

export interface AttackChoice {
  label: string;
  /** One or two sentences for someone who has never heard of the attack. */
  explain: string;
  path: PathMode;
  make(s: AttackSettings, model: Module): Attack;
}

/**
 * The attacks the page offers, in the order it lists them, built from @kwta/attacks' registry.
 * A new attack is one entry here: the Attack panel, the Scoreboard and the tests all read this
 * table.
 */
export const ATTACK_CHOICES = {
  pgd: {
    label: 'PGD',
    explain: 'Projected gradient descent: follow the gradient of the loss, one small step at a time, staying within eps of the digit. The standard attack, and the one k-WTA seems to resist.',
    path: 'iterates',
    make: ({ eps, steps }) => buildAttack('pgd', { eps, steps }, { name: `PGD (${steps} steps)` }),
  },
  bpda: {
    label: 'BPDA',
    explain: "PGD that keeps k-WTA's exact forward pass but takes gradients through a smooth stand-in for it (a sigmoid gate around the winners' threshold). The adaptive attack that sees through k-WTA's jumps.",
    path: 'iterates',
    make: ({ eps, steps }, model) => buildAttack('bpda', { eps, steps, surrogate: bpdaSurrogate(model) }, { name: `BPDA (${steps} steps)` }),
  },
  'gradient-estimation': {
    label: 'Gradient estimation',
    explain: 'Never asks for a gradient: it probes the network at random nearby points and estimates which way the loss rises on average, which smooths over the jumps.',
    path: 'iterates',
    make: ({ eps, steps }) =>
      buildAttack('eot', { eps, estimation: { steps, stepSize: eps / 8, samples: { initial: 16, max: 128, doubleEvery: Math.max(1, Math.round(steps / 4)) } } }),
  },
  square: {
    label: 'Square',
    explain: 'No gradients at all: tries random square patches of +eps or -eps and keeps a patch whenever it lowers the right answer\'s lead. Gradient tricks cannot fool it.',
    path: 'best-so-far',
    make: ({ eps, steps }) => buildAttack('square', { eps, queries: 50 * steps }),
  },
  apgd: {
    label: 'APGD',
    explain: 'PGD that picks its own step size: it starts with big steps and halves them whenever progress stalls, going back to the best point found so far. The first attack of AutoAttack.',
    path: 'iterates',
    make: ({ eps, steps }) => buildAttack('apgd-ce', { eps, iterations: steps }, { name: `APGD-CE (${steps} steps)` }),
  },
  autoattack: {
    label: 'AutoAttack',
    explain: 'The standard robustness test: APGD, then targeted APGD and FAB towards the most likely wrong classes, then Square, each one only where the ones before failed. The path keeps each point that brings the digit closer to a wrong answer.',
    path: 'best-so-far',
    make: ({ eps, steps }) => buildAttack('autoattack', { eps, iterations: steps, queries: 50 * steps }),
  },
} satisfies Record<string, AttackChoice>;

export type AttackId = keyof typeof ATTACK_CHOICES;
export const ATTACK_IDS = Object.keys(ATTACK_CHOICES) as AttackId[];

export function attackChoice(id: string): AttackChoice {
  if (!Object.prototype.hasOwnProperty.call(ATTACK_CHOICES, id)) throw new ValueError(`unknown attack '${id}' (known: ${ATTACK_IDS.join(', ')})`);
  return ATTACK_CHOICES[id as AttackId];
}
