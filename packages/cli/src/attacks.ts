import { ATTACKS, ATTACK_NAMES, AUTOATTACK_VERSIONS, NORMS, buildAttack, isAttackName, topTargets, type Attack, type AttackSettings, type AutoAttackVersion, type Norm, type TargetSpec } from '@kwta/attacks';
import { loadRun } from '@kwta/experiments/node';
import { bpdaSurrogate, type Module } from '@kwta/nn';
import { CliError } from './spec.js';

/** What --attacks accepts: every registered attack (the transfer attack with the run it crafts on). */
export const ATTACK_CHOICES: readonly string[] = ATTACK_NAMES.map((n) => (n === 'transfer' ? 'transfer:<runDir>' : n));

/** One line per attack for `kwta attacks`: name, norms, what it is. */
export function attackList(): string[] {
  const width = Math.max(...ATTACK_CHOICES.map((c) => c.length));
  return ATTACK_NAMES.map((n, i) => `${ATTACK_CHOICES[i].padEnd(width)}  ${ATTACKS[n].norms.join('/').padEnd(10)}  ${ATTACKS[n].describe}`);
}

/** The command line's attack settings: the registry's shared settings without the models, which the CLI derives. */
export type CliAttackSettings = Omit<AttackSettings, 'surrogate' | 'source'> & { norm: Norm };

/**
 * Paper settings for MNIST (App. D.1: PGD 20 steps of 0.03 at eps 0.3) and a gradient-estimation
 * budget sized for this 2-core machine; everything else takes each attack's own defaults
 * (AutoAttack's: 100 iterations, 5000 Square queries).
 */
export const DEFAULT_ATTACK_SETTINGS: CliAttackSettings = {
  eps: 0.3, norm: 'linf', steps: 20, stepSize: 0.03, estimation: { steps: 40, stepSize: 0.3 / 8, samples: { initial: 16, max: 128, doubleEvery: 10 } },
};

/**
 * Build attacks by name from the registry against `model`: BPDA's surrogate is the model's
 * smooth-backward twin (@kwta/nn's bpdaSurrogate), `transfer:<runDir>` crafts on that run's model.
 */
export function buildAttacks(names: string[], model: Module, s: CliAttackSettings): Attack[] {
  return names.map((raw) => {
    const name = raw.trim();
    const transfer = name.startsWith('transfer:') ? name.slice('transfer:'.length) : null;
    const key = transfer !== null ? 'transfer' : name;
    if (!isAttackName(key) || (key === 'transfer' && !transfer)) throw new CliError(`unknown attack '${name}' (expected ${ATTACK_CHOICES.join(', ')}; kwta attacks lists them)`);
    if (!ATTACKS[key].norms.includes(s.norm)) throw new CliError(`attack '${key}' supports --norm ${ATTACKS[key].norms.join(', ')}, not ${s.norm}`);
    if (transfer) return buildAttack('transfer', { ...s, source: loadRun(transfer).model }, { name: `PGD from ${transfer}` });
    return buildAttack(key, key === 'bpda' ? { ...s, surrogate: bpdaSurrogate(model) } : s);
  });
}

export function parseNorm(v: unknown): Norm {
  if (!NORMS.includes(v as Norm)) throw new CliError(`--norm must be ${NORMS.join(', ')}, got '${String(v)}'`);
  return v as Norm;
}

export function parseVersion(v: unknown): AutoAttackVersion {
  if (!AUTOATTACK_VERSIONS.includes(v as AutoAttackVersion)) throw new CliError(`--version must be ${AUTOATTACK_VERSIONS.join(', ')}, got '${String(v)}'`);
  return v as AutoAttackVersion;
}

/** --targets: random, least-likely, rank-<r> (the r-th most likely other class) and top-<k> (ranks 1..k). */
export function parseTargets(list: string[]): TargetSpec[] {
  return list.flatMap((t): TargetSpec[] => {
    if (t === 'random' || t === 'least-likely') return [t];
    const m = /^(rank|top)-(\d+)$/.exec(t);
    if (m && Number(m[2]) >= 1) return m[1] === 'rank' ? [{ rank: Number(m[2]) }] : topTargets(Number(m[2]));
    throw new CliError(`--targets: '${t}' is not random, least-likely, rank-<r> or top-<k>`);
  });
}
