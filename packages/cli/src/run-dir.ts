import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJson } from '@kwta/experiments';
import type { Module } from '@kwta/nn';
import { loadSafetensorsInto, saveSafetensors } from '@kwta/nn/node';
import { CliError, buildModel, parseActivation, type ModelSpec, type ModelName } from './spec.js';

// One JSON writer for the whole project (@kwta/experiments': it creates directories as needed).
export { writeJson };

/** What `kwta train` records so `kwta eval` can rebuild the same model from a run directory. */
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

export const MODEL_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

export function modelSpecOf(c: RunConfig): ModelSpec {
  return {
    name: c.model, activation: parseActivation(c.activation), hidden: c.hidden, seed: c.seed,
    inChannels: c.inChannels, inputSize: c.inputSize, numClasses: c.numClasses,
  };
}

export function saveRun(dir: string, config: RunConfig, model: Module): void {
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, CONFIG_FILE), config);
  saveSafetensors(join(dir, MODEL_FILE), model, { kwta: JSON.stringify({ model: config.model, activation: config.activation }) });
}

/** Rebuild a trained model from `dir` (config.json + model.safetensors), in eval mode. */
export function loadRun(dir: string): { config: RunConfig; model: Module } {
  const cfgPath = join(dir, CONFIG_FILE), modelPath = join(dir, MODEL_FILE);
  for (const p of [cfgPath, modelPath]) {
    if (!existsSync(p)) throw new CliError(`run directory '${dir}' has no ${p.slice(dir.length + 1)} (train one with: kwta train --out ${dir})`);
  }
  let config: RunConfig;
  try {
    config = JSON.parse(readFileSync(cfgPath, 'utf8')) as RunConfig;
  } catch (e) {
    throw new CliError(`${cfgPath}: not valid JSON (${(e as Error).message})`);
  }
  const model = buildModel(modelSpecOf(config));
  loadSafetensorsInto(model, modelPath, { strict: true });
  model.eval();
  return { config, model };
}
