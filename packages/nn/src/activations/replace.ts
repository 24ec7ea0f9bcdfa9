import { ValueError } from '@kwta/core';
import { Module } from '../module.js';
import { Activation } from './activation.js';
import { RatioKWTA } from './kwta.js';

/** Options of replacing a model's activations: which modules to replace. */
export interface ReplaceOptions {
  /** Which modules to replace (default: every Activation, ReLU included). */
  match?: (m: Module, path: string) => boolean;
}

/**
 * The paper's "only change": swap every activation module of `model` for `factory(path, old)`,
 * keeping everything else (convolutions, BatchNorm, pooling, weights). Returns how many were
 * replaced; a model with none to replace is an error, not a silent no-op.
 */
export function replaceActivations(model: Module, factory: (path: string, old: Module) => Module, opts: ReplaceOptions = {}): number {
  if (typeof factory !== 'function' || factory.prototype instanceof Module) {
    const got = factory instanceof Module ? `a ${factory.constructor.name} instance` : typeof factory === 'function' ? `the class ${(factory as { name: string }).name}` : String(factory);
    throw new ValueError(`replaceActivations: factory must be a function (path, old) => new layer, e.g. () => new KWTA({ gamma: 0.1 }); got ${got}`);
  }
  const match = opts.match ?? ((m: Module) => m instanceof Activation);
  let count = 0;
  for (const [path, parent] of model.namedModules()) {
    for (const [name, child] of parent.namedChildren()) {
      const childPath = path ? `${path}.${name}` : name;
      if (!match(child, childPath)) continue;
      const replacement = factory(childPath, child);
      if (!(replacement instanceof Module)) throw new ValueError(`replaceActivations: factory returned a non-Module for '${childPath}'`);
      parent.replaceChild(name, replacement);
      count++;
    }
  }
  if (count === 0) throw new ValueError(`replaceActivations: ${model.constructor.name} has no activation modules to replace`);
  return count;
}

/**
 * Set the sparsity ratio γ of every γ-parameterized k-WTA layer (KWTA, KWTAChannel): the hook
 * the incremental schedule (@kwta/optim's IncrementalSparsity) drives each epoch. Returns the
 * number of layers changed; a model with no such layer is an error.
 */
export function setSparsity(model: Module, gamma: number): number {
  const layers = model.modules().filter((m): m is RatioKWTA => m instanceof RatioKWTA);
  if (layers.length === 0) throw new ValueError(`setSparsity: ${model.constructor.name} has no k-WTA layers with a sparsity ratio`);
  if (!(gamma > 0 && gamma <= 1)) throw new ValueError(`setSparsity: gamma (sparsity ratio) must be in (0, 1], got ${gamma}`);
  for (const layer of layers) layer.gamma = gamma;
  return layers.length;
}
