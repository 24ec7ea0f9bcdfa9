/**
 * @kwta/attacks/node: evaluation state on disk (Node's fs), so a long evaluation survives being
 * killed and shards written by separate machines can be merged. The default entry stays free of
 * Node built-ins and bundles for browsers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ValueError, type Tensor } from '@kwta/core';
import { writeFileAtomic } from '@kwta/nn/node';
import type { Labels } from './attack.js';
import type { Classifier } from './classifier.js';
import { mergeStates, type EvaluationState } from './harness/eval-state.js';
import { runEvaluation, type EvaluateOptions } from './harness/evaluate.js';

/** Read a state file written by writeEvaluationState; anything else is a ValueError naming the file. */
export function readEvaluationState(path: string): EvaluationState {
  let state: EvaluationState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as EvaluationState;
  } catch (e) {
    throw new ValueError(`readEvaluationState: ${path} cannot be read as JSON (${(e as Error).message})`);
  }
  if (state?.format !== 'kwta-evaluation-state' || state.version !== 1) throw new ValueError(`readEvaluationState: ${path} is not a kwta evaluation state`);
  return state;
}

/**
 * Write the state through the project's one writer (@kwta/nn/node's writeFileAtomic: temporary
 * file, fsync, rename; temporary files of killed writers removed): a kill never leaves half a file.
 */
export function writeEvaluationState(path: string, state: EvaluationState): void {
  writeFileAtomic(path, JSON.stringify(state));
}

/**
 * runEvaluation with its state kept in `statePath`: resumed from the file when it exists, and
 * rewritten after the clean pass and every batch. Kill it at any point and call it again with
 * the same arguments: it continues, and the finished state (and report) is the same.
 */
export function evaluateWithStateFile(model: Classifier, x: Tensor, y: Labels, statePath: string, opts: Omit<EvaluateOptions, 'resume'>): EvaluationState {
  const resume = existsSync(statePath) ? readEvaluationState(statePath) : undefined;
  return runEvaluation(model, x, y, {
    ...opts,
    resume,
    onState: (s) => {
      writeEvaluationState(statePath, s);
      opts.onState?.(s);
    },
  });
}

/** Merge the state files of every shard of one evaluation (any order) into the whole evaluation's state. */
export function mergeStateFiles(paths: readonly string[]): EvaluationState {
  return mergeStates(paths.map(readEvaluationState));
}
