import { Generator, ShapeError, ValueError, argmax, memory, noGrad, tensor, tidy, type Tensor } from '@kwta/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BPDA,
  CarliniWagnerL2,
  DeepFool,
  EstimatedGradientPGD,
  FGSM,
  MIM,
  PGD,
  SquareAttack,
  TransferAttack,
  type Attack,
  type Norm,
} from '../src/index.js';
import { tinyProblem } from './fixtures/models.js';
import { Mlp } from './fixtures/mlp.js';
import type { Blobs } from './fixtures/synthetic.js';

let net: Mlp;
let data: Blobs;
let source: Mlp;

beforeAll(() => {
  ({ net, test: data } = tinyProblem());
  source = new Mlp([8, 32, 3], { kind: 'relu' }, 99);
});

/** Every attack at radius eps (the L2 ones use an L2 ball). */
function allAttacks(eps: number): Attack[] {
  const few = { initial: 4, max: 8, doubleEvery: 5 };
  return [
    new FGSM({ eps }),
    new FGSM({ eps: eps * 3, norm: 'l2' }),
    new PGD({ eps, steps: 10 }),
    new PGD({ eps: eps * 3, norm: 'l2', steps: 10, restarts: 2, loss: 'margin' }),
    new PGD({ eps, steps: 10, loss: 'dlr' }),
    new MIM({ eps, steps: 10, stepSize: eps / 4 }),
    new CarliniWagnerL2({ eps: eps * 3, norm: 'l2', binarySearchSteps: 2, steps: 10, learningRate: 0.05 }),
    new CarliniWagnerL2({ eps, norm: 'linf', binarySearchSteps: 2, steps: 10 }),
    new DeepFool({ eps, norm: 'linf', steps: 10 }),
    new DeepFool({ eps: eps * 3, norm: 'l2', steps: 10 }),
    new TransferAttack(source.forward, new PGD({ eps, steps: 5 })),
    new EstimatedGradientPGD({ eps, steps: 6, samples: few }),
    new EstimatedGradientPGD({ eps, steps: 4, samples: few, estimator: 'gradient-average' }),
    new BPDA({ eps, steps: 10, surrogate: net.surrogate() }),
    new SquareAttack({ eps, queries: 30 }),
  ];
}

function predictions(t: Tensor): Int32Array {
  return tidy(() => noGrad(() => argmax(net.forward(t), 1).dataSync() as Int32Array));
}

function maxDistance(a: ArrayLike<number>, b: ArrayLike<number>, row: number, len: number, norm: Norm): number {
  let acc = 0;
  for (let j = row * len; j < (row + 1) * len; j++) acc = norm === 'linf' ? Math.max(acc, Math.abs(a[j] - b[j])) : acc + (a[j] - b[j]) ** 2;
  return norm === 'linf' ? acc : Math.sqrt(acc);
}

describe('every attack', () => {
  it('returns the input unchanged at eps = 0', () => {
    for (const attack of allAttacks(0.1)) {
      const r = attack.withEps(0).run(net.forward, data.x, data.y, { gen: new Generator(1) });
      expect(Array.from(r.xAdv.dataSync()), attack.name).toEqual(Array.from(data.x.dataSync()));
      expect(r.norms.every((v) => v === 0), attack.name).toBe(true);
    }
  });

  it('stays inside the eps ball and [0, 1], and its success flags agree with the model', () => {
    const x = data.x.dataSync();
    const len = x.length / data.y.length;
    for (const attack of allAttacks(0.1)) {
      const r = attack.run(net.forward, data.x, data.y, { gen: new Generator(2) });
      const adv = r.xAdv.dataSync();
      expect(r.xAdv.shape, attack.name).toEqual(data.x.shape);
      for (let i = 0; i < data.y.length; i++) {
        const d = maxDistance(adv, x, i, len, attack.norm);
        expect(d, `${attack.name} row ${i}`).toBeLessThanOrEqual(attack.eps);
        expect(r.norms[i], attack.name).toBeCloseTo(d, 6);
      }
      expect(adv.every((v) => v >= 0 && v <= 1), attack.name).toBe(true);
      const pred = predictions(r.xAdv);
      expect(r.success, attack.name).toEqual(Array.from(pred, (p, i) => p !== data.y[i]));
      expect(r.forwardCount.every((c) => Number.isInteger(c) && c >= 1), attack.name).toBe(true);
      expect(r.gradCount.every((c) => Number.isInteger(c) && c >= 0), attack.name).toBe(true);
      expect(r.success.some(Boolean), `${attack.name} breaks nothing at eps 0.1`).toBe(true);
    }
  });

  it('leaves no tensors behind (only the returned xAdv)', () => {
    for (const attack of allAttacks(0.1)) {
      const before = memory().numTensors;
      const r = attack.run(net.forward, data.x, data.y, { gen: new Generator(7) });
      r.xAdv.dispose();
      expect(memory().numTensors, attack.name).toBe(before);
    }
  });

  it('is deterministic for a given seed', () => {
    for (const attack of allAttacks(0.1)) {
      const a = attack.run(net.forward, data.x, data.y, { gen: new Generator(3) }).xAdv.dataSync();
      const b = attack.run(net.forward, data.x, data.y, { gen: new Generator(3) }).xAdv.dataSync();
      expect(Array.from(a), attack.name).toEqual(Array.from(b));
    }
  });

  it('rejects a negative or NaN eps and inverted bounds with a ValueError', () => {
    const makers: ((eps: number, bounds: [number, number]) => Attack)[] = [
      (eps, bounds) => new FGSM({ eps, bounds }),
      (eps, bounds) => new PGD({ eps, bounds }),
      (eps, bounds) => new MIM({ eps, bounds }),
      (eps, bounds) => new CarliniWagnerL2({ eps, bounds }),
      (eps, bounds) => new DeepFool({ eps, bounds }),
      (eps, bounds) => new EstimatedGradientPGD({ eps, bounds }),
      (eps, bounds) => new BPDA({ eps, bounds, surrogate: net.forward }),
      (eps, bounds) => new SquareAttack({ eps, bounds }),
      (eps, bounds) => new TransferAttack(source.forward, new PGD({ eps, bounds })),
    ];
    for (const make of makers) {
      expect(() => make(-0.1, [0, 1])).toThrow(ValueError);
      expect(() => make(-0.1, [0, 1])).toThrow(/eps must be a number >= 0, got -0.1/);
      expect(() => make(Number.NaN, [0, 1])).toThrow(ValueError);
      expect(() => make(0.1, [1, 0])).toThrow(/bounds must be finite with lo < hi, got \[1, 0\]/);
    }
    for (const attack of allAttacks(0.1)) expect(() => attack.withEps(-1)).toThrow(ValueError);
  });

  it('rejects bad inputs, labels and targets with typed errors', () => {
    const pgd = new PGD({ eps: 0.1, steps: 2 });
    const gen = new Generator(4);
    const outside = tensor(Float32Array.from(data.x.dataSync(), (v, i) => (i === 5 ? 1.5 : v)), [...data.x.shape]);
    expect(() => pgd.run(net.forward, outside, data.y, { gen })).toThrow(/outside the bounds \[0, 1\]/);
    expect(() => pgd.run(net.forward, data.x, data.y.subarray(1), { gen })).toThrow(ShapeError);
    expect(() => pgd.run(net.forward, data.x, Int32Array.from(data.y, () => 7), { gen })).toThrow(/labels\[0\] = 7 but the model has 3 classes/);
    expect(() => pgd.run(net.forward, data.x, data.y, { gen, targets: data.y })).toThrow(/equals the true label/);
    expect(() => pgd.run(net.forward, data.x, data.y)).toThrow(/needs a Generator/);
    expect(() => new SquareAttack({ eps: 0.1 }).run(net.forward, data.x, data.y)).toThrow(/needs a Generator/);
    expect(() => new DeepFool({ eps: 0.1 }).run(net.forward, data.x, data.y, { targets: data.y.map((v) => (v + 1) % 3) })).toThrow(/untargeted/);
    expect(() => new PGD({ eps: 0.1, steps: 0 })).toThrow(/steps must be an integer >= 1/);
    expect(() => pgd.run((t: Tensor) => t.sum(1), data.x, data.y, { gen })).toThrow(/logits \[N, classes\]/);
  });

  it('spends no gradients in gradient-free and finite-difference attacks', () => {
    for (const attack of [new SquareAttack({ eps: 0.1, queries: 20 }), new EstimatedGradientPGD({ eps: 0.1, steps: 3, samples: { initial: 2, max: 4, doubleEvery: 1 } })]) {
      const r = attack.run(net.forward, data.x, data.y, { gen: new Generator(5) });
      expect(r.gradCount.every((c) => c === 0), attack.name).toBe(true);
    }
  });

  it('works under noGrad and on float64 inputs', () => {
    const r = noGrad(() => new PGD({ eps: 0.1, steps: 5 }).run(net.forward, data.x, data.y, { gen: new Generator(6) }));
    expect(r.success.some(Boolean)).toBe(true);
    const x64 = tensor(Float64Array.from(data.x.dataSync()), [...data.x.shape], 'float64');
    const net64 = (t: Tensor) => net.forward(t.cast('float32'));
    const r64 = new FGSM({ eps: 0.1 }).run(net64, x64, data.y);
    expect(r64.xAdv.dtype).toBe('float64');
  });
});
