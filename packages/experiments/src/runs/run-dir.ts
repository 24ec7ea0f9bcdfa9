import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueError } from '@kwta/core';
import { buildModel, parseActivation, type Module, type ModelName, type ModelSpec } from '@kwta/nn';
import { loadSafetensorsInto, saveSafetensors } from '@kwta/nn/node';
import { writeJson } from '../files.js';

/** What a training run records so evaluation can rebuild the same model from a run directory. */
export interface RunConfig {
  model: ModelName;
  activation: string;
  hidden?: number;
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

/** The model a run's configuration describes. */
export function modelSpecOf(c: RunConfig): ModelSpec {
  return {
    name: c.model, activation: parseActivation(c.activation), hidden: c.hidden, seed: c.seed,
    inChannels: c.inChannels, inputSize: c.inputSize, numClasses: c.numClasses,
  };
}

/** Write a run directory: its configuration and the model's weights. */
export function saveRun(dir: string, config: RunConfig, model: Module): void {
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, CONFIG_FILE), config);
  saveSafetensors(join(dir, MODEL_FILE), model, { kwta: JSON.stringify({ model: config.model, activation: config.activation }) });
}

/** Rebuild a trained model from `dir` (config.json + model.safetensors), in eval mode. */
export function loadRun(dir: string): { config: RunConfig; model: Module } {
  const cfgPath = join(dir, CONFIG_FILE), modelPath = join(dir, MODEL_FILE);
  for (const p of [cfgPath, modelPath]) {
    if (!existsSync(p)) throw new ValueError(`run directory '${dir}' has no ${p.slice(dir.length + 1)} (train one with: kwta train --out ${dir})`);
  }
  let config: RunConfig;
  try {
    config = JSON.parse(readFileSync(cfgPath, 'utf8')) as RunConfig;
  } catch (e) {
    throw new ValueError(`${cfgPath}: not valid JSON (${(e as Error).message})`);
  }
  const model = buildModel(modelSpecOf(config));
  loadSafetensorsInto(model, modelPath, { strict: true });
  model.eval();
  return { config, model };
}
