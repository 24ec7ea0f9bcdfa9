import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { MODEL_NAMES, buildModel, parseActivation, type Module, type ModelName, type ModelSpec } from '@kwta/nn';
import { FileError, loadSafetensorsInto, readSafetensorsMetadata, saveSafetensors } from '@kwta/nn/node';
import { writeJson } from '../files.js';
import { DEFINITION_NAMES, differences, type RunDefinition } from './definition.js';

/** What a run directory's config.json holds: the run's definition and the shapes of its data. */
export interface RunConfig extends Partial<Omit<RunDefinition, 'model' | 'activation' | 'dataset' | 'method' | 'seed'>> {
  model: ModelName;
  activation: string;
  dataset: string;
  method: string;
  seed: number;
  inChannels: number;
  inputSize: number;
  numClasses: number;
  [key: string]: unknown;
}

/** The file of a run directory holding the trained weights. */
export const MODEL_FILE = 'model.safetensors';
/** The file of a run directory holding the run's configuration. */
export const CONFIG_FILE = 'config.json';
/** Every file a run directory holds (what --overwrite removes). */
export const RUN_FILES = [CONFIG_FILE, MODEL_FILE, 'checkpoint.safetensors', 'train.json', 'eval.json'] as const;

/** The model a run's configuration describes. */
export function modelSpecOf(c: RunConfig): ModelSpec {
  return {
    name: c.model, activation: parseActivation(c.activation), hidden: c.hidden, seed: c.seed,
    inChannels: c.inChannels, inputSize: c.inputSize, numClasses: c.numClasses,
  };
}

/** `dir`'s config.json, checked to be a run config (null when there is none). */
export function readRunConfig(dir: string): RunConfig | null {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ValueError(`${path} is not a run config: ${(e as Error).message}`);
  }
  const bad = (why: string) => new ValueError(`${path} is not a run config: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`expected a JSON object, got ${JSON.stringify(value)}`);
  const c = value as Record<string, unknown>;
  if (!(MODEL_NAMES as readonly unknown[]).includes(c.model)) throw bad(`model ${JSON.stringify(c.model)} is not one of ${MODEL_NAMES.join(', ')}`);
  for (const k of ['activation', 'dataset', 'method'] as const) if (typeof c[k] !== 'string') throw bad(`${k} must be a string, got ${JSON.stringify(c[k])}`);
  for (const k of ['seed', 'inChannels', 'inputSize', 'numClasses'] as const) if (!Number.isInteger(c[k])) throw bad(`${k} must be an integer, got ${JSON.stringify(c[k])}`);
  return c as RunConfig;
}

/** Write config.json and the weights, whose metadata records the same config. */
export function saveRun(dir: string, config: RunConfig, model: Module): void {
  writeJson(join(dir, CONFIG_FILE), config);
  saveSafetensors(join(dir, MODEL_FILE), model, { kwta: JSON.stringify(config) });
}

/**
 * Rebuild a trained model from `dir` (config.json + model.safetensors), in eval mode. The
 * definition recorded in the weights must agree with config.json (a rerun that relabelled old
 * weights is caught), and the weights must be finite.
 */
export function loadRun(dir: string): { config: RunConfig; model: Module } {
  const cfgPath = join(dir, CONFIG_FILE), modelPath = join(dir, MODEL_FILE);
  const config = readRunConfig(dir);
  if (!config) throw new FileError(`run directory '${dir}' has no ${CONFIG_FILE} (${cfgPath}): train one with kwta train --out ${dir}`);
  if (!existsSync(modelPath)) throw new FileError(`run directory '${dir}' has no ${MODEL_FILE} (${modelPath}): its training did not finish; rerun kwta train --out ${dir} to resume it`);
  const trainedAs = recordedIn(modelPath);
  if (trainedAs) {
    const keys = DEFINITION_NAMES.filter((k) => k in trainedAs);
    const diff = differences(trainedAs, config as Partial<RunDefinition>, { labels: ['weights', 'config'], keys });
    if (diff.length) throw new ValueError(`${modelPath} was trained as another run than ${cfgPath} says: ${diff.join(', ')}`);
  }
  const model = buildModel(modelSpecOf(config));
  loadSafetensorsInto(model, modelPath, { strict: true });
  model.eval();
  return { config, model };
}

/** The definition recorded in a model file's metadata (older files: model and activation only). */
function recordedIn(modelPath: string): Partial<RunDefinition> | null {
  const metadata = readSafetensorsMetadata(modelPath);
  try {
    return metadata.kwta ? (JSON.parse(metadata.kwta) as Partial<RunDefinition>) : null;
  } catch {
    return null;
  }
}
