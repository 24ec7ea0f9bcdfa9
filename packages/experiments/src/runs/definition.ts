import type { ModelName } from '@kwta/nn';
import type { Method } from '@kwta/train';

/**
 * Everything that defines a training run: two runs with equal definitions train the same
 * weights. A run directory records it (config.json, and the weights' metadata), and a rerun
 * into the same directory is compared with it key by key.
 */
export interface RunDefinition {
  model: ModelName;
  activation: string;
  method: Method;
  dataset: string;
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  weightDecay: number;
  milestones: number[];
  eps: number;
  attackSteps: number;
  tradesBeta: number;
  freeReplays: number;
  hidden?: number;
  trainLimit?: number;
  seed: number;
  /** Incremental sparsity: gamma0,gamma1,delta,initialEpochs[,epochsPerStep] */
  sparsity?: number[];
  /** at / trades / free: ramp the radius linearly, eps·(e+1)/n in epoch e < n, then eps (default: no ramp). */
  epsRampEpochs?: number;
  /** Augment: random crops of the image padded by this many pixels (random shifts of up to that many; default none). */
  cropPadding?: number;
}

/** Every key of a definition, once: a key missing here (or one too many) fails the build. */
const DEFINITION_KEYS: { readonly [K in keyof RunDefinition]-?: true } = {
  model: true, activation: true, method: true, dataset: true, epochs: true, batchSize: true, optimizer: true, lr: true,
  momentum: true, weightDecay: true, milestones: true, eps: true, attackSteps: true, tradesBeta: true, freeReplays: true,
  hidden: true, trainLimit: true, seed: true, sparsity: true, epsRampEpochs: true, cropPadding: true,
};

/** The names of a run's defining options, in the table's order. */
export const DEFINITION_NAMES = Object.keys(DEFINITION_KEYS) as (keyof RunDefinition)[];

/** Just the definition's keys of `o` (a run's options or a recorded config). */
export function definitionOf(o: RunDefinition): RunDefinition {
  return Object.fromEntries(DEFINITION_NAMES.map((k) => [k, o[k]])) as unknown as RunDefinition;
}

const show = (v: unknown) => (v === undefined || v === null ? 'unset' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The keys where `recorded` and `now` differ, each as `key (<a> <recorded>, <b> <now>)` with
 * the labels `a`, `b`, or `key differs (...)` with `verb`.
 */
export function differences(recorded: Partial<RunDefinition>, now: Partial<RunDefinition>, o: { labels?: [string, string]; keys?: readonly (keyof RunDefinition)[]; verb?: boolean } = {}): string[] {
  const [a, b] = o.labels ?? ['recorded', 'now'];
  return (o.keys ?? DEFINITION_NAMES)
    .filter((k) => !same(recorded[k], now[k]))
    .map((k) => `${k}${o.verb ? ' differs' : ''} (${a} ${show(recorded[k])}, ${b} ${show(now[k])})`);
}
