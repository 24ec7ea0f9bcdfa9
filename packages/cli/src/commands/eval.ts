import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, ValueError } from '@kwta/core';
import { reportOf, targetName, type CheckOptions, type EvaluationReport, type EvaluationState, type Shard, type TargetSpec } from '@kwta/attacks';
import { evaluateWithStateFile } from '@kwta/attacks/node';
import { batchToTensors, gatherBatch, take } from '@kwta/datasets';
import { loadDataset, loadRun, writeJson, type RunConfig } from '@kwta/experiments/node';
import { activationLabel, parseActivation } from '@kwta/nn';
import { prepareOutputFile } from '@kwta/nn/node';
import { buildAttacks, type CliAttackSettings } from '../attacks.js';
import { progressBar, type Bar } from '../progress.js';
import { CliError } from '../spec.js';
import { loadWeights, type WeightsSpec } from '../weights.js';

export interface EvalCommandOptions {
  /** A run directory written by `kwta train`, or (instead) weights trained elsewhere. */
  run?: string;
  weights?: WeightsSpec;
  attacks: string[];
  settings: CliAttackSettings;
  examples: number;
  batchSize: number;
  seed: number;
  /** Gradient-masking and sanity checks: false to skip, or their options. */
  checks: CheckOptions | false;
  /** A targeted evaluation: every attack once per target choice. */
  targets?: TargetSpec[];
  /** Evaluate one shard of the examples; `kwta report` merges the shards. */
  shard?: Shard;
  /** The evaluation state file (default: next to the output); an existing one is resumed. */
  state?: string;
  /** Start over even if a state file exists. */
  fresh?: boolean;
  /** Bytes of live tensors one model call of an attack may hold. */
  memoryBudget?: number;
  out?: string;
  quiet?: boolean;
}

/** What an evaluation was asked to do (recorded in its output). */
export type EvalSettings = CliAttackSettings & { attacks: string[]; examples: number; targets: string[]; seed: number; batchSize: number };

export interface EvalSummary {
  run: string;
  label: string;
  config: RunConfig;
  settings: EvalSettings;
  report: EvaluationReport;
  seconds: number;
}

/** One shard of an evaluation: everything but the report, and the shard's finished state (`kwta report` merges shards). */
export interface ShardSummary extends Omit<EvalSummary, 'report'> {
  shard: string;
  state: EvaluationState;
}

const shardTag = (s: Shard) => `shard-${s.index}-of-${s.count}`;

/** Where the output goes: <run>/eval.json or <weights>.eval.json, a shard's with its tag before .json. */
export function evalOutput(o: Pick<EvalCommandOptions, 'out' | 'run' | 'weights' | 'shard'>): string {
  const out = o.out ?? (o.weights ? `${o.weights.path}.eval.json` : join(o.run!, 'eval.json'));
  return o.shard && !o.out ? out.replace(/\.json$/, `.${shardTag(o.shard)}.json`) : out;
}

/** The state file next to the output: eval.json -> eval.state.json. */
export const statePathFor = (out: string): string => `${out.replace(/\.json$/, '')}.state.json`;

/**
 * `kwta eval`: clean accuracy, accuracy under each attack, worst case, masking and sanity checks.
 * The state is kept in a file after every batch, so a killed evaluation resumes where it stopped;
 * with `shard` it evaluates one slice and writes a shard summary instead of a report.
 */
export function runEval(o: EvalCommandOptions): EvalSummary | ShardSummary {
  const started = Date.now();
  if (!o.weights && !o.run) throw new CliError('eval needs a run directory or weights');
  // Where the result goes is checked first: an unusable --out fails now, not after the attacks.
  const out = evalOutput(o);
  prepareOutputFile(out);
  const { config, model } = o.weights ? loadWeights(o.weights, (n) => { if (!o.quiet) console.error(`note: ${n}`); }) : loadRun(o.run!);
  const source = o.weights?.path ?? o.run!;
  const label = `${config.model} ${activationLabel(parseActivation(config.activation))} ${config.method}`;
  const slice = take(loadDataset(config.dataset, 'test'), o.examples);
  const attacks = buildAttacks(o.attacks, model, o.settings);
  const { images, labels } = batchToTensors(gatherBatch(slice, Int32Array.from({ length: slice.labels.length }, (_, i) => i)));
  const statePath = o.state ?? statePathFor(out);
  if (o.fresh) rmSync(statePath, { force: true });
  const resuming = existsSync(statePath);
  let bar: Bar | null = null, current = '';
  let state: EvaluationState;
  try {
    state = evaluateWithStateFile(model, images, labels, statePath, {
      attacks, gen: new Generator(o.seed), batchSize: o.batchSize, checks: o.checks, targets: o.targets, shard: o.shard, memoryBudget: o.memoryBudget,
      onProgress: (p) => {
        const key = `${p.stage}:${p.name}`;
        if (key !== current) {
          bar?.stop();
          current = key;
          bar = progressBar(`${label}: ${p.stage === 'check' ? 'check ' : ''}${p.name}`.slice(0, 60), p.total, { quiet: o.quiet });
        }
        if (p.detail !== undefined) bar!.note?.(p.detail);
        else bar!.update(p.done, p.status);
      },
    });
  } catch (e) {
    if (resuming && e instanceof ValueError && /the state/.test(e.message)) throw new CliError(`${statePath} holds another evaluation (${e.message}); delete it or pass --fresh to start over`);
    throw e;
  } finally {
    (bar as Bar | null)?.stop();
    images.dispose();
    labels.dispose();
    model.dispose();
  }
  const settings: EvalSettings = { ...o.settings, attacks: o.attacks, examples: o.examples, targets: (o.targets ?? []).map(targetName), seed: o.seed, batchSize: o.batchSize };
  const head = { run: source, label, config, settings, seconds: (Date.now() - started) / 1000 };
  const summary: EvalSummary | ShardSummary = o.shard ? { ...head, shard: `${o.shard.index}/${o.shard.count}`, state } : { ...head, report: reportOf(state) };
  writeJson(out, summary);
  // The output holds the result (a shard's holds its state): the state file was only there to survive a kill.
  rmSync(statePath, { force: true });
  return summary;
}

export const isShard = (s: EvalSummary | ShardSummary): s is ShardSummary => 'shard' in s;
