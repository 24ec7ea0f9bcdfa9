import { Generator, ValueError, randn } from '@kwta/core';
import { describe, expect, it } from 'vitest';
import { Adam, SGD } from '../src/index.js';

describe('optimizers say what to pass', () => {
  const model = { parameters: () => [randn([2], new Generator(1)).requireGrad()] };

  it.each([['Adam', (p: never) => new Adam(p, { lr: 1e-3 })], ['SGD', (p: never) => new SGD(p, { lr: 1e-3 })]])('%s: a model instead of its parameters, or no iterable', (name, make) => {
    expect(() => make(model as never)).toThrow(ValueError);
    expect(() => make(model as never)).toThrow(new RegExp(`${name}: pass model\\.parameters\\(\\), not the model itself`));
    expect(() => make({} as never)).toThrow(new RegExp(`${name}: params must be an iterable of Tensors \\(e\\.g\\. model\\.parameters\\(\\)\\), got an object`));
    expect(() => make(model.parameters() as never)).not.toThrow();
  });
});
