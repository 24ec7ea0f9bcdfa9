import { Generator, argmax, equal, memory, sum, tensor, tidy, cast, type Tensor } from '@kwta/core';
import { KWTA, Linear, Sequential, crossEntropy, type Module } from '@kwta/nn';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, SGD, type Optimizer } from '../src/index.js';

/**
 * XOR of signs in the plane (points within 0.1 of an axis dropped): not linearly separable, so
 * the k-WTA hidden layers have to do the work.
 */
function xorData(n: number, gen: Generator): { x: Tensor; y: Tensor } {
  const xs: number[] = [];
  const ys: number[] = [];
  while (ys.length < n) {
    const a = gen.uniform() * 2 - 1, b = gen.uniform() * 2 - 1;
    if (Math.abs(a) < 0.1 || Math.abs(b) < 0.1) continue;
    xs.push(a, b);
    ys.push(a > 0 !== b > 0 ? 1 : 0);
  }
  return { x: tensor(xs, [n, 2]).keep(), y: tensor(Int32Array.from(ys)).keep() };
}

function model(seed: number): Module {
  const gen = new Generator(seed);
  return new Sequential(new Linear(2, 32, { gen }), new KWTA({ gamma: 0.5 }), new Linear(32, 32, { gen }), new KWTA({ gamma: 0.5 }), new Linear(32, 2, { gen }));
}

function accuracy(m: Module, x: Tensor, y: Tensor): number {
  return tidy(() => sum(cast(equal(argmax(m.forward(x), 1), y), 'float32')).item() / y.size);
}

/** Full-batch training; returns the final accuracy and the live-tensor count after each step. */
function train(m: Module, opt: Optimizer, data: { x: Tensor; y: Tensor }, steps: number): { acc: number; live: number[] } {
  const live: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    tidy(() => crossEntropy(m.forward(data.x), data.y).backward());
    opt.step();
    live.push(memory().numTensors);
  }
  return { acc: accuracy(m, data.x, data.y), live };
}

describe('a small k-WTA network learns XOR with each optimizer', () => {
  const cases: [string, (ps: Tensor[]) => Optimizer, number][] = [
    ['SGD + Nesterov momentum', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }), 150],
    ['Adam', (ps) => new Adam(ps, { lr: 0.01 }), 150],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.01 }), 150],
  ];
  for (const [name, make, steps] of cases) {
    it(`${name}: ≥ 95% training accuracy in ${steps} full-batch steps, memory flat`, () => {
      const data = xorData(256, new Generator(1));
      const m = model(2);
      const before = accuracy(m, data.x, data.y);
      const opt = make(m.parameters());
      const { acc, live } = train(m, opt, data, steps);
      expect(before).toBeLessThan(0.8);
      expect(acc).toBeGreaterThanOrEqual(0.95);
      // After the first step (state buffers created) the live-tensor count never moves.
      expect(new Set(live.slice(1)).size).toBe(1);
      const test = xorData(256, new Generator(3));
      expect(accuracy(m, test.x, test.y)).toBeGreaterThanOrEqual(0.9);
      opt.dispose();
      m.dispose();
      for (const t of [data.x, data.y, test.x, test.y]) t.dispose();
    });
  }
});
