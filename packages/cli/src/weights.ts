import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { loadDataset, type RunConfig } from '@kwta/experiments/node';
import { MODEL_NAMES, activationSyntax, buildModel, parseActivation, type ModelName, type Module, type ReadCheckpointOptions } from '@kwta/nn';
import { loadSafetensorsInto, loadTorchCheckpoint } from '@kwta/nn/node';
import type { Command } from 'commander';
import { CliError, parsePositiveInt } from './spec.js';

/**
 * `kwta eval --weights FILE`: evaluate weights trained elsewhere, from a PyTorch checkpoint
 * (`torch.save`, .pt/.pth, read without executing anything) or a safetensors file. The model is
 * one of ours (`--model resnet18 ...`, names as PyTorch's kuangliu/kWTA code) or one of the kWTA
 * repository's sparse models, whose k-WTA layers sit where its code puts them.
 */
export interface WeightsSpec {
  path: string;
  model: string;
  activation: string;
  dataset: string;
  /** Key path of the state dict inside a wrapper (dot-separated), for .pth files. */
  key?: string;
  /** Prefix renames 'from=to,...' applied to the checkpoint's names. */
  rename?: string;
  /** Hidden width of mnist-cnn / mlp (as `kwta train --hidden`). */
  hidden?: number;
  seed: number;
}

export function parseRename(spec: string | undefined): Record<string, string> | undefined {
  if (!spec) return undefined;
  const rules: Record<string, string> = {};
  for (const rule of spec.split(',').map((r) => r.trim()).filter(Boolean)) {
    const eq = rule.indexOf('=');
    if (eq <= 0) throw new CliError(`--rename '${rule}': expected from=to (a name prefix and its replacement)`);
    rules[rule.slice(0, eq)] = rule.slice(eq + 1);
  }
  return rules;
}

export function checkpointOptions(o: { key?: string; rename?: string }): Omit<ReadCheckpointOptions, 'source'> {
  return { ...(o.key ? { key: o.key.split('.') } : {}), rename: parseRename(o.rename) };
}

/** safetensors starts with an 8-byte header length then '{'; anything else is tried as torch.save. */
function isSafetensors(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(9);
    return readSync(fd, head, 0, 9, 0) === 9 && head[8] === 0x7b;
  } finally {
    closeSync(fd);
  }
}

/** Build the model, load the weights by name (strict), and describe it as a run would. */
export function loadWeights(w: WeightsSpec, notes: (line: string) => void = () => {}): { config: RunConfig; model: Module } {
  if (!(MODEL_NAMES as readonly string[]).includes(w.model)) throw new CliError(`--model '${w.model}' is not known (expected ${MODEL_NAMES.join(', ')})`);
  const activation = parseActivation(w.activation);
  const probe = loadDataset(w.dataset, 'test', 1);
  const [, inChannels, inputSize] = probe.shape;
  const { numClasses } = probe;
  const model = buildModel({ name: w.model as ModelName, activation, hidden: w.hidden, seed: w.seed, inChannels, inputSize, numClasses });
  try {
    if (isSafetensors(w.path)) loadSafetensorsInto(model, w.path, { strict: true });
    else for (const n of loadTorchCheckpoint(model, w.path, checkpointOptions(w)).notes) notes(n);
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  const config: RunConfig = {
    model: w.model as ModelName, activation: w.activation, dataset: w.dataset, method: `weights ${basename(w.path)}`, seed: w.seed, hidden: w.hidden,
    inChannels, inputSize, numClasses, weights: w.path,
  };
  return { config, model };
}

/** The options `kwta eval` takes for --weights (kept here so eval's own list stays as it is). */
export function addWeightsOptions(cmd: Command): Command {
  return cmd
    .option('--weights <file>', 'evaluate weights from a PyTorch checkpoint (.pt/.pth) or .safetensors instead of --run')
    .option('--model <name>', `with --weights: ${MODEL_NAMES.join(', ')} (sp-*: the kWTA repository's sparse models)`)
    .option('--activation <spec>', `with --weights: ${activationSyntax().join(' | ')}`)
    .option('--dataset <spec>', 'with --weights: the test set (e.g. cifar10:<dir>)')
    .option('--key <path>', 'with --weights: where the state dict sits in the checkpoint (e.g. state_dict or ema.model)')
    .option('--rename <rules>', "with --weights: rename checkpoint names by prefix, 'from=to,...' (e.g. fc.=linear.)")
    .option('--hidden <n>', 'with --weights: hidden width of mnist-cnn / mlp');
}

/** The WeightsSpec of parsed options, or undefined without --weights; --run and --weights exclude each other. */
export function weightsFromOptions(o: Record<string, unknown>): WeightsSpec | undefined {
  if (!o.weights) {
    if (!o.run) throw new CliError('kwta eval needs --run <dir> (a kwta train run) or --weights <file> with --model, --activation and --dataset');
    return undefined;
  }
  if (o.run) throw new CliError('give either --run or --weights, not both');
  for (const k of ['model', 'activation', 'dataset'] as const) if (!o[k]) throw new CliError(`--weights needs --${k}`);
  return {
    path: String(o.weights), model: String(o.model), activation: String(o.activation), dataset: String(o.dataset),
    key: o.key as string | undefined, rename: o.rename as string | undefined, seed: Number(o.seed ?? 1),
    hidden: o.hidden === undefined ? undefined : parsePositiveInt('hidden', o.hidden as string),
  };
}
