import { ValueError } from '@kwta/core';
import type { Attack, AttackKind } from './attack.js';
import { APGD, APGDT, type ApgdConfig, type ApgdTargetedConfig } from './attacks/apgd.js';
import { AutoAttack, type AutoAttackConfig, type AutoAttackVersion } from './attacks/autoattack.js';
import { BPDA, type BpdaConfig } from './attacks/bpda.js';
import { CarliniWagnerL2, type CwConfig } from './attacks/cw.js';
import { DeepFool, type DeepFoolConfig } from './attacks/deepfool.js';
import { EstimatedGradientPGD, type EstimatedGradientConfig, type SampleSchedule } from './attacks/estimated-gradient.js';
import { FAB, FABT, type FabConfig, type FabTargetedConfig } from './attacks/fab.js';
import { FGSM, type FgsmConfig } from './attacks/fgsm.js';
import { MIM, PGD, type MimConfig, type PgdConfig } from './attacks/pgd.js';
import { SquareAttack, type SquareConfig } from './attacks/square.js';
import { TransferAttack } from './attacks/transfer.js';
import type { Classifier } from './classifier.js';
import { kwtaAdaptive, type KwtaAdaptiveConfig } from './presets.js';
import { NORMS, type Norm } from './threat.js';

/** What some attacks need besides their options, for `quick` configurations. */
export interface QuickModels {
  /** BPDA's surrogate (exact forward, smooth backward of the attacked model). */
  surrogate: Classifier;
  /** The transfer attack's source model. */
  source: Classifier;
}

/**
 * What a front end says about a run (the CLI's flags, an experiment's budget), in terms every
 * attack understands: each entry takes what applies to it and keeps its own defaults for the
 * rest, so a front end builds any registered attack, present or future, from these.
 */
export interface AttackSettings {
  eps: number;
  /** Default 'linf'. */
  norm?: Norm;
  /** The fixed-step gradient attacks (PGD, MIM, BPDA, the C&W L-inf form, the transfer attack's PGD): steps and their size. */
  steps?: number;
  stepSize?: number;
  /** Iterations of the adaptive-step and minimum-norm attacks: APGD, APGD-T, FAB, FAB-T, DeepFool, kwta-adaptive and AutoAttack's members (their defaults: 100; DeepFool 20). */
  iterations?: number;
  restarts?: number;
  /** Square's queries, AutoAttack's Square's too (default 5000, AutoAttack's budget). */
  queries?: number;
  /** AutoAttack's version (default 'standard'). */
  version?: AutoAttackVersion;
  /** Gradient estimation ('eot'): steps, their size (default eps / 4) and the sample schedule. */
  estimation?: { steps?: number; stepSize?: number; samples?: SampleSchedule };
  /** kwta-adaptive: the fraction of the published sample schedule (default 1). */
  budget?: number;
  /** BPDA's surrogate (exact forward, smooth backward of the attacked model). */
  surrogate?: Classifier;
  /** The transfer attack's source model. */
  source?: Classifier;
}

/** One attack of the registry: its description, kind, norms, and how to build it from options. */
export interface RegistryEntry<O> {
  /** One line for --help and reports. */
  describe: string;
  kind: AttackKind;
  /** The norms the attack is defined for. */
  norms: readonly Norm[];
  /** Build the attack from its options. */
  make(options: O): Attack;
  /** Its options from a front end's settings (buildAttack). */
  settings(s: AttackSettings & { norm: Norm }): O;
  /**
   * Options for a quick run at (eps, norm): a few steps or queries. The invariants test builds
   * every registered attack from these, so a new entry is tested the moment it is added.
   */
  quick(eps: number, norm: Norm, models: QuickModels): O;
}

/** What every entry is, whatever its options (the table's element type). */
interface AnyEntry {
  describe: string;
  kind: AttackKind;
  norms: readonly Norm[];
  make(options: never): Attack;
  settings(s: AttackSettings & { norm: Norm }): unknown;
  quick(eps: number, norm: Norm, models: QuickModels): unknown;
}

/** A model the settings must carry for this attack, or a ValueError naming it. */
function needs<K extends 'surrogate' | 'source'>(name: string, s: AttackSettings, key: K): Classifier {
  const m = s[key];
  if (!m) throw new ValueError(`buildAttack: '${name}' needs settings.${key} (${key === 'surrogate' ? 'the smooth-backward twin of the attacked model' : 'the model its examples are crafted on'})`);
  return m;
}

/** An entry with its option type inferred from `make`. */
const entry = <O>(e: RegistryEntry<O>): RegistryEntry<O> => e;

export interface TransferConfig extends PgdConfig {
  /** The model the PGD examples are crafted on. */
  source: Classifier;
}

/**
 * Every attack by name, with typed options: the CLI, the experiments and the invariants test all
 * build from this table, so a new attack is one file plus one line here.
 */
export const ATTACKS = {
  fgsm: entry<FgsmConfig>({
    describe: 'FGSM: one signed gradient step of eps', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm }) => ({ eps, norm }),
    make: (o) => new FGSM(o), quick: (eps, norm) => ({ eps, norm }),
  }),
  pgd: entry<PgdConfig>({
    describe: 'PGD (Madry et al.): projected steps from a random start', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, steps, stepSize, restarts }) => ({ eps, norm, steps, stepSize, restarts }),
    make: (o) => new PGD(o), quick: (eps, norm) => ({ eps, norm, steps: 8, restarts: 2 }),
  }),
  mim: entry<MimConfig>({
    describe: 'MIM (Dong et al.): PGD with accumulated L1-normalised gradients', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, steps, stepSize }) => ({ eps, norm, steps, stepSize }),
    make: (o) => new MIM(o), quick: (eps, norm) => ({ eps, norm, steps: 8, stepSize: eps / 4 }),
  }),
  cw: entry<CwConfig>({
    describe: 'Carlini & Wagner L2, the result clipped into the threat set', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm }) => ({ eps, norm }),
    make: (o) => new CarliniWagnerL2(o), quick: (eps, norm) => ({ eps, norm, binarySearchSteps: 2, steps: 8, learningRate: 0.05 }),
  }),
  'cw-linf': entry<Omit<PgdConfig, 'loss'>>({
    describe: 'the C&W L-inf form: PGD on the margin loss', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, steps, stepSize, restarts }) => ({ eps, norm, steps, stepSize, restarts }),
    make: (o) => new PGD({ ...o, loss: 'margin', name: o.name ?? `CW-${o.norm ?? 'linf'}(eps=${o.eps}, ${o.steps ?? 40} steps)` }),
    quick: (eps, norm) => ({ eps, norm, steps: 8 }),
  }),
  deepfool: entry<DeepFoolConfig>({
    describe: 'DeepFool: steps to the linearised boundary (untargeted)', kind: 'white-box', norms: ['linf', 'l2'],
    settings: ({ eps, norm, iterations }) => ({ eps, norm, steps: iterations }),
    make: (o) => new DeepFool(o), quick: (eps, norm) => ({ eps, norm, steps: 8 }),
  }),
  transfer: entry<TransferConfig>({
    describe: 'transfer: PGD examples crafted on another model (every step taken, no early stop on the source)', kind: 'transfer', norms: NORMS,
    settings: (s) => ({ eps: s.eps, norm: s.norm, steps: s.steps, stepSize: s.stepSize, restarts: s.restarts, source: needs('transfer', s, 'source') }),
    make: ({ source, ...o }) => new TransferAttack(source, new PGD({ ...o, earlyStop: false })), quick: (eps, norm, m) => ({ eps, norm, steps: 5, source: m.source }),
  }),
  eot: entry<EstimatedGradientConfig>({
    describe: 'PGD on a Gaussian-smoothed margin, gradient estimated by sampling (Tramèr et al.)', kind: 'adaptive', norms: NORMS,
    settings: ({ eps, norm, estimation }) => ({ eps, norm, steps: estimation?.steps, stepSize: estimation?.stepSize, samples: estimation?.samples }),
    make: (o) => new EstimatedGradientPGD(o), quick: (eps, norm) => ({ eps, norm, steps: 5, samples: { initial: 4, max: 8, doubleEvery: 2 } }),
  }),
  bpda: entry<BpdaConfig>({
    describe: 'BPDA: PGD through a smooth surrogate backward', kind: 'adaptive', norms: NORMS,
    settings: (s) => ({ eps: s.eps, norm: s.norm, steps: s.steps, stepSize: s.stepSize, restarts: s.restarts, surrogate: needs('bpda', s, 'surrogate') }),
    make: (o) => new BPDA(o), quick: (eps, norm, m) => ({ eps, norm, steps: 8, surrogate: m.surrogate }),
  }),
  square: entry<SquareConfig>({
    describe: 'Square (Andriushchenko et al.): random search, 5000 queries', kind: 'gradient-free', norms: ['linf', 'l2'],
    settings: ({ eps, norm, queries }) => ({ eps, norm, queries }),
    make: (o) => new SquareAttack(o), quick: (eps, norm) => ({ eps, norm, queries: 40 }),
  }),
  'apgd-ce': entry<Omit<ApgdConfig, 'loss'>>({
    describe: 'APGD on cross-entropy (Croce & Hein)', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, iterations, restarts }) => ({ eps, norm, steps: iterations, restarts }),
    make: (o) => new APGD({ ...o, loss: 'ce' }), quick: (eps, norm) => ({ eps, norm, steps: 10, restarts: 2 }),
  }),
  'apgd-dlr': entry<Omit<ApgdConfig, 'loss'>>({
    describe: 'APGD on the DLR loss (Croce & Hein)', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, iterations, restarts }) => ({ eps, norm, steps: iterations, restarts }),
    make: (o) => new APGD({ ...o, loss: 'dlr' }), quick: (eps, norm) => ({ eps, norm, steps: 10 }),
  }),
  'apgd-t': entry<ApgdTargetedConfig>({
    describe: 'APGD-T: targeted DLR towards the top-9 other classes', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, iterations, restarts }) => ({ eps, norm, steps: iterations, restarts, largeEps: norm === 'l1' }),
    make: (o) => new APGDT(o), quick: (eps, norm) => ({ eps, norm, steps: 8, largeEps: norm === 'l1' }),
  }),
  fab: entry<FabConfig>({
    describe: 'FAB (Croce & Hein): minimum-norm, untargeted', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, iterations, restarts }) => ({ eps, norm, steps: iterations, restarts }),
    make: (o) => new FAB(o), quick: (eps, norm) => ({ eps, norm, steps: 8, restarts: 2 }),
  }),
  'fab-t': entry<FabTargetedConfig>({
    describe: 'FAB-T: FAB towards the top-9 other classes', kind: 'white-box', norms: NORMS,
    settings: ({ eps, norm, iterations, restarts }) => ({ eps, norm, steps: iterations, restarts }),
    make: (o) => new FABT(o), quick: (eps, norm) => ({ eps, norm, steps: 8 }),
  }),
  autoattack: entry<AutoAttackConfig>({
    describe: "AutoAttack ('standard' | 'plus' | 'rand'): APGD-CE, APGD-T, FAB-T, Square on what is left", kind: 'ensemble', norms: NORMS,
    settings: ({ eps, norm, version, iterations, queries }) => ({ eps, norm, version, steps: iterations, queries }),
    make: (o) => new AutoAttack(o), quick: (eps, norm) => ({ eps, norm, steps: 6, queries: 30 }),
  }),
  'kwta-adaptive': entry<KwtaAdaptiveConfig>({
    describe: "the published k-WTA attack (Tramèr et al. 2020): margin, antithetic gradient estimates, 100-1000-20000 samples", kind: 'adaptive', norms: ['linf'],
    settings: ({ eps, iterations, budget }) => ({ eps, steps: iterations, budget }),
    make: (o) => kwtaAdaptive(o), quick: (eps) => ({ eps, steps: 6, budget: 0.001 }),
  }),
} satisfies Record<string, AnyEntry>;

/** The name of an attack in the registry ('fgsm', 'pgd', 'apgd-ce', ...). */
export type AttackName = keyof typeof ATTACKS;

/** The options an attack takes, by name. */
export type AttackOptions<N extends AttackName> = Parameters<(typeof ATTACKS)[N]['make']>[0];

/** Every attack name the registry knows, in its order. */
export const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

/** Whether `name` is an attack the registry knows. */
export function isAttackName(name: string): name is AttackName {
  return Object.prototype.hasOwnProperty.call(ATTACKS, name);
}

/** Build a registered attack; unknown names and norms the attack does not support are a ValueError. */
export function makeAttack<N extends AttackName>(name: N, options: AttackOptions<N>): Attack {
  if (!isAttackName(name)) throw new ValueError(`makeAttack: unknown attack '${String(name)}' (known: ${ATTACK_NAMES.join(', ')})`);
  const e = ATTACKS[name] as RegistryEntry<AttackOptions<N>>;
  const norm = (options as { norm?: Norm }).norm;
  if (norm !== undefined && !e.norms.includes(norm)) throw new ValueError(`makeAttack: '${name}' supports norm ${e.norms.join(', ')}, got '${String(norm)}'`);
  return e.make(options);
}

/**
 * Build a registered attack from a front end's settings (see AttackSettings), with `overrides`
 * for options the settings do not cover (a name, C&W's binary search). Unknown names, norms the
 * attack does not support and missing models are a ValueError.
 */
export function buildAttack<N extends AttackName>(name: N, settings: AttackSettings, overrides: Partial<AttackOptions<N>> = {}): Attack {
  if (!isAttackName(name)) throw new ValueError(`buildAttack: unknown attack '${String(name)}' (known: ${ATTACK_NAMES.join(', ')})`);
  const e = ATTACKS[name] as RegistryEntry<AttackOptions<N>>;
  const norm = settings.norm ?? 'linf';
  if (!e.norms.includes(norm)) throw new ValueError(`buildAttack: '${name}' supports norm ${e.norms.join(', ')}, got '${String(norm)}'`);
  return makeAttack(name, { ...e.settings({ ...settings, norm }), ...overrides });
}
