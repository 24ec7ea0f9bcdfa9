import { Flatten, Sequential } from '../layers/basic.js';
import { Linear } from '../layers/linear.js';
import { MODEL_OPTION_NAMES, positiveInt, resolve, type ModelOptions, type OptionNames } from './common.js';

export interface MlpOptions extends ModelOptions {
  /** Features per flattened input (C·H·W). */
  inFeatures: number;
  /** Width of both hidden layers (default 256). */
  hidden?: number;
}

const OPTION_NAMES: OptionNames<MlpOptions> = { ...MODEL_OPTION_NAMES, inFeatures: true, hidden: true };

/**
 * The small baseline classifier: flatten, two hidden linear layers of `hidden` units each
 * followed by the activation, then `numClasses` outputs (state-dict names `1.weight` ...
 * `5.bias`).
 */
export function mlp(opts: MlpOptions): Sequential {
  const { activation, gen, numClasses, dtype } = resolve('mlp', opts, OPTION_NAMES);
  const d = positiveInt('mlp', 'inFeatures', opts.inFeatures);
  const h = positiveInt('mlp', 'hidden', opts.hidden ?? 256);
  const init = { gen, dtype };
  return new Sequential(new Flatten(), new Linear(d, h, init), activation(), new Linear(h, h, init), activation(), new Linear(h, numClasses, init));
}
